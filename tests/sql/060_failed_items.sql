-- Failed items (ours, sql/idempotent/015-failed-items.sql): the view
-- ai.vectorizer_failed_items and ai.vectorizer_requeue_failed. The worker
-- is simulated: rows go straight into the failed-queue tables and error rows
-- into ai._vectorizer_errors, shaped as the worker writes them
-- ({"step", "error_reason", "is_retryable", "pk": {"<col>": "<text>"}}).
-- Roles are cluster-wide: every one is f_fi_-prefixed and dropped first.
\o /dev/null
set timezone to 'UTC';
set client_min_messages to warning;

drop role if exists f_fi_reader, f_fi_noerr;
create role f_fi_reader;
create role f_fi_noerr;
grant usage on schema t to public;  -- the assertion helpers

create schema app;
create table app.doc (id int primary key, body text);
insert into app.doc select g, 'doc ' || g from generate_series(1, 6) g;
create table app.post
( title text
, body text
, published timestamptz
, primary key (published, title)  -- pknum order differs from attnum order
);
insert into app.post values ('a', 'x', '2024-01-01 10:00+00'), ('b', 'y', '2024-01-02 11:30+00');

create function pg_temp.mk(src regclass, nm text) returns int language sql as $$
  select ai.create_vectorizer(src, name => nm, loading => ai.loading_column('body'),
    embedding => ai.embedding_openai('text-embedding-3-small', 8), chunking => ai.chunking_none(),
    destination => ai.destination_table(nm || '_store'))
$$;
-- an error row as the worker records it
create function pg_temp.err(vid int, step text, reason text, pk jsonb, at timestamptz) returns void language sql as $$
  insert into ai._vectorizer_errors (id, message, details, recorded)
  values (vid, step || ' failed',
          jsonb_build_object('step', step, 'error_reason', reason, 'is_retryable', false, 'pk', pk), at)
$$;
-- the view's rows of one vectorizer as comparable text
create function pg_temp.rows(vid int) returns text language sql as $$
  select string_agg(concat_ws('|', pk::text, failure_step, failed_at, coalesce(last_error, '-'), coalesce(last_error_at::text, '-')),
                    ' ; ' order by pk::text, failure_step)
  from ai.vectorizer_failed_items where vectorizer_id = vid
$$;

select pg_temp.mk('app.doc', 'doc_vec') as vdoc \gset
select pg_temp.mk('app.post', 'post_vec') as vpost \gset
delete from ai._vectorizer_q_:vdoc;
delete from ai._vectorizer_q_:vpost;

-- 1. shape ---------------------------------------------------------------------
select t.eq((select string_agg(attname || ' ' || format_type(atttypid, atttypmod), ', ' order by attnum)
             from pg_attribute where attrelid = 'ai.vectorizer_failed_items'::regclass and attnum > 0),
  'vectorizer_id integer, vectorizer_name name, pk jsonb, failure_step text, failed_at timestamp with time zone, '
  'last_error text, last_error_at timestamp with time zone', 'view columns, names, types and order');
select t.eq((select string_agg(p.oid::regprocedure::text || ' -> ' || format_type(p.prorettype, null) || ' ' || p.provolatile::text,
                               ', ' order by p.oid::regprocedure::text)
             from pg_proc p where p.pronamespace = 'ai'::regnamespace and p.proname = 'vectorizer_requeue_failed'),
  'ai.vectorizer_requeue_failed(integer) -> bigint v, ai.vectorizer_requeue_failed(integer,text) -> bigint v, '
  'ai.vectorizer_requeue_failed(text) -> bigint v, ai.vectorizer_requeue_failed(text,text) -> bigint v',
  'requeue signatures');
select t.eq((select string_agg(pg_get_function_arguments(p.oid), ' / ' order by p.oid::regprocedure::text)
             from pg_proc p where p.pronamespace = 'ai'::regnamespace and p.proname = 'vectorizer_requeue_failed'),
  'vectorizer_id integer / vectorizer_id integer, failure_step text / name text / name text, failure_step text',
  'requeue parameter names');
select t.ok((select not prosecdef from pg_proc where oid = 'ai._vectorizer_failed_items()'::regprocedure),
  'the view''s function is security invoker');
