-- Older versions had a foreign key from each target table to its source.
declare
  _sql text;
begin
  for _sql in
    select pg_catalog.format('alter table %I.%I drop constraint %I',
                             tn.nspname, tc.relname, k.conname)
    from ai.vectorizer v
    join pg_catalog.pg_namespace tn on tn.nspname operator(pg_catalog.=) v.target_schema
    join pg_catalog.pg_class tc on tc.relnamespace operator(pg_catalog.=) tn.oid
                                and tc.relname operator(pg_catalog.=) v.target_table
    join pg_catalog.pg_namespace sn on sn.nspname operator(pg_catalog.=) v.source_schema
    join pg_catalog.pg_class sc on sc.relnamespace operator(pg_catalog.=) sn.oid
                                and sc.relname operator(pg_catalog.=) v.source_table
    join pg_catalog.pg_constraint k on k.conrelid operator(pg_catalog.=) tc.oid
                                    and k.confrelid operator(pg_catalog.=) sc.oid
                                    and k.contype operator(pg_catalog.=) 'f'
  loop
    execute _sql;
  end loop;
end;
drop function if exists ai._vectorizer_create_source_trigger(name, name, name, name, name, jsonb);
drop function if exists ai._vectorizer_create_target_table(name, name, jsonb, name, name, int4, name[]);
