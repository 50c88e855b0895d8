-- 999-privileges.sql: ai.grant_vectorizer_usage (spec sql-catalog.md 5.11),
-- always the last idempotent file so every object it grants on exists.
-- A fresh install itself grants nothing.
--
-- Security invoker: the caller needs grant rights on the objects (normally
-- the installing role runs it). pgai pastes the role name in unquoted; we
-- quote it with %I, so odd role names work and cannot inject SQL. 'public'
-- needs no quotes, so it still means the PUBLIC pseudo-role.
create or replace function ai.grant_vectorizer_usage
( to_user pg_catalog.name
, admin pg_catalog.bool default false
) returns void
as $func$
begin
  if not admin then
    -- Enough to create, inspect, enable/disable and drop vectorizers.
    execute pg_catalog.format('grant usage, create on schema ai to %I', to_user);
    execute pg_catalog.format('grant select, insert, update, delete on ai.vectorizer to %I', to_user);
    execute pg_catalog.format('grant select on ai._vectorizer_errors to %I', to_user);
    execute pg_catalog.format('grant select on ai.vectorizer_errors to %I', to_user);
    execute pg_catalog.format('grant select on ai.vectorizer_status to %I', to_user);
    -- ours: the failed-items view (rows show only for failed queues the role can read)
    execute pg_catalog.format('grant select on ai.vectorizer_failed_items to %I', to_user);
    execute pg_catalog.format('grant select, usage on sequence ai.vectorizer_id_seq to %I', to_user);
  else
    execute pg_catalog.format('grant all privileges on schema ai to %I', to_user);
    execute pg_catalog.format('grant all privileges on ai.pgai_lib_migration to %I', to_user);
    execute pg_catalog.format('grant all privileges on ai.pgai_lib_version to %I', to_user);
    execute pg_catalog.format('grant all privileges on ai.pgai_lib_feature_flag to %I', to_user);
    execute pg_catalog.format('grant all privileges on ai.vectorizer to %I', to_user);
    execute pg_catalog.format('grant all privileges on ai._vectorizer_errors to %I', to_user);
    execute pg_catalog.format('grant all privileges on ai.vectorizer_errors to %I', to_user);
    execute pg_catalog.format('grant all privileges on ai.vectorizer_status to %I', to_user);
    execute pg_catalog.format('grant all privileges on ai.vectorizer_failed_items to %I', to_user);
    execute pg_catalog.format('grant all privileges on sequence ai.vectorizer_id_seq to %I', to_user);
  end if;
end
$func$ language plpgsql volatile security invoker
set search_path to pg_catalog, pg_temp;
