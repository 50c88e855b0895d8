-- 013-vectorizer-admin.sql: managing vectorizers after create_vectorizer.
--
-- Owns (spec sql-catalog.md 2.6, 5.1-5.9):
--   ai.drop_vectorizer                 (int4 and text forms)
--   ai.vectorizer_queue_pending        (int4 and text forms)
--   ai.vectorizer_status               (view)
--   ai.enable_vectorizer_schedule / ai.disable_vectorizer_schedule (int4 and text forms)
--   ai.execute_vectorizer(text), and ai.execute_vectorizer(int4) when the `ai`
--                                      extension is absent (a NOTIFY wake-up)
--   ai.set_scheduling
--   ai.vectorizer_embed                (jsonb, int4 and text forms)
--   ai._vectorizer_vector_index_exists, ai._vectorizer_should_create_vector_index,
--   ai._vectorizer_create_vector_index
--   ai._vectorizer_schedule_job, procedure ai._vectorizer_job
--
-- Runs on every install, so everything is `create or replace`. Every function
-- pins search_path and qualifies every name; identifiers in dynamic SQL go
-- through %I, values through %L or USING.
--
-- Optional extensions (TimescaleDB, pgvectorscale, the `ai` extension) are
-- never referenced statically: their schemas are looked up in pg_extension at
-- run time, so all of this installs and works on plain PostgreSQL + pgvector
-- and only the paths that really need an extension fail, with a message that
-- names it. Differences from pgai are listed in docs/notes/admin.md.

-------------------------------------------------------------------------------
-- ai.vectorizer_queue_pending: how many items wait in a vectorizer's queue.
-- Approximate mode stops counting at 10001 rows and then answers max int8
-- ("lots"), so it stays cheap on a huge queue. Plain SELECT never waits on
-- the row locks the worker holds, so locked rows are still counted.
create or replace function ai.vectorizer_queue_pending
( vectorizer_id pg_catalog.int4
, exact_count pg_catalog.bool default false
) returns pg_catalog.int8
as $func$
declare
  _queue_schema pg_catalog.name;
  _queue_table pg_catalog.name;
  _depth pg_catalog.int8;
begin
  -- Not strict on purpose: an unknown id reports "no queue table", as pgai.
  select v.queue_schema, v.queue_table
  into _queue_schema, _queue_table
  from ai.vectorizer v
  where v.id operator(pg_catalog.=) vectorizer_id;

  if _queue_schema is null or _queue_table is null then
    raise exception 'vectorizer has no queue table';
  end if;

  if exact_count then
    execute pg_catalog.format('select pg_catalog.count(1) from %I.%I', _queue_schema, _queue_table)
    into strict _depth;
  else
    execute pg_catalog.format
    ( 'select pg_catalog.count(1) from (select 1 from %I.%I limit 10001) q'
    , _queue_schema, _queue_table
    ) into strict _depth;
    if _depth operator(pg_catalog.=) 10001 then
      _depth = 9223372036854775807; -- sentinel: "more than 10000"
    end if;
  end if;
  return _depth;
end
$func$ language plpgsql stable security invoker
set search_path to pg_catalog, pg_temp;

-- Name form: a plain SQL lookup, so an unknown name yields NULL (pgai).
create or replace function ai.vectorizer_queue_pending
( name pg_catalog.text
, exact_count pg_catalog.bool default false
) returns pg_catalog.int8
as $func$
  select ai.vectorizer_queue_pending(v.id, $2)
  from ai.vectorizer v
  where v.name operator(pg_catalog.=) $1
$func$ language sql stable security invoker
set search_path to pg_catalog, pg_temp;

-------------------------------------------------------------------------------
-- ai.vectorizer_status: one row per vectorizer. The column list and order are
-- part of the contract (spec 2.6) and must never change, because the install
-- re-runs `create or replace view`.
--
-- pending_items is only computed when the current role could read the queue
-- (SELECT on the table and USAGE on its schema). The check goes through the
-- catalogs by name, so a missing queue table or schema without USAGE gives
-- NULL instead of an error.
create or replace view ai.vectorizer_status as
select
  v.id
, v.name
, pg_catalog.format('%I.%I', v.source_schema, v.source_table) as source_table
, case when v.config operator(pg_catalog.->) 'destination' operator(pg_catalog.->>) 'implementation'
            operator(pg_catalog.=) 'table'
    then pg_catalog.format
      ( '%I.%I'
      , v.config operator(pg_catalog.->) 'destination' operator(pg_catalog.->>) 'target_schema'
      , v.config operator(pg_catalog.->) 'destination' operator(pg_catalog.->>) 'target_table'
      )
  end as target_table
, case when v.config operator(pg_catalog.->) 'destination' operator(pg_catalog.->>) 'implementation'
            operator(pg_catalog.=) 'table'
    then pg_catalog.format
      ( '%I.%I'
      , v.config operator(pg_catalog.->) 'destination' operator(pg_catalog.->>) 'view_schema'
      , v.config operator(pg_catalog.->) 'destination' operator(pg_catalog.->>) 'view_name'
      )
  end as "view"
