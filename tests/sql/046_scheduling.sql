-- Scheduling on a database without TimescaleDB or the `ai` extension
-- (spec 5.4, 5.6, 5.8): ai._vectorizer_schedule_job, ai.set_scheduling and
-- the argument checks of ai._vectorizer_job.
-- The TimescaleDB paths (creating, altering, deleting jobs) run against a
-- stand-in of TimescaleDB's job API in 046_scheduling_tsdb_mock.sql; real
-- TimescaleDB and the `ai` extension are not installable here.
\o /dev/null

create schema website;
create table website.blog (id int primary key, body text not null);
insert into website.blog values (1, 'a');
select ai.create_vectorizer('website.blog'::regclass
  , loading => ai.loading_column('body')
  , embedding => ai.embedding_openai('text-embedding-3-small', 3)
  , scheduling => ai.scheduling_none(), indexing => ai.indexing_none()) as v \gset

-- _vectorizer_schedule_job ------------------------------------------------
select t.eq(ai._vectorizer_schedule_job(:v, ai.scheduling_none()), null::int8, 'none schedules nothing');
select t.eq(pg_typeof(ai._vectorizer_schedule_job(:v, ai.scheduling_none()))::text, 'bigint', 'returns int8');
select t.raises(format('select ai._vectorizer_schedule_job(%s, ai.scheduling_timescaledb())', :v),
  'ai extension not found but it is needed for timescaledb scheduling.', 'timescaledb without the ai extension', 'P0001');
select t.raises(format('select ai._vectorizer_schedule_job(%s, ai.scheduling_default())', :v),
  'scheduling implementation not recognized', 'default is not schedulable', 'P0001');
select t.raises(format($$select ai._vectorizer_schedule_job(%s, '{"implementation": "cron"}')$$, :v),
  'scheduling implementation not recognized', 'unknown implementation', 'P0001');
-- with an `ai` extension present but no TimescaleDB: pgai's second message.
-- (A stand-in catalog row, rolled back: the real extension needs plpython3u.)
begin;
insert into pg_extension (oid, extname, extowner, extnamespace, extrelocatable, extversion)
values (4000000001, 'ai', 10, 'ai'::regnamespace, false, '0.11.0');
select t.raises(format('select ai._vectorizer_schedule_job(%s, ai.scheduling_timescaledb())', :v),
  'timescaledb extension not found', 'timescaledb scheduling without timescaledb', 'P0001');
rollback;

-- create_vectorizer reaches the same checks through _vectorizer_schedule_job
create table website.sched (id int primary key, body text);
select t.raises($$select ai.create_vectorizer('website.sched'::regclass, name => 'sched'
  , loading => ai.loading_column('body')
  , embedding => ai.embedding_openai('text-embedding-3-small', 3)
  , scheduling => ai.scheduling_timescaledb(), indexing => ai.indexing_none())$$,
  'ai extension not found but it is needed for timescaledb scheduling.', 'create_vectorizer with timescaledb', 'P0001');
select t.ok(to_regclass('website.sched_embedding_store') is null, 'failed create left nothing behind');

-- set_scheduling ------------------------------------------------------------
select ai.set_scheduling(:v, ai.scheduling_none(), ai.indexing_none()) as cfg \gset
select t.eq(:'cfg'::jsonb, (select config from ai.vectorizer where id = :v), 'returns the stored config');
select t.eq((select config->'scheduling' from ai.vectorizer where id = :v), ai.scheduling_none(), 'scheduling none stored');
select t.eq((select config->'indexing' from ai.vectorizer where id = :v), ai.indexing_none(), 'indexing none stored');
select t.eq((select config - 'scheduling' - 'indexing' from ai.vectorizer where id = :v),
  :'cfg'::jsonb - 'scheduling' - 'indexing', 'other keys unchanged');

-- defaults resolve (GUCs unset -> none/none) and are stored resolved
update ai.vectorizer set config = config || '{"scheduling": {"implementation": "x"}, "indexing": {"implementation": "y"}}'
where id = :v;
select ai.set_scheduling(:v);
select t.eq((select config->'scheduling' from ai.vectorizer where id = :v), ai.scheduling_none(), 'default scheduling resolved to none');
select t.eq((select config->'indexing' from ai.vectorizer where id = :v), ai.indexing_none(), 'default indexing resolved to none');
select ai.set_scheduling(:v, ai.scheduling_default(), ai.indexing_default());
select t.eq((select config->'scheduling'->>'implementation' from ai.vectorizer where id = :v), 'none',
  'explicit defaults resolved');

