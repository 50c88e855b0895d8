-- ai.grant_vectorizer_usage (spec 5.11, 7): the exact privileges of the
-- non-admin and admin modes, a hostile role name (quoted with %I, a
-- deliberate difference from pgai), 'public', and what the grants let a
-- non-superuser do.
\o /dev/null
set client_min_messages = warning;

drop role if exists c_user, c_admin, c_fred, c_other, "c_Evil ""role""; drop table t.canary; --";
create role c_user;
create role c_admin;
create table t.canary (x int);

-- non-admin ---------------------------------------------------------------------
select t.eq(pg_typeof(ai.grant_vectorizer_usage('c_user'))::text, 'void', 'returns void');
select t.ok(has_schema_privilege('c_user', 'ai', 'usage'), 'user: usage on ai');
select t.ok(has_schema_privilege('c_user', 'ai', 'create'), 'user: create on ai');
select t.ok(has_table_privilege('c_user', 'ai.vectorizer', 'select, insert, update, delete'), 'user: DML on ai.vectorizer');
select t.ok(not has_table_privilege('c_user', 'ai.vectorizer', 'truncate'), 'user: no truncate on ai.vectorizer');
select t.ok(not has_table_privilege('c_user', 'ai.vectorizer', 'references'), 'user: no references on ai.vectorizer');
select t.ok(has_table_privilege('c_user', 'ai._vectorizer_errors', 'select'), 'user: select on the errors table');
select t.ok(not has_table_privilege('c_user', 'ai._vectorizer_errors', 'insert'), 'user: no insert on the errors table');
select t.ok(has_table_privilege('c_user', 'ai.vectorizer_errors', 'select'), 'user: select on the errors view');
select t.ok(has_table_privilege('c_user', 'ai.vectorizer_status', 'select'), 'user: select on the status view');
select t.ok(not has_table_privilege('c_user', 'ai.vectorizer_status', 'insert'), 'user: no insert on the status view');
select t.ok(has_sequence_privilege('c_user', 'ai.vectorizer_id_seq', 'select'), 'user: select on the id sequence');
select t.ok(has_sequence_privilege('c_user', 'ai.vectorizer_id_seq', 'usage'), 'user: usage on the id sequence');
select t.ok(not has_sequence_privilege('c_user', 'ai.vectorizer_id_seq', 'update'), 'user: no update on the id sequence');
select t.ok(not has_table_privilege('c_user', 'ai.pgai_lib_version', 'select'), 'user: nothing on pgai_lib_version');
select t.ok(not has_table_privilege('c_user', 'ai.pgai_lib_migration', 'select'), 'user: nothing on pgai_lib_migration');
select t.ok(not has_table_privilege('c_user', 'ai.vectorizer_worker_process', 'select'), 'user: nothing on worker tables');
-- the exact ACL entries the non-admin mode adds
select t.eq((select string_agg(c.relname || ':' || a.privilege_type, ',' order by c.relname, a.privilege_type)
             from pg_class c cross join lateral aclexplode(c.relacl) a
             where c.relnamespace = 'ai'::regnamespace and a.grantee = 'c_user'::regrole),
  '_vectorizer_errors:SELECT,vectorizer:DELETE,vectorizer:INSERT,vectorizer:SELECT,vectorizer:UPDATE,'
  'vectorizer_errors:SELECT,vectorizer_failed_items:SELECT,vectorizer_id_seq:SELECT,vectorizer_id_seq:USAGE,vectorizer_status:SELECT',
  'user: exactly these grants on ai relations');
select t.eq((select string_agg(a.privilege_type, ',' order by a.privilege_type)
             from pg_namespace n cross join lateral aclexplode(n.nspacl) a
             where n.nspname = 'ai' and a.grantee = 'c_user'::regrole), 'CREATE,USAGE', 'user: exactly usage+create on ai');
select t.ok(not exists(select 1 from pg_class c cross join lateral aclexplode(c.relacl) a
                       where c.relnamespace = 'ai'::regnamespace and a.grantee = 'c_user'::regrole and a.is_grantable),
  'user: no grant option');
-- granting twice is harmless
select ai.grant_vectorizer_usage('c_user', false);

-- admin ---------------------------------------------------------------------------
select ai.grant_vectorizer_usage('c_admin', admin => true);
select t.ok(has_schema_privilege('c_admin', 'ai', 'usage, create'), 'admin: all on schema ai');
select t.ok(has_table_privilege('c_admin', r, 'select, insert, update, delete, truncate, references, trigger'),
  'admin: all privileges on ' || r)
from unnest(array['ai.pgai_lib_migration', 'ai.pgai_lib_version', 'ai.pgai_lib_feature_flag', 'ai.vectorizer',
                  'ai._vectorizer_errors', 'ai.vectorizer_errors', 'ai.vectorizer_status', 'ai.vectorizer_failed_items']) r;
