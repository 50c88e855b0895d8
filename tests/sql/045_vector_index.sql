-- Vector-index helpers (spec 5.7) with real pgvector hnsw indexes:
-- ai._vectorizer_vector_index_exists, ai._vectorizer_should_create_vector_index,
-- ai._vectorizer_create_vector_index, and the index step of ai._vectorizer_job.
-- The NOTICE/WARNING texts are checked in 045_vector_index_messages.sh.
-- Untested here: building a diskann index (pgvectorscale is not installable
-- in this environment); its clear "needs the vectorscale extension" error is.
\o /dev/null

create schema website;
create table website.blog (id int primary key, body text not null);
insert into website.blog select g, 'body ' || g from generate_series(1, 3) g;
-- automatic indexing needs scheduling, which needs TimescaleDB; create with
-- none/none and put the indexing config in by hand, as a job would see it.
select ai.create_vectorizer('website.blog'::regclass
  , loading => ai.loading_column('body')
  , embedding => ai.embedding_openai('text-embedding-3-small', 3)
  , scheduling => ai.scheduling_none(), indexing => ai.indexing_none()) as v \gset
create function pg_temp.set_indexing(vid int, idx jsonb) returns void language sql
as $$ update ai.vectorizer
      set config = case when idx is null then config - 'indexing' else jsonb_set(config, '{indexing}', idx) end
      where id = vid $$;
create function pg_temp.vec(vid int) returns ai.vectorizer language sql
as $$ select v from ai.vectorizer v where v.id = vid $$;
create function pg_temp.vector_indexes(rel regclass) returns bigint language sql
as $$ select count(*) from pg_index i join pg_class c on c.oid = i.indexrelid
      join pg_am a on a.oid = c.relam where i.indrelid = rel and a.amname in ('hnsw', 'diskann') $$;
create function pg_temp.fill_target(n int) returns void language sql
as $$ insert into website.blog_embedding_store (id, chunk_seq, chunk, embedding)
      select g, 0, 'c', format('[%s,%s,%s]', g, g + 1, g + 2)::vector from generate_series(1, n) g $$;

-- _vectorizer_vector_index_exists ------------------------------------------
select t.eq(ai._vectorizer_vector_index_exists('website', 'blog_embedding_store', ai.indexing_hnsw()), false,
  'no hnsw index yet');
select t.eq(ai._vectorizer_vector_index_exists('website', 'blog_embedding_store', ai.indexing_diskann()), false,
  'no diskann index yet');
select t.raises($$select ai._vectorizer_vector_index_exists('website', 'blog_embedding_store', ai.indexing_none())$$,
  'unrecognized index implementation: nones', 'pgai''s stray s for none', 'P0001');
select t.raises($$select ai._vectorizer_vector_index_exists('website', 'blog_embedding_store', ai.indexing_default())$$,
  'unrecognized index implementation: defaults', 'stray s for default', 'P0001');
-- indexes that do not count: another access method, another first column
create index on website.blog_embedding_store (chunk_seq);
create index on website.blog_embedding_store (id, chunk_seq);
select t.eq(ai._vectorizer_vector_index_exists('website', 'blog_embedding_store', ai.indexing_hnsw()), false,
  'btree indexes do not count');
select t.eq(ai._vectorizer_vector_index_exists('website', 'blog_embedding_store', ai.indexing_hnsw(), 'chunk_seq'), false,
  'a btree index on the named column does not count as hnsw');

-- _vectorizer_should_create_vector_index ------------------------------------
select t.eq(ai._vectorizer_should_create_vector_index(pg_temp.vec(:v)), false, 'indexing none: never');
select pg_temp.set_indexing(:v, ai.indexing_hnsw(min_rows => 10, m => 16, ef_construction => 64));
select t.eq(t.count('ai._vectorizer_q_1'), 3::bigint, 'three queued rows');
select t.eq(ai._vectorizer_should_create_vector_index(pg_temp.vec(:v)), false, 'non-empty queue: not yet');
select pg_temp.fill_target(10);
select t.eq(ai._vectorizer_should_create_vector_index(pg_temp.vec(:v)), false,
  'enough rows but a non-empty queue: not yet');
