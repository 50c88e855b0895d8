-- ai.drop_vectorizer (spec 5.1): what goes, what stays, id vs name forms,
-- hostile identifiers, a dropped source table, and a TimescaleDB-scheduled
-- row on a database without TimescaleDB (the job step is skipped).
-- Untested here: deleting a real TimescaleDB job (TimescaleDB is not
-- installable in this environment).
\o /dev/null

create schema website;
create table website.blog
( id int not null generated always as identity
, title text not null
, published timestamptz not null
, body text not null
, primary key (title, published)
);
insert into website.blog (title, published, body)
values ('one', '2024-01-01', 'first'), ('two', '2024-01-02', 'second');

-- 1. default drop (drop_all false) by id -------------------------------------
select ai.create_vectorizer('website.blog'::regclass
  , loading => ai.loading_column('body')
  , embedding => ai.embedding_openai('text-embedding-3-small', 3)
  , scheduling => ai.scheduling_none(), indexing => ai.indexing_none()) as v1 \gset

select t.ok(to_regclass('ai._vectorizer_q_' || :v1) is not null, 'queue exists before drop');
select t.ok(to_regclass('ai._vectorizer_q_failed_' || :v1) is not null, 'failed queue exists before drop');
select t.eq((select count(*) from pg_trigger where tgrelid = 'website.blog'::regclass and not tgisinternal), 2::bigint,
  'two triggers on the source before drop');

-- rows that must cascade away with the vectorizer
insert into ai._vectorizer_errors (id, message, details) values (:v1, 'boom', '{"error_reason": "x"}');
select ai._worker_progress(ai._worker_start('0.0.0', interval '1 minute'), :v1, 3, null);
select t.eq((select count(*) from ai.vectorizer_errors where name = 'website_blog_embedding_store'), 1::bigint,
  'error row visible before drop');
select t.eq((select count(*) from ai.vectorizer_worker_progress where vectorizer_id = :v1), 1::bigint,
  'progress row before drop');

select ai.drop_vectorizer(:v1);

select t.ok(not exists(select 1 from ai.vectorizer where id = :v1), 'vectorizer row deleted');
select t.ok(to_regclass('ai._vectorizer_q_' || :v1) is null, 'queue table dropped');
select t.ok(to_regclass('ai._vectorizer_q_failed_' || :v1) is null, 'failed queue table dropped');
select t.eq((select count(*) from pg_trigger where tgrelid = 'website.blog'::regclass and not tgisinternal), 0::bigint,
  'row and truncate triggers dropped');
select t.ok(to_regprocedure('ai._vectorizer_src_trg_' || :v1 || '()') is null, 'trigger function dropped');
select t.ok(to_regclass('website.blog_embedding_store') is not null, 'target table kept without drop_all');
select t.ok(to_regclass('website.blog_embedding') is not null, 'view kept without drop_all');
select t.eq((select count(*) from ai._vectorizer_errors where id = :v1), 0::bigint, 'error rows cascaded');
select t.eq((select count(*) from ai.vectorizer_worker_progress where vectorizer_id = :v1), 0::bigint,
  'progress rows cascaded');
select t.eq((select count(*) from ai.vectorizer_worker_process), 1::bigint, 'worker process rows are not touched');
-- the source is writable again without any queue behind it
insert into website.blog (title, published, body) values ('three', '2024-01-03', 'third');
select t.eq(t.count('website.blog'), 3::bigint, 'source still writable after drop');

-- 2. drop_all by name: target and view go too --------------------------------
drop view website.blog_embedding;
drop table website.blog_embedding_store;
select ai.create_vectorizer('website.blog'::regclass
  , loading => ai.loading_column('body')
  , embedding => ai.embedding_openai('text-embedding-3-small', 3)
  , scheduling => ai.scheduling_none(), indexing => ai.indexing_none()) as v2 \gset
select t.ok(to_regclass('website.blog_embedding_store') is not null, 'second target created');
select ai.drop_vectorizer('website_blog_embedding_store', drop_all => true);
select t.ok(not exists(select 1 from ai.vectorizer where id = :v2), 'name form deleted the row');
select t.ok(to_regclass('website.blog_embedding_store') is null, 'drop_all dropped the target table');
select t.ok(to_regclass('website.blog_embedding') is null, 'drop_all dropped the view');
select t.ok(to_regclass('ai._vectorizer_q_' || :v2) is null, 'drop_all dropped the queue');
select t.ok(to_regprocedure('ai._vectorizer_src_trg_' || :v2 || '()') is null, 'drop_all dropped the trigger function');
select t.eq(t.count('website.blog'), 3::bigint, 'drop_all never touches the source rows');

