-- 003-scheduling.sql: scheduling configuration builders, the resolver for the
-- "default" placeholder, and the validator.
-- Owns ai.scheduling_none, ai.scheduling_default, ai.scheduling_timescaledb,
-- ai._resolve_scheduling_default and ai._validate_scheduling.

create or replace function ai.scheduling_none() returns pg_catalog.jsonb
as $func$
  select pg_catalog.jsonb_build_object
  ( 'implementation', 'none'
  , 'config_type', 'scheduling'
  )
$func$ language sql immutable security invoker
set search_path to pg_catalog, pg_temp;

-- A placeholder: create_vectorizer and set_scheduling replace it with
-- ai._resolve_scheduling_default() before validating and storing.
create or replace function ai.scheduling_default() returns pg_catalog.jsonb
as $func$
  select pg_catalog.jsonb_build_object
  ( 'implementation', 'default'
  , 'config_type', 'scheduling'
  )
$func$ language sql immutable security invoker
set search_path to pg_catalog, pg_temp;

-- Stripped. json_build_object renders the interval in the session
-- IntervalStyle ("00:05:00") and the timestamptz as ISO 8601 in the session
-- TimeZone ("2025-01-06T06:00:00+00:00"); that is what pgai stores, and
-- ai._vectorizer_schedule_job later passes these strings to add_job as
-- literals.
create or replace function ai.scheduling_timescaledb
( schedule_interval pg_catalog.interval default interval '5m'
, initial_start pg_catalog.timestamptz default null
, fixed_schedule pg_catalog.bool default null
, timezone pg_catalog.text default null
) returns pg_catalog.jsonb
as $func$
  select pg_catalog.json_strip_nulls(pg_catalog.json_build_object
  ( 'implementation', 'timescaledb'
  , 'config_type', 'scheduling'
  , 'schedule_interval', schedule_interval
  , 'initial_start', initial_start
  , 'fixed_schedule', fixed_schedule
  , 'timezone', timezone
  ))::pg_catalog.jsonb
$func$ language sql immutable security invoker
set search_path to pg_catalog, pg_temp;

-- Volatile because it reads the GUC ai.scheduling_default at call time.
create or replace function ai._resolve_scheduling_default() returns pg_catalog.jsonb
as $func$
declare
  _setting pg_catalog.text;
begin
  _setting := pg_catalog.current_setting('ai.scheduling_default', true);
  if _setting = 'scheduling_timescaledb' then
    return ai.scheduling_timescaledb();
  end if;
  -- unset, empty, 'scheduling_none' or anything unknown
  return ai.scheduling_none();
end
$func$ language plpgsql volatile security invoker
set search_path to pg_catalog, pg_temp;

create or replace function ai._validate_scheduling(config pg_catalog.jsonb) returns void
as $func$
declare
  _implementation pg_catalog.text;
begin
  if pg_catalog.jsonb_typeof(config) is distinct from 'object' then
    raise exception 'scheduling config is not a jsonb object';
  end if;
  if (config->>'config_type') is distinct from 'scheduling' then
    raise exception 'invalid config_type for scheduling config';
  end if;
  _implementation := config->>'implementation';
  if _implementation is null then
    raise exception 'scheduling implementation not specified';
  end if;
  -- 'default' is not accepted: callers resolve it first.
  if _implementation not in ('none', 'timescaledb') then
    raise exception 'unrecognized scheduling implementation: "%"', _implementation;
  end if;
end
$func$ language plpgsql stable security invoker
set search_path to pg_catalog, pg_temp;
