-- The table destination moved from columns of ai.vectorizer into
-- config.destination (so a column destination could exist).
update ai.vectorizer
set config = config operator(pg_catalog.||) pg_catalog.jsonb_build_object
  ( 'destination', pg_catalog.jsonb_build_object
      ( 'implementation', 'table'
      , 'config_type', 'destination'
      , 'target_schema', target_schema
      , 'target_table', target_table
      , 'view_schema', view_schema
      , 'view_name', view_name
      )
  );

drop view if exists ai.vectorizer_status;
drop event trigger if exists _vectorizer_handle_drops;
drop function if exists ai._vectorizer_handle_drops();

alter table ai.vectorizer
  drop column target_schema
, drop column target_table
, drop column view_schema
, drop column view_name;

drop function if exists ai._vectorizer_build_trigger_definition(name, name, name, name, jsonb);
drop function if exists ai.create_vectorizer(regclass, name, jsonb, jsonb, jsonb, jsonb, jsonb, jsonb, jsonb, jsonb, name, name, name, name, name, name, name[], bool, bool);
drop function if exists ai._vectorizer_vector_index_exists(name, name, jsonb);
drop function if exists ai._vectorizer_create_vector_index(name, name, jsonb);
