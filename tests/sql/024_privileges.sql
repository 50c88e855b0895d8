-- Privileges (spec 4.2 step 1 and 4, 4.9, 4.10, 7): who may create a
-- vectorizer, grant_to cleanup and the grants it produces (including
-- 'public'), ownership of the generated objects, and the security-definer
-- trigger that queues writes of roles without queue privileges.
-- Roles are cluster-wide: every one is b_cv_-prefixed and dropped first.

drop role if exists b_cv_alice, b_cv_bob, b_cv_carol, b_cv_reader, b_cv_writer, b_cv_dbo, "B_cv_Mixed";
create role b_cv_alice;
create role b_cv_bob;
create role b_cv_carol;
create role b_cv_reader;
create role b_cv_writer;
create role b_cv_dbo;
create role "B_cv_Mixed";
grant b_cv_alice to b_cv_carol;
grant usage on schema t to public;  -- the assertion helpers

-- what a vectorizer creator needs on the catalog (spec 7)
grant usage, create on schema ai to b_cv_alice, b_cv_bob, b_cv_carol, b_cv_dbo;
grant select, insert on ai.vectorizer to b_cv_alice, b_cv_bob, b_cv_carol, b_cv_dbo;
grant usage on sequence ai.vectorizer_id_seq to b_cv_alice, b_cv_bob, b_cv_carol, b_cv_dbo;

create schema alice_s authorization b_cv_alice;
grant usage, create on schema alice_s to b_cv_bob, b_cv_dbo;
set role b_cv_alice;
create table alice_s.doc (id int primary key, body text);
insert into alice_s.doc values (1, 'one');
reset role;

-- step 4: only the owner (membership counts) or a superuser -----------------------
set role b_cv_bob;
select t.raises($$select ai.create_vectorizer('alice_s.doc'::regclass, loading => ai.loading_column('body'),
  embedding => ai.embedding_ollama('m', 3), destination => ai.destination_table('by_bob'))$$,
  'only a superuser or the owner of the source table may create a vectorizer on it', 'another role', 'P0001');
reset role;
do $$ begin execute format('alter database %I owner to b_cv_dbo', current_database()); end $$;
set role b_cv_dbo;
select t.raises($$select ai.create_vectorizer('alice_s.doc'::regclass, loading => ai.loading_column('body'),
  embedding => ai.embedding_ollama('m', 3), destination => ai.destination_table('by_dbo'))$$,
  'only a superuser or the owner of the source table may create a vectorizer on it', 'the database owner does not count');
reset role;
select t.eq(coalesce((select last_value from ai.vectorizer_id_seq where is_called), 0), 0::bigint,
  'the ownership check runs before an id is taken');

set role b_cv_carol;
select t.eq(ai.create_vectorizer('alice_s.doc'::regclass, loading => ai.loading_column('body'),
  embedding => ai.embedding_ollama('m', 3), destination => ai.destination_table('by_carol')), 1,
  'a member of the owner role may create');
reset role;
set role b_cv_alice;
select t.eq(ai.create_vectorizer('alice_s.doc'::regclass, loading => ai.loading_column('body'),
  embedding => ai.embedding_ollama('m', 3), destination => ai.destination_table('by_alice')), 2,
  'the owner may create');
reset role;
select t.eq(ai.create_vectorizer('alice_s.doc'::regclass, loading => ai.loading_column('body'),
  embedding => ai.embedding_ollama('m', 3), destination => ai.destination_table('by_super')), 3,
  'a superuser may create on anyone''s table');

-- generated objects belong to the creator
select t.eq((select string_agg(distinct relowner::regrole::text, ',') from pg_class
             where oid in ('ai._vectorizer_q_1'::regclass, 'ai._vectorizer_q_failed_1'::regclass,
                           'alice_s.by_carol_store'::regclass, 'alice_s.by_carol'::regclass)),
  'b_cv_carol', 'carol owns queue, failed queue, target and view');
select t.eq((select row(proowner::regrole::text, prosecdef, proacl::text)::text from pg_proc
             where oid = 'ai._vectorizer_src_trg_1()'::regprocedure),
  row('b_cv_carol', true, '{b_cv_carol=X/b_cv_carol}')::text, 'carol owns the security-definer trigger function, EXECUTE only hers');
select t.eq((select relowner::regrole::text from pg_class where oid = 'ai._vectorizer_q_2'::regclass), 'b_cv_alice',
  'alice owns her queue');

-- grant_to: the full set of grants of spec 4.10 ---------------------------------------
create schema gs;
create schema gt;
create schema gq;
create table gs.item (id int primary key, body text);
insert into gs.item values (1, 'one');
select t.eq(ai.create_vectorizer('gs.item'::regclass, loading => ai.loading_column('body'),
  embedding => ai.embedding_ollama('m', 3),
  destination => ai.destination_table(target_schema => 'gt', target_table => 'item_store', view_name => 'item_view'),
  queue_schema => 'gq', grant_to => ai.grant_to('b_cv_reader', 'b_cv_nobody')), 4,
  'grant_to with a missing role still creates (WARNING only)');