select t.eq((select relacl from pg_class where oid = 'ai.vectorizer_failed_items'::regclass), null::aclitem[],
  'a fresh install grants nothing on the view');

-- 2. nothing failed: an empty view --------------------------------------------
select t.eq((select count(*) from ai.vectorizer_failed_items), 0::bigint, 'no failures, no rows');

-- 3. single-column key, last_error ---------------------------------------------
insert into ai._vectorizer_q_failed_:vdoc (id, created_at, failure_step) values
  (2, '2024-05-01 00:00:00+00', 'embedding')
, (4, '2024-05-02 00:00:00+00', 'loading')
, (5, '2024-05-03 00:00:00+00', 'loading');
select pg_temp.err(:vdoc, 'embedding', 'old reason',    '{"id": "2"}', '2024-05-01 00:00:01+00');
select pg_temp.err(:vdoc, 'embedding', 'newest reason', '{"id": "2"}', '2024-05-01 00:00:03+00');
select pg_temp.err(:vdoc, 'embedding', 'middle reason', '{"id": "2"}', '2024-05-01 00:00:02+00');
-- not matching id 2: another vectorizer, a number instead of text, no pk, another key
select pg_temp.err(:vpost, 'embedding', 'other vectorizer', '{"id": "2"}', '2024-06-01 00:00:00+00');
select pg_temp.err(:vdoc, 'embedding', 'pk as a number', '{"id": 2}', '2024-06-01 00:00:00+00');
insert into ai._vectorizer_errors (id, message, details, recorded)
values (:vdoc, 'embedding provider failed', '{"provider": "openai", "error_reason": "batch-wide"}', '2024-06-01 00:00:00+00');
select pg_temp.err(:vdoc, 'embedding', 'id 3 reason', '{"id": "3"}', '2024-06-01 00:00:00+00');
-- the loading shape (message 'loading failed', a "loader" key) and a row without error_reason
insert into ai._vectorizer_errors (id, message, details, recorded) values
  (:vdoc, 'loading failed', '{"step": "loading", "loader": "column", "error_reason": "column body is null", "is_retryable": true, "pk": {"id": "5"}}', '2024-05-03 00:00:00+00')
, (:vdoc, 'loading failed', '{"step": "loading", "loader": "column", "pk": {"id": "5"}}', '2024-05-03 00:00:05+00');

select t.eq(pg_temp.rows(:vdoc),
  '{"id": "2"}|embedding|2024-05-01 00:00:00+00|newest reason|2024-05-01 00:00:03+00 ; '
  '{"id": "4"}|loading|2024-05-02 00:00:00+00|-|- ; '
  '{"id": "5"}|loading|2024-05-03 00:00:00+00|loading failed|2024-05-03 00:00:05+00',
  'doc rows: newest matching error, NULL without one, the message when error_reason is missing');
select t.eq((select vectorizer_name from ai.vectorizer_failed_items where pk = '{"id": "4"}'), 'doc_vec'::name, 'vectorizer_name');
select t.eq((select count(*) from ai.vectorizer_failed_items), 3::bigint, 'only doc has failures so far');

-- 4. composite key: pknum (published, title) differs from attnum order ------
insert into app.post values ('with "quote"', 'z', '2024-01-03 00:00+00');
insert into ai._vectorizer_q_failed_:vpost (title, published, created_at, failure_step) values
  ('a', '2024-01-01 10:00+00', '2024-05-04 00:00:00+00', 'formatting')
, ('with "quote"', '2024-01-03 00:00+00', '2024-05-05 00:00:00+00', 'chunking');
select pg_temp.err(:vpost, 'formatting', 'missing template key', '{"title": "a", "published": "2024-01-01 10:00:00+00"}',
  '2024-05-04 00:00:00+00');
-- the same title with another timestamp is another key
select pg_temp.err(:vpost, 'formatting', 'wrong key', '{"title": "a", "published": "2024-01-01 10:00:01+00"}',
  '2024-06-04 00:00:00+00');
