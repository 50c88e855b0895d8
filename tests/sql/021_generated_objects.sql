-- Shapes of the objects create_vectorizer generates (spec 4.3-4.9): queue,
-- failed-queue and target tables (columns, types, defaults, constraints,
-- indexes), the view, the embedding column of a column destination, the
-- trigger function and triggers; unusual primary keys; helper signatures.

create schema tx;
-- "name type [not null] [default expr]" for every live column, in attnum order
create function tx.cols(rel regclass) returns text language sql as $$
  select string_agg(a.attname || ' ' || format_type(a.atttypid, a.atttypmod)
                    || case when a.attnotnull then ' not null' else '' end
                    || coalesce(' default ' || pg_get_expr(d.adbin, d.adrelid), ''), ', ' order by a.attnum)
  from pg_attribute a
  left join pg_attrdef d on d.adrelid = a.attrelid and d.adnum = a.attnum
  where a.attrelid = rel and a.attnum > 0 and not a.attisdropped
$$;
create function tx.cons(rel regclass) returns text language sql as $$
  select coalesce(string_agg(conname || ' ' || pg_get_constraintdef(oid), '; ' order by conname), '')
  from pg_constraint where conrelid = rel
$$;
create function tx.idx(rel regclass) returns text language sql as $$
  select coalesce(string_agg(pg_get_indexdef(indexrelid), '; ' order by indexrelid::regclass::text), '')
  from pg_index where indrelid = rel
$$;

create schema website;
create table website.blog
( id int not null generated always as identity
, title text not null
, published timestamptz
, body text not null
, primary key (title, published)
);
insert into website.blog (title, published, body) values ('a', '2024-01-01', 'x');
select ai.create_vectorizer('website.blog'::regclass, loading => ai.loading_column('body'),
  embedding => ai.embedding_openai('text-embedding-3-small', 768),
  chunking => ai.chunking_character_text_splitter(128, 10));

-- queue table ------------------------------------------------------------------
select t.eq(tx.cols('ai._vectorizer_q_1'),
  'title text not null, published timestamp with time zone not null, '
  'queued_at timestamp with time zone not null default now(), loading_retries integer not null default 0, '
  'loading_retry_after timestamp with time zone', 'queue columns');
select t.eq(tx.cons('ai._vectorizer_q_1'), '', 'queue has no constraints (duplicates allowed)');
select t.eq(tx.idx('ai._vectorizer_q_1'),
  'CREATE INDEX _vectorizer_q_1_title_published_idx ON ai._vectorizer_q_1 USING btree (title, published)',
  'queue index auto-named, pk columns in pknum order');
select t.eq((select relowner::regrole::text from pg_class where oid = 'ai._vectorizer_q_1'::regclass), current_user::text,
  'queue owned by the creator');
select t.ok((select relacl is null from pg_class where oid = 'ai._vectorizer_q_1'::regclass), 'queue: no grants by default');

