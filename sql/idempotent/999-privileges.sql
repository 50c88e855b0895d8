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

-------------------------------------------------------------------------------
-- ai.grant_vectorizer_worker (ours; docs/running.md "Least privilege"): what a
-- worker's login role needs and nothing more. pgai's usage grant, even with
-- admin => true, covers neither the worker tracking tables nor the tables of
-- each vectorizer.
--
-- Catalog and bookkeeping: USAGE on schema ai; SELECT on ai.vectorizer and
-- the version tables; INSERT (and SELECT) on the error table; SELECT, INSERT,
-- UPDATE on the worker tracking tables; EXECUTE on their functions.
-- Per vectorizer, for every vectorizer whose tables the caller may grant on
-- (its owner, or a superuser): USAGE on their schemas; SELECT on the source
-- (UPDATE too for a column destination); SELECT, INSERT, UPDATE, DELETE on
-- the queue and failed-queue tables; SELECT, INSERT, DELETE on the store.
-- Vectorizers it may not grant on are skipped with a NOTICE. Run it again
-- after creating vectorizers (or give them grant_to => ai.grant_to(<worker>)
-- and GRANT DELETE on the store).
create or replace function ai.grant_vectorizer_worker(to_user pg_catalog.name) returns void
as $func$
declare
  _v record;
  _dest pg_catalog.jsonb;
begin
  execute pg_catalog.format('grant usage on schema ai to %I', to_user);
  execute pg_catalog.format('grant select on ai.vectorizer, ai.pgai_lib_version, ai.pgai_lib_migration, ai.pgai_lib_feature_flag to %I', to_user);
  execute pg_catalog.format('grant select, insert on ai._vectorizer_errors to %I', to_user);
  execute pg_catalog.format('grant select, insert, update on ai.vectorizer_worker_process, ai.vectorizer_worker_progress to %I', to_user);
  execute pg_catalog.format('grant execute on function ai._worker_start(pg_catalog.text, pg_catalog.interval),'
    ' ai._worker_heartbeat(pg_catalog.uuid, pg_catalog.int4, pg_catalog.int4, pg_catalog.text),'
    ' ai._worker_progress(pg_catalog.uuid, pg_catalog.int4, pg_catalog.int4, pg_catalog.text) to %I', to_user);

  for _v in select * from ai.vectorizer order by id loop
    _dest = _v.config operator(pg_catalog.->) 'destination';
    begin
      execute pg_catalog.format('grant usage on schema %I, %I to %I', _v.source_schema, _v.queue_schema, to_user);
      execute pg_catalog.format('grant select%s on %I.%I to %I'
        , case when _dest operator(pg_catalog.->>) 'implementation' operator(pg_catalog.=) 'column' then ', update' else '' end
        , _v.source_schema, _v.source_table, to_user);
      execute pg_catalog.format('grant select, insert, update, delete on %I.%I to %I', _v.queue_schema, _v.queue_table, to_user);
      if _v.queue_failed_table is not null then
        execute pg_catalog.format('grant select, insert, update, delete on %I.%I to %I', _v.queue_schema, _v.queue_failed_table, to_user);
      end if;
      if _dest operator(pg_catalog.->>) 'implementation' operator(pg_catalog.=) 'table' then
        execute pg_catalog.format('grant usage on schema %I to %I', _dest operator(pg_catalog.->>) 'target_schema', to_user);
        execute pg_catalog.format('grant select, insert, delete on %I.%I to %I'
          , _dest operator(pg_catalog.->>) 'target_schema', _dest operator(pg_catalog.->>) 'target_table', to_user);
      end if;
    exception when insufficient_privilege or undefined_table or invalid_schema_name then
      raise notice 'vectorizer %: not granted to % (%)', _v.id, to_user, sqlerrm;
    end;
  end loop;
end
$func$ language plpgsql volatile security invoker
set search_path to pg_catalog, pg_temp;
