-- 004-embedding.sql: embedding configuration builders and the validator.
-- Owns ai.embedding_openai, ai.embedding_ollama, ai.embedding_voyageai,
-- ai.embedding_litellm and ai._validate_embedding.
-- All builders are stripped (NULL arguments drop their keys).

-- Note the JSON key is "user", not the parameter's name chat_user.
create or replace function ai.embedding_openai
( model pg_catalog.text
, dimensions pg_catalog.int4
, chat_user pg_catalog.text default null
, api_key_name pg_catalog.text default 'OPENAI_API_KEY'
, base_url pg_catalog.text default null
) returns pg_catalog.jsonb
as $func$
  select pg_catalog.json_strip_nulls(pg_catalog.json_build_object
  ( 'implementation', 'openai'
  , 'config_type', 'embedding'
  , 'model', model
  , 'dimensions', dimensions
  , 'user', chat_user
  , 'api_key_name', api_key_name
  , 'base_url', base_url
  ))::pg_catalog.jsonb
$func$ language sql immutable security invoker
set search_path to pg_catalog, pg_temp;

-- Ollama needs no API key, so there is no api_key_name.
create or replace function ai.embedding_ollama
( model pg_catalog.text
, dimensions pg_catalog.int4
, base_url pg_catalog.text default null
, options pg_catalog.jsonb default null
, keep_alive pg_catalog.text default null
) returns pg_catalog.jsonb
as $func$
  select pg_catalog.json_strip_nulls(pg_catalog.json_build_object
  ( 'implementation', 'ollama'
  , 'config_type', 'embedding'
  , 'model', model
  , 'dimensions', dimensions
  , 'base_url', base_url
  , 'options', options
  , 'keep_alive', keep_alive
  ))::pg_catalog.jsonb
$func$ language sql immutable security invoker
set search_path to pg_catalog, pg_temp;

-- PL/pgSQL because it checks input_type; input_type => null drops the key.
create or replace function ai.embedding_voyageai
( model pg_catalog.text
, dimensions pg_catalog.int4
, input_type pg_catalog.text default 'document'
, api_key_name pg_catalog.text default 'VOYAGE_API_KEY'
) returns pg_catalog.jsonb
as $func$
begin
  if input_type is not null and input_type not in ('query', 'document') then
    raise exception 'invalid input_type for voyage ai "%"', input_type;
  end if;
  return pg_catalog.json_strip_nulls(pg_catalog.json_build_object
  ( 'implementation', 'voyageai'
  , 'config_type', 'embedding'
  , 'model', model
  , 'dimensions', dimensions
  , 'input_type', input_type
  , 'api_key_name', api_key_name
  ))::pg_catalog.jsonb;
end
$func$ language plpgsql immutable security invoker
set search_path to pg_catalog, pg_temp;

create or replace function ai.embedding_litellm
( model pg_catalog.text
, dimensions pg_catalog.int4
, api_key_name pg_catalog.text default null
, extra_options pg_catalog.jsonb default null
) returns pg_catalog.jsonb
as $func$
  select pg_catalog.json_strip_nulls(pg_catalog.json_build_object
  ( 'implementation', 'litellm'
  , 'config_type', 'embedding'
  , 'model', model
  , 'dimensions', dimensions
  , 'api_key_name', api_key_name
  , 'extra_options', extra_options
  ))::pg_catalog.jsonb
$func$ language sql immutable security invoker
set search_path to pg_catalog, pg_temp;

-- Model and dimensions are not checked here (as in pgai); create_vectorizer
-- requires dimensions itself.
create or replace function ai._validate_embedding(config pg_catalog.jsonb) returns void
as $func$
declare
  _implementation pg_catalog.text;
begin
  if pg_catalog.jsonb_typeof(config) is distinct from 'object' then
    raise exception 'embedding config is not a jsonb object';
  end if;
  if (config->>'config_type') is distinct from 'embedding' then
    raise exception 'invalid config_type for embedding config';
  end if;
  _implementation := config->>'implementation';
  if _implementation is null then
    raise exception 'embedding implementation not specified';
  end if;
  if _implementation not in ('openai', 'ollama', 'voyageai', 'litellm') then
    raise exception 'invalid embedding implementation: "%"', _implementation;
  end if;
end
$func$ language plpgsql stable security invoker
set search_path to pg_catalog, pg_temp;
