-- Hostile identifiers end to end: schema, table, key columns, loading
-- column, queue schema/table and embedding column with capitals, spaces,
-- double and single quotes, semicolons and a dollar quote. Everything
-- generated must be created, and the triggers, queue, target and view must
-- behave (spec conventions: every identifier through %I).

\set sch 'Sch "x"; ''y'''
\set tab 'Tab $b$ ''c'' "d"; e'
\set pk1 'Id "k"'
\set pk2 'Key;''2'''
\set body 'Body "text"; ''x'''
\set emb 'Emb "1"; $q$'
\set qs 'Q "s"; ''q'''
\set qt 'Queue ''T'' "1"'
\set tstore :tab _embedding_store
\set tview :tab _embedding

create schema :"sch";
create schema :"qs";
create table :"sch".:"tab"
( :"pk1" int
, "Other Col" text
, :"pk2" text
, :"body" text
, primary key (:"pk2", :"pk1")
);
insert into :"sch".:"tab" values (1, 'o', 'k1', 'first body'), (2, 'o', 'k2', 'second body');

create function pg_temp.n(s text, r text) returns bigint language sql as $$ select t.count(format('%I.%I', s, r)) $$;
create function pg_temp.src() returns regclass language sql as $$ select format('%I.%I', 'Sch "x"; ''y''', 'Tab $b$ ''c'' "d"; e')::regclass $$;

-- the default name violates the name CHECK (quirk 4), and nothing is left behind
select t.raises(format($$select ai.create_vectorizer(%L::regclass, loading => ai.loading_column(%L),
  embedding => ai.embedding_openai('text-embedding-3-small', 4))$$, pg_temp.src(), :'body'),
  'new row for relation "vectorizer" violates check constraint "vectorizer_name_check"', 'default name of a hostile table', '23514');
select t.eq((select count(*) from pg_class where relnamespace = to_regnamespace(quote_ident(:'sch'))), 2::bigint,
  'failed creation left no objects (only the table and its pkey index)');
select t.eq((select count(*) from ai.vectorizer), 0::bigint, 'failed creation left no row');

-- table destination with a hostile queue schema and table
select t.eq(ai.create_vectorizer(pg_temp.src(), name => 'hostile_table',
  loading => ai.loading_column(:'body'), embedding => ai.embedding_openai('text-embedding-3-small', 4),
  queue_schema => :'qs', queue_table => :'qt'), 2, 'hostile table destination created');
select t.eq((select source_schema::text || '|' || source_table || '|' || queue_schema || '|' || queue_table || '|' || queue_failed_table
             from ai.vectorizer where id = 2),
  concat_ws('|', :'sch', :'tab', :'qs', :'qt', '_vectorizer_q_failed_2'), 'raw names recorded in the row');
select t.eq((select config->'destination' from ai.vectorizer where id = 2), jsonb_build_object(
  'implementation', 'table', 'config_type', 'destination', 'target_schema', :'sch',
  'target_table', :'tab' || '_embedding_store', 'view_schema', :'sch', 'view_name', :'tab' || '_embedding'),
  'evaluated destination with raw names');
select t.eq((select jsonb_agg(x->>'attname' order by (x->>'pknum')::int) from ai.vectorizer, jsonb_array_elements(source_pk) x where id = 2),
  jsonb_build_array(:'pk2', :'pk1'), 'source_pk attnames raw');
select t.ok(to_regclass(format('%I.%I', :'qs', :'qt')) is not null, 'queue table');
select t.ok(to_regclass(format('%I.%I', :'qs', '_vectorizer_q_failed_2')) is not null, 'failed-queue table');
select t.ok(to_regclass(format('%I.%I', :'sch', :'tab' || '_embedding_store')) is not null, 'target table');
select t.ok(to_regclass(format('%I.%I', :'sch', :'tab' || '_embedding')) is not null, 'view');
select t.ok(to_regprocedure(format('%I.%I()', :'qs', '_vectorizer_src_trg_2')) is not null, 'trigger function in the queue schema');
select t.eq((select count(*) from pg_index where indrelid = to_regclass(format('%I.%I', :'qs', :'qt'))), 1::bigint, 'queue index');
select t.eq(pg_temp.n(:'qs', :'qt'), 2::bigint, 'existing rows queued');
select t.eq((select string_agg(attname, ',' order by attnum) from pg_attribute
             where attrelid = to_regclass(format('%I.%I', :'qs', :'qt')) and attnum > 0),
  concat_ws(',', :'pk1', :'pk2', 'queued_at', 'loading_retries', 'loading_retry_after'), 'queue columns with raw names');

