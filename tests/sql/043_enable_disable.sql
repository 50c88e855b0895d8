-- ai.enable_vectorizer_schedule / ai.disable_vectorizer_schedule (spec 5.3):
-- they flip ai.vectorizer.disabled (what the worker obeys), id forms raise
-- P0002 for unknown ids, name forms are silent no-ops for unknown names.
-- Untested here: (un)scheduling a real TimescaleDB job (TimescaleDB is not
-- installable in this environment); a TimescaleDB-scheduled row on a
-- database without TimescaleDB is tested (only the flag changes).
\o /dev/null

create schema website;
create table website.blog (id int primary key, body text not null);
insert into website.blog values (1, 'a');
select ai.create_vectorizer('website.blog'::regclass
  , loading => ai.loading_column('body')
  , embedding => ai.embedding_openai('text-embedding-3-small', 3)
  , scheduling => ai.scheduling_none(), indexing => ai.indexing_none()) as v1 \gset
select ai.create_vectorizer('website.blog'::regclass, name => 'second'
  , destination => ai.destination_table('second')
  , loading => ai.loading_column('body')
  , embedding => ai.embedding_openai('text-embedding-3-small', 3)
  , scheduling => ai.scheduling_none(), indexing => ai.indexing_none()) as v2 \gset

select t.eq((select disabled from ai.vectorizer where id = :v1), false, 'new vectorizers are enabled');

-- id forms
select t.eq(pg_typeof(ai.disable_vectorizer_schedule(:v1))::text, 'void', 'disable returns void');
select t.eq((select disabled from ai.vectorizer where id = :v1), true, 'disable by id sets disabled');
select t.eq((select disabled from ai.vectorizer where id = :v2), false, 'disable touches only its vectorizer');
select t.eq((select disabled from ai.vectorizer_status where id = :v1), true, 'status shows disabled');
select ai.disable_vectorizer_schedule(:v1);
select t.eq((select disabled from ai.vectorizer where id = :v1), true, 'disable twice is harmless');
select ai.enable_vectorizer_schedule(:v1);
select t.eq((select disabled from ai.vectorizer where id = :v1), false, 'enable by id clears disabled');
select ai.enable_vectorizer_schedule(:v1);
select t.eq((select disabled from ai.vectorizer where id = :v1), false, 'enable twice is harmless');

-- name forms
select ai.disable_vectorizer_schedule('second');
select t.eq((select disabled from ai.vectorizer where id = :v2), true, 'disable by name');
select t.eq((select disabled from ai.vectorizer where id = :v1), false, 'disable by name touches only its vectorizer');
select ai.enable_vectorizer_schedule('second');
select t.eq((select disabled from ai.vectorizer where id = :v2), false, 'enable by name');

-- unknown id: P0002; unknown name: no-op
select t.raises('select ai.disable_vectorizer_schedule(31337)', 'query returned no rows', 'disable unknown id', 'P0002');
select t.raises('select ai.enable_vectorizer_schedule(31337)', 'query returned no rows', 'enable unknown id', 'P0002');
select ai.disable_vectorizer_schedule('website.blog_embedding_store');
select ai.enable_vectorizer_schedule('no_such_name');
select t.eq((select count(*) from ai.vectorizer where disabled), 0::bigint, 'unknown names change nothing');

-- the triggers keep queueing while disabled (only the worker stops)
select ai.disable_vectorizer_schedule(:v1);
delete from ai._vectorizer_q_1;
insert into website.blog values (2, 'b');
select t.eq(ai.vectorizer_queue_pending(:v1, true), 1::int8, 'disabled vectorizer still queues');
select ai.enable_vectorizer_schedule(:v1);

-- TimescaleDB scheduling recorded, TimescaleDB absent: just the flag
update ai.vectorizer set config = config || jsonb_build_object('scheduling',
  '{"implementation": "timescaledb", "config_type": "scheduling", "schedule_interval": "00:05:00", "job_id": 1000}'::jsonb)
where id = :v2;
select ai.disable_vectorizer_schedule(:v2);
select t.eq((select disabled from ai.vectorizer where id = :v2), true, 'disable with a timescaledb config, no TimescaleDB');
select ai.enable_vectorizer_schedule('second');
select t.eq((select disabled from ai.vectorizer where id = :v2), false, 'enable with a timescaledb config, no TimescaleDB');

-- a non-superuser with vectorizer usage may toggle (UPDATE on ai.vectorizer)
drop role if exists c_toggler;
create role c_toggler;
grant usage on schema t to c_toggler;
select ai.grant_vectorizer_usage('c_toggler');
set role c_toggler;
select ai.disable_vectorizer_schedule(:v1);
select ai.disable_vectorizer_schedule('second');
reset role;
select t.eq((select count(*) from ai.vectorizer where disabled), 2::bigint, 'usage role disabled both');
set role c_toggler;
select ai.enable_vectorizer_schedule(:v1);
select ai.enable_vectorizer_schedule('second');
reset role;
select t.eq((select count(*) from ai.vectorizer where disabled), 0::bigint, 'usage role enabled both');

-- a role without UPDATE on ai.vectorizer cannot
drop role if exists c_no_update;
create role c_no_update;
grant usage on schema ai, t to c_no_update;
grant select on ai.vectorizer to c_no_update;
set role c_no_update;
select t.raises(format('select ai.disable_vectorizer_schedule(%s)', :v1), 'permission denied for table vectorizer',
  'disable needs UPDATE on ai.vectorizer', '42501');
reset role;

drop owned by c_toggler;
drop role c_toggler;
drop owned by c_no_update;
drop role c_no_update;
