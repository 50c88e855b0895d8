-- Source trigger semantics (spec 4.9): table destination, column
-- destination, three vectorizers on one table (pgai's pinned tests), the
-- "relevant change" rule and its scope, TRUNCATE, and the trigger builder.

create schema website;
create table website.blog
( id int not null generated always as identity
, title text not null
, published timestamptz
, body text not null
, drafts text
, primary key (title, published)
);
insert into website.blog (title, published, body) values
  ('how to cook a hot dog', '2024-01-06', 'put it on a hot grill')
, ('how to make a sandwich', '2023-01-06', 'put a slice of meat between two pieces of bread')
, ('how to make stone soup', '2022-01-06', 'boil some water. add a stone');

select ai.create_vectorizer('website.blog'::regclass, loading => ai.loading_column('body'),
  embedding => ai.embedding_openai('text-embedding-3-small', 768),
  chunking => ai.chunking_character_text_splitter(128, 10));

-- pretend a worker ran: empty queue, two chunks per row
delete from ai._vectorizer_q_1;
create function pg_temp.fake_embed() returns void language sql as $$
  delete from website.blog_embedding_store;
  insert into website.blog_embedding_store (title, published, chunk_seq, chunk, embedding)
  select b.title, b.published, s, b.body, array_fill(0.5, array[768])::vector
  from website.blog b cross join generate_series(0, 1) s;
$$;
select pg_temp.fake_embed();
select t.eq(t.count('website.blog_embedding_store'), 6::bigint, 'setup: six chunks');

-- INSERT -----------------------------------------------------------------------
insert into website.blog (title, published, body) values ('how to grill a steak', '2024-02-01', 'hot grill');
select t.eq(t.count('ai._vectorizer_q_1'), 1::bigint, 'insert queues one row');
select t.eq((select title || '|' || published::date from ai._vectorizer_q_1), 'how to grill a steak|2024-02-01',
  'insert queues the new key');
select t.eq((select loading_retries::text || coalesce(loading_retry_after::text, '-') from ai._vectorizer_q_1), '0-',
  'queued row has default retry columns');
delete from ai._vectorizer_q_1;
insert into website.blog (title, published, body) select 'bulk ' || i, '2024-03-01', 'b' from generate_series(1, 3) i;
select t.eq(t.count('ai._vectorizer_q_1'), 3::bigint, 'multi-row insert queues every row');
delete from website.blog where title like 'bulk %' or title = 'how to grill a steak';
delete from ai._vectorizer_q_1;
select pg_temp.fake_embed();

-- UPDATE -----------------------------------------------------------------------
update website.blog set body = 'put it on a very hot grill' where title = 'how to cook a hot dog';
select t.eq(t.count('ai._vectorizer_q_1'), 1::bigint, 'body update queues exactly one row');
select t.eq(t.count('website.blog_embedding_store'), 6::bigint, 'body update keeps existing chunks');
delete from ai._vectorizer_q_1;

update website.blog set body = body;
select t.eq(t.count('ai._vectorizer_q_1'), 0::bigint, 'no-op update (set body = body) queues nothing');
update website.blog set title = title, published = published, drafts = drafts;
select t.eq(t.count('ai._vectorizer_q_1'), 0::bigint, 'no-op update of key columns queues nothing');

update website.blog set drafts = 'd' where title = 'how to make a sandwich';
select t.eq(t.count('ai._vectorizer_q_1'), 1::bigint, 'a change to any non-embedding column is relevant');
delete from ai._vectorizer_q_1;
update website.blog set drafts = null where title = 'how to make a sandwich';
select t.eq(t.count('ai._vectorizer_q_1'), 1::bigint, 'value to NULL is a change');
delete from ai._vectorizer_q_1;

update website.blog set body = body || '!';
select t.eq(t.count('ai._vectorizer_q_1'), 3::bigint, 'multi-row update queues each row');
delete from ai._vectorizer_q_1;

-- primary-key change: stale chunks removed, new key queued ------------------------
update website.blog set title = 'how to cook a hotdog' where title = 'how to cook a hot dog';
select t.eq(t.count('ai._vectorizer_q_1'), 1::bigint, 'pk change queues one row');
select t.eq((select title from ai._vectorizer_q_1), 'how to cook a hotdog', 'pk change queues the new key');
select t.eq((select count(*) from website.blog_embedding_store where title = 'how to cook a hot dog'), 0::bigint,
  'pk change deletes the old key''s chunks');
select t.eq(t.count('website.blog_embedding_store'), 4::bigint, 'pk change keeps other rows'' chunks');
delete from ai._vectorizer_q_1;
update website.blog set published = published + interval '1 day' where title = 'how to make a sandwich';
select t.eq((select count(*) from website.blog_embedding_store where title = 'how to make a sandwich'), 0::bigint,
  'change of the second key column also deletes');
select t.eq(t.count('ai._vectorizer_q_1'), 1::bigint, 'change of the second key column queues');
delete from ai._vectorizer_q_1;
select pg_temp.fake_embed();

-- DELETE ------------------------------------------------------------------------
insert into ai._vectorizer_q_1 (title, published) select title, published from website.blog where title = 'how to make stone soup';
delete from website.blog where title = 'how to make stone soup';
select t.eq((select count(*) from website.blog_embedding_store where title = 'how to make stone soup'), 0::bigint,
  'delete removes the row''s chunks');
select t.eq(t.count('website.blog_embedding_store'), 4::bigint, 'delete keeps other chunks');
select t.eq(t.count('ai._vectorizer_q_1'), 1::bigint, 'delete queues nothing and leaves a queued key alone');

-- TRUNCATE ----------------------------------------------------------------------
insert into ai._vectorizer_q_failed_1 (title, published, failure_step) values ('x', now(), 'loading');
truncate website.blog;
select t.eq(t.count('website.blog_embedding_store'), 0::bigint, 'truncate empties the target');
select t.eq(t.count('ai._vectorizer_q_1'), 0::bigint, 'truncate empties the queue');
select t.eq(t.count('ai._vectorizer_q_failed_1'), 1::bigint, 'truncate leaves the failed queue alone');

-- column destination -------------------------------------------------------------------
create table website.doc (id int primary key, body text, note text);
insert into website.doc values (1, 'one', null), (2, 'two', null);
select ai.create_vectorizer('website.doc'::regclass, loading => ai.loading_column('body'),
  embedding => ai.embedding_openai('text-embedding-3-small', 3), chunking => ai.chunking_none(),
  destination => ai.destination_column('emb'));
delete from ai._vectorizer_q_2;
insert into website.doc values (3, 'three', null);
select t.eq((select array_agg(id) from ai._vectorizer_q_2), array[3], 'column destination: insert queues');
delete from ai._vectorizer_q_2;
update website.doc set emb = '[1,2,3]' where id = 1;
select t.eq(t.count('ai._vectorizer_q_2'), 0::bigint, 'column destination: writing the embedding column queues nothing');
update website.doc set body = body, emb = emb;
select t.eq(t.count('ai._vectorizer_q_2'), 0::bigint, 'column destination: no-op update queues nothing');
update website.doc set note = 'n' where id = 2;
select t.eq((select array_agg(id) from ai._vectorizer_q_2), array[2], 'column destination: relevant update queues');
delete from ai._vectorizer_q_2;
update website.doc set id = 10, emb = null where id = 1;
select t.eq((select array_agg(id) from ai._vectorizer_q_2), array[10], 'column destination: pk change queues the new key only');
delete from website.doc where id = 2;
select t.eq(t.count('ai._vectorizer_q_2'), 1::bigint, 'column destination: delete does nothing');
truncate website.doc;
select t.eq(t.count('ai._vectorizer_q_2'), 1::bigint, 'column destination: truncate leaves the queue');

-- three vectorizers on one table (pgai's test_same_table_vectorizer) -----------------
create table website.post (id int primary key, title text, body text);
insert into website.post values (1, 'first', 'body one');
select ai.create_vectorizer('website.post'::regclass, loading => ai.loading_column('body'),
  embedding => ai.embedding_openai('text-embedding-3-small', 3));                                   -- 3: table
select ai.create_vectorizer('website.post'::regclass, loading => ai.loading_column('body'),
  embedding => ai.embedding_openai('text-embedding-3-small', 3), chunking => ai.chunking_none(),
  destination => ai.destination_column('embedding1'));                                                -- 4: column
select ai.create_vectorizer('website.post'::regclass, loading => ai.loading_column('title'),
  embedding => ai.embedding_openai('text-embedding-3-small', 3), chunking => ai.chunking_none(),
  destination => ai.destination_column('embedding2'));                                                -- 5: column
create function pg_temp.queued() returns text language sql as $$
  select format('%s/%s/%s', t.count('ai._vectorizer_q_3'), t.count('ai._vectorizer_q_4'), t.count('ai._vectorizer_q_5'))
$$;
create function pg_temp.clear() returns void language sql as $$
  delete from ai._vectorizer_q_3; delete from ai._vectorizer_q_4; delete from ai._vectorizer_q_5;
$$;
select t.eq(pg_temp.queued(), '1/1/1', 'three vectorizers: existing row queued in each');
select pg_temp.clear();
insert into website.post values (2, 'second', 'body two');
select t.eq(pg_temp.queued(), '1/1/1', 'three vectorizers: insert queues in all three');
select pg_temp.clear();
insert into website.post_embedding_store (id, chunk_seq, chunk, embedding) values (1, 0, 'c', '[0,0,0]'), (2, 0, 'c', '[0,0,0]');
update website.post set embedding1 = '[1,1,1]';
select t.eq(pg_temp.queued(), '0/0/0', 'writing embedding1 queues nothing anywhere');
update website.post set embedding2 = '[2,2,2]' where id = 1;
select t.eq(pg_temp.queued(), '0/0/0', 'writing embedding2 queues nothing anywhere');
update website.post set embedding1 = null, embedding2 = null;
select t.eq(pg_temp.queued(), '0/0/0', 'writing both embedding columns queues nothing anywhere');
update website.post set title = 'first!' where id = 1;
select t.eq(pg_temp.queued(), '1/1/1', 'title update queues one row in each queue');
select pg_temp.clear();
update website.post set title = 'second!', embedding1 = '[3,3,3]' where id = 2;
select t.eq(pg_temp.queued(), '1/1/1', 'title plus embedding update still queues in each');
select pg_temp.clear();
update website.post set id = 20 where id = 2;
select t.eq(pg_temp.queued(), '1/1/1', 'pk change queues in each');
select t.eq((select count(*) from website.post_embedding_store where id = 2), 0::bigint, 'pk change cleans the table destination');
truncate website.post;
select t.eq(pg_temp.queued(), '0/1/1', 'truncate empties only the table destination''s queue');
select t.eq(t.count('website.post_embedding_store'), 0::bigint, 'truncate empties the target');

-- the exclusion is scoped to the same schema and table ------------------------------
create schema other;
create table other.post (id int primary key, body text, embedding1 text);
insert into other.post values (1, 'x', 'plain text column');
select ai.create_vectorizer('other.post'::regclass, loading => ai.loading_column('body'),
  embedding => ai.embedding_openai('text-embedding-3-small', 3));                                   -- 6
delete from ai._vectorizer_q_6;
update other.post set embedding1 = 'changed';
select t.eq(t.count('ai._vectorizer_q_6'), 1::bigint,
  'a column named like another table''s embedding column is still relevant');

-- the builder ---------------------------------------------------------------------------------
select t.ok(ai._vectorizer_build_trigger_definition('ai', '_vectorizer_q_3', 'website', 'post_embedding_store',
              'website', 'post', (select source_pk from ai.vectorizer where id = 3))
            like '%pg_catalog.pg_notify(''pgai_vectorizer'', ''3'')%', 'builder bakes in the vectorizer id');
select t.ok(ai._vectorizer_build_trigger_definition('ai', 'no_such_queue', 'website', 'post_embedding_store',
              'website', 'post', (select source_pk from ai.vectorizer where id = 3))
            not like '%pg_notify%', 'builder without a vectorizer row: no notify');
select t.ok(ai._vectorizer_build_trigger_definition('ai', '_vectorizer_q_4', null, null,
              'website', 'post', (select source_pk from ai.vectorizer where id = 4))
            !~* 'truncate|delete from', 'column variant has no delete or truncate');
select t.ok(ai._vectorizer_build_trigger_definition('ai', '_vectorizer_q_3', 'website', 'post_embedding_store',
              'website', 'post', (select source_pk from ai.vectorizer where id = 3))
            like '%truncate table website.post_embedding_store, ai._vectorizer_q_3;%', 'table variant truncates target and queue');
select t.eq((select count(*) from pg_proc where proname ~ '^_vectorizer_src_trg_' and prosrc ~* '\mexecute\M'), 0::bigint,
  'generated trigger bodies use no dynamic SQL');
select t.eq((select count(*) from pg_proc where proname ~ '^_vectorizer_src_trg_\d+$'), 6::bigint,
  'one trigger function per vectorizer');

-- triggers work whatever the writer's search_path --------------------------------------
create schema evil;
create table evil._vectorizer_q_6 (id int);
set search_path = evil, public;
insert into other.post values (2, 'y', null);
reset search_path;
select t.eq(t.count('ai._vectorizer_q_6'), 2::bigint, 'queue write goes to ai even with a hostile search_path');
select t.eq(t.count('evil._vectorizer_q_6'), 0::bigint, 'nothing written to the look-alike table');