, case when v.config operator(pg_catalog.->) 'destination' operator(pg_catalog.->>) 'implementation'
            operator(pg_catalog.=) 'column'
    then pg_catalog.format
      ('%I', v.config operator(pg_catalog.->) 'destination' operator(pg_catalog.->>) 'embedding_column')
    else 'embedding'
  end as embedding_column
, case when v.queue_table is not null and exists
    ( select 1
      from pg_catalog.pg_class c
      join pg_catalog.pg_namespace n on n.oid operator(pg_catalog.=) c.relnamespace
      where n.nspname operator(pg_catalog.=) v.queue_schema
        and c.relname operator(pg_catalog.=) v.queue_table
        and pg_catalog.has_schema_privilege(n.oid, 'usage')
        and pg_catalog.has_table_privilege(c.oid, 'select')
    )
    then ai.vectorizer_queue_pending(v.id)
  end as pending_items
, v.disabled
from ai.vectorizer v;

-------------------------------------------------------------------------------
-- ai._vectorizer_schedule_job: creates the TimescaleDB job that runs
-- ai._vectorizer_job for a vectorizer. create_vectorizer and set_scheduling
-- call it. Returns NULL for scheduling 'none'.
create or replace function ai._vectorizer_schedule_job
( vectorizer_id pg_catalog.int4
, scheduling pg_catalog.jsonb
) returns pg_catalog.int8
as $func$
declare
  _tsdb_schema pg_catalog.name;
  _args pg_catalog.text;
  _job_id pg_catalog.int8;
begin
  case scheduling operator(pg_catalog.->>) 'implementation'
    when 'none' then
      return null;
    when 'timescaledb' then
      -- pgai's exact messages and order: the job's procedure needs
      -- ai.execute_vectorizer(int4) from the `ai` extension.
      if not exists
        (select 1 from pg_catalog.pg_extension x where x.extname operator(pg_catalog.=) 'ai')
      then
        raise exception 'ai extension not found but it is needed for timescaledb scheduling.';
      end if;
      select n.nspname into _tsdb_schema
      from pg_catalog.pg_extension x
      join pg_catalog.pg_namespace n on n.oid operator(pg_catalog.=) x.extnamespace
      where x.extname operator(pg_catalog.=) 'timescaledb';
      if not found then
        raise exception 'timescaledb extension not found';
      end if;

      -- Only the keys present are passed, so TimescaleDB's own defaults apply
      -- (e.g. fixed_schedule = true). The casts keep the literals typed.
      _args = pg_catalog.concat_ws
      ( ', '
      , case when scheduling operator(pg_catalog.->>) 'schedule_interval' is not null
          then pg_catalog.format('schedule_interval=>%L::pg_catalog.interval'
                                , scheduling operator(pg_catalog.->>) 'schedule_interval') end
      , case when scheduling operator(pg_catalog.->>) 'initial_start' is not null
          then pg_catalog.format('initial_start=>%L::pg_catalog.timestamptz'
                                , scheduling operator(pg_catalog.->>) 'initial_start') end
      , case when scheduling operator(pg_catalog.->>) 'fixed_schedule' is not null
          then pg_catalog.format('fixed_schedule=>%L::pg_catalog.bool'
                                , scheduling operator(pg_catalog.->>) 'fixed_schedule') end
      , case when scheduling operator(pg_catalog.->>) 'timezone' is not null
          then pg_catalog.format('timezone=>%L::pg_catalog.text'
                                , scheduling operator(pg_catalog.->>) 'timezone') end
      );
      execute pg_catalog.format
      ( 'select %I.add_job(%L::pg_catalog.regproc%s, config=>%L::pg_catalog.jsonb)'
      , _tsdb_schema
      , 'ai._vectorizer_job'
      , case when _args operator(pg_catalog.=) '' then '' else ', ' operator(pg_catalog.||) _args end
      , pg_catalog.jsonb_build_object('vectorizer_id', vectorizer_id)
      ) into strict _job_id;
      return _job_id;
    else
      raise exception 'scheduling implementation not recognized';
  end case;
end
$func$ language plpgsql volatile security invoker
set search_path to pg_catalog, pg_temp;

-------------------------------------------------------------------------------
-- Vector-index helpers, used by the scheduled job (and callable directly).

-- True iff the table has an index of the configured kind whose first key
-- column is column_name. The message's stray "s" is pgai's and is kept.
create or replace function ai._vectorizer_vector_index_exists
( target_schema pg_catalog.name
, target_table pg_catalog.name
, indexing pg_catalog.jsonb
, column_name pg_catalog.name default 'embedding'
) returns pg_catalog.bool
as $func$
declare
  _impl pg_catalog.text;
  _found pg_catalog.bool;