delete from ai._vectorizer_q_1;
select t.eq(ai._vectorizer_should_create_vector_index(pg_temp.vec(:v)), true, 'empty queue and min_rows reached');
delete from website.blog_embedding_store where id > 5;
select t.eq(ai._vectorizer_should_create_vector_index(pg_temp.vec(:v)), false, '5 rows < min_rows 10');
select pg_temp.fill_target(0);
insert into website.blog_embedding_store (id, chunk_seq, chunk, embedding)
select g, 1, 'c', '[1,1,1]' from generate_series(1, 4) g;
select t.eq(ai._vectorizer_should_create_vector_index(pg_temp.vec(:v)), false, '9 rows < min_rows 10');
insert into website.blog_embedding_store (id, chunk_seq, chunk, embedding) values (5, 1, 'c', '[1,1,1]');
select t.eq(ai._vectorizer_should_create_vector_index(pg_temp.vec(:v)), true, 'exactly min_rows');
-- create_when_queue_empty => false ignores the queue
insert into ai._vectorizer_q_1 (id) values (1);
select t.eq(ai._vectorizer_should_create_vector_index(pg_temp.vec(:v)), false, 'queue not empty again');
select pg_temp.set_indexing(:v, ai.indexing_hnsw(min_rows => 10, create_when_queue_empty => false));
select t.eq(ai._vectorizer_should_create_vector_index(pg_temp.vec(:v)), true,
  'create_when_queue_empty false ignores the queue');
select pg_temp.set_indexing(:v, ai.indexing_hnsw(min_rows => 11, create_when_queue_empty => false));
select t.eq(ai._vectorizer_should_create_vector_index(pg_temp.vec(:v)), false,
  'create_when_queue_empty false still needs min_rows');
select pg_temp.set_indexing(:v, ai.indexing_hnsw(min_rows => 0, create_when_queue_empty => false));
select t.eq(ai._vectorizer_should_create_vector_index(pg_temp.vec(:v)), true, 'min_rows 0: any number of rows');
select pg_temp.set_indexing(:v, ai.indexing_diskann(min_rows => 10));
delete from ai._vectorizer_q_1;
select t.eq(ai._vectorizer_should_create_vector_index(pg_temp.vec(:v)), true, 'diskann config is judged the same way');
select pg_temp.set_indexing(:v, null);
select t.eq(ai._vectorizer_should_create_vector_index(pg_temp.vec(:v)), false, 'no indexing key at all: never');

-- _vectorizer_create_vector_index -------------------------------------------
select ai._vectorizer_create_vector_index('website', 'blog_embedding_store',
  ai.indexing_hnsw(min_rows => 10, m => 16, ef_construction => 64));
select t.eq(pg_temp.vector_indexes('website.blog_embedding_store'), 1::bigint, 'exactly one hnsw index built');
select t.eq((select pg_get_indexdef(i.indexrelid) from pg_index i join pg_class c on c.oid = i.indexrelid
             join pg_am a on a.oid = c.relam
             where i.indrelid = 'website.blog_embedding_store'::regclass and a.amname = 'hnsw'),
  'CREATE INDEX blog_embedding_store_embedding_idx ON website.blog_embedding_store USING hnsw (embedding vector_cosine_ops) WITH (m=''16'', ef_construction=''64'')',
  'index definition: auto-named, opclass, WITH (m, ef_construction)');
select t.eq((select n.nspname::text || '.' || o.opcname from pg_index i join pg_class c on c.oid = i.indexrelid
             join pg_am a on a.oid = c.relam join pg_opclass o on o.oid = i.indclass[0]
             join pg_namespace n on n.oid = o.opcnamespace
             where i.indrelid = 'website.blog_embedding_store'::regclass and a.amname = 'hnsw'),
  (select n.nspname::text from pg_extension x join pg_namespace n on n.oid = x.extnamespace where x.extname = 'vector')
    || '.vector_cosine_ops', 'opclass from the vector extension''s schema');
select t.eq(ai._vectorizer_vector_index_exists('website', 'blog_embedding_store', ai.indexing_hnsw()), true,
  'exists sees the new index');
select t.eq(ai._vectorizer_vector_index_exists('website', 'blog_embedding_store', ai.indexing_diskann()), false,
  'an hnsw index is not a diskann index');
