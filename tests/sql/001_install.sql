-- The install created pgai's version bookkeeping with our compatible semver
-- and recorded every run-once migration under pgai's names.
select t.ok(exists(select 1 from ai.pgai_lib_version where name = 'ai'
                   and version ~ '^0\.12\.1\+c[0-9]+\.[0-9]+\.[0-9]+$'), 'pgai_lib_version holds 0.12.1+c<ours>');
select t.eq((select count(*) from ai.pgai_lib_migration), 19::bigint, 'nineteen migrations recorded');
select t.eq((select string_agg(name, ',' order by name) from ai.pgai_lib_migration),
  '001-vectorizer.sql,003-vec-storage.sql,005-vectorizer-queue-pending.sql,006-drop-vectorizer.sql,'
  '012-add-vectorizer-disabled-column.sql,017-upgrade-source-pk.sql,018-drop-foreign-key-constraint.sql,'
  '019-drop-truncate-from-vectorizer-config-lib.sql,020-add-worker-tracking-table.sql,'
  '021-drop-create-vectorizer-old-function.sql,022-migrate-existing-vectorizers-to-loading.sql,'
  '023-migrate-vectorizer-queue-tables.sql,024-add-vectorizer-queue-failed-table.sql,'
  '025-migrate-vectorizer-to-have-queue-failed-table.sql,026-change_trigger_definition.sql,'
  '027-drop-loading-uri-old-signature.sql,028-remove-destination-columns.sql,'
  '029-add-vectorizer-name-column.sql,030-add_vectorizer_errors_view.sql', 'migration names are pgai''s');
select t.eq((select string_agg(attname, ',' order by attnum) from pg_attribute
             where attrelid = 'ai.vectorizer'::regclass and attnum > 0 and not attisdropped),
  'id,source_schema,source_table,source_pk,trigger_name,queue_schema,queue_table,config,disabled,queue_failed_table,name',
  'ai.vectorizer has pgai''s columns');
select t.ok(to_regclass('ai._vectorizer_errors') is not null, 'errors table');
select t.ok(to_regclass('ai.vectorizer_errors') is not null, 'errors view');
select t.ok(to_regclass('ai._vectorizer_errors_id_recorded_idx') is not null, 'errors index renamed');
select t.ok(to_regclass('ai.vectorizer_worker_process') is not null, 'worker process table');
select t.ok(to_regclass('ai.vectorizer_worker_progress') is not null, 'worker progress table');
select t.ok(to_regclass('ai.pgai_lib_feature_flag') is not null, 'feature flag table');
select t.ok(exists(select 1 from pg_extension where extname = 'vector'), 'pgvector created');
