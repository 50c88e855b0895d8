-- 006-processing.sql: processing (worker batching) configuration builder and
-- validator. Owns ai.processing_default and ai._validate_processing.

-- Stripped, so the default is just the implementation and config_type; the
-- worker then picks its own batch size and concurrency.
create or replace function ai.processing_default
( batch_size pg_catalog.int4 default null
, concurrency pg_catalog.int4 default null
) returns pg_catalog.jsonb
as $func$
  select pg_catalog.json_strip_nulls(pg_catalog.json_build_object
  ( 'implementation', 'default'
  , 'config_type', 'processing'
  , 'batch_size', batch_size
  , 'concurrency', concurrency
  ))::pg_catalog.jsonb
$func$ language sql immutable security invoker
set search_path to pg_catalog, pg_temp;

-- The limits are pgai's SQL limits. pgai 0.12.1's worker is stricter about
-- concurrency (at most 10); the SQL accepts up to 50 as pgai's does.
create or replace function ai._validate_processing(config pg_catalog.jsonb) returns void
as $func$
declare
  _implementation pg_catalog.text;
  _value pg_catalog.numeric;
begin
  if pg_catalog.jsonb_typeof(config) is distinct from 'object' then
    raise exception 'processing config is not a jsonb object';
  end if;
  if (config->>'config_type') is distinct from 'processing' then
    raise exception 'invalid config_type for processing config';
  end if;
  _implementation := config->>'implementation';
  if _implementation is null then
    raise exception 'processing implementation not specified';
  end if;
  if _implementation != 'default' then
    raise exception 'unrecognized processing implementation: "%"', _implementation;
  end if;

  -- "present" means the key exists: an explicit JSON null is not a number.
  if config ? 'batch_size' then
    if pg_catalog.jsonb_typeof(config->'batch_size') is distinct from 'number' then
      raise exception 'batch_size must be a number';
    end if;
    _value := (config->'batch_size')::pg_catalog.numeric;
    if _value > 2048 then
      raise exception 'batch_size must be less than or equal to 2048';
    end if;
    if _value < 1 then
      raise exception 'batch_size must be greater than 0';
    end if;
  end if;

  if config ? 'concurrency' then
    if pg_catalog.jsonb_typeof(config->'concurrency') is distinct from 'number' then
      raise exception 'concurrency must be a number';
    end if;
    _value := (config->'concurrency')::pg_catalog.numeric;
    if _value > 50 then
      raise exception 'concurrency must be less than or equal to 50';
    end if;
    if _value < 1 then
      raise exception 'concurrency must be greater than 0';
    end if;
  end if;
end
$func$ language plpgsql stable security invoker
set search_path to pg_catalog, pg_temp;
