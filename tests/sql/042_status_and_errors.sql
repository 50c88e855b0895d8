-- ai.vectorizer_status (spec 2.6) and ai.vectorizer_errors (spec 2.4):
-- exact columns and order, values for table and column destinations,
-- identifier quoting, pending_items only for roles that can read the queue,
-- the disabled flag, and errors looked up by vectorizer name.
\o /dev/null

-- columns, order and types are the contract
select t.eq((select string_agg(attname || ':' || format_type(atttypid, atttypmod), ',' order by attnum)
             from pg_attribute where attrelid = 'ai.vectorizer_status'::regclass and attnum > 0),
  'id:integer,name:name,source_table:text,target_table:text,view:text,embedding_column:text,pending_items:bigint,disabled:boolean',
  'vectorizer_status columns');
select t.eq((select string_agg(attname, ',' order by attnum)
             from pg_attribute where attrelid = 'ai.vectorizer_errors'::regclass and attnum > 0),
  'id,message,details,recorded,name', 'vectorizer_errors columns');
select t.eq((select count(*) from ai.vectorizer_status), 0::bigint, 'no vectorizers, no status rows');

create schema website;
create table website.blog (id int primary key, title text, body text not null);
insert into website.blog values (1, 't1', 'a'), (2, 't2', 'b'), (3, 't3', 'c');
select ai.create_vectorizer('website.blog'::regclass
  , loading => ai.loading_column('body')
  , embedding => ai.embedding_openai('text-embedding-3-small', 3)
  , scheduling => ai.scheduling_none(), indexing => ai.indexing_none()) as v1 \gset
select ai.create_vectorizer('website.blog'::regclass, name => 'blog_col'
  , destination => ai.destination_column('Emb "X"')
  , chunking => ai.chunking_none()
  , loading => ai.loading_column('body')
  , embedding => ai.embedding_openai('text-embedding-3-small', 3)
  , scheduling => ai.scheduling_none(), indexing => ai.indexing_none()) as v2 \gset

select t.eq((select to_jsonb(s) from ai.vectorizer_status s where id = :v1),
  jsonb_build_object('id', :v1, 'name', 'website_blog_embedding_store', 'source_table', 'website.blog',
    'target_table', 'website.blog_embedding_store', 'view', 'website.blog_embedding',
    'embedding_column', 'embedding', 'pending_items', 3, 'disabled', false),
  'status row of a table destination');
select t.eq((select to_jsonb(s) from ai.vectorizer_status s where id = :v2),
  jsonb_build_object('id', :v2, 'name', 'blog_col', 'source_table', 'website.blog',
    'target_table', null, 'view', null,
    'embedding_column', '"Emb ""X"""', 'pending_items', 3, 'disabled', false),
  'status row of a column destination (quoted embedding column)');

-- pending_items follows the queue and uses the approximate count
insert into website.blog select g, 't', 'x' from generate_series(4, 10010) g;
select t.eq((select pending_items from ai.vectorizer_status where id = :v1), 9223372036854775807::int8,
  'pending_items is the approximate count (sentinel above 10000)');
delete from ai._vectorizer_q_1;
select t.eq((select pending_items from ai.vectorizer_status where id = :v1), 0::int8, 'pending_items of an empty queue');

-- disabled shows the flag
update ai.vectorizer set disabled = true where id = :v2;
select t.eq((select disabled from ai.vectorizer_status where id = :v2), true, 'disabled flag shown');
select t.eq((select disabled from ai.vectorizer_status where id = :v1), false, 'other vectorizer still enabled');

-- hostile identifiers are quoted with %I
create schema "My ""Sch"" ema";
create table "My ""Sch"" ema"."Bl'og" (id int primary key, body text);
select ai.create_vectorizer('"My ""Sch"" ema"."Bl''og"'::regclass, name => 'hostile'
  , loading => ai.loading_column('body')
  , embedding => ai.embedding_openai('text-embedding-3-small', 3)
  , destination => ai.destination_table(target_table => 'Store T', view_name => 'View V')
  , scheduling => ai.scheduling_none(), indexing => ai.indexing_none()) as v3 \gset
