-- Scheduling builders, ai._resolve_scheduling_default and ai._validate_scheduling (spec 3.7).
set timezone = 'UTC';
set intervalstyle = 'postgres';

select t.eq(ai.scheduling_none(), '{"implementation":"none","config_type":"scheduling"}'::jsonb, 'scheduling_none');
select t.eq(ai.scheduling_default(), '{"implementation":"default","config_type":"scheduling"}'::jsonb, 'scheduling_default');
select t.eq(ai.scheduling_timescaledb(),
  '{"implementation":"timescaledb","config_type":"scheduling","schedule_interval":"00:05:00"}'::jsonb,
  'scheduling_timescaledb default');
select t.eq(ai.scheduling_timescaledb(interval '10m', '2025-01-06 America/Chicago'::timestamptz, true, 'America/Chicago'),
  '{"implementation":"timescaledb","config_type":"scheduling","schedule_interval":"00:10:00",
    "initial_start":"2025-01-06T06:00:00+00:00","fixed_schedule":true,"timezone":"America/Chicago"}'::jsonb,
  'scheduling_timescaledb all arguments');
select t.eq(ai.scheduling_timescaledb(schedule_interval => interval '1 hour 30 minutes')->>'schedule_interval',
  '01:30:00', 'schedule_interval rendered HH:MM:SS');
select t.eq(ai.scheduling_timescaledb(schedule_interval => interval '2 days 1 hour')->>'schedule_interval',
  '2 days 01:00:00', 'schedule_interval with days');
select t.eq(ai.scheduling_timescaledb(initial_start => '2025-01-06 America/Chicago')->>'initial_start',
  '2025-01-06T06:00:00+00:00', 'initial_start ISO 8601 in UTC session');
select t.eq(ai.scheduling_timescaledb(initial_start => '2050-01-06 00:00:00+00')->>'initial_start',
  '2050-01-06T00:00:00+00:00', 'initial_start 2050');
select t.eq(ai.scheduling_timescaledb(fixed_schedule => false)->'fixed_schedule', 'false'::jsonb, 'fixed_schedule');
select t.eq(ai.scheduling_timescaledb(timezone => 'Europe/Berlin')->>'timezone', 'Europe/Berlin', 'timezone');
select t.eq(ai.scheduling_timescaledb(schedule_interval => null),
  '{"implementation":"timescaledb","config_type":"scheduling"}'::jsonb, 'scheduling_timescaledb strips NULLs');
select t.ok(not (ai.scheduling_timescaledb() ?| array['initial_start', 'fixed_schedule', 'timezone']),
  'unset optionals absent');

set timezone = 'America/Chicago';
select t.eq(ai.scheduling_timescaledb(initial_start => '2025-01-06 06:00:00+00')->>'initial_start',
  '2025-01-06T00:00:00-06:00', 'initial_start follows session TimeZone');
set timezone = 'UTC';

select t.eq((select string_agg(distinct provolatile::text, '') from pg_proc p
             where p.pronamespace = 'ai'::regnamespace and p.proname like 'scheduling\_%'), 'i',
  'scheduling builders are immutable');
select t.eq((select provolatile::text from pg_proc where oid = 'ai._resolve_scheduling_default()'::regprocedure),
  'v', '_resolve_scheduling_default is volatile');
select t.eq((select provolatile::text from pg_proc where oid = 'ai._validate_scheduling(jsonb)'::regprocedure),
  's', '_validate_scheduling is stable');

-- resolver and the GUC ai.scheduling_default
select t.eq(ai._resolve_scheduling_default(), ai.scheduling_none(), 'GUC unset -> none');
set ai.scheduling_default = 'scheduling_none';
select t.eq(ai._resolve_scheduling_default(), ai.scheduling_none(), 'GUC scheduling_none -> none');
set ai.scheduling_default = 'invalid_value';
select t.eq(ai._resolve_scheduling_default(), ai.scheduling_none(), 'GUC invalid_value -> none');
set ai.scheduling_default = 'scheduling_timescaledb';
select t.eq(ai._resolve_scheduling_default(),
  '{"implementation":"timescaledb","config_type":"scheduling","schedule_interval":"00:05:00"}'::jsonb,
  'GUC scheduling_timescaledb -> 5 minute timescaledb');
set ai.scheduling_default = '';
select t.eq(ai._resolve_scheduling_default(), ai.scheduling_none(), 'GUC empty -> none');
reset ai.scheduling_default;

-- validator
select ai._validate_scheduling(ai.scheduling_none());
select ai._validate_scheduling(ai.scheduling_timescaledb());
select ai._validate_scheduling(ai.scheduling_timescaledb(interval '1h', now(), true, 'UTC'));
select t.raises($$select ai._validate_scheduling('[1]')$$, 'scheduling config is not a jsonb object');
select t.raises($$select ai._validate_scheduling(null)$$, 'scheduling config is not a jsonb object', 'null');
select t.raises($$select ai._validate_scheduling('{"implementation":"none"}')$$,
  'invalid config_type for scheduling config', 'missing config_type');
select t.raises($$select ai._validate_scheduling('{"implementation":"none","config_type":"indexing"}')$$,
  'invalid config_type for scheduling config', 'wrong config_type', 'P0001');
select t.raises($$select ai._validate_scheduling('{"config_type":"scheduling"}')$$,
  'scheduling implementation not specified', 'missing implementation', 'P0001');
select t.raises($$select ai._validate_scheduling(ai.scheduling_default())$$,
  'unrecognized scheduling implementation: "default"', 'default must be resolved first', 'P0001');
select t.raises($$select ai._validate_scheduling('{"config_type":"scheduling","implementation":"cron"}')$$,
  'unrecognized scheduling implementation: "cron"', 'unknown implementation');
