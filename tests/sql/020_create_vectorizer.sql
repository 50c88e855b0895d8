-- ai.create_vectorizer: pgai's quick start unchanged, its documented
-- variants, the catalog row and JSON (spec 2.1-2.3, 4.1-4.2), names,
-- enqueue_existing, if_not_exists and id consumption.

-- pgai's quick start, exactly as documented --------------------------------
CREATE TABLE blog (id SERIAL PRIMARY KEY, title TEXT, authors TEXT, contents TEXT, metadata JSONB);
INSERT INTO blog (title, authors, contents, metadata) VALUES
  ('Getting Started with PostgreSQL', 'John Doe', 'PostgreSQL is a powerful database.', '{"tags": ["db"]}'),
  ('10 Tips for Effective Blogging', 'Jane Smith', 'Blogging can be rewarding.', '{"tags": ["blog"]}');
SELECT ai.create_vectorizer('blog'::regclass, loading => ai.loading_column('contents'), embedding => ai.embedding_ollama('nomic-embed-text', 768), destination => ai.destination_table('blog_contents_embeddings'));

select t.eq((select count(*) from ai.vectorizer), 1::bigint, 'quick start: one vectorizer');
select t.eq((select id from ai.vectorizer), 1, 'quick start: id 1');
select t.eq((select source_schema::text || '.' || source_table from ai.vectorizer where id = 1), 'public.blog', 'quick start: source');
select t.eq((select source_pk from ai.vectorizer where id = 1),
  '[{"pknum":1,"attnum":1,"attname":"id","typname":"integer"}]'::jsonb, 'quick start: source_pk');
select t.eq((select trigger_name::text from ai.vectorizer where id = 1), '_vectorizer_src_trg_1', 'quick start: trigger_name');
select t.eq((select queue_schema::text from ai.vectorizer where id = 1), 'ai', 'quick start: queue_schema');
select t.eq((select queue_table::text from ai.vectorizer where id = 1), '_vectorizer_q_1', 'quick start: queue_table');
select t.eq((select queue_failed_table::text from ai.vectorizer where id = 1), '_vectorizer_q_failed_1', 'quick start: queue_failed_table');
select t.eq((select name::text from ai.vectorizer where id = 1), 'public_blog_contents_embeddings_store', 'quick start: default name');
select t.eq((select disabled from ai.vectorizer where id = 1), false, 'quick start: not disabled');
select t.eq((select config->'version' from ai.vectorizer where id = 1),
  (select to_jsonb(version) from ai.pgai_lib_version where name = 'ai'), 'config.version is the installed version');
select t.eq((select array_agg(k order by k) from ai.vectorizer, jsonb_object_keys(config) k where id = 1),
  array['chunking','destination','embedding','formatting','indexing','loading','parsing','processing','scheduling','version'],
  'config has exactly pgai''s keys');
select t.eq((select config - 'version' from ai.vectorizer where id = 1), jsonb_build_object
  ( 'loading', '{"implementation":"column","config_type":"loading","column_name":"contents","retries":6}'::jsonb
  , 'parsing', '{"implementation":"auto","config_type":"parsing"}'::jsonb
  , 'embedding', '{"implementation":"ollama","config_type":"embedding","model":"nomic-embed-text","dimensions":768}'::jsonb
  , 'chunking', '{"implementation":"recursive_character_text_splitter","config_type":"chunking","chunk_size":800,"chunk_overlap":400,"separators":["\n\n","\n",".","?","!"," ",""],"is_separator_regex":false}'::jsonb
  , 'indexing', '{"implementation":"none","config_type":"indexing"}'::jsonb
  , 'formatting', '{"implementation":"python_template","config_type":"formatting","template":"$chunk"}'::jsonb
  , 'scheduling', '{"implementation":"none","config_type":"scheduling"}'::jsonb
  , 'processing', '{"implementation":"default","config_type":"processing"}'::jsonb
  , 'destination', '{"implementation":"table","config_type":"destination","target_schema":"public","target_table":"blog_contents_embeddings_store","view_schema":"public","view_name":"blog_contents_embeddings"}'::jsonb
  ), 'quick start: config, with indexing and scheduling resolved');