-- 3. drop_all by id with an explicit positional flag --------------------------
select ai.create_vectorizer('website.blog'::regclass, name => 'by_id_all'
  , loading => ai.loading_column('body')
  , embedding => ai.embedding_openai('text-embedding-3-small', 3)
  , scheduling => ai.scheduling_none(), indexing => ai.indexing_none()) as v3 \gset
select ai.drop_vectorizer(:v3, true);
select t.ok(to_regclass('website.blog_embedding_store') is null, 'id form with drop_all dropped the target');
select t.ok(to_regclass('website.blog_embedding') is null, 'id form with drop_all dropped the view');

-- 4. column destination: the embedding column is never dropped ---------------
select ai.create_vectorizer('website.blog'::regclass, name => 'col_dest'
  , destination => ai.destination_column('emb')
  , chunking => ai.chunking_none()
  , loading => ai.loading_column('body')
  , embedding => ai.embedding_openai('text-embedding-3-small', 3)
  , scheduling => ai.scheduling_none(), indexing => ai.indexing_none()) as v4 \gset
select t.ok(exists(select 1 from pg_attribute where attrelid = 'website.blog'::regclass
                   and attname = 'emb' and not attisdropped), 'embedding column added');
select ai.drop_vectorizer('col_dest', drop_all => true);
select t.ok(not exists(select 1 from ai.vectorizer where id = :v4), 'column vectorizer row deleted');
select t.ok(exists(select 1 from pg_attribute where attrelid = 'website.blog'::regclass
                   and attname = 'emb' and not attisdropped), 'embedding column kept even with drop_all');
select t.ok(to_regclass('ai._vectorizer_q_' || :v4) is null, 'column vectorizer queue dropped');
select t.eq((select count(*) from pg_trigger where tgrelid = 'website.blog'::regclass and not tgisinternal), 0::bigint,
  'column vectorizer triggers dropped');

-- 5. unknown id vs unknown name ----------------------------------------------
select t.raises('select ai.drop_vectorizer(999999)', 'query returned no rows', 'unknown id', 'P0002');
select t.raises('select ai.drop_vectorizer(999999, true)', 'query returned no rows', 'unknown id, drop_all', 'P0002');
select ai.create_vectorizer('website.blog'::regclass, name => 'keep_me'
  , loading => ai.loading_column('body')
  , embedding => ai.embedding_openai('text-embedding-3-small', 3)
  , scheduling => ai.scheduling_none(), indexing => ai.indexing_none()) as v5 \gset
-- pgai's own test passes a dotted name, which can never match
select ai.drop_vectorizer('website.blog_embedding_store');
select ai.drop_vectorizer('no_such_vectorizer', drop_all => true);
select t.eq((select count(*) from ai.vectorizer), 1::bigint, 'unknown names are silent no-ops');
select t.ok(to_regclass('ai._vectorizer_q_' || :v5) is not null, 'other vectorizer untouched by unknown name');

-- 6. the trigger function goes even when the source table is already gone ----
create table website.scratch (id int primary key, body text);
select ai.create_vectorizer('website.scratch'::regclass, name => 'scratch'
  , loading => ai.loading_column('body')
  , embedding => ai.embedding_openai('text-embedding-3-small', 3)
  , scheduling => ai.scheduling_none(), indexing => ai.indexing_none()) as v6 \gset
drop table website.scratch cascade; -- takes the view and the triggers with it
select t.ok(to_regprocedure('ai._vectorizer_src_trg_' || :v6 || '()') is not null,
  'trigger function outlives its table');
select ai.drop_vectorizer(:v6, drop_all => true);
select t.ok(to_regprocedure('ai._vectorizer_src_trg_' || :v6 || '()') is null,
  'trigger function found by name and dropped');
select t.ok(to_regclass('ai._vectorizer_q_' || :v6) is null, 'queue of dropped source removed');
select t.ok(to_regclass('website.scratch_embedding_store') is null, 'target of dropped source removed');

-- 7. TimescaleDB scheduling recorded, TimescaleDB absent: job step skipped ---
create table website.sched (id int primary key, body text);
select ai.create_vectorizer('website.sched'::regclass, name => 'sched'
  , loading => ai.loading_column('body')
  , embedding => ai.embedding_openai('text-embedding-3-small', 3)
  , scheduling => ai.scheduling_none(), indexing => ai.indexing_none()) as v7 \gset