begin
  _impl = indexing operator(pg_catalog.->>) 'implementation';
  if _impl operator(pg_catalog.<>) all (array['diskann', 'hnsw']) then
    raise exception 'unrecognized index implementation: %s', _impl;
  end if;

  select exists
  ( select 1
    from pg_catalog.pg_class k
    join pg_catalog.pg_namespace n on n.oid operator(pg_catalog.=) k.relnamespace
    join pg_catalog.pg_index i on i.indrelid operator(pg_catalog.=) k.oid
    join pg_catalog.pg_attribute a
      on a.attrelid operator(pg_catalog.=) k.oid
     and a.attnum operator(pg_catalog.=) i.indkey[0]
    where n.nspname operator(pg_catalog.=) target_schema
      and k.relname operator(pg_catalog.=) target_table
      and a.attname operator(pg_catalog.=) column_name
      and pg_catalog.pg_get_indexdef(i.indexrelid)
          operator(pg_catalog.~~*) ('% using ' operator(pg_catalog.||) _impl operator(pg_catalog.||) ' %')
  ) into strict _found;
  return _found;
end
$func$ language plpgsql volatile security invoker
set search_path to pg_catalog, pg_temp;

-- Whether the job should build the vector index now: indexing configured, no
-- such index yet, the queue empty (unless create_when_queue_empty is false)
-- and at least min_rows rows in the table that holds the embeddings.
create or replace function ai._vectorizer_should_create_vector_index
( vectorizer ai.vectorizer
) returns pg_catalog.bool
as $func$
declare
  _indexing pg_catalog.jsonb;
  _schema pg_catalog.name;
  _table pg_catalog.name;
  _column pg_catalog.name;
  _queue_has_rows pg_catalog.bool;
  _min_rows pg_catalog.int8;
  _count pg_catalog.int8 = 0;
begin
  _indexing = vectorizer.config operator(pg_catalog.->) 'indexing';
  if _indexing is null
     or _indexing operator(pg_catalog.->>) 'implementation' operator(pg_catalog.=) 'none' then
    return false;
  end if;

  -- A column destination has no target_*: the embeddings live in the source.
  _schema = coalesce
  ( vectorizer.config operator(pg_catalog.->) 'destination' operator(pg_catalog.->>) 'target_schema'
  , vectorizer.source_schema
  );
  _table = coalesce
  ( vectorizer.config operator(pg_catalog.->) 'destination' operator(pg_catalog.->>) 'target_table'
  , vectorizer.source_table
  );
  _column = coalesce
  ( vectorizer.config operator(pg_catalog.->) 'destination' operator(pg_catalog.->>) 'embedding_column'
  , 'embedding'
  );

  if ai._vectorizer_vector_index_exists(_schema, _table, _indexing, _column) then
    return false;
  end if;

  if coalesce((_indexing operator(pg_catalog.->>) 'create_when_queue_empty')::pg_catalog.bool, true) then
    execute pg_catalog.format
    ( 'select exists (select 1 from %I.%I)'
    , vectorizer.queue_schema, vectorizer.queue_table
    ) into strict _queue_has_rows;
    if _queue_has_rows then
      raise notice 'queue for %.% is not empty. skipping vector index creation', _schema, _table;
      return false;
    end if;
  end if;

  _min_rows = coalesce((_indexing operator(pg_catalog.->>) 'min_rows')::pg_catalog.int8, 0);
  if _min_rows operator(pg_catalog.>) 0 then
    execute pg_catalog.format
    ( 'select pg_catalog.count(1) from (select 1 from %I.%I limit %s) x'
    , _schema, _table, _min_rows
    ) into strict _count;
  end if;
  return _count operator(pg_catalog.>=) _min_rows;
end
$func$ language plpgsql volatile security invoker
set search_path to pg_catalog, pg_temp;

-- Builds the vector index. A transaction-level advisory lock keyed on the
-- table's oid keeps two sessions from building the same index at once (the
-- loser warns and returns); the existence check is repeated under the lock.
create or replace function ai._vectorizer_create_vector_index
( target_schema pg_catalog.name
, target_table pg_catalog.name
, indexing pg_catalog.jsonb
, column_name pg_catalog.name default 'embedding'
) returns void
as $func$
declare
  _impl pg_catalog.text;
  _table_oid pg_catalog.oid;
  _vector_schema pg_catalog.name;
  _with pg_catalog.text;
  _sql pg_catalog.text;