select t.ok(to_regclass('ai._vectorizer_q_1') is not null, 'quick start: queue table');
select t.ok(to_regclass('ai._vectorizer_q_failed_1') is not null, 'quick start: failed-queue table');
select t.ok(to_regclass('public.blog_contents_embeddings_store') is not null, 'quick start: target table');
select t.eq((select relkind::text from pg_class where oid = to_regclass('public.blog_contents_embeddings')), 'v', 'quick start: view');
select t.ok(to_regprocedure('ai._vectorizer_src_trg_1()') is not null, 'quick start: trigger function');
select t.eq((select count(*) from pg_trigger where tgrelid = 'blog'::regclass and not tgisinternal), 2::bigint, 'quick start: two triggers');
select t.eq(t.count('ai._vectorizer_q_1'), 2::bigint, 'quick start: existing rows queued');
select t.eq((select array_agg(id order by id) from ai._vectorizer_q_1), array[1, 2], 'quick start: queued keys');
select t.eq(t.count('ai._vectorizer_q_failed_1'), 0::bigint, 'quick start: failed queue empty');
select t.eq((select loading_retries from ai._vectorizer_q_1 limit 1), 0, 'queued rows take the loading_retries default');
insert into blog (title, contents) values ('third', 'more text');
select t.eq(t.count('ai._vectorizer_q_1'), 3::bigint, 'quick start: an insert is queued');

-- pgai's documented variants on a composite-key table -----------------------
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
  ('how to cook a hot dog', '2024-01-06'::timestamptz, 'put it on a hot grill')
, ('how to make a sandwich', '2023-01-06'::timestamptz, 'put a slice of meat between two pieces of bread')
, ('how to make stone soup', '2022-01-06'::timestamptz, 'boil some water. add a stone');

select t.eq(ai.create_vectorizer
  ( 'website.blog'::regclass
  , loading => ai.loading_column('body')
  , embedding => ai.embedding_openai('text-embedding-3-small', 768)
  , chunking => ai.chunking_character_text_splitter(128, 10)
  , formatting => ai.formatting_python_template('title: $title published: $published $chunk')
  ), 2, 'second vectorizer gets id 2');
select t.eq((select config - 'version' from ai.vectorizer where id = 2), jsonb_build_object
  ( 'loading', '{"implementation":"column","config_type":"loading","column_name":"body","retries":6}'::jsonb
  , 'parsing', '{"implementation":"auto","config_type":"parsing"}'::jsonb
  , 'chunking', '{"implementation":"character_text_splitter","config_type":"chunking","chunk_size":128,"chunk_overlap":10,"separator":"\n\n","is_separator_regex":false}'::jsonb
  , 'destination', '{"implementation":"table","config_type":"destination","target_schema":"website","target_table":"blog_embedding_store","view_schema":"website","view_name":"blog_embedding"}'::jsonb
  , 'indexing', '{"implementation":"none","config_type":"indexing"}'::jsonb
  , 'embedding', '{"implementation":"openai","config_type":"embedding","model":"text-embedding-3-small","dimensions":768,"api_key_name":"OPENAI_API_KEY"}'::jsonb
  , 'formatting', '{"implementation":"python_template","config_type":"formatting","template":"title: $title published: $published $chunk"}'::jsonb
  , 'processing', '{"implementation":"default","config_type":"processing"}'::jsonb
  , 'scheduling', '{"implementation":"none","config_type":"scheduling"}'::jsonb
  ), 'website.blog: config as in pgai''s test (without TimescaleDB)');
select t.eq((select name::text from ai.vectorizer where id = 2), 'website_blog_embedding_store', 'website.blog: default name');
select t.eq((select source_pk from ai.vectorizer where id = 2),
  '[{"pknum":1,"attnum":2,"attname":"title","typname":"text"},{"pknum":2,"attnum":3,"attname":"published","typname":"timestamp with time zone"}]'::jsonb,
  'website.blog: source_pk in pknum order with format_type names');
select t.eq((select queue_table::text || ',' || queue_failed_table || ',' || trigger_name from ai.vectorizer where id = 2),
  '_vectorizer_q_2,_vectorizer_q_failed_2,_vectorizer_src_trg_2', 'website.blog: generated names');