update ai.vectorizer set config = config || jsonb_build_object('scheduling',
  '{"implementation": "timescaledb", "config_type": "scheduling", "schedule_interval": "00:05:00", "job_id": 1000}'::jsonb)
where id = :v7;
select ai.drop_vectorizer(:v7);
select t.ok(not exists(select 1 from ai.vectorizer where id = :v7), 'timescaledb-scheduled vectorizer dropped without TimescaleDB');

-- 8. hostile identifiers everywhere ------------------------------------------
create schema "My ""Sch"" ema";
create schema "Q's ""q"" schema";
create table "My ""Sch"" ema"."Bl'og ""T"" x"
( "Id ""k""" int primary key
, "Bo'dy" text
);
insert into "My ""Sch"" ema"."Bl'og ""T"" x" values (1, 'a'), (2, 'b');
select ai.create_vectorizer('"My ""Sch"" ema"."Bl''og ""T"" x"'::regclass, name => 'hostile'
  , loading => ai.loading_column('Bo''dy')
  , embedding => ai.embedding_openai('text-embedding-3-small', 3)
  , destination => ai.destination_table(target_table => 'Tar''get "T"', view_name => 'Vi''ew "V"')
  , queue_schema => 'Q''s "q" schema', queue_table => 'Qu''eue "T"'
  , scheduling => ai.scheduling_none(), indexing => ai.indexing_none()) as v8 \gset
select t.eq(t.count('"Q''s ""q"" schema"."Qu''eue ""T"""'), 2::bigint, 'hostile queue filled');
select t.ok(to_regclass('"My ""Sch"" ema"."Tar''get ""T"""') is not null, 'hostile target exists');
select t.ok(to_regclass('"My ""Sch"" ema"."Vi''ew ""V"""') is not null, 'hostile view exists');

-- without drop_all first on a copy of the situation: keep target and view
select ai.drop_vectorizer('hostile');
select t.ok(not exists(select 1 from ai.vectorizer where id = :v8), 'hostile vectorizer dropped by name');
select t.ok(to_regclass('"Q''s ""q"" schema"."Qu''eue ""T"""') is null, 'hostile queue dropped');
select t.ok(to_regclass('"Q''s ""q"" schema"._vectorizer_q_failed_' || :v8) is null, 'hostile failed queue dropped');
select t.ok(to_regprocedure('"Q''s ""q"" schema"._vectorizer_src_trg_' || :v8 || '()') is null,
  'hostile trigger function dropped');
select t.eq((select count(*) from pg_trigger where tgrelid = '"My ""Sch"" ema"."Bl''og ""T"" x"'::regclass
             and not tgisinternal), 0::bigint, 'hostile triggers dropped');
select t.ok(to_regclass('"My ""Sch"" ema"."Tar''get ""T"""') is not null, 'hostile target kept');
select t.ok(to_regclass('"My ""Sch"" ema"."Vi''ew ""V"""') is not null, 'hostile view kept');

-- again with drop_all, by id
drop view "My ""Sch"" ema"."Vi'ew ""V""";
drop table "My ""Sch"" ema"."Tar'get ""T""";
select ai.create_vectorizer('"My ""Sch"" ema"."Bl''og ""T"" x"'::regclass, name => 'hostile2'
  , loading => ai.loading_column('Bo''dy')
  , embedding => ai.embedding_openai('text-embedding-3-small', 3)
  , destination => ai.destination_table(target_table => 'Tar''get "T"', view_name => 'Vi''ew "V"')
  , queue_schema => 'Q''s "q" schema', queue_table => 'Qu''eue "T"'
  , scheduling => ai.scheduling_none(), indexing => ai.indexing_none()) as v9 \gset
select ai.drop_vectorizer(:v9, drop_all => true);
select t.ok(to_regclass('"Q''s ""q"" schema"."Qu''eue ""T"""') is null, 'hostile queue dropped (drop_all)');
select t.ok(to_regclass('"My ""Sch"" ema"."Tar''get ""T"""') is null, 'hostile target dropped (drop_all)');
select t.ok(to_regclass('"My ""Sch"" ema"."Vi''ew ""V"""') is null, 'hostile view dropped (drop_all)');
select t.eq(t.count('"My ""Sch"" ema"."Bl''og ""T"" x"'), 2::bigint, 'hostile source rows untouched');

-- only keep_me is left
select t.eq((select string_agg(name, ',') from ai.vectorizer), 'keep_me', 'only the untouched vectorizer remains');
