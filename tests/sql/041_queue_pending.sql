-- ai.vectorizer_queue_pending (spec 5.2): approximate vs exact counts, the
-- max-int8 sentinel at 10001 rows, id vs name forms, hostile identifiers.
-- That row locks held by another session do not change the count is tested
-- in 041_queue_pending_locks.sh (it needs two sessions).
\o /dev/null

create schema website;
create table website.blog (id int primary key, body text not null);
insert into website.blog values (1, 'a'), (2, 'b');
select ai.create_vectorizer('website.blog'::regclass
  , loading => ai.loading_column('body')
  , embedding => ai.embedding_openai('text-embedding-3-small', 3)
  , scheduling => ai.scheduling_none(), indexing => ai.indexing_none()) as v \gset

select t.eq(ai.vectorizer_queue_pending(:v), 2::int8, 'approximate count of a small queue is exact');
select t.eq(ai.vectorizer_queue_pending(:v, exact_count => true), 2::int8, 'exact count');
select t.eq(ai.vectorizer_queue_pending('website_blog_embedding_store'), 2::int8, 'name form');
select t.eq(ai.vectorizer_queue_pending('website_blog_embedding_store', true), 2::int8, 'name form, exact');
select t.eq(pg_typeof(ai.vectorizer_queue_pending(:v))::text, 'bigint', 'returns int8');

-- 10001 queued rows: approximate says "lots" (max int8), exact says 10001
insert into website.blog select g, 'x' from generate_series(3, 10001) g;
select t.eq(ai.vectorizer_queue_pending(:v, exact_count => true), 10001::int8, 'exact count of 10001');
select t.eq(ai.vectorizer_queue_pending(:v), 9223372036854775807::int8, 'approximate count hits the sentinel');
select t.eq(ai.vectorizer_queue_pending(:v, false), 9223372036854775807::int8, 'explicit false hits the sentinel');
select t.eq(ai.vectorizer_queue_pending('website_blog_embedding_store'), 9223372036854775807::int8,
  'name form hits the sentinel');
select t.eq(ai.vectorizer_queue_pending('website_blog_embedding_store', exact_count => true), 10001::int8,
  'name form exact 10001');

-- one fewer: 10000 is still counted exactly
delete from ai._vectorizer_q_1 where ctid = (select ctid from ai._vectorizer_q_1 limit 1);
select t.eq(ai.vectorizer_queue_pending(:v), 10000::int8, 'approximate count of 10000 is exact');

-- duplicates count: every queued row is pending
update website.blog set body = 'changed' where id = 1;
select t.eq(ai.vectorizer_queue_pending(:v, true), 10001::int8, 'a relevant update adds a queue row');

-- empty queue
delete from ai._vectorizer_q_1;
select t.eq(ai.vectorizer_queue_pending(:v), 0::int8, 'empty queue');
select t.eq(ai.vectorizer_queue_pending(:v, true), 0::int8, 'empty queue, exact');

-- unknown id: no queue table; unknown name: NULL
select t.raises('select ai.vectorizer_queue_pending(424242)', 'vectorizer has no queue table', 'unknown id', 'P0001');
select t.raises('select ai.vectorizer_queue_pending(424242, true)', 'vectorizer has no queue table',
  'unknown id, exact', 'P0001');
select t.eq(ai.vectorizer_queue_pending('website.blog_embedding_store'), null::int8, 'unknown (dotted) name gives NULL');
select t.eq(ai.vectorizer_queue_pending('nope', exact_count => true), null::int8, 'unknown name gives NULL, exact');

-- a row whose queue_table is NULL has no queue
begin;
update ai.vectorizer set queue_table = null where id = :v;
select t.raises(format('select ai.vectorizer_queue_pending(%s)', :v), 'vectorizer has no queue table',
  'NULL queue_table', 'P0001');
rollback;

-- hostile schema, table and queue names
create schema "My ""Sch"" ema";
create table "My ""Sch"" ema"."Bl'og ""T""" ("Id ""k""" int primary key, "Bo'dy" text);
insert into "My ""Sch"" ema"."Bl'og ""T""" select g, 'x' from generate_series(1, 7) g;
select ai.create_vectorizer('"My ""Sch"" ema"."Bl''og ""T"""'::regclass, name => 'hostile'
  , loading => ai.loading_column('Bo''dy')
  , embedding => ai.embedding_openai('text-embedding-3-small', 3)
  , queue_schema => 'My "Sch" ema', queue_table => 'Qu''eue "T"'
  , scheduling => ai.scheduling_none(), indexing => ai.indexing_none()) as h \gset
select t.eq(ai.vectorizer_queue_pending(:h), 7::int8, 'hostile queue, approximate');
select t.eq(ai.vectorizer_queue_pending(:h, true), 7::int8, 'hostile queue, exact');
select t.eq(ai.vectorizer_queue_pending('hostile'), 7::int8, 'hostile queue, name form');