begin
  select k.oid into _table_oid
  from pg_catalog.pg_class k
  join pg_catalog.pg_namespace n on n.oid operator(pg_catalog.=) k.relnamespace
  where n.nspname operator(pg_catalog.=) target_schema
    and k.relname operator(pg_catalog.=) target_table;
  if not found then
    raise exception 'relation %.% does not exist'
      , pg_catalog.quote_ident(target_schema), pg_catalog.quote_ident(target_table)
      using errcode = '42P01';
  end if;

  -- oid -> int4 is a binary cast; large oids simply become negative keys.
  if not pg_catalog.pg_try_advisory_xact_lock(1982010642, _table_oid::pg_catalog.int4) then
    raise warning 'another process is already building a vector index on %.%', target_schema, target_table;
    return;
  end if;

  if ai._vectorizer_vector_index_exists(target_schema, target_table, indexing, column_name) then
    raise notice 'the vector index on %.% already exists', target_schema, target_table;
    return;
  end if;

  _impl = indexing operator(pg_catalog.->>) 'implementation';
  case _impl
    when 'diskann' then
      -- pgvectorscale provides the access method; without it CREATE INDEX
      -- would fail with a bare "access method does not exist".
      if not exists (select 1 from pg_catalog.pg_am a where a.amname operator(pg_catalog.=) 'diskann') then
        raise exception 'access method "diskann" does not exist: a diskann index needs the vectorscale extension (pgvectorscale), which is not installed'
          using errcode = '42704';
      end if;
      -- Casting each value keeps the WITH clause free of injected text.
      _with = pg_catalog.concat_ws
      ( ', '
      , case when indexing operator(pg_catalog.->>) 'storage_layout' is not null
          then pg_catalog.format('storage_layout=%L', indexing operator(pg_catalog.->>) 'storage_layout') end
      , case when indexing operator(pg_catalog.->>) 'max_alpha' is not null
          then pg_catalog.format('max_alpha=%s', (indexing operator(pg_catalog.->>) 'max_alpha')::pg_catalog.float8) end
      , case when indexing operator(pg_catalog.->>) 'num_neighbors' is not null
          then pg_catalog.format('num_neighbors=%s', (indexing operator(pg_catalog.->>) 'num_neighbors')::pg_catalog.int4) end
      , case when indexing operator(pg_catalog.->>) 'search_list_size' is not null
          then pg_catalog.format('search_list_size=%s', (indexing operator(pg_catalog.->>) 'search_list_size')::pg_catalog.int4) end
      , case when indexing operator(pg_catalog.->>) 'num_dimensions' is not null
          then pg_catalog.format('num_dimensions=%s', (indexing operator(pg_catalog.->>) 'num_dimensions')::pg_catalog.int4) end
      , case when indexing operator(pg_catalog.->>) 'num_bits_per_dimension' is not null
          then pg_catalog.format('num_bits_per_dimension=%s', (indexing operator(pg_catalog.->>) 'num_bits_per_dimension')::pg_catalog.int4) end
      );
      _sql = pg_catalog.format('create index on %I.%I using diskann (%I)', target_schema, target_table, column_name);
    when 'hnsw' then
      -- The opclass lives in pgvector's schema, looked up now (rather than
      -- baked in at install) so it stays right if the extension was moved.
      select n.nspname into _vector_schema
      from pg_catalog.pg_extension x
      join pg_catalog.pg_namespace n on n.oid operator(pg_catalog.=) x.extnamespace
      where x.extname operator(pg_catalog.=) 'vector';
      _with = pg_catalog.concat_ws
      ( ', '
      , case when indexing operator(pg_catalog.->>) 'm' is not null
          then pg_catalog.format('m=%s', (indexing operator(pg_catalog.->>) 'm')::pg_catalog.int4) end
      , case when indexing operator(pg_catalog.->>) 'ef_construction' is not null
          then pg_catalog.format('ef_construction=%s', (indexing operator(pg_catalog.->>) 'ef_construction')::pg_catalog.int4) end
      );
      -- ai.indexing_hnsw(opclass => null) passes validation, but pgvector's
      -- hnsw has no default opclass; pgai then builds invalid SQL (an empty
      -- opclass). Say what is wrong instead.
      if indexing operator(pg_catalog.->>) 'opclass' is null then
        raise exception 'cannot build an hnsw index without an opclass: the indexing config has none';
      end if;
      _sql = pg_catalog.format
      ( 'create index on %I.%I using hnsw (%I %I.%I)'
      , target_schema, target_table, column_name
      , _vector_schema, indexing operator(pg_catalog.->>) 'opclass'
      );
    else
      raise exception 'unrecognized index implementation: %s', _impl;
  end case;

  if _with operator(pg_catalog.<>) '' then
    _sql = _sql operator(pg_catalog.||) ' with (' operator(pg_catalog.||) _with operator(pg_catalog.||) ')';
  end if;
  execute _sql;
end
$func$ language plpgsql volatile security invoker
set search_path to pg_catalog, pg_temp;

-------------------------------------------------------------------------------
-- ai.execute_vectorizer(int4): pgai gets this from the `ai` extension (it
-- POSTs to an executor). When that extension is absent we define a wake-up
-- of our own: it checks the vectorizer exists (unknown id -> P0002, like the
-- strict lookups elsewhere) and sends NOTIFY pgai_vectorizer with the id, so
-- a listening worker starts on it at once. When the extension is present we
-- leave its function alone.
do $execute_vectorizer$
begin
  if not exists (select 1 from pg_catalog.pg_extension x where x.extname operator(pg_catalog.=) 'ai') then
    create or replace function ai.execute_vectorizer(vectorizer_id pg_catalog.int4) returns void
    as $func$
    declare
      _id pg_catalog.int4;
    begin
      select v.id into strict _id
      from ai.vectorizer v
      where v.id operator(pg_catalog.=) vectorizer_id;
      perform pg_catalog.pg_notify('pgai_vectorizer', _id::pg_catalog.text);
    end
    $func$ language plpgsql volatile security invoker
    set search_path to pg_catalog, pg_temp;
  end if;