-- the none/none rule
select t.raises(format('select ai.set_scheduling(%s, ai.scheduling_none(), ai.indexing_hnsw())', :v),
  'automatic indexing is not supported without scheduling. set indexing=>ai.indexing_none() when scheduling=>ai.scheduling_none()',
  'indexing without scheduling', 'P0001');
set ai.indexing_default = 'indexing_hnsw';
select t.raises(format('select ai.set_scheduling(%s)', :v),
  'automatic indexing is not supported without scheduling.', 'GUC default indexing without scheduling', 'P0001');
reset ai.indexing_default;

-- validation errors come from the validators
select t.raises(format($$select ai.set_scheduling(%s, '{"implementation": "cron", "config_type": "scheduling"}')$$, :v),
  'unrecognized scheduling implementation', 'bad scheduling', 'P0001');
select t.raises(format($$select ai.set_scheduling(%s, ai.scheduling_none(), '{"implementation": "ivfflat", "config_type": "indexing"}')$$, :v),
  'invalid indexing implementation', 'bad indexing', 'P0001');

-- timescaledb needs the extensions; the stored config stays as it was
select t.raises(format('select ai.set_scheduling(%s, ai.scheduling_timescaledb(), ai.indexing_hnsw())', :v),
  'ai extension not found but it is needed for timescaledb scheduling.', 'set_scheduling to timescaledb', 'P0001');
set ai.scheduling_default = 'scheduling_timescaledb';
select t.raises(format('select ai.set_scheduling(%s)', :v),
  'ai extension not found but it is needed for timescaledb scheduling.', 'GUC default timescaledb', 'P0001');
reset ai.scheduling_default;
select t.eq((select config->'scheduling' from ai.vectorizer where id = :v), ai.scheduling_none(), 'config unchanged after failures');

-- a recorded job cannot be deleted without TimescaleDB: clear error, no change
update ai.vectorizer set config = jsonb_set(config, '{scheduling}',
  '{"implementation": "timescaledb", "config_type": "scheduling", "schedule_interval": "00:05:00", "job_id": 1000}')
where id = :v;
select t.raises(format('select ai.set_scheduling(%s, ai.scheduling_none(), ai.indexing_none())', :v),
  'timescaledb extension not found', 'old job but no timescaledb', 'P0001');
select t.eq((select (config->'scheduling'->>'job_id')::int from ai.vectorizer where id = :v), 1000, 'job id kept after failure');

-- unknown id
select t.raises('select ai.set_scheduling(777, ai.scheduling_none(), ai.indexing_none())',
  'query returned no rows', 'unknown id', 'P0002');

-- _vectorizer_job argument checks ----------------------------------------------
select t.raises('call ai._vectorizer_job()', 'config is null', 'no arguments');
select t.raises('call ai._vectorizer_job(null, null)', 'config is null', 'null config', 'P0001');
select t.raises('call ai._vectorizer_job(1, null)', 'config is null', 'job id but null config', 'P0001');
select t.raises($$call ai._vectorizer_job(null, '{"vectorizer_id": 4242}')$$, 'query returned no rows',
  'unknown vectorizer', 'P0002');
select t.raises($$call ai._vectorizer_job(null, '{}')$$, 'query returned no rows', 'config without vectorizer_id', 'P0002');
-- the procedure manages its own transactions: no SET clause on it
select t.eq((select prokind::text || coalesce(array_length(proconfig, 1), 0)
             from pg_proc where oid = 'ai._vectorizer_job(int4, jsonb)'::regprocedure), 'p0',
  'a procedure without a SET clause');
-- with nothing to do it just returns (top-level CALL, so it may commit)
update ai.vectorizer set config = jsonb_set(config, '{scheduling}', ai.scheduling_none()) where id = :v;
delete from ai._vectorizer_q_1;
select jsonb_build_object('vectorizer_id', :v) as jobcfg \gset
call ai._vectorizer_job(null, :'jobcfg');
call ai._vectorizer_job(config => :'jobcfg');
select t.ok(true, 'job ran with nothing to do');
