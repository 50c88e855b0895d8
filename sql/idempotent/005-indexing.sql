-- 005-indexing.sql: vector-index configuration builders, the resolver for
-- the "default" placeholder, and the validators.
-- Owns ai.indexing_none, ai.indexing_default, ai.indexing_diskann,
-- ai.indexing_hnsw, ai._resolve_indexing_default, ai._validate_indexing,
-- ai._validate_indexing_diskann and ai._validate_indexing_hnsw.
-- The index itself is built later by ai._vectorizer_create_vector_index.

create or replace function ai.indexing_none() returns pg_catalog.jsonb
as $func$
  select pg_catalog.jsonb_build_object
  ( 'implementation', 'none'
  , 'config_type', 'indexing'
  )
$func$ language sql immutable security invoker
set search_path to pg_catalog, pg_temp;

-- A placeholder: create_vectorizer and set_scheduling replace it with
-- ai._resolve_indexing_default() before validating and storing.
create or replace function ai.indexing_default() returns pg_catalog.jsonb
as $func$
  select pg_catalog.jsonb_build_object
  ( 'implementation', 'default'
  , 'config_type', 'indexing'
  )
$func$ language sql immutable security invoker
set search_path to pg_catalog, pg_temp;

-- Stripped. A diskann index needs the pgvectorscale extension, which is only
-- checked when the index is actually built.
create or replace function ai.indexing_diskann
( min_rows pg_catalog.int4 default 100000
, storage_layout pg_catalog.text default null
, num_neighbors pg_catalog.int4 default null
, search_list_size pg_catalog.int4 default null
, max_alpha pg_catalog.float8 default null
, num_dimensions pg_catalog.int4 default null
, num_bits_per_dimension pg_catalog.int4 default null
, create_when_queue_empty pg_catalog.bool default true
) returns pg_catalog.jsonb
as $func$
  select pg_catalog.json_strip_nulls(pg_catalog.json_build_object
  ( 'implementation', 'diskann'
  , 'config_type', 'indexing'
  , 'min_rows', min_rows
  , 'storage_layout', storage_layout
  , 'num_neighbors', num_neighbors
  , 'search_list_size', search_list_size
  , 'max_alpha', max_alpha
  , 'num_dimensions', num_dimensions
  , 'num_bits_per_dimension', num_bits_per_dimension
  , 'create_when_queue_empty', create_when_queue_empty
  ))::pg_catalog.jsonb
$func$ language sql immutable security invoker
set search_path to pg_catalog, pg_temp;

-- Stripped.
create or replace function ai.indexing_hnsw
( min_rows pg_catalog.int4 default 100000
, opclass pg_catalog.text default 'vector_cosine_ops'
, m pg_catalog.int4 default null
, ef_construction pg_catalog.int4 default null
, create_when_queue_empty pg_catalog.bool default true
) returns pg_catalog.jsonb
as $func$
  select pg_catalog.json_strip_nulls(pg_catalog.json_build_object
  ( 'implementation', 'hnsw'
  , 'config_type', 'indexing'
  , 'min_rows', min_rows
  , 'opclass', opclass
  , 'm', m
  , 'ef_construction', ef_construction
  , 'create_when_queue_empty', create_when_queue_empty
  ))::pg_catalog.jsonb
$func$ language sql immutable security invoker
set search_path to pg_catalog, pg_temp;

-- Volatile because it reads the GUC ai.indexing_default at call time.
create or replace function ai._resolve_indexing_default() returns pg_catalog.jsonb
as $func$
declare
  _setting pg_catalog.text;
begin
  _setting := pg_catalog.current_setting('ai.indexing_default', true);
  if _setting = 'indexing_diskann' then
    return ai.indexing_diskann();
  elsif _setting = 'indexing_hnsw' then
    return ai.indexing_hnsw();
  end if;
  -- unset, empty, 'indexing_none' or anything unknown
  return ai.indexing_none();
end
$func$ language plpgsql volatile security invoker
set search_path to pg_catalog, pg_temp;

create or replace function ai._validate_indexing_diskann(config pg_catalog.jsonb) returns void
as $func$
declare
  _storage_layout pg_catalog.text;
begin
  _storage_layout := config->>'storage_layout';
  if _storage_layout is not null and _storage_layout not in ('memory_optimized', 'plain') then
    raise exception 'invalid storage_layout';
  end if;
end
$func$ language plpgsql stable security invoker
set search_path to pg_catalog, pg_temp;

-- Kept pgai quirk: vector_l2_ops is not in the accepted list, although
-- pgvector has it. A NULL/missing opclass passes (see spec section 9, item 9).
create or replace function ai._validate_indexing_hnsw(config pg_catalog.jsonb) returns void
as $func$
declare
  _opclass pg_catalog.text;
begin
  _opclass := config->>'opclass';
  if _opclass is not null
     and _opclass not in ('vector_ip_ops', 'vector_cosine_ops', 'vector_l1_ops') then
    raise exception 'invalid opclass';
  end if;
end
$func$ language plpgsql stable security invoker
set search_path to pg_catalog, pg_temp;

create or replace function ai._validate_indexing(config pg_catalog.jsonb) returns void
as $func$
declare
  _implementation pg_catalog.text;
begin
  if pg_catalog.jsonb_typeof(config) is distinct from 'object' then
    raise exception 'indexing config is not a jsonb object';
  end if;
  if (config->>'config_type') is distinct from 'indexing' then
    raise exception 'invalid config_type for indexing config';
  end if;
  _implementation := config->>'implementation';
  if _implementation is null then
    raise exception 'indexing implementation not specified';
  end if;
  -- 'default' is rejected: callers resolve it first.
  case _implementation
    when 'none' then
      null;
    when 'diskann' then
      perform ai._validate_indexing_diskann(config);
    when 'hnsw' then
      perform ai._validate_indexing_hnsw(config);
    else
      raise exception 'invalid indexing implementation: "%"', _implementation;
  end case;
end
$func$ language plpgsql stable security invoker
set search_path to pg_catalog, pg_temp;
