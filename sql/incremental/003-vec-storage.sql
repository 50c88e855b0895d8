-- Embeddings are stored inline (STORAGE MAIN) rather than toasted out of line.
declare
  _sql text;
begin
  for _sql in
    select pg_catalog.format('alter table %I.%I alter column embedding set storage main',
                             v.target_schema, v.target_table)
    from ai.vectorizer v
    join pg_catalog.pg_namespace n on n.nspname operator(pg_catalog.=) v.target_schema
    join pg_catalog.pg_class c on c.relnamespace operator(pg_catalog.=) n.oid
                               and c.relname operator(pg_catalog.=) v.target_table
    join pg_catalog.pg_attribute a on a.attrelid operator(pg_catalog.=) c.oid
                                   and a.attname operator(pg_catalog.=) 'embedding'
    where a.attstorage not in ('m', 'p')
  loop
    raise info '%', _sql;
    execute _sql;
  end loop;
end;
