-- 001-chunking.sql: chunking configuration builders and their validator.
-- Owns ai.chunking_none, ai.chunking_character_text_splitter,
-- ai.chunking_recursive_character_text_splitter and ai._validate_chunking.
-- The worker does the actual splitting; the SQL only records and checks the
-- configuration that create_vectorizer stores under config->'chunking'.

create or replace function ai.chunking_none() returns pg_catalog.jsonb
as $func$
  select pg_catalog.jsonb_build_object
  ( 'implementation', 'none'
  , 'config_type', 'chunking'
  )
$func$ language sql immutable security invoker
set search_path to pg_catalog, pg_temp;

-- Stripped: an argument passed as NULL drops its key.
create or replace function ai.chunking_character_text_splitter
( chunk_size pg_catalog.int4 default 800
, chunk_overlap pg_catalog.int4 default 400
, separator pg_catalog.text default E'\n\n'
, is_separator_regex pg_catalog.bool default false
) returns pg_catalog.jsonb
as $func$
  select pg_catalog.json_strip_nulls(pg_catalog.json_build_object
  ( 'implementation', 'character_text_splitter'
  , 'config_type', 'chunking'
  , 'chunk_size', chunk_size
  , 'chunk_overlap', chunk_overlap
  , 'separator', separator
  , 'is_separator_regex', is_separator_regex
  ))::pg_catalog.jsonb
$func$ language sql immutable security invoker
set search_path to pg_catalog, pg_temp;

-- Stripped. This is create_vectorizer's default chunking.
create or replace function ai.chunking_recursive_character_text_splitter
( chunk_size pg_catalog.int4 default 800
, chunk_overlap pg_catalog.int4 default 400
, separators pg_catalog.text[] default array[E'\n\n', E'\n', '.', '?', '!', ' ', '']
, is_separator_regex pg_catalog.bool default false
) returns pg_catalog.jsonb
as $func$
  select pg_catalog.json_strip_nulls(pg_catalog.json_build_object
  ( 'implementation', 'recursive_character_text_splitter'
  , 'config_type', 'chunking'
  , 'chunk_size', chunk_size
  , 'chunk_overlap', chunk_overlap
  , 'separators', separators
  , 'is_separator_regex', is_separator_regex
  ))::pg_catalog.jsonb
$func$ language sql immutable security invoker
set search_path to pg_catalog, pg_temp;

-- Like pgai, sizes and separators are not range-checked here; only the shape
-- of the object and the implementation name are.
create or replace function ai._validate_chunking(config pg_catalog.jsonb) returns void
as $func$
begin
  if pg_catalog.jsonb_typeof(config) is distinct from 'object' then
    raise exception 'chunking config is not a jsonb object';
  end if;
  if (config->>'config_type') is distinct from 'chunking' then
    raise exception 'invalid config_type for chunking config';
  end if;
  if (config->>'implementation') is null
     or (config->>'implementation') not in
        ('character_text_splitter', 'recursive_character_text_splitter', 'none') then
    raise exception 'invalid chunking config implementation';
  end if;
end
$func$ language plpgsql stable security invoker
set search_path to pg_catalog, pg_temp;