-- column destination with a hostile embedding column on the same table
select t.eq(ai.create_vectorizer(pg_temp.src(), name => 'hostile_column',
  loading => ai.loading_column(:'body'), embedding => ai.embedding_openai('text-embedding-3-small', 4),
  chunking => ai.chunking_none(), destination => ai.destination_column(:'emb')), 3, 'hostile column destination created');
select t.eq((select format_type(atttypid, atttypmod) from pg_attribute where attrelid = pg_temp.src() and attname = :'emb'),
  'vector(4)', 'hostile embedding column added');
select t.eq(pg_temp.n('ai', '_vectorizer_q_3'), 2::bigint, 'column destination: existing rows queued');

-- behaviour
create function pg_temp.clear() returns void language plpgsql as $$
begin
  execute format('delete from %I.%I', 'Q "s"; ''q''', 'Queue ''T'' "1"');
  delete from ai._vectorizer_q_3;
end $$;
select pg_temp.clear();
insert into :"sch".:"tab" values (3, 'o', 'k3', 'third body');
select t.eq(pg_temp.n(:'qs', :'qt') || '/' || pg_temp.n('ai', '_vectorizer_q_3'), '1/1', 'insert queued in both');
select t.eq((select to_jsonb(q) - 'queued_at' - 'loading_retries' - 'loading_retry_after' from :"qs".:"qt" q),
  jsonb_build_object(:'pk1', 3, :'pk2', 'k3'), 'the queued key');
select pg_temp.clear();

insert into :"sch".:"tstore" (:"pk1", :"pk2", chunk_seq, chunk, embedding)
  select :"pk1", :"pk2", 0, :"body", '[1,2,3,4]'::vector from :"sch".:"tab";
select t.eq((select string_agg("Other Col" || ':' || :"body", ',' order by :"pk1") from :"sch".:"tview"),
  'o:first body,o:second body,o:third body', 'view joins target and source');

update :"sch".:"tab" set :"body" = :"body";
select t.eq(pg_temp.n(:'qs', :'qt') || '/' || pg_temp.n('ai', '_vectorizer_q_3'), '0/0', 'no-op update queues nothing');
update :"sch".:"tab" set :"emb" = '[1,1,1,1]';
select t.eq(pg_temp.n(:'qs', :'qt') || '/' || pg_temp.n('ai', '_vectorizer_q_3'), '0/0', 'embedding column write queues nothing');
update :"sch".:"tab" set "Other Col" = 'p' where :"pk1" = 1;
select t.eq(pg_temp.n(:'qs', :'qt') || '/' || pg_temp.n('ai', '_vectorizer_q_3'), '1/1', 'relevant update queued in both');
select pg_temp.clear();

update :"sch".:"tab" set :"pk2" = 'k2 new' where :"pk1" = 2;
select t.eq(pg_temp.n(:'qs', :'qt') || '/' || pg_temp.n('ai', '_vectorizer_q_3'), '1/1', 'pk change queued in both');
select t.eq((select :"pk2" from :"qs".:"qt"), 'k2 new', 'pk change queues the new key');
select t.eq((select count(*) from :"sch".:"tstore" where :"pk2" = 'k2'), 0::bigint, 'pk change deletes old chunks');

delete from :"sch".:"tab" where :"pk1" = 3;
select t.eq((select count(*) from :"sch".:"tstore" where :"pk1" = 3), 0::bigint, 'delete removes chunks');
select t.eq(pg_temp.n(:'sch', :'tab' || '_embedding_store'), 1::bigint, 'one chunk left');

truncate :"sch".:"tab";
select t.eq(pg_temp.n(:'sch', :'tab' || '_embedding_store'), 0::bigint, 'truncate empties the target');
select t.eq(pg_temp.n(:'qs', :'qt') || '/' || pg_temp.n('ai', '_vectorizer_q_3'), '0/1',
  'truncate empties the table destination queue only');

-- the trigger body quotes every name (no bare identifiers from the user)
select t.ok((select prosrc from pg_proc where oid = to_regprocedure(format('%I.%I()', :'qs', '_vectorizer_src_trg_2')))
            like '%' || format('%I.%I', :'sch', :'tab' || '_embedding_store') || '%', 'target quoted in the body');
select t.ok(pg_get_viewdef(to_regclass(format('%I.%I', :'sch', :'tab' || '_embedding')))
            like '%' || format('t.%I = s.%I', :'pk2', :'pk2') || '%', 'view join predicate quoted');
