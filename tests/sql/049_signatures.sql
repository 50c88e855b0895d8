-- Exact signatures of everything this part owns (spec 5.1-5.11): argument
-- names, types and defaults, result types, volatility, security invoker,
-- the pinned search_path (absent only on the procedure ai._vectorizer_job,
-- which commits and so may not have a SET clause) and the language.
\o /dev/null

create function pg_temp.sig(p oid) returns text language sql as $$
  select p::regprocedure || ' | ' || pg_get_function_arguments(p) || ' | '
      || coalesce(pg_get_function_result(p), 'PROCEDURE') || ' | ' || f.provolatile::text || ' | '
      || case when f.prosecdef then 'definer' else 'invoker' end || ' | '
      || coalesce(array_to_string(f.proconfig, ';'), '-') || ' | ' || l.lanname
  from pg_proc f join pg_language l on l.oid = f.prolang where f.oid = p
$$;

select t.eq(
  (select string_agg(pg_temp.sig(p.oid), E'\n' order by p.oid::regprocedure::text)
   from pg_proc p
   where p.pronamespace = 'ai'::regnamespace
     and p.proname in ('drop_vectorizer', 'vectorizer_queue_pending', 'enable_vectorizer_schedule',
       'disable_vectorizer_schedule', 'execute_vectorizer', 'set_scheduling', 'vectorizer_embed',
       '_vectorizer_vector_index_exists', '_vectorizer_should_create_vector_index', '_vectorizer_create_vector_index',
       '_vectorizer_schedule_job', '_vectorizer_job', 'grant_vectorizer_usage',
       '_worker_start', '_worker_heartbeat', '_worker_progress')),
  'ai._vectorizer_create_vector_index(name,name,jsonb,name) | target_schema name, target_table name, indexing jsonb, column_name name DEFAULT ''embedding''::name | void | v | invoker | search_path=pg_catalog, pg_temp | plpgsql'
  || E'\n' || 'ai._vectorizer_job(integer,jsonb) | IN job_id integer DEFAULT NULL::integer, IN config jsonb DEFAULT NULL::jsonb | PROCEDURE | v | invoker | - | plpgsql'
  || E'\n' || 'ai._vectorizer_schedule_job(integer,jsonb) | vectorizer_id integer, scheduling jsonb | bigint | v | invoker | search_path=pg_catalog, pg_temp | plpgsql'
  || E'\n' || 'ai._vectorizer_should_create_vector_index(ai.vectorizer) | vectorizer ai.vectorizer | boolean | v | invoker | search_path=pg_catalog, pg_temp | plpgsql'
  || E'\n' || 'ai._vectorizer_vector_index_exists(name,name,jsonb,name) | target_schema name, target_table name, indexing jsonb, column_name name DEFAULT ''embedding''::name | boolean | v | invoker | search_path=pg_catalog, pg_temp | plpgsql'
  || E'\n' || 'ai._worker_heartbeat(uuid,integer,integer,text) | worker_id uuid, num_successes_since_last_heartbeat integer, num_errors_since_last_heartbeat integer, error_message text | void | v | invoker | search_path=pg_catalog, pg_temp | plpgsql'
  || E'\n' || 'ai._worker_progress(uuid,integer,integer,text) | worker_id uuid, worker_vectorizer_id integer, num_successes integer, error_message text | void | v | invoker | search_path=pg_catalog, pg_temp | plpgsql'
  || E'\n' || 'ai._worker_start(text,interval) | version text, expected_heartbeat_interval interval | uuid | v | invoker | search_path=pg_catalog, pg_temp | plpgsql'
  || E'\n' || 'ai.disable_vectorizer_schedule(integer) | vectorizer_id integer | void | v | invoker | search_path=pg_catalog, pg_temp | plpgsql'
  || E'\n' || 'ai.disable_vectorizer_schedule(text) | name text | void | v | invoker | search_path=pg_catalog, pg_temp | sql'
  || E'\n' || 'ai.drop_vectorizer(integer,boolean) | vectorizer_id integer, drop_all boolean DEFAULT false | void | v | invoker | search_path=pg_catalog, pg_temp | plpgsql'
  || E'\n' || 'ai.drop_vectorizer(text,boolean) | name text, drop_all boolean DEFAULT false | void | v | invoker | search_path=pg_catalog, pg_temp | sql'
  || E'\n' || 'ai.enable_vectorizer_schedule(integer) | vectorizer_id integer | void | v | invoker | search_path=pg_catalog, pg_temp | plpgsql'
  || E'\n' || 'ai.enable_vectorizer_schedule(text) | name text | void | v | invoker | search_path=pg_catalog, pg_temp | sql'
  || E'\n' || 'ai.execute_vectorizer(integer) | vectorizer_id integer | void | v | invoker | search_path=pg_catalog, pg_temp | plpgsql'
  || E'\n' || 'ai.execute_vectorizer(text) | vectorizer_name text | void | v | invoker | search_path=pg_catalog, pg_temp | plpgsql'
  || E'\n' || 'ai.grant_vectorizer_usage(name,boolean) | to_user name, admin boolean DEFAULT false | void | v | invoker | search_path=pg_catalog, pg_temp | plpgsql'
  || E'\n' || 'ai.set_scheduling(integer,jsonb,jsonb) | vectorizer_id integer, scheduling jsonb DEFAULT ai.scheduling_default(), indexing jsonb DEFAULT ai.indexing_default() | jsonb | v | invoker | search_path=pg_catalog, pg_temp | plpgsql'
  || E'\n' || 'ai.vectorizer_embed(integer,text,text) | vectorizer_id integer, input_text text, input_type text DEFAULT NULL::text | vector | s | invoker | search_path=pg_catalog, pg_temp | sql'
  || E'\n' || 'ai.vectorizer_embed(jsonb,text,text) | embedding_config jsonb, input_text text, input_type text DEFAULT NULL::text | vector | i | invoker | search_path=pg_catalog, pg_temp | plpgsql'
  || E'\n' || 'ai.vectorizer_embed(text,text,text) | name text, input_text text, input_type text DEFAULT NULL::text | vector | s | invoker | search_path=pg_catalog, pg_temp | sql'
  || E'\n' || 'ai.vectorizer_queue_pending(integer,boolean) | vectorizer_id integer, exact_count boolean DEFAULT false | bigint | s | invoker | search_path=pg_catalog, pg_temp | plpgsql'
  || E'\n' || 'ai.vectorizer_queue_pending(text,boolean) | name text, exact_count boolean DEFAULT false | bigint | s | invoker | search_path=pg_catalog, pg_temp | sql'
  , 'signatures of the admin, index, scheduling, worker-tracking and privilege functions');

-- the status view's columns are checked in 042
select t.eq((select relkind::text from pg_class where oid = 'ai.vectorizer_status'::regclass), 'v', 'status is a view');
-- our NOTIFY stand-in for the `ai` extension's ai.execute_vectorizer(int4)
select t.ok((select prosrc like '%pg_notify(''pgai_vectorizer''%' from pg_proc
             where oid = 'ai.execute_vectorizer(int4)'::regprocedure), 'execute_vectorizer(int4) is the NOTIFY wake-up');
