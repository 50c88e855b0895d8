-- 008-loading.sql: loading configuration builders and validator (where the
-- worker gets each row's document from). Owns ai.loading_column,
-- ai.loading_uri and ai._validate_loading.
-- Neither builder has a zero-argument form; the column must be named.

-- Kept pgai quirk: NOT stripped, unlike every other builder with optional
-- arguments, so retries => null yields "retries": null, which
-- ai._validate_loading then rejects.
create or replace function ai.loading_column
( column_name pg_catalog.name
, retries pg_catalog.int4 default 6
) returns pg_catalog.jsonb
as $func$
  select pg_catalog.json_build_object
  ( 'implementation', 'column'
  , 'config_type', 'loading'
  , 'column_name', column_name
  , 'retries', retries
  )::pg_catalog.jsonb
$func$ language sql immutable security invoker
set search_path to pg_catalog, pg_temp;

-- Stripped: aws_role_arn is only present when given.
create or replace function ai.loading_uri
( column_name pg_catalog.name
, retries pg_catalog.int4 default 6
, aws_role_arn pg_catalog.text default null
) returns pg_catalog.jsonb
as $func$
  select pg_catalog.json_strip_nulls(pg_catalog.json_build_object
  ( 'implementation', 'uri'
  , 'config_type', 'loading'
  , 'column_name', column_name
  , 'retries', retries
  , 'aws_role_arn', aws_role_arn
  ))::pg_catalog.jsonb
$func$ language sql immutable security invoker
set search_path to pg_catalog, pg_temp;

create or replace function ai._validate_loading
( config pg_catalog.jsonb
, source_schema pg_catalog.name
, source_table pg_catalog.name
) returns void
as $func$
declare
  _implementation pg_catalog.text;
  _column_name pg_catalog.name;
  _retries pg_catalog.int4;
  _aws_role_arn pg_catalog.text;
  _found pg_catalog.bool;
  _typname pg_catalog.name;
begin
  if pg_catalog.jsonb_typeof(config) is distinct from 'object' then
    raise exception 'loading config is not a jsonb object';
  end if;
  if (config->>'config_type') is distinct from 'loading' then
    raise exception 'invalid config_type for loading config';
  end if;
  _implementation := config->>'implementation';
  if _implementation is null or _implementation not in ('column', 'uri') then
    raise exception 'invalid loading config implementation';
  end if;
  _column_name := config->>'column_name';
  if _column_name is null then
    raise exception 'invalid loading config, missing column_name';
  end if;

  -- A value that is not an integer gets the same message instead of a cast
  -- error; the text form mirrors how pgai reads it ('5' is accepted).
  begin
    _retries := (config->>'retries')::pg_catalog.int4;
  exception when others then
    _retries := -1;
  end;
  if _retries is null or _retries < 0 then
    raise exception 'invalid loading config, retries must be a non-negative integer';
  end if;

  _aws_role_arn := config->>'aws_role_arn';
  if _aws_role_arn is not null and _aws_role_arn not like 'arn:aws:iam::%:role/%' then
    raise exception 'invalid loading config, aws_role_arn must match arn:aws:iam::*:role/*';
  end if;

  -- The column's own type name: a domain over text has the domain's typname
  -- and is therefore rejected, as in pgai.
  select true, t.typname
  into _found, _typname
  from pg_catalog.pg_attribute a
  join pg_catalog.pg_class c on c.oid = a.attrelid
  join pg_catalog.pg_namespace n on n.oid = c.relnamespace
  join pg_catalog.pg_type t on t.oid = a.atttypid
  where n.nspname = source_schema
    and c.relname = source_table
    and a.attname = _column_name
    and a.attnum > 0
    and not a.attisdropped;

  if _found is null then
    raise exception 'column_name in config does not exist in the table: %', _column_name;
  end if;

  if _typname not in ('text', 'varchar', 'char', 'bpchar', 'bytea') then
    raise exception 'column_name % in config is of invalid type %. Supported types are: text, varchar, char, bpchar, bytea',
      _column_name, _typname;
  end if;

  -- uri loading reads a URI string, so bytea is not usable here even though
  -- the message (kept verbatim from pgai) lists it.
  if _implementation = 'uri' and _typname not in ('text', 'varchar', 'char', 'bpchar') then
    raise exception 'the type of the column `%` in config is not compatible with `uri` loading implementation (type should be either text, varchar, char, bpchar, or bytea)',
      _column_name;
  end if;
end
$func$ language plpgsql stable security invoker
set search_path to pg_catalog, pg_temp;