select t.ok(has_sequence_privilege('c_admin', 'ai.vectorizer_id_seq', 'select, usage, update'), 'admin: all on the sequence');
select t.ok(not has_table_privilege('c_admin', 'ai.vectorizer_worker_progress', 'select'), 'admin: nothing on worker tables');
select t.eq((select count(distinct c.relname) from pg_class c cross join lateral aclexplode(c.relacl) a
             where c.relnamespace = 'ai'::regnamespace and a.grantee = 'c_admin'::regrole), 9::bigint,
  'admin: grants on exactly nine relations (pgai''s eight and our failed-items view)');

-- hostile role name: quoted, no injection ---------------------------------------------
create role "c_Evil ""role""; drop table t.canary; --";
select ai.grant_vectorizer_usage('c_Evil "role"; drop table t.canary; --');
select t.ok(to_regclass('t.canary') is not null, 'hostile role name did not inject SQL');
select t.ok(has_table_privilege('c_Evil "role"; drop table t.canary; --', 'ai.vectorizer', 'select, update'),
  'hostile role got the grants');
select ai.grant_vectorizer_usage('c_Evil "role"; drop table t.canary; --', true);
select t.ok(has_table_privilege('c_Evil "role"; drop table t.canary; --', 'ai.pgai_lib_version', 'select'),
  'hostile role got the admin grants');
select t.raises($$select ai.grant_vectorizer_usage('c_no_such_role')$$, 'role "c_no_such_role" does not exist',
  'unknown role', '42704');
-- a mixed-case name is a different role than its lower-case form
select t.raises($$select ai.grant_vectorizer_usage('C_USER')$$, 'role "C_USER" does not exist', 'case kept', '42704');

-- 'public' still means the PUBLIC pseudo-role (inside a rolled-back transaction)
begin;
select ai.grant_vectorizer_usage('public');
select t.ok(has_table_privilege('public', 'ai.vectorizer_status', 'select'), 'public: PUBLIC got select on the status view');
rollback;
select t.ok(not has_table_privilege('public', 'ai.vectorizer_status', 'select'), 'rolled back');

-- what non-admin usage allows (spec 7) ------------------------------------------------
create role c_fred;
create role c_other;
create schema website;
grant usage, create on schema website to c_fred, c_other;
grant usage on schema t to c_fred, c_other;
select ai.grant_vectorizer_usage('c_fred');
select ai.grant_vectorizer_usage('c_other');
set role c_fred;
create table website.blog (id int primary key, body text not null);
insert into website.blog values (1, 'a');
select ai.create_vectorizer('website.blog'::regclass
  , loading => ai.loading_column('body')
  , embedding => ai.embedding_openai('text-embedding-3-small', 3)
  , scheduling => ai.scheduling_none(), indexing => ai.indexing_none()) as v \gset
insert into website.blog values (2, 'b');
select t.eq(ai.vectorizer_queue_pending(:v), 2::int8, 'table owner with usage created a working vectorizer');
select t.eq((select pending_items from ai.vectorizer_status where id = :v), 2::int8, 'owner sees pending items');
select ai.disable_vectorizer_schedule(:v);
select ai.enable_vectorizer_schedule(:v);
reset role;
set role c_other;
select t.raises($$select ai.create_vectorizer('website.blog'::regclass, name => 'stolen'
  , loading => ai.loading_column('body')
  , embedding => ai.embedding_openai('text-embedding-3-small', 3)
  , scheduling => ai.scheduling_none(), indexing => ai.indexing_none())$$,
  'only a superuser or the owner of the source table may create a vectorizer on it', 'usage does not allow others'' tables');
select t.eq((select pending_items from ai.vectorizer_status where id = :v), null::int8,
  'another usage role sees the status row but not the pending count');
reset role;
set role c_fred;
select ai.drop_vectorizer(:v, drop_all => true);
reset role;
select t.ok(not exists(select 1 from ai.vectorizer where id = :v), 'owner with usage dropped its vectorizer');
select t.ok(to_regclass('website.blog_embedding_store') is null, 'and its target');

drop owned by c_user, c_admin, c_fred, c_other, "c_Evil ""role""; drop table t.canary; --";
drop role c_user, c_admin, c_fred, c_other, "c_Evil ""role""; drop table t.canary; --";

-- ours: the failed-items view is part of what grant_vectorizer_usage grants
drop role if exists c_failed_reader;
create role c_failed_reader;
select ai.grant_vectorizer_usage('c_failed_reader');
select t.ok(has_table_privilege('c_failed_reader', 'ai.vectorizer_failed_items', 'select'),
            'usage grants select on ai.vectorizer_failed_items');
drop owned by c_failed_reader;
drop role c_failed_reader;