end
$execute_vectorizer$;

-- Name form: strict lookup (unknown name -> P0002 'query returned no rows').
create or replace function ai.execute_vectorizer(vectorizer_name pg_catalog.text) returns void
as $func$
declare
  _id pg_catalog.int4;
begin
  select v.id into strict _id
  from ai.vectorizer v
  where v.name operator(pg_catalog.=) vectorizer_name;
  perform ai.execute_vectorizer(_id);
end
$func$ language plpgsql volatile security invoker
set search_path to pg_catalog, pg_temp;

-------------------------------------------------------------------------------
-- ai._vectorizer_job: the procedure a TimescaleDB job runs (it can also be
-- CALLed by hand outside a transaction block). It commits between steps so
-- an index build does not hold locks taken while probing the queue. A
-- procedure with transaction control may not have a SET clause, so it pins
-- search_path itself, again after every COMMIT (SET LOCAL ends with it).
create or replace procedure ai._vectorizer_job
( job_id pg_catalog.int4 default null
, config pg_catalog.jsonb default null
)
as $proc$
declare
  _vectorizer_id pg_catalog.int4;
  _vec ai.vectorizer%rowtype;
  _found pg_catalog.bool;
  _count pg_catalog.int8;
  _calls pg_catalog.int4;
begin
  perform pg_catalog.set_config('search_path', 'pg_catalog, pg_temp', true);

  if config is null then
    raise exception 'config is null';
  end if;
  _vectorizer_id = (config operator(pg_catalog.->>) 'vectorizer_id')::pg_catalog.int4;
  select v.* into strict _vec
  from ai.vectorizer v
  where v.id operator(pg_catalog.=) _vectorizer_id;
  commit;
  perform pg_catalog.set_config('search_path', 'pg_catalog, pg_temp', true);

  if ai._vectorizer_should_create_vector_index(_vec) then
    commit;
    perform pg_catalog.set_config('search_path', 'pg_catalog, pg_temp', true);
    if _vec.config operator(pg_catalog.->) 'destination' operator(pg_catalog.->>) 'implementation'
       operator(pg_catalog.=) 'column' then
      perform ai._vectorizer_create_vector_index
      ( _vec.source_schema
      , _vec.source_table
      , _vec.config operator(pg_catalog.->) 'indexing'
      , (_vec.config operator(pg_catalog.->) 'destination' operator(pg_catalog.->>) 'embedding_column')::pg_catalog.name
      );
    else
      perform ai._vectorizer_create_vector_index
      ( (_vec.config operator(pg_catalog.->) 'destination' operator(pg_catalog.->>) 'target_schema')::pg_catalog.name
      , (_vec.config operator(pg_catalog.->) 'destination' operator(pg_catalog.->>) 'target_table')::pg_catalog.name
      , _vec.config operator(pg_catalog.->) 'indexing'
      );
    end if;
  end if;
  commit;
  perform pg_catalog.set_config('search_path', 'pg_catalog, pg_temp', true);

  -- Is there anything a worker is not already busy with?
  execute pg_catalog.format
  ( 'select true from %I.%I for update skip locked limit 1'
  , _vec.queue_schema, _vec.queue_table
  ) into _found;
  commit;
  perform pg_catalog.set_config('search_path', 'pg_catalog, pg_temp', true);

  if _found then
    -- One execution per 50 queued items, at most 10.
    execute pg_catalog.format
    ( 'select pg_catalog.count(1) from (select 1 from %I.%I limit 501) q'
    , _vec.queue_schema, _vec.queue_table
    ) into strict _count;
    _calls = least(pg_catalog.ceil(_count::pg_catalog.float8 operator(pg_catalog./) 50), 10);
    for _i in 1 .. _calls loop
      perform ai.execute_vectorizer(_vec.id);
    end loop;
    commit;
  end if;
end
$proc$ language plpgsql security invoker;

-------------------------------------------------------------------------------
-- ai.drop_vectorizer: removes a vectorizer and what it created. Without
-- drop_all the target table and view stay (they hold the embeddings); a
-- column destination's embedding column is never dropped. Error and
-- worker-progress rows go with the ai.vectorizer row (ON DELETE CASCADE).
create or replace function ai.drop_vectorizer
( vectorizer_id pg_catalog.int4
, drop_all pg_catalog.bool default false
) returns void
as $func$
declare
  _vec ai.vectorizer%rowtype;
  _tsdb_schema pg_catalog.name;
  _tgfoid pg_catalog.oid;
  _fn record;
  _dest pg_catalog.jsonb;