select t.eq(ai._vectorizer_vector_index_exists('website', 'blog_embedding_store', ai.indexing_hnsw(), 'chunk'), false,
  'exists looks at the named first column');
select pg_temp.set_indexing(:v, ai.indexing_hnsw(min_rows => 1));
select t.eq(ai._vectorizer_should_create_vector_index(pg_temp.vec(:v)), false, 'should_create is false once it exists');
-- a second call builds nothing more
select ai._vectorizer_create_vector_index('website', 'blog_embedding_store', ai.indexing_hnsw());
select t.eq(pg_temp.vector_indexes('website.blog_embedding_store'), 1::bigint, 'second call adds no index');

-- opclass choices, no WITH clause when m/ef_construction are absent
create table website.idx2 (id int primary key, embedding vector(3));
select ai._vectorizer_create_vector_index('website', 'idx2', ai.indexing_hnsw(opclass => 'vector_ip_ops'));
select t.eq((select pg_get_indexdef(indexrelid) from pg_index where indrelid = 'website.idx2'::regclass and not indisprimary),
  'CREATE INDEX idx2_embedding_idx ON website.idx2 USING hnsw (embedding vector_ip_ops)', 'ip opclass, no WITH');
create table website.idx3 (id int primary key, "Vec ""3""" vector(3));
select ai._vectorizer_create_vector_index('website', 'idx3', ai.indexing_hnsw(opclass => 'vector_l1_ops', m => 8),
  'Vec "3"');
select t.eq((select pg_get_indexdef(indexrelid) from pg_index where indrelid = 'website.idx3'::regclass and not indisprimary),
  'CREATE INDEX "idx3_Vec ""3""_idx" ON website.idx3 USING hnsw ("Vec ""3""" vector_l1_ops) WITH (m=''8'')',
  'l1 opclass, only m, quoted column');
select t.eq(ai._vectorizer_vector_index_exists('website', 'idx3', ai.indexing_hnsw(), 'Vec "3"'), true,
  'exists with a quoted column name');
-- opclass null passes validation, but hnsw has no default opclass: pgai
-- builds invalid SQL; we refuse clearly and build nothing
create table website.idx4 (id int primary key, embedding vector(3));
select t.raises($$select ai._vectorizer_create_vector_index('website', 'idx4', ai.indexing_hnsw(opclass => null))$$,
  'cannot build an hnsw index without an opclass', 'null opclass', 'P0001');
select t.eq(pg_temp.vector_indexes('website.idx4'), 0::bigint, 'nothing built without an opclass');

-- errors
select t.raises($$select ai._vectorizer_create_vector_index('website', 'blog_embedding_store', ai.indexing_none())$$,
  'unrecognized index implementation: nones', 'create with none', 'P0001');
select t.raises($$select ai._vectorizer_create_vector_index('website', 'blog_embedding_store', '{"implementation": "ivfflat"}')$$,
  'unrecognized index implementation: ivfflats', 'create with ivfflat', 'P0001');
create table website.idx5 (id int primary key, embedding vector(3));
select t.raises($$select ai._vectorizer_create_vector_index('website', 'idx5', ai.indexing_diskann())$$,
  'access method "diskann" does not exist: a diskann index needs the vectorscale extension', 'diskann without pgvectorscale',
  '42704');
select t.eq(pg_temp.vector_indexes('website.idx5'), 0::bigint, 'nothing built for diskann');
select t.raises($$select ai._vectorizer_create_vector_index('website', 'no_such_table', ai.indexing_hnsw())$$,
  'relation website.no_such_table does not exist', 'missing table', '42P01');

-- hostile schema and table
create schema "My ""Sch"" ema";
create table "My ""Sch"" ema"."Ta'ble ""T""" (id int primary key, embedding vector(3));
select t.eq(ai._vectorizer_vector_index_exists('My "Sch" ema', 'Ta''ble "T"', ai.indexing_hnsw()), false,
  'hostile: no index yet');
