-- 016-vectorizer-guard.sql: a role may change only its own vectorizers.
--
-- Owns (ours, not pgai's; docs/security.md):
--   ai._vectorizer_guard()        trigger function
--   ai._vectorizer_guard_owner()  the owner of a table by name
--   trigger _vectorizer_guard     on ai.vectorizer, before insert, update or delete, per row
--
-- pgai's usage grant (ai.grant_vectorizer_usage) gives every user INSERT,
-- UPDATE and DELETE on all of ai.vectorizer: without a check, a tenant could
-- point its vectorizer at a table it cannot read (the worker would copy it
-- into the tenant's store and send it to the tenant's provider), or rewrite
-- another role's vectorizer (its base_url) and receive that role's texts and
-- the worker's API key. The table keeps pgai's shape; this trigger checks
-- each row change instead:
--   - the installer (a member of ai.vectorizer's owner) and superusers may do
--     anything, so migrations that rewrite configs keep working;
--   - an UPDATE that changes only `disabled` is allowed to everyone with the
--     grant (pgai's read-only consumers enable and disable vectorizers);
--   - otherwise the row being changed or deleted must be the caller's: the
--     caller is a member of the owner of its queue table (its creator), or,
--     once that table is gone (ai.drop_vectorizer drops it first), of the
--     owner of its source table;
--   - and the row written must name only tables the caller owns: the source
--     (as ai.create_vectorizer requires), and the queue, failed-queue and
--     store tables where they exist.
-- The worker checks the same ownership before every pass (src/catalog/trust.c),
-- for databases whose ai schema pgai's own installer wrote.

-- The owner of a table by name, or NULL; by catalog lookup, since
-- to_regclass needs USAGE on the schema, which the caller may lack.
create or replace function ai._vectorizer_guard_owner(schema_name pg_catalog.name, table_name pg_catalog.name)
returns pg_catalog.oid
as $func$
  select c.relowner
  from pg_catalog.pg_class c
  join pg_catalog.pg_namespace n on n.oid operator(pg_catalog.=) c.relnamespace
  where n.nspname operator(pg_catalog.=) schema_name and c.relname operator(pg_catalog.=) table_name
$func$ language sql stable security invoker
set search_path to pg_catalog, pg_temp;

create or replace function ai._vectorizer_guard() returns trigger
as $func$
declare
  _owner pg_catalog.oid;
  _rel pg_catalog.text;
  _what pg_catalog.text;
begin
  if pg_catalog.pg_has_role(current_user,
       (select c.relowner from pg_catalog.pg_class c where c.oid operator(pg_catalog.=) 'ai.vectorizer'::pg_catalog.regclass),
       'MEMBER') then
    return case when tg_op operator(pg_catalog.=) 'DELETE' then old else new end;
  end if;

  if tg_op operator(pg_catalog.=) 'UPDATE'
     and (pg_catalog.to_jsonb(new) operator(pg_catalog.-) 'disabled')
         operator(pg_catalog.=) (pg_catalog.to_jsonb(old) operator(pg_catalog.-) 'disabled') then
    return new;
  end if;

  if tg_op operator(pg_catalog.<>) 'INSERT' then
    _owner = coalesce(ai._vectorizer_guard_owner(old.queue_schema, old.queue_table),
                      ai._vectorizer_guard_owner(old.source_schema, old.source_table));
    if _owner is null or not pg_catalog.pg_has_role(current_user, _owner, 'MEMBER') then
      raise exception 'only the owner of vectorizer % or a superuser may change or drop it', old.id
        using errcode = '42501'
        , hint = 'the owner is the owner of its queue table; see docs/security.md';
    end if;
  end if;
  if tg_op operator(pg_catalog.=) 'DELETE' then
    return old;
  end if;

  -- every table the new row names that exists must be the caller's
  for _what, _rel, _owner in
    select x.what, pg_catalog.format('%I.%I', x.s, x.t), ai._vectorizer_guard_owner(x.s, x.t)
    from (values
      ('source table', new.source_schema, new.source_table),
      ('queue table', new.queue_schema, new.queue_table),
      ('failed-queue table', new.queue_schema, new.queue_failed_table),
      ('store table', new.config operator(pg_catalog.->) 'destination' operator(pg_catalog.->>) 'target_schema',
                      new.config operator(pg_catalog.->) 'destination' operator(pg_catalog.->>) 'target_table')
    ) x(what, s, t)
    where x.s is not null and x.t is not null
  loop
    if _what operator(pg_catalog.=) 'source table' and _owner is null then
      raise exception 'vectorizer %: the source table %.% does not exist', new.id, new.source_schema, new.source_table
        using errcode = '42P01';
    end if;
    if _owner is not null and not pg_catalog.pg_has_role(current_user, _owner, 'MEMBER') then
      raise exception 'vectorizer %: only a superuser or the owner of % % may use it in a vectorizer', new.id, _what, _rel
        using errcode = '42501';
    end if;
  end loop;
  return new;
end
$func$ language plpgsql volatile security invoker
set search_path to pg_catalog, pg_temp;

create or replace trigger _vectorizer_guard
before insert or update or delete on ai.vectorizer
for each row execute function ai._vectorizer_guard();
