-- 010-destination.sql: destination configuration (where embeddings go: a
-- separate "embedding store" table plus a view, or a vector column on the
-- source table). Owns ai.destination_table, ai.destination_column,
-- ai._validate_destination, ai._evaluate_destination and
-- ai._validate_destination_can_create_objects.

-- Stripped. With no arguments this is create_vectorizer's default. The first
-- positional argument is the "destination" shorthand that names both the view
-- (<destination>) and the target table (<destination>_store).
create or replace function ai.destination_table
( destination pg_catalog.name default null
, target_schema pg_catalog.name default null
, target_table pg_catalog.name default null
, view_schema pg_catalog.name default null
, view_name pg_catalog.name default null
) returns pg_catalog.jsonb
as $func$
  select pg_catalog.json_strip_nulls(pg_catalog.json_build_object
  ( 'implementation', 'table'
  , 'config_type', 'destination'
  , 'destination', destination
  , 'target_schema', target_schema
  , 'target_table', target_table
  , 'view_schema', view_schema
  , 'view_name', view_name
  ))::pg_catalog.jsonb
$func$ language sql immutable security invoker
set search_path to pg_catalog, pg_temp;

create or replace function ai.destination_column
( embedding_column pg_catalog.name
) returns pg_catalog.jsonb
as $func$
  select pg_catalog.json_build_object
  ( 'implementation', 'column'
  , 'config_type', 'destination'
  , 'embedding_column', embedding_column
  )::pg_catalog.jsonb
$func$ language sql immutable security invoker
set search_path to pg_catalog, pg_temp;

-- A column destination holds one embedding per row, so the document cannot
-- be split into several chunks.
create or replace function ai._validate_destination
( destination pg_catalog.jsonb
, chunking pg_catalog.jsonb
) returns void
as $func$
begin
  if pg_catalog.jsonb_typeof(destination) is distinct from 'object' then
    raise exception 'destination config is not a jsonb object';
  end if;
  if (destination->>'config_type') is distinct from 'destination' then
    raise exception 'invalid config_type for destination config';
  end if;
  if (destination->>'implementation') = 'column'
     and (chunking->>'implementation') is distinct from 'none' then
    raise exception 'chunking must be none for column destination';
  end if;
end
$func$ language plpgsql stable security invoker
set search_path to pg_catalog, pg_temp;

-- Fills in the default names and returns the destination as stored in the
-- vectorizer's config. Results are typed name, so over-long defaults are
-- truncated exactly as PostgreSQL truncates the objects created from them.
create or replace function ai._evaluate_destination
( destination pg_catalog.jsonb
, source_schema pg_catalog.name
, source_table pg_catalog.name
) returns pg_catalog.jsonb
as $func$
declare
  _implementation pg_catalog.text;
  _shorthand pg_catalog.name;
  _target_schema pg_catalog.name;
  _target_table pg_catalog.name;
  _view_schema pg_catalog.name;
  _view_name pg_catalog.name;
begin
  _implementation := destination->>'implementation';
  if _implementation = 'table' then
    _shorthand := destination->>'destination';
    _target_schema := coalesce(destination->>'target_schema', source_schema);
    _target_table := coalesce
    ( destination->>'target_table'
    , _shorthand || '_store'
    , source_table || '_embedding_store'
    );
    -- Kept pgai quirk (spec section 9, item 1): the view always goes into the
    -- source schema; a given view_schema is ignored. pgai's tests (naming
    -- collisions) depend on it.
    _view_schema := source_schema;
    _view_name := coalesce
    ( destination->>'view_name'
    , _shorthand
    , source_table || '_embedding'
    );
    return pg_catalog.jsonb_build_object
    ( 'implementation', 'table'
    , 'config_type', 'destination'
    , 'target_schema', _target_schema
    , 'target_table', _target_table
    , 'view_schema', _view_schema
    , 'view_name', _view_name
    );
  elsif _implementation = 'column' then
    return pg_catalog.jsonb_build_object
    ( 'implementation', 'column'
    , 'config_type', 'destination'
    , 'embedding_column', destination->'embedding_column'
    );
  end if;
  raise exception 'invalid implementation for destination config';
end
$func$ language plpgsql stable security invoker
set search_path to pg_catalog, pg_temp;

-- Takes an evaluated destination. The view is checked before the target
-- table, as in pgai; both raise duplicate_object (42710).
create or replace function ai._validate_destination_can_create_objects
( destination pg_catalog.jsonb
) returns void
as $func$
begin
  if (destination->>'implementation') is distinct from 'table' then
    return; -- a column destination creates no relation
  end if;

  if exists
  ( select 1
    from pg_catalog.pg_class c
    join pg_catalog.pg_namespace n on n.oid = c.relnamespace
    where n.nspname = (destination->>'view_schema')
      and c.relname = (destination->>'view_name')
  ) then
    raise exception 'an object named %.% already exists. specify an alternate destination or view_name explicitly'
      , destination->>'view_schema', destination->>'view_name'
      using errcode = 'duplicate_object';
  end if;

  if exists
  ( select 1
    from pg_catalog.pg_class c
    join pg_catalog.pg_namespace n on n.oid = c.relnamespace
    where n.nspname = (destination->>'target_schema')
      and c.relname = (destination->>'target_table')
  ) then
    raise exception 'an object named %.% already exists. specify an alternate destination or target_table explicitly'
      , destination->>'target_schema', destination->>'target_table'
      using errcode = 'duplicate_object';
  end if;
end
$func$ language plpgsql stable security invoker
set search_path to pg_catalog, pg_temp;