select t.eq(t.count('ai._vectorizer_q_2'), 3::bigint, 'website.blog: three rows queued');
select t.ok(to_regclass('website.blog_embedding_store') is not null, 'website.blog: target in the source schema');
select t.ok(to_regclass('website.blog_embedding') is not null, 'website.blog: view in the source schema');

-- recursive splitter with arguments, a template with a column, explicit
-- destination names and an explicit name
select t.eq(ai.create_vectorizer
  ( 'website.blog'::regclass
  , name => 'blog_recursive'
  , loading => ai.loading_column('body')
  , embedding => ai.embedding_openai('text-embedding-3-small', 768)
  , chunking => ai.chunking_recursive_character_text_splitter(256, 20, separators => array[E'\n', ' '])
  , formatting => ai.formatting_python_template('$title: $chunk')
  , destination => ai.destination_table(target_table => 'blog_rec_store', view_name => 'blog_rec')
  ), 3, 'third vectorizer');
select t.eq((select config->'chunking' from ai.vectorizer where id = 3),
  '{"implementation":"recursive_character_text_splitter","config_type":"chunking","chunk_size":256,"chunk_overlap":20,"separators":["\n"," "],"is_separator_regex":false}'::jsonb,
  'recursive splitter config stored');
select t.eq((select config->'formatting'->>'template' from ai.vectorizer where id = 3), '$title: $chunk', 'template stored');
select t.eq((select config->'destination' from ai.vectorizer where id = 3),
  '{"implementation":"table","config_type":"destination","target_schema":"website","target_table":"blog_rec_store","view_schema":"website","view_name":"blog_rec"}'::jsonb,
  'explicit target and view names');
select t.eq((select name::text from ai.vectorizer where id = 3), 'blog_recursive', 'explicit name kept');
select t.ok(to_regclass('website.blog_rec_store') is not null and to_regclass('website.blog_rec') is not null,
  'explicit target and view created');

-- quirk 1: a view_schema argument is ignored, the view goes to the source schema
create schema other;
select ai.create_vectorizer('website.blog'::regclass, name => 'vs_ignored',
  loading => ai.loading_column('body'), embedding => ai.embedding_openai('text-embedding-3-small', 768),
  destination => ai.destination_table(target_schema => 'other', target_table => 'vs_store', view_schema => 'other', view_name => 'vs_view'));
select t.ok(to_regclass('other.vs_store') is not null, 'target_schema argument honoured');
select t.ok(to_regclass('website.vs_view') is not null and to_regclass('other.vs_view') is null,
  'view_schema argument ignored: view in the source schema');

-- enqueue_existing => false queues nothing, but later writes are queued
select t.eq(ai.create_vectorizer('website.blog'::regclass, name => 'no_backfill', enqueue_existing => false,
  loading => ai.loading_column('body'), embedding => ai.embedding_openai('text-embedding-3-small', 768),
  destination => ai.destination_table('no_backfill')), 5, 'enqueue_existing false: created');
select t.eq(t.count('ai._vectorizer_q_5'), 0::bigint, 'enqueue_existing false: queue empty');
insert into website.blog (title, published, body) values ('new post', now(), 'fresh');
select t.eq(t.count('ai._vectorizer_q_5'), 1::bigint, 'enqueue_existing false: new rows still queued');

-- queue_schema / queue_table arguments
create schema queues;
select t.eq(ai.create_vectorizer('website.blog'::regclass, name => 'custom_queue',
  loading => ai.loading_column('body'), embedding => ai.embedding_openai('text-embedding-3-small', 768),
  destination => ai.destination_table('custom_queue'), queue_schema => 'queues', queue_table => 'my_queue'), 6,
  'custom queue: created');
select t.eq((select queue_schema::text || '.' || queue_table || ' ' || queue_failed_table || ' ' || trigger_name
             from ai.vectorizer where id = 6),
  'queues.my_queue _vectorizer_q_failed_6 _vectorizer_src_trg_6', 'custom queue: names recorded');