create function pg_temp.privs(r text) returns text language sql as $$
  select concat_ws(' ',
    'src_schema:' || has_schema_privilege(r, 'gs', 'usage'),
    'src:' || has_table_privilege(r, 'gs.item', 'select') || has_table_privilege(r, 'gs.item', 'insert')
           || has_table_privilege(r, 'gs.item', 'update') || has_table_privilege(r, 'gs.item', 'delete'),
    'ai:' || has_schema_privilege(r, 'ai', 'usage'),
    'vec:' || has_table_privilege(r, 'ai.vectorizer', 'select') || has_table_privilege(r, 'ai.vectorizer', 'insert'),
    'tgt_schema:' || has_schema_privilege(r, 'gt', 'usage'),
    'tgt:' || has_table_privilege(r, 'gt.item_store', 'select') || has_table_privilege(r, 'gt.item_store', 'insert')
           || has_table_privilege(r, 'gt.item_store', 'update') || has_table_privilege(r, 'gt.item_store', 'delete'),
    'view:' || has_table_privilege(r, 'gs.item_view', 'select') || has_table_privilege(r, 'gs.item_view', 'insert'),
    'q_schema:' || has_schema_privilege(r, 'gq', 'usage'),
    'q:' || has_table_privilege(r, 'gq._vectorizer_q_4', 'select') || has_table_privilege(r, 'gq._vectorizer_q_4', 'insert')
         || has_table_privilege(r, 'gq._vectorizer_q_4', 'update') || has_table_privilege(r, 'gq._vectorizer_q_4', 'delete'),
    'qf:' || has_table_privilege(r, 'gq._vectorizer_q_failed_4', 'select') || has_table_privilege(r, 'gq._vectorizer_q_failed_4', 'insert')
          || has_table_privilege(r, 'gq._vectorizer_q_failed_4', 'update') || has_table_privilege(r, 'gq._vectorizer_q_failed_4', 'delete'),
    'errors:' || has_table_privilege(r, 'ai._vectorizer_errors', 'select') || has_table_privilege(r, 'ai.vectorizer_errors', 'select'))
$$;
select t.eq(pg_temp.privs('b_cv_reader'),
  'src_schema:true src:truefalsefalsefalse ai:true vec:truefalse tgt_schema:true tgt:truetruetruefalse '
  'view:truefalse q_schema:true q:truetruetruetrue qf:truetruetruetrue errors:falsefalse',
  'grant_to role: exactly the privileges of spec 4.10');
-- grant_to cleanup corner cases -----------------------------------------------------------
create table gs.none1 (id int primary key, body text);
select ai.create_vectorizer('gs.none1'::regclass, loading => ai.loading_column('body'),
  embedding => ai.embedding_ollama('m', 3), queue_schema => 'gq', grant_to => array['b_cv_nobody']::name[]);
select t.ok((select bool_and(relacl is null) from pg_class where oid in ('gq._vectorizer_q_5'::regclass,
  'gq._vectorizer_q_failed_5'::regclass, 'gs.none1_embedding_store'::regclass, 'gs.none1_embedding'::regclass)),
  'only missing roles: nothing granted at all');
create table gs.none2 (id int primary key, body text);
select ai.create_vectorizer('gs.none2'::regclass, loading => ai.loading_column('body'),
  embedding => ai.embedding_ollama('m', 3), queue_schema => 'gq', grant_to => '{}');
select t.ok((select bool_and(relacl is null) from pg_class where oid in ('gq._vectorizer_q_6'::regclass,
  'gs.none2_embedding_store'::regclass)), 'empty grant_to: nothing granted');
create table gs.none3 (id int primary key, body text);
select ai.create_vectorizer('gs.none3'::regclass, loading => ai.loading_column('body'),
  embedding => ai.embedding_ollama('m', 3), queue_schema => 'gq', grant_to => null);
select t.ok((select bool_and(relacl is null) from pg_class where oid in ('gq._vectorizer_q_7'::regclass,
  'gs.none3_embedding_store'::regclass)), 'null grant_to: nothing granted');
select t.ok(not has_table_privilege('b_cv_bob', 'gq._vectorizer_q_4', 'select'), 'roles not listed get nothing');

-- the default grant_to reads ai.grant_to_default
create table gs.guc (id int primary key, body text);
set ai.grant_to_default = 'b_cv_reader';
select ai.create_vectorizer('gs.guc'::regclass, loading => ai.loading_column('body'),
  embedding => ai.embedding_ollama('m', 3), queue_schema => 'gq');
reset ai.grant_to_default;
select t.ok(has_table_privilege('b_cv_reader', 'gq._vectorizer_q_8', 'select')
            and has_table_privilege('b_cv_reader', 'gs.guc_embedding_store', 'select'), 'GUC default grantees');