-- failed-queue table --------------------------------------------------------
select t.eq(tx.cols('ai._vectorizer_q_failed_1'),
  'title text not null, published timestamp with time zone not null, '
  'created_at timestamp with time zone not null default now(), failure_step text not null default ''''::text',
  'failed-queue columns');
select t.eq(tx.cons('ai._vectorizer_q_failed_1'), '', 'failed queue has no constraints');
select t.eq(tx.idx('ai._vectorizer_q_failed_1'),
  'CREATE INDEX _vectorizer_q_failed_1_title_published_idx ON ai._vectorizer_q_failed_1 USING btree (title, published)',
  'failed-queue index');

-- target table -----------------------------------------------------------------
select t.eq(tx.cols('website.blog_embedding_store'),
  'embedding_uuid uuid not null default gen_random_uuid(), title text not null, '
  'published timestamp with time zone not null, chunk_seq integer not null, chunk text not null, '
  'embedding vector(768) not null', 'target columns');
select t.eq(tx.cons('website.blog_embedding_store'),
  'blog_embedding_store_pkey PRIMARY KEY (embedding_uuid); '
  'blog_embedding_store_title_published_chunk_seq_key UNIQUE (title, published, chunk_seq)',
  'target constraints: pkey and auto-named unique key, no foreign key');
select t.eq((select attstorage::text from pg_attribute where attrelid = 'website.blog_embedding_store'::regclass
             and attname = 'embedding'), 'm', 'target embedding storage main');
select t.ok((select relacl is null from pg_class where oid = 'website.blog_embedding_store'::regclass), 'target: no grants by default');

-- view -----------------------------------------------------------------------
select t.eq(tx.cols('website.blog_embedding'),
  'embedding_uuid uuid, chunk_seq integer, chunk text, embedding vector(768), id integer, title text, '
  'published timestamp with time zone, body text', 'view columns: target columns then source columns');
select t.ok(pg_get_viewdef('website.blog_embedding'::regclass) like '%t.title,%t.published,%s.body%',
  'view takes pk columns from the target and the rest from the source');
select t.ok(pg_get_viewdef('website.blog_embedding'::regclass) ~ 's.id,',
  'non-pk id from the source');
select t.ok(pg_get_viewdef('website.blog_embedding'::regclass)
            like '%LEFT JOIN website.blog s ON (((t.title = s.title) AND (t.published = s.published)))%',
  'left join on the pk in pknum order');
create function tx.plan(q text) returns text language plpgsql as $$
declare r text; o text = '';
begin
  for r in execute 'explain (costs off) ' || q loop o = o || r || E'\n'; end loop;
  return o;
end $$;
select t.ok(tx.plan('select embedding_uuid, title, chunk from website.blog_embedding') !~ 'on blog s',
  'the planner removes the join when only target columns are read');
select t.ok(tx.plan('select body from website.blog_embedding') ~ 'blog s', 'the join is used for source columns');

-- trigger function and triggers ---------------------------------------------------
select t.eq((select row(l.lanname, p.provolatile, p.proparallel, p.prosecdef, p.prorettype::regtype::text,
                        p.proowner::regrole::text, p.proconfig::text, p.proacl::text)::text
             from pg_proc p join pg_language l on l.oid = p.prolang
             where p.oid = 'ai._vectorizer_src_trg_1()'::regprocedure),
  row('plpgsql', 'v', 's', true, 'trigger', current_user::text, '{"search_path=pg_catalog, pg_temp"}',
      format('{%s=X/%s}', current_user, current_user))::text,
  'trigger function: plpgsql, volatile, parallel safe, security definer, pinned search_path, EXECUTE only for the owner');
select t.eq((select string_agg(tgname || ' ' || tgtype || ' ' || tgfoid::regprocedure::text || ' ' || tgenabled::text, '; ' order by tgname)
             from pg_trigger where tgrelid = 'website.blog'::regclass and not tgisinternal),
  '_vectorizer_src_trg_1 29 ai._vectorizer_src_trg_1() O; _vectorizer_src_trg_1_truncate 32 ai._vectorizer_src_trg_1() O',
  'row trigger AFTER INSERT OR UPDATE OR DELETE, statement trigger AFTER TRUNCATE, one function');
select t.ok(pg_get_triggerdef((select oid from pg_trigger where tgname = '_vectorizer_src_trg_1'))
            = 'CREATE TRIGGER _vectorizer_src_trg_1 AFTER INSERT OR DELETE OR UPDATE ON website.blog FOR EACH ROW EXECUTE FUNCTION ai._vectorizer_src_trg_1()',
  'row trigger definition');
select t.ok(pg_get_triggerdef((select oid from pg_trigger where tgname = '_vectorizer_src_trg_1_truncate'))
            = 'CREATE TRIGGER _vectorizer_src_trg_1_truncate AFTER TRUNCATE ON website.blog FOR EACH STATEMENT EXECUTE FUNCTION ai._vectorizer_src_trg_1()',
  'truncate trigger definition');

-- pknum order differs from attnum order; a dropped column ----------------------
create table website.ordered (body text, gone int, b int, a int, primary key (a, b));
alter table website.ordered drop column gone;
insert into website.ordered values ('x', 1, 2);
select ai.create_vectorizer('website.ordered'::regclass, loading => ai.loading_column('body'),
  embedding => ai.embedding_ollama('m', 3));
select t.eq((select source_pk from ai.vectorizer where id = 2),
  '[{"pknum":1,"attnum":4,"attname":"a","typname":"integer"},{"pknum":2,"attnum":3,"attname":"b","typname":"integer"}]'::jsonb,
  'source_pk ordered by pknum, attnums kept');
select t.eq(tx.cols('ai._vectorizer_q_2'),
  'b integer not null, a integer not null, queued_at timestamp with time zone not null default now(), '
  'loading_retries integer not null default 0, loading_retry_after timestamp with time zone',
  'queue pk columns in attnum order');
select t.eq(tx.idx('ai._vectorizer_q_2'), 'CREATE INDEX _vectorizer_q_2_a_b_idx ON ai._vectorizer_q_2 USING btree (a, b)',
  'queue index in pknum order');
select t.eq(tx.cols('website.ordered_embedding_store'),
  'embedding_uuid uuid not null default gen_random_uuid(), b integer not null, a integer not null, '
  'chunk_seq integer not null, chunk text not null, embedding vector(3) not null', 'target pk columns in attnum order');
select t.eq(tx.cons('website.ordered_embedding_store'),
  'ordered_embedding_store_a_b_chunk_seq_key UNIQUE (a, b, chunk_seq); ordered_embedding_store_pkey PRIMARY KEY (embedding_uuid)',
  'target unique key in pknum order');
select t.eq(tx.cols('website.ordered_embedding'),
  'embedding_uuid uuid, chunk_seq integer, chunk text, embedding vector(3), body text, b integer, a integer',
  'view skips dropped columns');
select t.eq((select array_agg(a || ',' || b) from ai._vectorizer_q_2), array['2,1'], 'enqueue_existing copies pk values');

-- column destination ------------------------------------------------------------------
create table website.doc (id int primary key, body text, existing_emb text);
insert into website.doc values (1, 'one'), (2, 'two');
select t.eq(ai.create_vectorizer('website.doc'::regclass, loading => ai.loading_column('body'),
  embedding => ai.embedding_openai('text-embedding-3-small', 768), chunking => ai.chunking_none(),
  destination => ai.destination_column('embedding1')), 3, 'column destination created');
select t.eq((select name::text from ai.vectorizer where id = 3), 'website_doc_embedding1', 'column destination default name');
select t.eq((select config->'destination' from ai.vectorizer where id = 3),
  '{"implementation":"column","config_type":"destination","embedding_column":"embedding1"}'::jsonb,
  'column destination stored evaluated');
select t.eq(tx.cols('website.doc'), 'id integer not null, body text, existing_emb text, embedding1 vector(768) default NULL::vector',
  'embedding column added, nullable, explicit default null as in pgai');
select t.eq((select attstorage::text from pg_attribute where attrelid = 'website.doc'::regclass and attname = 'embedding1'),
  'm', 'embedding column storage main');
select t.ok(to_regclass('website.doc_embedding_store') is null and to_regclass('website.doc_embedding') is null,
  'column destination: no target table, no view');
select t.eq(tx.cols('ai._vectorizer_q_3'),
  'id integer not null, queued_at timestamp with time zone not null default now(), '
  'loading_retries integer not null default 0, loading_retry_after timestamp with time zone',
  'column destination still has a queue');
select t.ok(to_regclass('ai._vectorizer_q_failed_3') is not null, 'column destination: failed queue');
select t.eq(t.count('ai._vectorizer_q_3'), 2::bigint, 'column destination: existing rows queued');
select t.eq((select count(*) from pg_trigger where tgrelid = 'website.doc'::regclass and not tgisinternal), 2::bigint,
  'column destination: both triggers');
-- an existing column is kept as it is (NOTICE only, type not checked)
select t.eq(ai.create_vectorizer('website.doc'::regclass, loading => ai.loading_column('body'),
  embedding => ai.embedding_openai('text-embedding-3-small', 768), chunking => ai.chunking_none(),
  destination => ai.destination_column('existing_emb')), 4, 'existing embedding column accepted');
select t.eq(tx.cols('website.doc'), 'id integer not null, body text, existing_emb text, embedding1 vector(768) default NULL::vector',
  'existing column left untouched');

-- unusual primary-key types -----------------------------------------------------------
create schema vec;
create domain vec.code as text check (value ~ '^[A-Z]{3}$');
create table vec.weird
( a text[]
, b vec.code
, c timestamptz
, d tstzrange
, e varchar(3)
, body text
, primary key (a, b, c, d, e)
);
select t.eq(ai.create_vectorizer('vec.weird'::regclass, loading => ai.loading_column('body'),
  embedding => ai.embedding_openai('text-embedding-3-small', 768)), 5, 'weird pk vectorizer');
select t.eq((select jsonb_agg(x->'typname' order by (x->>'pknum')::int) from ai.vectorizer, jsonb_array_elements(source_pk) x where id = 5),
  '["text[]", "vec.code", "timestamp with time zone", "tstzrange", "character varying(3)"]'::jsonb,
  'source_pk typnames from format_type (array, qualified domain, typmod)');
select t.eq(tx.cols('ai._vectorizer_q_5'),
  'a text[] not null, b vec.code not null, c timestamp with time zone not null, d tstzrange not null, '
  'e character varying(3) not null, queued_at timestamp with time zone not null default now(), '
  'loading_retries integer not null default 0, loading_retry_after timestamp with time zone',
  'queue keeps the pk types exactly');
select t.eq(tx.cols('vec.weird_embedding_store'),
  'embedding_uuid uuid not null default gen_random_uuid(), a text[] not null, b vec.code not null, '
  'c timestamp with time zone not null, d tstzrange not null, e character varying(3) not null, '
  'chunk_seq integer not null, chunk text not null, embedding vector(768) not null', 'target keeps the pk types');
insert into vec.weird values
  (array['a'], 'ABC', '2024-01-01', tstzrange('2024-01-01', '2024-02-01'), 'x', 'one')
, (array['a', 'b'], 'ABC', '2024-01-01', tstzrange('2024-01-01', '2024-02-01'), 'x', 'two')
, (array['a'], 'ABD', '2024-01-01', tstzrange('2024-01-01', '2024-02-01'), 'x', 'three')
, (array['a'], 'ABC', '2024-01-02', tstzrange('2024-01-01', '2024-02-01'), 'x', 'four')
, (array['a'], 'ABC', '2024-01-01', tstzrange('2024-01-01', '2024-03-01'), 'x', 'five')
, (array['a'], 'ABC', '2024-01-01', tstzrange('2024-01-01', '2024-02-01'), 'y', 'six')
, (array[]::text[], 'XYZ', '2000-01-01', 'empty', '', 'seven');
select t.eq(t.count('ai._vectorizer_q_5'), 7::bigint, 'seven inserts, seven queued');
select t.eq((select count(*) from ai._vectorizer_q_5 q join vec.weird w using (a, b, c, d, e)), 7::bigint,
  'every queued key matches its source row');
insert into vec.weird_embedding_store (a, b, c, d, e, chunk_seq, chunk, embedding)
  select a, b, c, d, e, 0, body, array_fill(0, array[768])::vector from vec.weird;
update vec.weird set body = 'changed' where e = 'y';
select t.eq(t.count('ai._vectorizer_q_5'), 8::bigint, 'update on a weird key queued');
update vec.weird set d = tstzrange('2020-01-01', '2020-02-01') where e = 'y';
select t.eq(t.count('vec.weird_embedding_store'), 6::bigint, 'pk change deletes the old chunks (range key)');
delete from vec.weird where b = 'XYZ';
select t.eq(t.count('vec.weird_embedding_store'), 5::bigint, 'delete removes chunks (empty array/range key)');

-- helper functions have pgai's exact signatures -----------------------------------------
select t.eq((select string_agg(p.oid::regprocedure::text || ' -> ' || pg_get_function_result(p.oid), E'\n' order by p.proname)
             from pg_proc p
             where p.pronamespace = 'ai'::regnamespace
               and p.proname in ('_vectorizer_source_pk', '_vectorizer_grant_to_source', '_vectorizer_grant_to_vectorizer',
                 '_vectorizer_create_destination_table', '_vectorizer_create_destination_column',
                 '_vectorizer_add_embedding_column', '_vectorizer_create_target_table', '_vectorizer_create_view',
                 '_vectorizer_create_queue_table', '_vectorizer_create_queue_failed_table',
                 '_vectorizer_build_trigger_definition', '_vectorizer_create_source_trigger')),
  concat_ws(E'\n',
    'ai._vectorizer_add_embedding_column(name,name,integer,name) -> void',
    'ai._vectorizer_build_trigger_definition(name,name,name,name,name,name,jsonb) -> text',
    'ai._vectorizer_create_destination_column(name,name,integer,jsonb) -> void',
    'ai._vectorizer_create_destination_table(name,name,jsonb,integer,jsonb,name[]) -> void',
    'ai._vectorizer_create_queue_failed_table(name,name,jsonb,name[]) -> void',
    'ai._vectorizer_create_queue_table(name,name,jsonb,name[]) -> void',
    'ai._vectorizer_create_source_trigger(name,name,name,name,name,name,name,jsonb) -> void',
    'ai._vectorizer_create_target_table(jsonb,name,name,integer,name[]) -> void',
    'ai._vectorizer_create_view(name,name,name,name,jsonb,name,name,name[]) -> void',
    'ai._vectorizer_grant_to_source(name,name,name[]) -> void',
    'ai._vectorizer_grant_to_vectorizer(name[]) -> void',
    'ai._vectorizer_source_pk(regclass) -> jsonb'),
  'internal helpers: one each, pgai''s argument and result types');
select t.eq((select string_agg(pg_get_function_identity_arguments(p.oid), E'\n' order by p.proname)
             from pg_proc p
             where p.pronamespace = 'ai'::regnamespace
               and p.proname in ('_vectorizer_build_trigger_definition', '_vectorizer_create_source_trigger',
                                 '_vectorizer_create_destination_table', '_vectorizer_add_embedding_column')),
  concat_ws(E'\n',
    'source_schema name, source_table name, dimensions integer, embedding_column name',
    'queue_schema name, queue_table name, target_schema name, target_table name, source_schema name, source_table name, source_pk jsonb',
    'source_schema name, source_table name, source_pk jsonb, dimensions integer, destination jsonb, grant_to name[]',
    'trigger_name name, queue_schema name, queue_table name, source_schema name, source_table name, target_schema name, target_table name, source_pk jsonb'),
  'parameter names are pgai''s');
select t.eq((select count(*) from pg_proc p where p.pronamespace = 'ai'::regnamespace and p.proname like '\_vectorizer\_%'
             and p.proname in ('_vectorizer_source_pk', '_vectorizer_create_view', '_vectorizer_create_target_table')
             and (p.prosecdef or p.proconfig is distinct from array['search_path=pg_catalog, pg_temp'])), 0::bigint,
  'helpers are security invoker with a pinned search_path');
create table website.nopk (x int);
select t.eq(ai._vectorizer_source_pk('website.nopk'::regclass), null::jsonb, 'source_pk without a primary key is null');