begin
  select v.* into strict _vec
  from ai.vectorizer v
  where v.id operator(pg_catalog.=) vectorizer_id;

  -- The TimescaleDB job, if that extension is installed; the job is found
  -- through timescaledb_information.jobs so an already deleted one is fine.
  if _vec.config operator(pg_catalog.->) 'scheduling' operator(pg_catalog.->>) 'implementation'
     operator(pg_catalog.=) 'timescaledb' then
    select n.nspname into _tsdb_schema
    from pg_catalog.pg_extension x
    join pg_catalog.pg_namespace n on n.oid operator(pg_catalog.=) x.extnamespace
    where x.extname operator(pg_catalog.=) 'timescaledb';
    if found then
      execute pg_catalog.format
      ( 'select %I.delete_job(j.job_id) from timescaledb_information.jobs j where j.job_id operator(pg_catalog.=) $1'
      , _tsdb_schema
      ) using (_vec.config operator(pg_catalog.->) 'scheduling' operator(pg_catalog.->>) 'job_id')::pg_catalog.int4;
    end if;
  end if;

  -- The triggers and their function. The function is found through the
  -- trigger (whatever its schema); if the trigger is gone (e.g. the source
  -- table was dropped) we fall back to the function's expected name.
  select g.tgfoid into _tgfoid
  from pg_catalog.pg_trigger g
  join pg_catalog.pg_class k on k.oid operator(pg_catalog.=) g.tgrelid
  join pg_catalog.pg_namespace n on n.oid operator(pg_catalog.=) k.relnamespace
  where g.tgname operator(pg_catalog.=) _vec.trigger_name
    and n.nspname operator(pg_catalog.=) _vec.source_schema
    and k.relname operator(pg_catalog.=) _vec.source_table;
  if found then
    execute pg_catalog.format('drop trigger %I on %I.%I'
      , _vec.trigger_name, _vec.source_schema, _vec.source_table);
    execute pg_catalog.format('drop trigger if exists %I on %I.%I'
      , _vec.trigger_name operator(pg_catalog.||) '_truncate', _vec.source_schema, _vec.source_table);
    select n.nspname, p.proname, p.prokind into _fn
    from pg_catalog.pg_proc p
    join pg_catalog.pg_namespace n on n.oid operator(pg_catalog.=) p.pronamespace
    where p.oid operator(pg_catalog.=) _tgfoid;
    if found then
      execute pg_catalog.format('drop %s %I.%I()'
        , case when _fn.prokind operator(pg_catalog.=) 'p' then 'procedure' else 'function' end
        , _fn.nspname, _fn.proname);
    end if;
  else
    select n.nspname, p.proname into _fn
    from pg_catalog.pg_proc p
    join pg_catalog.pg_namespace n on n.oid operator(pg_catalog.=) p.pronamespace
    where n.nspname operator(pg_catalog.=) _vec.queue_schema
      and p.proname operator(pg_catalog.=) _vec.trigger_name
      and p.pronargs operator(pg_catalog.=) 0
      and p.prorettype operator(pg_catalog.=) 'pg_catalog.trigger'::pg_catalog.regtype;
    if found then
      execute pg_catalog.format('drop function %I.%I() cascade', _fn.nspname, _fn.proname);
    end if;
  end if;

  if _vec.queue_schema is not null and _vec.queue_table is not null then
    execute pg_catalog.format('drop table if exists %I.%I', _vec.queue_schema, _vec.queue_table);
  end if;
  if _vec.queue_schema is not null and _vec.queue_failed_table is not null then
    execute pg_catalog.format('drop table if exists %I.%I', _vec.queue_schema, _vec.queue_failed_table);
  end if;

  _dest = _vec.config operator(pg_catalog.->) 'destination';
  if drop_all and _dest operator(pg_catalog.->>) 'implementation' operator(pg_catalog.=) 'table' then
    execute pg_catalog.format('drop view if exists %I.%I'
      , _dest operator(pg_catalog.->>) 'view_schema', _dest operator(pg_catalog.->>) 'view_name');
    execute pg_catalog.format('drop table if exists %I.%I'
      , _dest operator(pg_catalog.->>) 'target_schema', _dest operator(pg_catalog.->>) 'target_table');
  end if;

  delete from ai.vectorizer v where v.id operator(pg_catalog.=) vectorizer_id;
end
$func$ language plpgsql volatile security invoker
set search_path to pg_catalog, pg_temp;

-- Name form: an unknown name is a silent no-op (pgai; spec 9 item 2).
create or replace function ai.drop_vectorizer
( name pg_catalog.text
, drop_all pg_catalog.bool default false
) returns void
as $func$
  select ai.drop_vectorizer(v.id, $2)
  from ai.vectorizer v
  where v.name operator(pg_catalog.=) $1
$func$ language sql volatile security invoker
set search_path to pg_catalog, pg_temp;

-------------------------------------------------------------------------------
-- Enable/disable: the `disabled` flag is what the worker obeys; a
-- TimescaleDB job, when there is one and TimescaleDB is installed, is
-- (un)scheduled as well. Unknown id -> P0002 (strict).
create or replace function ai.disable_vectorizer_schedule
( vectorizer_id pg_catalog.int4
) returns void
as $func$
declare
  _vec ai.vectorizer%rowtype;
  _tsdb_schema pg_catalog.name;