select t.ok(not has_table_privilege('b_cv_writer', 'gq._vectorizer_q_8', 'select'), 'GUC default: only the listed role');

-- a role name with capitals is matched exactly and quoted in the grants
create table gs.mixed (id int primary key, body text);
select ai.create_vectorizer('gs.mixed'::regclass, loading => ai.loading_column('body'),
  embedding => ai.embedding_ollama('m', 3), queue_schema => 'gq', grant_to => array['B_cv_Mixed']::name[]);
select t.ok(has_table_privilege('B_cv_Mixed', 'gq._vectorizer_q_9', 'delete')
            and has_table_privilege('B_cv_Mixed', 'gs.mixed_embedding', 'select'), 'mixed-case role granted');

-- a non-admin creator cannot grant on ai / ai.vectorizer: WARNING, still created
set role b_cv_alice;
create table alice_s.shared (id int primary key, body text);
select t.eq(ai.create_vectorizer('alice_s.shared'::regclass, loading => ai.loading_column('body'),
  embedding => ai.embedding_ollama('m', 3), grant_to => array['b_cv_writer']::name[]), 10,
  'non-admin creator with grant_to succeeds');
reset role;
select t.ok(has_table_privilege('b_cv_writer', 'ai._vectorizer_q_10', 'insert')
            and has_table_privilege('b_cv_writer', 'alice_s.shared_embedding_store', 'update'),
  'grants on the creator''s own objects are made');
select t.ok(not has_table_privilege('b_cv_writer', 'ai.vectorizer', 'select'), 'no grant on ai.vectorizer without grant option');

-- security definer: a writer without queue or target privileges gets queued ------------
create table gs.open (id int primary key, body text);
select ai.create_vectorizer('gs.open'::regclass, loading => ai.loading_column('body'),
  embedding => ai.embedding_ollama('m', 3), queue_schema => 'gq');
grant usage on schema gs to b_cv_writer;
grant select, insert, update, delete, truncate on gs.open to b_cv_writer;
insert into gs.open_embedding_store (id, chunk_seq, chunk, embedding) values (5, 0, 'c', '[1,2,3]');
select t.ok(not has_table_privilege('b_cv_writer', 'gq._vectorizer_q_11', 'insert')
            and not has_table_privilege('b_cv_writer', 'gs.open_embedding_store', 'delete'), 'writer has no queue/target privileges');
select t.ok(not has_function_privilege('b_cv_writer', 'gq._vectorizer_src_trg_11()', 'execute'), 'writer cannot call the trigger function');
set role b_cv_writer;
insert into gs.open values (5, 'five'), (6, 'six');
update gs.open set body = 'SIX' where id = 6;
update gs.open set id = 50 where id = 5;
reset role;
select t.eq(t.count('gs.open_embedding_store'), 0::bigint, 'writer''s pk change removed the old chunks');
select t.eq((select array_agg(id order by queued_at, id) from gq._vectorizer_q_11), array[5, 6, 6, 50], 'writer''s insert, update and pk change queued');
set role b_cv_writer;
delete from gs.open where id = 6;
truncate gs.open;
insert into gs.open values (7, 'seven');
reset role;
select t.eq((select array_agg(id order by id) from gq._vectorizer_q_11), array[7],
  'writer''s changes queued through the security-definer trigger (truncate emptied the queue)');

-- 'public' as a grantee (last: it opens everything to every role) ----------------------
create table gs.pub (id int primary key, body text);
select t.eq(ai.create_vectorizer('gs.pub'::regclass, loading => ai.loading_column('body'),
  embedding => ai.embedding_ollama('m', 3),
  destination => ai.destination_table(target_schema => 'gt', target_table => 'item_store2', view_name => 'item_view2'),
  queue_schema => 'gq', grant_to => ai.grant_to('public')), 12, 'grant_to public');
select t.ok(has_table_privilege('public', 'gq._vectorizer_q_12', 'select') and has_table_privilege('public', 'gt.item_store2', 'select'),
  'pgai''s test_grant_to_public checks');
select t.eq(concat_ws(' ',
    has_table_privilege('public', 'gs.pub', 'select'), has_table_privilege('public', 'gs.pub', 'insert'),
    has_table_privilege('public', 'ai.vectorizer', 'select'),
    has_table_privilege('public', 'gt.item_store2', 'update'), has_table_privilege('public', 'gt.item_store2', 'delete'),
    has_table_privilege('public', 'gs.item_view2', 'select'),
    has_table_privilege('public', 'gq._vectorizer_q_12', 'delete'), has_table_privilege('public', 'gq._vectorizer_q_failed_12', 'insert')),
  't f t t f t t t', 'PUBLIC gets the spec 4.10 set');
select t.ok((select relacl::text from pg_class where oid = 'gq._vectorizer_q_12'::regclass) like '%,=arwd/postgres%'
            or (select relacl::text from pg_class where oid = 'gq._vectorizer_q_12'::regclass) like '{=arwd/postgres%',
  'the PUBLIC entry is a real ACL item');