select t.eq((select array[source_table, target_table, "view"] from ai.vectorizer_status where id = :v3),
  array['"My ""Sch"" ema"."Bl''og"', '"My ""Sch"" ema"."Store T"', '"My ""Sch"" ema"."View V"'],
  'hostile names quoted');

-- pending_items is NULL for a role that cannot read the queue ---------------
drop role if exists c_status_reader;
create role c_status_reader;
grant usage on schema ai, t to c_status_reader; -- t: the assertion helpers
grant select on ai.vectorizer, ai.vectorizer_status, ai.vectorizer_errors to c_status_reader;

set role c_status_reader;
select t.eq((select count(*) from ai.vectorizer_status), 3::bigint, 'reader sees every status row');
select t.eq((select count(*) from ai.vectorizer_status where pending_items is null), 3::bigint,
  'pending_items NULL without SELECT on the queues');
select t.eq((select name::text from ai.vectorizer_status where id = :v1), 'website_blog_embedding_store',
  'reader sees names');
reset role;

grant select on ai._vectorizer_q_1 to c_status_reader;
set role c_status_reader;
select t.eq((select pending_items from ai.vectorizer_status where id = :v1), 0::int8,
  'pending_items shown once the role may read the queue');
select t.eq((select pending_items from ai.vectorizer_status where id = :v2), null::int8,
  'still NULL for a queue it may not read');
reset role;

-- a queue in a schema the role has no USAGE on: NULL rather than an error
create schema qs;
create table website.other (id int primary key, body text);
insert into website.other values (1, 'a');
select ai.create_vectorizer('website.other'::regclass, name => 'other_q'
  , loading => ai.loading_column('body')
  , embedding => ai.embedding_openai('text-embedding-3-small', 3)
  , queue_schema => 'qs'
  , scheduling => ai.scheduling_none(), indexing => ai.indexing_none()) as v4 \gset
select format('qs._vectorizer_q_%s', :v4) as q4 \gset
grant select on :q4 to c_status_reader;
set role c_status_reader;
select t.eq((select pending_items from ai.vectorizer_status where id = :v4), null::int8,
  'NULL without USAGE on the queue schema');
reset role;
grant usage on schema qs to c_status_reader;
set role c_status_reader;
select t.eq((select pending_items from ai.vectorizer_status where id = :v4), 1::int8,
  'counted with USAGE on the queue schema');
reset role;

-- a vectorizer whose queue table has disappeared still has a status row
drop table :q4;
select t.eq((select pending_items from ai.vectorizer_status where id = :v4), null::int8,
  'missing queue table gives NULL, not an error');

-- errors view: rows carry the vectorizer name ------------------------------
insert into ai._vectorizer_errors (id, message, details)
values (:v1, 'embedding provider failed', '{"provider": "openai", "error_reason": "boom"}'),
       (:v2, 'vectorizer failed with unexpected error', '{"error_reason": "bang"}');
select t.eq((select message from ai.vectorizer_errors where name = 'website_blog_embedding_store'),
  'embedding provider failed', 'error found by name');
select t.eq((select details->>'error_reason' from ai.vectorizer_errors where name = 'blog_col'),
  'bang', 'error details found by name');
select t.eq((select count(*) from ai.vectorizer_errors where recorded is not null), 2::bigint,
  'recorded defaults to now()');
set role c_status_reader;
select t.eq((select count(*) from ai.vectorizer_errors), 2::bigint, 'errors view readable with SELECT on it');
reset role;

-- dropping a vectorizer removes its status row and its errors
select ai.drop_vectorizer(:v2);
select t.eq((select count(*) from ai.vectorizer_status where id = :v2), 0::bigint, 'status row gone after drop');
select t.eq((select count(*) from ai.vectorizer_errors where name = 'blog_col'), 0::bigint, 'errors gone after drop');

drop owned by c_status_reader;
drop role c_status_reader;
