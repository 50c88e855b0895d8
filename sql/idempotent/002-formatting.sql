-- 002-formatting.sql: formatting configuration builder and validators.
-- Owns ai.formatting_python_template, ai._validate_formatting and
-- ai._validate_formatting_python_template.
-- There is deliberately no ai.formatting_chunk_value: pgai 0.12 has none in
-- SQL either, and its validator rejects that implementation.

-- Stripped. This is create_vectorizer's default formatting.
create or replace function ai.formatting_python_template
( template pg_catalog.text default '$chunk'
) returns pg_catalog.jsonb
as $func$
  select pg_catalog.json_strip_nulls(pg_catalog.json_build_object
  ( 'implementation', 'python_template'
  , 'config_type', 'formatting'
  , 'template', template
  ))::pg_catalog.jsonb
$func$ language sql immutable security invoker
set search_path to pg_catalog, pg_temp;

create or replace function ai._validate_formatting_python_template
( config pg_catalog.jsonb
, source_schema pg_catalog.name
, source_table pg_catalog.name
) returns void
as $func$
begin
  -- A missing template counts as one without the placeholder.
  if coalesce(pg_catalog.strpos(config->>'template', '$chunk'), 0) = 0 then
    raise exception 'template must contain $chunk placeholder';
  end if;

  -- The worker fills $chunk itself, so a source column of that name would be
  -- ambiguous in the template.
  if exists
  ( select 1
    from pg_catalog.pg_attribute a
    join pg_catalog.pg_class c on c.oid = a.attrelid
    join pg_catalog.pg_namespace n on n.oid = c.relnamespace
    where n.nspname = source_schema
      and c.relname = source_table
      and a.attname = 'chunk'
      and a.attnum > 0
      and not a.attisdropped
  ) then
    raise exception 'formatting_python_template may not be used when source table has a column named "chunk"';
  end if;
end
$func$ language plpgsql stable security invoker
set search_path to pg_catalog, pg_temp;

create or replace function ai._validate_formatting
( config pg_catalog.jsonb
, source_schema pg_catalog.name
, source_table pg_catalog.name
) returns void
as $func$
begin
  if pg_catalog.jsonb_typeof(config) is distinct from 'object' then
    raise exception 'formatting config is not a jsonb object';
  end if;
  if (config->>'config_type') is distinct from 'formatting' then
    raise exception 'invalid config_type for formatting config';
  end if;
  if (config->>'implementation') is distinct from 'python_template' then
    raise exception 'unrecognized formatting implementation';
  end if;
  perform ai._validate_formatting_python_template(config, source_schema, source_table);
end
$func$ language plpgsql stable security invoker
set search_path to pg_catalog, pg_temp;
