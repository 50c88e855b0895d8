-- create_vectorizer's error catalogue (spec 4.11) with SQLSTATEs, the order
-- of the checks (spec 4.2, 10: queue table first; view before target before
-- name), and that a failure leaves nothing behind except the consumed id.

create table blog (id serial primary key, title text, contents text, score float8);
create table nopk (id int, contents text);
create table "Upper" (id int primary key, contents text);

-- one helper so each case states only what differs
create function pg_temp.cv(extra text, src text default 'blog') returns text language sql as $$
  select format('select ai.create_vectorizer(%L::regclass, %s)', src, extra)
$$;
create function pg_temp.ok_args() returns text language sql as $$
  select $a$loading => ai.loading_column('contents'), embedding => ai.embedding_ollama('m', 3)$a$
$$;

select t.raises(pg_temp.cv($$loading => ai.loading_column('contents')$$),
  'embedding configuration is required', 'embedding missing', 'P0001');
select t.raises(pg_temp.cv($$embedding => ai.embedding_ollama('m', 3)$$),
  'loading configuration is required', 'loading missing', 'P0001');
select t.raises(pg_temp.cv('loading => null, embedding => null'),
  'embedding configuration is required', 'embedding is checked before loading');
select t.raises(pg_temp.cv($$loading => ai.loading_column('contents'),
  embedding => '{"implementation":"openai","config_type":"embedding","model":"x"}'$$),
  'dimensions argument is required', 'no dimensions', 'P0001');
select t.raises(pg_temp.cv(pg_temp.ok_args(), 'nopk'),
  'source table must have a primary key constraint', 'no primary key', 'P0001');
select t.raises(pg_temp.cv(pg_temp.ok_args(), 'no_such_table'),
  'relation "no_such_table" does not exist', 'unknown source', '42P01');

-- queue table collision is checked before the configuration
create table ai.taken_queue (x int);
select t.raises(pg_temp.cv(pg_temp.ok_args() || $$, queue_table => 'taken_queue'$$),
  'an object named ai.taken_queue already exists. specify an alternate queue_table explicitly', 'queue exists', '42710');
select t.raises(pg_temp.cv($$loading => ai.loading_column('nope'), embedding => ai.embedding_ollama('m', 3), queue_table => 'taken_queue'$$),
  'an object named ai.taken_queue already exists', 'queue collision wins over a validation error', '42710');

-- validators, in spec order
select t.raises(pg_temp.cv($$loading => ai.loading_column('nope'), embedding => ai.embedding_ollama('m', 3)$$),
  'column_name in config does not exist in the table: nope', 'loading: missing column');
select t.raises(pg_temp.cv($$loading => ai.loading_column('score'), embedding => ai.embedding_ollama('m', 3)$$),
  'column_name score in config is of invalid type float8', 'loading: bad type');
select t.raises(pg_temp.cv($$loading => ai.loading_column('contents'), parsing => ai.parsing_pymupdf(), embedding => ai.embedding_ollama('m', 3)$$),
  'parsing_pymupdf must be used with a bytea column', 'parsing');
select t.raises(pg_temp.cv(pg_temp.ok_args() || $$, destination => ai.destination_column('emb')$$),
  'chunking must be none for column destination', 'destination');
select t.raises(pg_temp.cv($$loading => ai.loading_column('contents'), embedding => '{"implementation":"nope","config_type":"embedding","dimensions":3}'$$),
  'invalid embedding implementation: "nope"', 'embedding');
select t.raises(pg_temp.cv(pg_temp.ok_args() || $$, chunking => '{"implementation":"x","config_type":"chunking"}'$$),
  'invalid chunking config implementation', 'chunking');
select t.raises(pg_temp.cv(pg_temp.ok_args() || $$, indexing => '{"implementation":"hnsw","config_type":"nope"}'$$),
  'invalid config_type for indexing config', 'indexing');
select t.raises(pg_temp.cv(pg_temp.ok_args() || $$, formatting => ai.formatting_python_template('no placeholder')$$),
  'template must contain $chunk placeholder', 'formatting');
select t.raises(pg_temp.cv(pg_temp.ok_args() || $$, scheduling => '{"implementation":"cron","config_type":"scheduling"}'$$),
  'unrecognized scheduling implementation: "cron"', 'scheduling');
select t.raises(pg_temp.cv(pg_temp.ok_args() || $$, processing => ai.processing_default(batch_size => 5000)$$),
  'batch_size must be less than or equal to 2048', 'processing');
select t.raises(pg_temp.cv($$loading => ai.loading_column('nope'), embedding => ai.embedding_ollama('m', 3),
  formatting => ai.formatting_python_template('no placeholder')$$),
  'column_name in config does not exist', 'loading is validated before formatting');

