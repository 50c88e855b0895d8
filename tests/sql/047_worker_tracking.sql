-- Worker tracking functions (spec 2.5, 5.10): _worker_start,
-- _worker_heartbeat, _worker_progress, including pgai's test sequence.
\o /dev/null

-- _worker_start ----------------------------------------------------------------
select ai._worker_start('0.12.1', interval '5 seconds') as w \gset
select t.eq(pg_typeof(:'w'::uuid)::text, 'uuid', 'returns a uuid');
select t.eq((select to_jsonb(p) - 'started' - 'last_heartbeat' from ai.vectorizer_worker_process p where id = :'w'),
  jsonb_build_object('id', :'w', 'version', '0.12.1', 'expected_heartbeat_interval', '00:00:05',
    'heartbeat_count', 0, 'error_count', 0, 'success_count', 0, 'last_error_at', null, 'last_error_message', null),
  'process row as inserted');
select ai._worker_start('0.12.1', interval '1 minute') as w2 \gset
select t.ok(:'w' <> :'w2', 'each start gets its own id');
select t.eq((select count(*) from ai.vectorizer_worker_process), 2::bigint, 'one row per start');

-- _worker_heartbeat ------------------------------------------------------------
select last_heartbeat as hb0 from ai.vectorizer_worker_process where id = :'w' \gset
select ai._worker_heartbeat(:'w', 3, 0, null);
select t.eq((select array[heartbeat_count, success_count, error_count] from ai.vectorizer_worker_process where id = :'w'),
  array[1, 3, 0], 'first heartbeat counts');
select t.ok((select last_heartbeat > :'hb0'::timestamptz from ai.vectorizer_worker_process where id = :'w'),
  'last_heartbeat moves forward');
select t.ok((select last_error_at is null and last_error_message is null from ai.vectorizer_worker_process where id = :'w'),
  'no error recorded without a message');
select ai._worker_heartbeat(:'w', 2, 1, 'provider timed out');
select t.eq((select array[heartbeat_count, success_count, error_count] from ai.vectorizer_worker_process where id = :'w'),
  array[2, 5, 1], 'second heartbeat adds up');
select t.eq((select last_error_message from ai.vectorizer_worker_process where id = :'w'), 'provider timed out',
  'error message recorded');
select t.ok((select last_error_at = last_heartbeat from ai.vectorizer_worker_process where id = :'w'),
  'last_error_at equals the heartbeat time');
select last_error_at as err1 from ai.vectorizer_worker_process where id = :'w' \gset
select ai._worker_heartbeat(:'w', 0, 0, null);
select t.eq((select last_error_message from ai.vectorizer_worker_process where id = :'w'), 'provider timed out',
  'a clean heartbeat keeps the last error');
select t.ok((select last_error_at = :'err1'::timestamptz and last_heartbeat > last_error_at
             from ai.vectorizer_worker_process where id = :'w'), 'last_error_at kept, heartbeat newer');
select t.eq((select heartbeat_count from ai.vectorizer_worker_process where id = :'w2'), 0,
  'other process untouched');
-- several heartbeats in one transaction still get distinct times (clock_timestamp)
begin;
select ai._worker_heartbeat(:'w2', 0, 0, null);
select last_heartbeat as t1 from ai.vectorizer_worker_process where id = :'w2' \gset
select ai._worker_heartbeat(:'w2', 0, 0, null);
select t.ok((select last_heartbeat > :'t1'::timestamptz from ai.vectorizer_worker_process where id = :'w2'),
  'clock time, not transaction time');
commit;
-- unknown id: nothing happens, no error
select ai._worker_heartbeat('00000000-0000-0000-0000-000000000000', 1, 1, 'x');
select t.eq((select count(*) from ai.vectorizer_worker_process), 2::bigint, 'unknown worker id adds no row');

-- _worker_progress: pgai's sequence ------------------------------------------------
create schema website;
create table website.blog (id int primary key, body text not null);
select ai.create_vectorizer('website.blog'::regclass
  , loading => ai.loading_column('body')
  , embedding => ai.embedding_openai('text-embedding-3-small', 3)
  , scheduling => ai.scheduling_none(), indexing => ai.indexing_none()) as v \gset

select ai._worker_progress(:'w', :v, 1, null);
select t.eq((select array[success_count, error_count] from ai.vectorizer_worker_progress where vectorizer_id = :v),
  array[1, 0], 'after (1, null): 1 success, 0 errors');
select t.ok((select last_success_at is not null and last_success_process_id = :'w'::uuid
                    and last_error_at is null and last_error_message is null and last_error_process_id is null
             from ai.vectorizer_worker_progress where vectorizer_id = :v), 'success stamped');
select last_success_at as s1 from ai.vectorizer_worker_progress where vectorizer_id = :v \gset

select ai._worker_progress(:'w2', :v, 0, 'error 1');
select t.eq((select array[success_count, error_count] from ai.vectorizer_worker_progress where vectorizer_id = :v),
  array[1, 1], 'after (0, error 1): 1 success, 1 error');
select t.ok((select last_error_message = 'error 1' and last_error_process_id = :'w2'::uuid and last_error_at is not null
                    and last_success_at = :'s1'::timestamptz and last_success_process_id = :'w'::uuid
             from ai.vectorizer_worker_progress where vectorizer_id = :v), 'error stamped, success kept');

select ai._worker_progress(:'w', :v, 1, null);
select t.eq((select array[success_count, error_count] from ai.vectorizer_worker_progress where vectorizer_id = :v),
  array[2, 1], 'after (1, null): 2 successes, 1 error');
select t.ok((select last_success_at > :'s1'::timestamptz from ai.vectorizer_worker_progress where vectorizer_id = :v),
  'newer last_success_at');
select t.eq((select last_error_message from ai.vectorizer_worker_progress where vectorizer_id = :v), 'error 1',
  'success keeps the last error');

-- an error call with successes still adds them
select ai._worker_progress(:'w', :v, 4, 'error 2');
select t.eq((select array[success_count, error_count] from ai.vectorizer_worker_progress where vectorizer_id = :v),
  array[6, 2], 'successes added on an error call too');
select t.eq((select count(*) from ai.vectorizer_worker_progress), 1::bigint, 'one progress row per vectorizer');

-- progress for an unknown vectorizer violates the foreign key
select t.raises($$select ai._worker_progress(gen_random_uuid(), 9999, 1, null)$$,
  'insert or update on table "vectorizer_worker_progress" violates foreign key constraint', 'unknown vectorizer', '23503');

-- process ids have no foreign key: a progress row may name any process
select ai._worker_progress(gen_random_uuid(), :v, 1, null);
select t.eq((select success_count from ai.vectorizer_worker_progress where vectorizer_id = :v), 7,
  'any process id accepted');

-- function shapes: volatile, security invoker, pinned search_path
select t.eq((select string_agg(p.oid::regprocedure::text || ' ' || p.provolatile::text || ' ' || p.prosecdef
                               || ' ' || array_to_string(p.proconfig, ','), '; ' order by p.proname)
             from pg_proc p where p.pronamespace = 'ai'::regnamespace and p.proname like '\_worker\_%'),
  'ai._worker_heartbeat(uuid,integer,integer,text) v false search_path=pg_catalog, pg_temp; '
  'ai._worker_progress(uuid,integer,integer,text) v false search_path=pg_catalog, pg_temp; '
  'ai._worker_start(text,interval) v false search_path=pg_catalog, pg_temp', 'worker function signatures');