select t.ok(to_regclass('queues.my_queue') is not null, 'custom queue: queue table in the queue schema');
select t.ok(to_regclass('queues._vectorizer_q_failed_6') is not null, 'custom queue: failed table beside it');
select t.ok(to_regprocedure('queues._vectorizer_src_trg_6()') is not null, 'custom queue: trigger function in the queue schema');
select t.eq(t.count('queues.my_queue'), 4::bigint, 'custom queue: existing rows queued');

-- if_not_exists: NOTICE, returns the existing id, creates nothing ----------
create temp table snap as
  select (select count(*) from pg_class c join pg_namespace n on n.oid = c.relnamespace
          where n.nspname not in ('pg_catalog', 'information_schema', 'pg_toast') and n.nspname !~ '^pg_temp') as rels,
         (select count(*) from pg_trigger where not tgisinternal) as trgs,
         (select count(*) from ai.vectorizer) as vecs;
select t.eq(ai.create_vectorizer('website.blog'::regclass, if_not_exists => true,
  loading => ai.loading_column('body'), embedding => ai.embedding_openai('text-embedding-3-small', 768)),
  2, 'if_not_exists returns the existing id for the default name');
select t.eq(ai.create_vectorizer('website.blog'::regclass, name => 'blog_recursive', if_not_exists => true,
  loading => ai.loading_column('title'), embedding => ai.embedding_ollama('other', 10)),
  3, 'if_not_exists compares the name only');
select t.eq((select count(*) from pg_class c join pg_namespace n on n.oid = c.relnamespace
             where n.nspname not in ('pg_catalog', 'information_schema', 'pg_toast') and n.nspname !~ '^pg_temp'
               and c.relname <> 'snap'),
  (select rels from snap), 'if_not_exists created no relation');
select t.eq((select count(*) from pg_trigger where not tgisinternal), (select trgs from snap), 'if_not_exists created no trigger');
select t.eq((select count(*) from ai.vectorizer), (select vecs from snap), 'if_not_exists created no row');
-- quirk 3: validation still runs first
select t.raises($$select ai.create_vectorizer('website.blog'::regclass, if_not_exists => true,
  loading => ai.loading_column('nope'), embedding => ai.embedding_openai('text-embedding-3-small', 768))$$,
  'column_name in config does not exist in the table: nope', 'if_not_exists does not skip validation');

-- quirk 5: the skipped and failed calls above consumed ids -----------------
select t.eq(ai.create_vectorizer('website.blog'::regclass, name => 'after_gaps',
  loading => ai.loading_column('body'), embedding => ai.embedding_openai('text-embedding-3-small', 768),
  destination => ai.destination_table('after_gaps')), 10, 'ids 7-9 were consumed by skipped/failed calls');
select t.eq((select array_agg(id order by id) from ai.vectorizer), array[1,2,3,4,5,6,10], 'no rows for the gaps');

-- the function signature is exactly pgai's ------------------------------------
select t.eq((select pg_get_function_identity_arguments(p.oid) from pg_proc p
             where p.oid = 'ai.create_vectorizer'::regproc),
  'source regclass, name text, destination jsonb, loading jsonb, parsing jsonb, embedding jsonb, chunking jsonb, '
  'indexing jsonb, formatting jsonb, scheduling jsonb, processing jsonb, queue_schema name, queue_table name, '
  'grant_to name[], enqueue_existing boolean, if_not_exists boolean', 'create_vectorizer arguments');
select t.eq((select pg_get_function_result('ai.create_vectorizer'::regproc)), 'integer', 'create_vectorizer returns int4');
select t.eq((select pronargdefaults::int from pg_proc where oid = 'ai.create_vectorizer'::regproc), 15, 'every argument but source has a default');
select t.eq((select prosecdef from pg_proc where oid = 'ai.create_vectorizer'::regproc), false, 'create_vectorizer is security invoker');
select t.eq((select proconfig from pg_proc where oid = 'ai.create_vectorizer'::regproc),
  array['search_path=pg_catalog, pg_temp'], 'create_vectorizer pins search_path');
select t.eq((select count(*) from pg_proc where proname = 'create_vectorizer'
             and pronamespace = 'ai'::regnamespace), 1::bigint, 'no create_vectorizer overloads');