select ai._vectorizer_create_vector_index('My "Sch" ema', 'Ta''ble "T"', ai.indexing_hnsw(ef_construction => 32));
select t.eq(pg_temp.vector_indexes('"My ""Sch"" ema"."Ta''ble ""T"""'), 1::bigint, 'hostile: index built');
select t.eq(ai._vectorizer_vector_index_exists('My "Sch" ema', 'Ta''ble "T"', ai.indexing_hnsw()), true,
  'hostile: index found');

-- column destination: the index goes on the source's embedding column -------
create table website.doc (id int primary key, body text not null);
insert into website.doc values (1, 'a'), (2, 'b');
select ai.create_vectorizer('website.doc'::regclass, name => 'doc_col'
  , destination => ai.destination_column('emb')
  , chunking => ai.chunking_none()
  , loading => ai.loading_column('body')
  , embedding => ai.embedding_openai('text-embedding-3-small', 3)
  , scheduling => ai.scheduling_none(), indexing => ai.indexing_none()) as vc \gset
select pg_temp.set_indexing(:vc, ai.indexing_hnsw(min_rows => 2));
select format('ai._vectorizer_q_%s', :vc) as qc \gset
delete from :qc;
select t.eq(ai._vectorizer_should_create_vector_index(pg_temp.vec(:vc)), true,
  'column destination: counts the source rows');
select pg_temp.set_indexing(:vc, ai.indexing_hnsw(min_rows => 3));
select t.eq(ai._vectorizer_should_create_vector_index(pg_temp.vec(:vc)), false,
  'column destination: 2 rows < min_rows 3');
select pg_temp.set_indexing(:vc, ai.indexing_hnsw(min_rows => 2));
-- the job builds it (CALL at top level: the procedure commits)
select jsonb_build_object('vectorizer_id', :vc) as cfgc \gset
call ai._vectorizer_job(null, :'cfgc');
select t.eq(pg_temp.vector_indexes('website.doc'), 1::bigint, 'job built the index on the source');
select t.eq(ai._vectorizer_vector_index_exists('website', 'doc', ai.indexing_hnsw(), 'emb'), true,
  'index is on the embedding column');

-- the job follows pgai's test_diskann_index flow with hnsw ------------------
create table website.flow (id int primary key, body text not null);
select ai.create_vectorizer('website.flow'::regclass, name => 'flow'
  , loading => ai.loading_column('body')
  , embedding => ai.embedding_openai('text-embedding-3-small', 3)
  , scheduling => ai.scheduling_none(), indexing => ai.indexing_none()) as vf \gset
select pg_temp.set_indexing(:vf, ai.indexing_hnsw(min_rows => 10));
select jsonb_build_object('vectorizer_id', :vf) as cfgf \gset
select format('ai._vectorizer_q_%s', :vf) as qf \gset
call ai._vectorizer_job(null, :'cfgf');
select t.eq(pg_temp.vector_indexes('website.flow_embedding_store'), 0::bigint, 'no index after the first run');
insert into website.flow_embedding_store (id, chunk_seq, chunk, embedding)
select g, 0, 'c', '[1,2,3]' from generate_series(1, 5) g;
call ai._vectorizer_job(null, :'cfgf');
select t.eq(pg_temp.vector_indexes('website.flow_embedding_store'), 0::bigint, 'no index with 5 rows');
insert into website.flow_embedding_store (id, chunk_seq, chunk, embedding)
select g, 0, 'c', '[1,2,3]' from generate_series(6, 10) g;
insert into website.flow values (1, 'queued');
select t.eq(ai._vectorizer_should_create_vector_index(pg_temp.vec(:vf)), false, '10 rows but a queued item');
call ai._vectorizer_job(null, :'cfgf');
select t.eq(pg_temp.vector_indexes('website.flow_embedding_store'), 0::bigint, 'no index while the queue is not empty');
delete from :qf;
select t.eq(ai._vectorizer_should_create_vector_index(pg_temp.vec(:vf)), true, 'queue emptied: should create');
call ai._vectorizer_job(null, :'cfgf');
select t.eq(pg_temp.vector_indexes('website.flow_embedding_store'), 1::bigint, 'the job created exactly one index');
call ai._vectorizer_job(null, :'cfgf');
select t.eq(pg_temp.vector_indexes('website.flow_embedding_store'), 1::bigint, 'a later run adds none');