begin
  update ai.vectorizer v set disabled = true
  where v.id operator(pg_catalog.=) vectorizer_id
  returning v.* into strict _vec;

  if _vec.config operator(pg_catalog.->) 'scheduling' operator(pg_catalog.->>) 'implementation'
     operator(pg_catalog.=) 'timescaledb' then
    select n.nspname into _tsdb_schema
    from pg_catalog.pg_extension x
    join pg_catalog.pg_namespace n on n.oid operator(pg_catalog.=) x.extnamespace
    where x.extname operator(pg_catalog.=) 'timescaledb';
    if found then
      execute pg_catalog.format
      ( 'select %I.alter_job(j.job_id, scheduled=>false) from timescaledb_information.jobs j where j.job_id operator(pg_catalog.=) $1'
      , _tsdb_schema
      ) using (_vec.config operator(pg_catalog.->) 'scheduling' operator(pg_catalog.->>) 'job_id')::pg_catalog.int4;
    end if;
  end if;
end
$func$ language plpgsql volatile security invoker
set search_path to pg_catalog, pg_temp;

create or replace function ai.enable_vectorizer_schedule
( vectorizer_id pg_catalog.int4
) returns void
as $func$
declare
  _vec ai.vectorizer%rowtype;
  _tsdb_schema pg_catalog.name;
begin
  update ai.vectorizer v set disabled = false
  where v.id operator(pg_catalog.=) vectorizer_id
  returning v.* into strict _vec;

  if _vec.config operator(pg_catalog.->) 'scheduling' operator(pg_catalog.->>) 'implementation'
     operator(pg_catalog.=) 'timescaledb' then
    select n.nspname into _tsdb_schema
    from pg_catalog.pg_extension x
    join pg_catalog.pg_namespace n on n.oid operator(pg_catalog.=) x.extnamespace
    where x.extname operator(pg_catalog.=) 'timescaledb';
    if found then
      execute pg_catalog.format
      ( 'select %I.alter_job(j.job_id, scheduled=>true) from timescaledb_information.jobs j where j.job_id operator(pg_catalog.=) $1'
      , _tsdb_schema
      ) using (_vec.config operator(pg_catalog.->) 'scheduling' operator(pg_catalog.->>) 'job_id')::pg_catalog.int4;
    end if;
  end if;
end
$func$ language plpgsql volatile security invoker
set search_path to pg_catalog, pg_temp;

-- Name forms: unknown names are silent no-ops (pgai).
create or replace function ai.disable_vectorizer_schedule(name pg_catalog.text) returns void
as $func$
  select ai.disable_vectorizer_schedule(v.id)
  from ai.vectorizer v
  where v.name operator(pg_catalog.=) $1
$func$ language sql volatile security invoker
set search_path to pg_catalog, pg_temp;

create or replace function ai.enable_vectorizer_schedule(name pg_catalog.text) returns void
as $func$
  select ai.enable_vectorizer_schedule(v.id)
  from ai.vectorizer v
  where v.name operator(pg_catalog.=) $1
$func$ language sql volatile security invoker
set search_path to pg_catalog, pg_temp;

-------------------------------------------------------------------------------
-- ai.set_scheduling: replaces a vectorizer's scheduling and indexing config,
-- swapping its TimescaleDB job. pgai calls public.delete_job directly, which
-- fails on every database without TimescaleDB in `public`; we find the
-- extension's schema and need TimescaleDB only when a job really has to be
-- deleted or created.
create or replace function ai.set_scheduling
( vectorizer_id pg_catalog.int4
, scheduling pg_catalog.jsonb default ai.scheduling_default()
, indexing pg_catalog.jsonb default ai.indexing_default()
) returns pg_catalog.jsonb
as $func$
declare
  _old_job_id pg_catalog.int4;
  _tsdb_schema pg_catalog.name;
  _job_id pg_catalog.int8;
  _config pg_catalog.jsonb;
