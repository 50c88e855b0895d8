alter table ai.vectorizer add column "name" name check ("name" operator(pg_catalog.~) '^[a-z][a-z_0-9]*$');

update ai.vectorizer
set "name" = case
  when config->'destination'->>'implementation' operator(pg_catalog.=) 'column'
    then pg_catalog.format('%s_%s_%s', source_schema, source_table, config->'destination'->>'embedding_column')
  else pg_catalog.format('%s_%s', config->'destination'->>'target_schema', config->'destination'->>'target_table')
  end
where "name" is null;

alter table ai.vectorizer alter column "name" set not null;
alter table ai.vectorizer add constraint vectorizer_name_unique unique ("name");

drop function if exists ai.disable_vectorizer_schedule(int4);
drop function if exists ai.enable_vectorizer_schedule(int4);
drop function if exists ai.drop_vectorizer(int4, bool);
drop function if exists ai.vectorizer_queue_pending(int4, bool);
drop function if exists ai.vectorizer_embed(int4, text, text);
