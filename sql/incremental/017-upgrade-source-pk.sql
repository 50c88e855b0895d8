-- Recompute source_pk with format_type() type names (keeps typmods, arrays
-- and schema-qualified types) for every vectorizer whose source still exists.
update ai.vectorizer v set source_pk = x.source_pk
from
( select v2.id
  , ( select pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object
        ( 'attnum', a.attnum
        , 'pknum', k.pknum
        , 'attname', a.attname
        , 'typname', pg_catalog.format_type(a.atttypid, a.atttypmod)
        ) order by k.pknum)
      from pg_catalog.pg_constraint con
      cross join lateral pg_catalog.unnest(con.conkey) with ordinality k(attnum, pknum)
      join pg_catalog.pg_attribute a on a.attrelid operator(pg_catalog.=) con.conrelid
                                     and a.attnum operator(pg_catalog.=) k.attnum
      where con.conrelid operator(pg_catalog.=) c.oid and con.contype operator(pg_catalog.=) 'p'
    ) as source_pk
  from ai.vectorizer v2
  join pg_catalog.pg_namespace n on n.nspname operator(pg_catalog.=) v2.source_schema
  join pg_catalog.pg_class c on c.relnamespace operator(pg_catalog.=) n.oid
                             and c.relname operator(pg_catalog.=) v2.source_table
) x
where x.id operator(pg_catalog.=) v.id and x.source_pk is not null;