begin
  if scheduling operator(pg_catalog.->>) 'implementation' operator(pg_catalog.=) 'default' then
    scheduling = ai._resolve_scheduling_default();
  end if;
  perform ai._validate_scheduling(scheduling);

  if indexing operator(pg_catalog.->>) 'implementation' operator(pg_catalog.=) 'default' then
    indexing = ai._resolve_indexing_default();
  end if;
  perform ai._validate_indexing(indexing);

  if scheduling operator(pg_catalog.->>) 'implementation' operator(pg_catalog.=) 'none'
     and indexing operator(pg_catalog.->>) 'implementation' operator(pg_catalog.<>) 'none' then
    raise exception 'automatic indexing is not supported without scheduling. set indexing=>ai.indexing_none() when scheduling=>ai.scheduling_none()';
  end if;

  -- Strict, so an unknown id fails (P0002) before any job is touched.
  select (v.config operator(pg_catalog.->) 'scheduling' operator(pg_catalog.->>) 'job_id')::pg_catalog.int4
  into strict _old_job_id
  from ai.vectorizer v
  where v.id operator(pg_catalog.=) vectorizer_id
  for update;

  if _old_job_id is not null then
    select n.nspname into _tsdb_schema
    from pg_catalog.pg_extension x
    join pg_catalog.pg_namespace n on n.oid operator(pg_catalog.=) x.extnamespace
    where x.extname operator(pg_catalog.=) 'timescaledb';
    if not found then
      raise exception 'timescaledb extension not found'
        using detail = pg_catalog.format('vectorizer %s has TimescaleDB job %s, which must be deleted', vectorizer_id, _old_job_id);
    end if;
    -- Through the jobs view, so a job already deleted by hand is no obstacle.
    execute pg_catalog.format
    ( 'select %I.delete_job(j.job_id) from timescaledb_information.jobs j where j.job_id operator(pg_catalog.=) $1'
    , _tsdb_schema
    ) using _old_job_id;
  end if;

  _job_id = ai._vectorizer_schedule_job(vectorizer_id, scheduling);
  if _job_id is not null then
    scheduling = scheduling operator(pg_catalog.||) pg_catalog.jsonb_build_object('job_id', _job_id);
  end if;

  update ai.vectorizer v
  set config = v.config operator(pg_catalog.||) pg_catalog.jsonb_build_object
    ( 'scheduling', scheduling
    , 'indexing', indexing
    )
  where v.id operator(pg_catalog.=) vectorizer_id
  returning v.config into strict _config;
  return _config;
end
$func$ language plpgsql volatile security invoker
set search_path to pg_catalog, pg_temp;

-------------------------------------------------------------------------------
-- ai.vectorizer_embed: embeds a query text the way a vectorizer embeds its
-- chunks. The provider functions come from the `ai` extension; this is
-- PL/pgSQL (not SQL as a direct call would force) so it installs without
-- the extension, and names the extension when a provider function is
-- missing (still SQLSTATE 42883, as calling a missing function gives).
create or replace function ai.vectorizer_embed
( embedding_config pg_catalog.jsonb
, input_text pg_catalog.text
, input_type pg_catalog.text default null
) returns @extschema:vector@.vector
as $func$
declare
  _impl pg_catalog.text;
  _fn pg_catalog.text;
begin
  _impl = embedding_config operator(pg_catalog.->>) 'implementation';
  if _impl is null or _impl operator(pg_catalog.<>) all (array['openai', 'ollama', 'voyageai']) then
    raise exception 'unsupported embedding implementation';
  end if;

  _fn = _impl operator(pg_catalog.||) '_embed';
  if not exists
    ( select 1
      from pg_catalog.pg_proc p
      join pg_catalog.pg_namespace n on n.oid operator(pg_catalog.=) p.pronamespace
      where n.nspname operator(pg_catalog.=) 'ai'
        and p.proname operator(pg_catalog.=) _fn
    ) then
    raise exception 'function ai.% does not exist: ai.vectorizer_embed needs the ai extension, which is not installed', _fn
      using errcode = '42883';
  end if;

  case _impl
    when 'openai' then
      return ai.openai_embed
      ( embedding_config operator(pg_catalog.->>) 'model'
      , input_text
      , api_key_name=>(embedding_config operator(pg_catalog.->>) 'api_key_name')
      , dimensions=>(embedding_config operator(pg_catalog.->>) 'dimensions')::pg_catalog.int4
      , openai_user=>(embedding_config operator(pg_catalog.->>) 'user')
      );
    when 'ollama' then
      return ai.ollama_embed
      ( embedding_config operator(pg_catalog.->>) 'model'
      , input_text
      , host=>(embedding_config operator(pg_catalog.->>) 'base_url')
      , keep_alive=>(embedding_config operator(pg_catalog.->>) 'keep_alive')
      , embedding_options=>(embedding_config operator(pg_catalog.->) 'options')
      );
    else -- voyageai
      return ai.voyageai_embed
      ( embedding_config operator(pg_catalog.->>) 'model'
      , input_text
      , input_type=>coalesce(input_type, 'query')
      , api_key_name=>(embedding_config operator(pg_catalog.->>) 'api_key_name')
      );
  end case;
end
$func$ language plpgsql immutable security invoker
set search_path to pg_catalog, pg_temp;

create or replace function ai.vectorizer_embed
( vectorizer_id pg_catalog.int4
, input_text pg_catalog.text
, input_type pg_catalog.text default null
) returns @extschema:vector@.vector
as $func$
  select ai.vectorizer_embed(v.config operator(pg_catalog.->) 'embedding', $2, $3)
  from ai.vectorizer v
  where v.id operator(pg_catalog.=) $1
$func$ language sql stable security invoker
set search_path to pg_catalog, pg_temp;

create or replace function ai.vectorizer_embed
( name pg_catalog.text
, input_text pg_catalog.text
, input_type pg_catalog.text default null
) returns @extschema:vector@.vector
as $func$
  select ai.vectorizer_embed(v.config operator(pg_catalog.->) 'embedding', $2, $3)
  from ai.vectorizer v
  where v.name operator(pg_catalog.=) $1
$func$ language sql stable security invoker
set search_path to pg_catalog, pg_temp;
