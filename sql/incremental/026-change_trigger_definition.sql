-- Triggers became one row trigger plus one TRUNCATE statement trigger sharing
-- a function. The function gets a placeholder body here; the idempotent part
-- of every install regenerates the real body.
declare
  _v record;
begin
  for _v in
    select v.*
    from ai.vectorizer v
    where pg_catalog.to_regclass(pg_catalog.format('%I.%I', v.source_schema, v.source_table)) is not null
  loop
    execute pg_catalog.format
    ( $f$create or replace function %I.%I() returns trigger language plpgsql volatile parallel safe security definer
         set search_path to pg_catalog, pg_temp
         as $body$ begin raise exception 'trigger function %I.%I should be redefined'; end; $body$$f$
    , _v.queue_schema, _v.trigger_name, _v.queue_schema, _v.trigger_name);
    execute pg_catalog.format('drop trigger if exists %I on %I.%I', _v.trigger_name, _v.source_schema, _v.source_table);
    execute pg_catalog.format('drop trigger if exists %I on %I.%I', _v.trigger_name operator(pg_catalog.||) '_truncate',
                              _v.source_schema, _v.source_table);
    execute pg_catalog.format
    ( 'create trigger %I after insert or update or delete on %I.%I for each row execute function %I.%I()'
    , _v.trigger_name, _v.source_schema, _v.source_table, _v.queue_schema, _v.trigger_name);
    execute pg_catalog.format
    ( 'create trigger %I after truncate on %I.%I for each statement execute function %I.%I()'
    , _v.trigger_name operator(pg_catalog.||) '_truncate', _v.source_schema, _v.source_table,
      _v.queue_schema, _v.trigger_name);
  end loop;
end;
