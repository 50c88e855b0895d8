-- 007-grant-to.sql: the grant_to list builders used for create_vectorizer's
-- grant_to argument. Owns ai.grant_to(variadic name[]) and ai.grant_to().
-- Both merge the caller's names with the comma-separated GUC
-- ai.grant_to_default. The result has no duplicates and is never NULL; the
-- order (explicit names first, then the GUC's, first occurrence wins) is ours,
-- pgai leaves it unspecified. 'public' passes through and later means PUBLIC.
-- Volatile because the GUC is read at call time.

create or replace function ai.grant_to(variadic grantees pg_catalog.name[]) returns pg_catalog.name[]
as $func$
  select coalesce(pg_catalog.array_agg(x.grantee order by x.first_seen), '{}'::pg_catalog.name[])
  from
  ( select g.grantee, pg_catalog.min(g.ord) as first_seen
    from
    ( select u.grantee::pg_catalog.name as grantee, u.ord
      from pg_catalog.unnest(grantees) with ordinality as u(grantee, ord)
      union all
      -- GUC entries come after every explicit name, hence the offset
      select pg_catalog.btrim(d.grantee)::pg_catalog.name
           , d.ord + coalesce(pg_catalog.cardinality(grantees), 0)
      from pg_catalog.string_to_table
           ( pg_catalog.current_setting('ai.grant_to_default', true), ','
           ) with ordinality as d(grantee, ord)
    ) g
    -- skip NULL array elements and empty GUC entries such as 'bob,,sal'
    where g.grantee is not null and g.grantee != ''
    group by g.grantee
  ) x
$func$ language sql volatile security invoker
set search_path to pg_catalog, pg_temp;

-- PostgreSQL does not let a variadic function be called with no arguments,
-- so the zero-argument form (create_vectorizer's default) is separate.
create or replace function ai.grant_to() returns pg_catalog.name[]
as $func$
  select ai.grant_to(variadic array[]::pg_catalog.name[])
$func$ language sql volatile security invoker
set search_path to pg_catalog, pg_temp;
