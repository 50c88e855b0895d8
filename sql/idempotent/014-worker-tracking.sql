-- 014-worker-tracking.sql: the functions the vectorizer worker calls to
-- report that it is alive and how its batches went (spec sql-catalog.md
-- 2.5 and 5.10). They maintain ai.vectorizer_worker_process (one row per
-- worker process start) and ai.vectorizer_worker_progress (one row per
-- vectorizer), both created by migration 020.
--
-- Timestamps come from clock_timestamp(), not now(): a worker may call these
-- several times in one transaction and each call should get its own time.

-- Registers a worker process start and returns its id.
create or replace function ai._worker_start
( version pg_catalog.text
, expected_heartbeat_interval pg_catalog.interval
) returns pg_catalog.uuid
as $func$
declare
  _id pg_catalog.uuid;
begin
  insert into ai.vectorizer_worker_process (version, expected_heartbeat_interval)
  values (_worker_start.version, _worker_start.expected_heartbeat_interval)
  returning id into strict _id;
  return _id;
end
$func$ language plpgsql volatile security invoker
set search_path to pg_catalog, pg_temp;

-- Adds the counts since the last heartbeat. A non-null error_message becomes
-- the last error, stamped with the same time as the heartbeat. An unknown
-- worker id updates nothing (no error).
create or replace function ai._worker_heartbeat
( worker_id pg_catalog.uuid
, num_successes_since_last_heartbeat pg_catalog.int4
, num_errors_since_last_heartbeat pg_catalog.int4
, error_message pg_catalog.text
) returns void
as $func$
declare
  _ts pg_catalog.timestamptz = pg_catalog.clock_timestamp();
begin
  update ai.vectorizer_worker_process p set
    last_heartbeat = _ts
  , heartbeat_count = p.heartbeat_count operator(pg_catalog.+) 1
  , error_count = p.error_count operator(pg_catalog.+) coalesce(num_errors_since_last_heartbeat, 0)
  , success_count = p.success_count operator(pg_catalog.+) coalesce(num_successes_since_last_heartbeat, 0)
  , last_error_message = case when _worker_heartbeat.error_message is not null
                           then _worker_heartbeat.error_message else p.last_error_message end
  , last_error_at = case when _worker_heartbeat.error_message is not null
                      then _ts else p.last_error_at end
  where p.id operator(pg_catalog.=) worker_id;
end
$func$ language plpgsql volatile security invoker
set search_path to pg_catalog, pg_temp;

-- Records one batch outcome for a vectorizer: successes are always added;
-- an error message counts one error and becomes the last error, otherwise
-- the call marks the last success.
create or replace function ai._worker_progress
( worker_id pg_catalog.uuid
, worker_vectorizer_id pg_catalog.int4
, num_successes pg_catalog.int4
, error_message pg_catalog.text
) returns void
as $func$
declare
  _ts pg_catalog.timestamptz;
begin
  insert into ai.vectorizer_worker_progress (vectorizer_id)
  values (worker_vectorizer_id)
  on conflict (vectorizer_id) do nothing;

  _ts = pg_catalog.clock_timestamp();
  if _worker_progress.error_message is null then
    update ai.vectorizer_worker_progress p set
      success_count = p.success_count operator(pg_catalog.+) coalesce(num_successes, 0)
    , last_success_at = _ts
    , last_success_process_id = worker_id
    where p.vectorizer_id operator(pg_catalog.=) worker_vectorizer_id;
  else
    update ai.vectorizer_worker_progress p set
      success_count = p.success_count operator(pg_catalog.+) coalesce(num_successes, 0)
    , error_count = p.error_count operator(pg_catalog.+) 1
    , last_error_at = _ts
    , last_error_message = _worker_progress.error_message
    , last_error_process_id = worker_id
    where p.vectorizer_id operator(pg_catalog.=) worker_vectorizer_id;
  end if;
end
$func$ language plpgsql volatile security invoker
set search_path to pg_catalog, pg_temp;