-- indexing needs scheduling
select t.raises(pg_temp.cv(pg_temp.ok_args() || $$, indexing => ai.indexing_hnsw(), scheduling => ai.scheduling_none()$$),
  'automatic indexing is not supported without scheduling. set indexing=>ai.indexing_none() when scheduling=>ai.scheduling_none()',
  'indexing without scheduling', 'P0001');
set ai.indexing_default = 'indexing_diskann';
select t.raises(pg_temp.cv(pg_temp.ok_args()),
  'automatic indexing is not supported without scheduling', 'resolved default indexing also needs scheduling');
reset ai.indexing_default;

-- timescaledb scheduling without the extensions
select t.raises(pg_temp.cv(pg_temp.ok_args() || $$, scheduling => ai.scheduling_timescaledb()$$),
  'ai extension not found but it is needed for timescaledb scheduling.', 'timescaledb scheduling', 'P0001');
set ai.scheduling_default = 'scheduling_timescaledb';
select t.raises(pg_temp.cv(pg_temp.ok_args()),
  'ai extension not found but it is needed for timescaledb scheduling.', 'resolved default scheduling');
reset ai.scheduling_default;

-- destination implementation
select t.raises(pg_temp.cv(pg_temp.ok_args() || $$, destination => '{"implementation":"foo","config_type":"destination"}'$$),
  'invalid implementation for destination config', 'bad destination implementation', 'P0001');

-- name, view and target collisions: view before target before name
select t.eq(ai.create_vectorizer('blog'::regclass, loading => ai.loading_column('contents'),
  embedding => ai.embedding_ollama('m', 3)), 19, 'first success after 18 id-consuming failures gets id 19');
select t.raises(pg_temp.cv(pg_temp.ok_args()),
  'a vectorizer named public_blog_embedding_store already exists.', 'name taken', '42710');
select t.raises(pg_temp.cv(pg_temp.ok_args() || $$, destination => ai.destination_table(target_table => 'other_store')$$),
  'an object named public.blog_embedding already exists. specify an alternate destination or view_name explicitly',
  'view exists', '42710');
select t.raises(pg_temp.cv(pg_temp.ok_args() || $$, name => 'x_target', destination => ai.destination_table(view_name => 'other_view')$$),
  'an object named public.blog_embedding_store already exists. specify an alternate destination or target_table explicitly',
  'target exists', '42710');
select t.raises(pg_temp.cv(pg_temp.ok_args() || $$, name => 'public_blog_embedding_store', destination => ai.destination_table('fresh')$$),
  'a vectorizer named public_blog_embedding_store already exists.', 'name checked before view/target', '42710');
create view blog_v2 as select 1;
create table blog_v2_store (x int);
select t.raises(pg_temp.cv(pg_temp.ok_args() || $$, destination => ai.destination_table('blog_v2')$$),
  'an object named public.blog_v2 already exists. specify an alternate destination or view_name explicitly',
  'view is checked before target', '42710');

-- bad name format
select t.raises(pg_temp.cv(pg_temp.ok_args(), '"Upper"'),
  'new row for relation "vectorizer" violates check constraint "vectorizer_name_check"', 'capitals in the default name', '23514');
select t.raises(pg_temp.cv(pg_temp.ok_args() || $$, name => 'Bad Name', destination => ai.destination_table('bad')$$),
  'new row for relation "vectorizer" violates check constraint "vectorizer_name_check"', 'explicit bad name', '23514');

-- failures leave nothing behind (the name check fires after every object was made)
select t.ok(to_regclass('public."Upper_embedding_store"') is null and to_regclass('public."Upper_embedding"') is null
            and to_regclass('public.bad_store') is null, 'no target or view left by failed attempts');
select t.eq((select count(*) from pg_class where relnamespace = 'ai'::regnamespace and relname ~ '^_vectorizer_q_' and relkind = 'r'),
  2::bigint, 'only the successful vectorizer''s queue tables exist');
select t.eq((select count(*) from pg_trigger where tgrelid = '"Upper"'::regclass), 0::bigint, 'no trigger left on the source');
select t.eq((select count(*) from pg_proc where proname ~ '^_vectorizer_src_trg_'), 1::bigint, 'only one trigger function');
select t.eq((select count(*) from ai.vectorizer), 1::bigint, 'one row');
select t.eq(ai.create_vectorizer('blog'::regclass, loading => ai.loading_column('contents'),
  embedding => ai.embedding_ollama('m', 3), destination => ai.destination_table('blog_ok')), 27,
  'failed attempts after the first success consumed ids 20-26');

-- missing grant_to roles are not an error
select t.eq(ai.create_vectorizer('blog'::regclass, loading => ai.loading_column('contents'),
  embedding => ai.embedding_ollama('m', 3), destination => ai.destination_table('blog_g'),
  grant_to => array['b_cv_no_such_role']::name[]), 28, 'grant_to with only missing roles succeeds');