select t.eq(pg_temp.rows(:vpost),
  '{"title": "a", "published": "2024-01-01 10:00:00+00"}|formatting|2024-05-04 00:00:00+00|missing template key|2024-05-04 00:00:00+00 ; '
  '{"title": "with \"quote\"", "published": "2024-01-03 00:00:00+00"}|chunking|2024-05-05 00:00:00+00|-|-',
  'composite key: both columns, text values, exact match');
-- the key text is the worker's (DateStyle ISO), whatever the reader's settings
set datestyle to 'SQL, DMY';
set intervalstyle to 'sql_standard';
select t.eq((select pk->>'published' || ' / ' || last_error from ai.vectorizer_failed_items where failure_step = 'formatting'),
  '2024-01-01 10:00:00+00 / missing template key', 'key text and match do not depend on the reader''s DateStyle');
reset datestyle;
reset intervalstyle;
select t.eq((select current_setting('datestyle')), 'ISO, MDY', 'the view''s settings do not leak into the session');
select t.eq((select count(*) from ai.vectorizer_failed_items where vectorizer_name = 'post_vec'), 2::bigint, 'filter by name');

-- a failed row whose source row is gone still shows (the worker will skip it)
delete from app.doc where id = 4;
select t.eq((select count(*) from ai.vectorizer_failed_items where pk = '{"id": "4"}'), 1::bigint, 'source row deleted: still listed');
insert into app.doc values (4, 'doc 4');
delete from ai._vectorizer_q_:vdoc;
delete from ai._vectorizer_q_:vpost;  -- the trigger queued the new post

-- 5. requeue by id and by step -------------------------------------------------
-- a queue row already waiting with its own retry state stays as it is
insert into ai._vectorizer_q_:vdoc (id, loading_retries, loading_retry_after) values (1, 2, '2030-01-01 00:00+00');
select t.eq(ai.vectorizer_requeue_failed(:vdoc, 'loading'), 2::bigint, 'two loading failures moved');
select t.eq((select string_agg(id::text, ',' order by id) from ai._vectorizer_q_failed_:vdoc), '2', 'the embedding failure stays');
select t.eq((select string_agg(concat_ws(':', id, loading_retries, coalesce(loading_retry_after::text, 'null'), queued_at is not null), ','
                               order by id) from ai._vectorizer_q_:vdoc),
  '1:2:2030-01-01 00:00:00+00:t,4:0:null:t,5:0:null:t', 'moved keys queued with retries 0, no retry_after; others untouched');
select t.eq(ai.vectorizer_requeue_failed(:vdoc, 'loading'), 0::bigint, 'no loading failure left');
select t.eq(ai.vectorizer_requeue_failed(:vdoc, 'no such step'), 0::bigint, 'an unknown step moves nothing');
select t.eq(ai.vectorizer_requeue_failed(:vdoc, null), 1::bigint, 'NULL step: every step');
select t.eq(t.count('ai._vectorizer_q_failed_' || :vdoc), 0::bigint, 'failed table empty');
select t.eq(t.count('ai._vectorizer_q_' || :vdoc), 4::bigint, 'queue holds the three moved keys and the old row');
select t.eq(ai.vectorizer_requeue_failed(:vdoc), 0::bigint, 'nothing left to move');
select t.eq((select count(*) from ai.vectorizer_failed_items where vectorizer_id = :vdoc), 0::bigint, 'requeued items leave the view');
select t.eq((select count(*) from ai._vectorizer_errors where id = :vdoc), 8::bigint, 'error history is kept');

-- duplicates in the failed table move one to one; the queue folds them anyway
insert into ai._vectorizer_q_failed_:vdoc (id, failure_step) values (3, 'embedding'), (3, 'embedding'), (6, '');
select t.eq((select count(*) from ai.vectorizer_failed_items where vectorizer_id = :vdoc and pk = '{"id": "3"}'), 2::bigint,
  'duplicate failed rows are listed as they are');
