-- Every vectorizer gets a failed-queue table beside its queue, with the same
-- grantees as the queue table.
declare
  _v record;
  _cols text;
  _idx text;
  _grantee text;
begin
  update ai.vectorizer set queue_failed_table = '_vectorizer_q_failed_' operator(pg_catalog.||) id;

  for _v in select * from ai.vectorizer v where v.queue_table is not null loop
    select pg_catalog.string_agg(pg_catalog.format('%I %s not null', x.attname, x.typname), ', ' order by x.attnum)
    , (select pg_catalog.string_agg(pg_catalog.format('%I', y.attname), ', ' order by y.pknum)
       from pg_catalog.jsonb_to_recordset(_v.source_pk) y(pknum int4, attname name))
    into _cols, _idx
    from pg_catalog.jsonb_to_recordset(_v.source_pk) x(attnum int4, attname name, typname text);

    execute pg_catalog.format
    ( 'create table if not exists %I.%I (%s, created_at timestamptz not null default now(), failure_step text not null default %L)'
    , _v.queue_schema, _v.queue_failed_table, _cols, '');
    execute pg_catalog.format('create index on %I.%I (%s)', _v.queue_schema, _v.queue_failed_table, _idx);

    for _grantee in
      select distinct case when a.grantee operator(pg_catalog.=) 0 then 'public'
                           else pg_catalog.quote_ident(r.rolname) end
      from pg_catalog.pg_class c
      join pg_catalog.pg_namespace n on n.oid operator(pg_catalog.=) c.relnamespace
      cross join lateral pg_catalog.aclexplode(c.relacl) a
      left join pg_catalog.pg_roles r on r.oid operator(pg_catalog.=) a.grantee
      where n.nspname operator(pg_catalog.=) _v.queue_schema
        and c.relname operator(pg_catalog.=) _v.queue_table
        and a.grantee operator(pg_catalog.!=) c.relowner
    loop
      execute pg_catalog.format('grant usage on schema %I to %s', _v.queue_schema, _grantee);
      execute pg_catalog.format('grant select, insert, update, delete on %I.%I to %s',
                                _v.queue_schema, _v.queue_failed_table, _grantee);
    end loop;
  end loop;
end;
