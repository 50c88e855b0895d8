-- 009-parsing.sql: parsing configuration builders and validator (how the
-- worker turns a loaded document into text). Owns ai.parsing_auto,
-- ai.parsing_none, ai.parsing_pymupdf, ai.parsing_docling and
-- ai._validate_parsing.

-- create_vectorizer's default parsing.
create or replace function ai.parsing_auto() returns pg_catalog.jsonb
as $func$
  select pg_catalog.jsonb_build_object
  ( 'implementation', 'auto'
  , 'config_type', 'parsing'
  )
$func$ language sql immutable security invoker
set search_path to pg_catalog, pg_temp;

create or replace function ai.parsing_none() returns pg_catalog.jsonb
as $func$
  select pg_catalog.jsonb_build_object
  ( 'implementation', 'none'
  , 'config_type', 'parsing'
  )
$func$ language sql immutable security invoker
set search_path to pg_catalog, pg_temp;

create or replace function ai.parsing_pymupdf() returns pg_catalog.jsonb
as $func$
  select pg_catalog.jsonb_build_object
  ( 'implementation', 'pymupdf'
  , 'config_type', 'parsing'
  )
$func$ language sql immutable security invoker
set search_path to pg_catalog, pg_temp;

create or replace function ai.parsing_docling() returns pg_catalog.jsonb
as $func$
  select pg_catalog.jsonb_build_object
  ( 'implementation', 'docling'
  , 'config_type', 'parsing'
  )
$func$ language sql immutable security invoker
set search_path to pg_catalog, pg_temp;

-- Checks the parser against the loading column's type. Column existence is
-- ai._validate_loading's job (create_vectorizer runs it first); an unknown
-- column here simply has no type and no type rule applies.
create or replace function ai._validate_parsing
( parsing pg_catalog.jsonb
, loading pg_catalog.jsonb
, source_schema pg_catalog.name
, source_table pg_catalog.name
) returns void
as $func$
declare
  _implementation pg_catalog.text;
  _typname pg_catalog.name;
begin
  if pg_catalog.jsonb_typeof(parsing) is distinct from 'object' then
    raise exception 'parsing config is not a jsonb object';
  end if;
  if (parsing->>'config_type') is distinct from 'parsing' then
    raise exception 'invalid config_type for parsing config';
  end if;
  _implementation := parsing->>'implementation';
  -- Deliberate difference: pgai lets a missing implementation through
  -- (NULL NOT IN (...) is NULL); the worker could not use such a config.
  if _implementation is null
     or _implementation not in ('auto', 'none', 'pymupdf', 'docling') then
    raise exception 'invalid parsing config implementation';
  end if;

  select t.typname
  into _typname
  from pg_catalog.pg_attribute a
  join pg_catalog.pg_class c on c.oid = a.attrelid
  join pg_catalog.pg_namespace n on n.oid = c.relnamespace
  join pg_catalog.pg_type t on t.oid = a.atttypid
  where n.nspname = source_schema
    and c.relname = source_table
    and a.attname = (loading->>'column_name')
    and a.attnum > 0
    and not a.attisdropped;

  -- The worker would hand raw bytes to the chunker.
  if _implementation = 'none' and _typname = 'bytea' then
    raise exception 'cannot use parsing_none with bytea columns';
  end if;

  -- Document parsers need the document's bytes in the row; with uri loading
  -- the column holds a URI and any parser may follow.
  if (loading->>'implementation') = 'column'
     and _implementation in ('pymupdf', 'docling')
     and _typname != 'bytea' then
    raise exception 'parsing_% must be used with a bytea column', _implementation;
  end if;
end
$func$ language plpgsql stable security invoker
set search_path to pg_catalog, pg_temp;
