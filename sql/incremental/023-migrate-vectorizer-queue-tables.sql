declare
  _v record;
begin
  for _v in
    select v.queue_schema, v.queue_table
    from ai.vectorizer v
    where v.queue_table is not null
      and pg_catalog.to_regclass(pg_catalog.format('%I.%I', v.queue_schema, v.queue_table)) is not null
  loop
    execute pg_catalog.format
    ( 'alter table %I.%I add column if not exists loading_retries int4 not null default 0'
      ', add column if not exists loading_retry_after timestamptz default null'
    , _v.queue_schema, _v.queue_table);
  end loop;
end;