select t.eq((select last_error from ai.vectorizer_failed_items where pk = '{"id": "3"}' limit 1), 'id 3 reason', 'id 3 matched');
select t.eq((select failure_step from ai.vectorizer_failed_items where pk = '{"id": "6"}'), '', 'pgai''s default step ''''');
select t.eq(ai.vectorizer_requeue_failed(:vdoc, ''), 1::bigint, 'the empty step is a step like any other');
select t.eq(ai.vectorizer_requeue_failed(:vdoc), 2::bigint, 'both duplicate rows moved');
select t.eq(t.count('ai._vectorizer_q_' || :vdoc), 7::bigint, 'queue grew by every moved row');

-- 6. name forms, unknown id and name --------------------------------------------
select t.eq(ai.vectorizer_requeue_failed('post_vec', 'chunking'), 1::bigint, 'name + step form');
select t.eq((select pk->>'title' from ai.vectorizer_failed_items where vectorizer_id = :vpost), 'a', 'only the chunking row left');
select t.eq((select string_agg(title || '@' || published, ',') from ai._vectorizer_q_:vpost),
  'with "quote"@2024-01-03 00:00:00+00', 'composite key queued in its own columns');
select t.eq(ai.vectorizer_requeue_failed('post_vec'), 1::bigint, 'name form');
select t.eq(ai.vectorizer_requeue_failed('post_vec'::name), 0::bigint, 'a name-typed argument takes the name form');
select t.raises('select ai.vectorizer_requeue_failed(999999)', 'query returned no rows', 'unknown id', 'P0002');
select t.raises('select ai.vectorizer_requeue_failed(999999, ''loading'')', 'query returned no rows', 'unknown id with a step', 'P0002');
select t.eq(ai.vectorizer_requeue_failed('no_such_vectorizer'), null::bigint, 'unknown name: NULL');
select t.eq(ai.vectorizer_requeue_failed('no_such_vectorizer', 'loading'), null::bigint, 'unknown name with a step: NULL');
-- inside a transaction (the NOTIFY is queued until commit; 061 checks delivery)
begin;
insert into ai._vectorizer_q_failed_:vpost (title, published, failure_step) values ('b', '2024-01-02 11:30+00', 'embedding');
select t.eq(ai.vectorizer_requeue_failed(:vpost), 1::bigint, 'requeue in an open transaction');
rollback;
select t.eq(t.count('ai._vectorizer_q_failed_' || :vpost), 0::bigint, 'rolled back with the transaction');

-- 7. hostile identifiers -----------------------------------------------------------
\set sch 'Sch "x"; ''y'''
\set tab 'Tab $b$ ''c'' "d"; e'
\set pk1 'Id "k"'
\set pk2 'Key;''2'''
\set qs 'Q "s"; ''q'''
\set qt 'Queue ''T'' "1"'
create schema :"sch";
create schema :"qs";
create table :"sch".:"tab" (:"pk1" int, "Body" text, :"pk2" text, primary key (:"pk2", :"pk1"));
insert into :"sch".:"tab" values (7, 'seven', 'k7'), (8, 'eight', 'k''8"');
select ai.create_vectorizer(format('%I.%I', :'sch', :'tab')::regclass, name => 'hostile',
  loading => ai.loading_column('Body'), embedding => ai.embedding_openai('text-embedding-3-small', 8),
  chunking => ai.chunking_none(), queue_schema => :'qs', queue_table => :'qt') as vh \gset
select format('%I.%I', :'qs', :'qt') as hq, format('%I.%I', :'qs', '_vectorizer_q_failed_' || :vh) as hf \gset
delete from :hq;
insert into :hf (:"pk1", :"pk2", failure_step) values (7, 'k7', 'embedding'), (8, 'k''8"', 'parsing');
select pg_temp.err(:vh, 'embedding', 'hostile reason', jsonb_build_object(:'pk1', '7', :'pk2', 'k7'), now());
select t.eq((select jsonb_agg(jsonb_build_array(pk, failure_step, last_error) order by failure_step)
             from ai.vectorizer_failed_items where vectorizer_name = 'hostile'),
  jsonb_build_array(jsonb_build_array(jsonb_build_object(:'pk1', '7', :'pk2', 'k7'), 'embedding', 'hostile reason'),
                    jsonb_build_array(jsonb_build_object(:'pk1', '8', :'pk2', 'k''8"'), 'parsing', null)),
  'hostile names: keys under their raw names, error matched');
select t.eq(ai.vectorizer_requeue_failed('hostile', 'parsing'), 1::bigint, 'hostile requeue by step');
select t.eq(ai.vectorizer_requeue_failed(:vh), 1::bigint, 'hostile requeue of the rest');
select t.eq((select string_agg(concat_ws(':', q.:"pk1", q.:"pk2", q.loading_retries), ',' order by q.:"pk1") from :hq q),
  '7:k7:0,8:k''8":0', 'hostile keys queued');
select t.eq(t.count(:'hf'), 0::bigint, 'hostile failed table empty');

-- 8. privileges --------------------------------------------------------------------
insert into ai._vectorizer_q_failed_:vdoc (id, failure_step) values (2, 'embedding');
insert into ai._vectorizer_q_failed_:vpost (title, published, failure_step) values ('a', '2024-01-01 10:00+00', 'formatting');
insert into :hf (:"pk1", :"pk2", failure_step) values (7, 'k7', 'embedding');
grant usage on schema ai to f_fi_reader, f_fi_noerr;
grant select on ai.vectorizer, ai.vectorizer_failed_items to f_fi_reader, f_fi_noerr;
grant select on ai._vectorizer_errors to f_fi_reader;
-- the post table only; for the hostile one SELECT on the table but no USAGE on its schema
select format('grant select on ai.%I to f_fi_reader, f_fi_noerr', '_vectorizer_q_failed_' || :vpost) as g \gset
:g;
select format('grant select on %s to f_fi_reader', :'hf') as g \gset
:g;
set role f_fi_reader;
select t.eq((select string_agg(vectorizer_name || ' ' || (pk->>'title') || ' ' || last_error, ',') from ai.vectorizer_failed_items),
  'post_vec a missing template key', 'reader sees only the table it may read, with its error');
select t.raises(format('select ai.vectorizer_requeue_failed(%s)', :vdoc), 'permission denied', 'requeue needs rights on the tables', '42501');
select t.raises(format('select ai.vectorizer_requeue_failed(%s)', :vpost), 'permission denied',
  'SELECT alone does not allow a requeue', '42501');
reset role;
select t.eq(t.count('ai._vectorizer_q_failed_' || :vpost), 1::bigint, 'the refused requeue moved nothing');
set role f_fi_noerr;
select t.eq((select string_agg(vectorizer_name || ' ' || (pk->>'title') || ' ' || coalesce(last_error, 'NULL'), ',')
             from ai.vectorizer_failed_items),
  'post_vec a NULL', 'without SELECT on the errors table: rows with NULL errors');
reset role;
select format('grant usage on schema %I to f_fi_reader', :'qs') as g \gset
:g;
set role f_fi_reader;
select t.eq((select count(*) from ai.vectorizer_failed_items), 2::bigint, 'schema USAGE granted: the hostile table appears');
reset role;

-- 9. a failed table gone by hand is skipped by the view ---------------------------
select format('drop table %s', :'hf') as g \gset
:g;
select t.eq((select string_agg(distinct vectorizer_name, ',' order by vectorizer_name) from ai.vectorizer_failed_items),
  'doc_vec,post_vec', 'missing failed table skipped');
select t.raises(format('select ai.vectorizer_requeue_failed(%s)', :vh), 'relation', 'requeue without a failed table', '42P01');

-- 10. re-running the file (every install does) keeps everything working --------
\ir ../../sql/idempotent/015-failed-items.sql
select t.eq((select count(*) from ai.vectorizer_failed_items), 2::bigint, 'view works after re-running the file');

-- 11. a dropped vectorizer leaves the view ---------------------------------------
select ai.drop_vectorizer(:vdoc);
select t.eq((select string_agg(distinct vectorizer_name, ',') from ai.vectorizer_failed_items), 'post_vec',
  'dropped vectorizer gone from the view');
select ai.drop_vectorizer('post_vec', drop_all => true);
select ai.drop_vectorizer('hostile');
select t.eq((select count(*) from ai.vectorizer_failed_items), 0::bigint, 'all dropped: empty view');

drop owned by f_fi_reader, f_fi_noerr;
drop role f_fi_reader, f_fi_noerr;
