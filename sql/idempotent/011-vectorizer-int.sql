-- 011-vectorizer-int.sql: internal helpers behind ai.create_vectorizer
-- (spec sections 2.2 and 4.3-4.10). This file owns:
--   ai._vectorizer_source_pk                 the source_pk JSON of a table
--   ai._vectorizer_grant_to_source           grants on the source table
--   ai._vectorizer_grant_to_vectorizer       grants on schema ai / ai.vectorizer
--   ai._vectorizer_create_destination_table  target table + view
--   ai._vectorizer_create_destination_column embedding column on the source
--   ai._vectorizer_add_embedding_column
--   ai._vectorizer_create_target_table       the "embedding store"
--   ai._vectorizer_create_view
--   ai._vectorizer_create_queue_table
--   ai._vectorizer_create_queue_failed_table
--   ai._vectorizer_build_trigger_definition  body of the generated trigger function
--   ai._vectorizer_create_source_trigger     trigger function + both triggers
-- and, at the end, the block that regenerates every existing vectorizer's
-- trigger function body on every install (spec 1.5).
--
-- Parameter names, types and return types equal pgai 0.12's, so pgai's own
-- installer can `create or replace` them over ours (PostgreSQL refuses to
-- rename parameters or change return types in place).
--
-- Every identifier that goes into dynamic SQL passes through format('%I');
-- values go in as %L literals. Unlike pgai we also quote the view's join
-- predicate (see docs/notes/create-vectorizer.md).
-- Runs on every install: create or replace only.

-------------------------------------------------------------------------------
-- _vectorizer_source_pk: one object per primary-key column, in pknum order.
-- typname comes from format_type under this function's pinned search_path,
-- so types outside pg_catalog come out schema-qualified and usable as-is in
-- the DDL we generate. NULL when the table has no primary key.
create or replace function ai._vectorizer_source_pk(source_table pg_catalog.regclass)
returns pg_catalog.jsonb
as $func$
  select pg_catalog.jsonb_agg(x order by x.pknum)
  from
  ( select k.attnum
    , k.pknum
    , a.attname
    , pg_catalog.format_type(a.atttypid, a.atttypmod) as typname
    from pg_catalog.pg_constraint c
    cross join lateral pg_catalog.unnest(c.conkey) with ordinality as k(attnum, pknum)
    inner join pg_catalog.pg_attribute a
      on a.attrelid operator(pg_catalog.=) c.conrelid
     and a.attnum operator(pg_catalog.=) k.attnum
    where c.conrelid operator(pg_catalog.=) source_table
      and c.contype operator(pg_catalog.=) 'p'
  ) x
$func$
language sql stable security invoker
set search_path to pg_catalog, pg_temp;

-------------------------------------------------------------------------------
-- _vectorizer_grant_to_source: USAGE on the source schema, SELECT on the
-- source table. NULL (or empty) grant_to grants nothing. Roles are quoted
-- with quote_ident, so 'public' stays the PUBLIC keyword.
create or replace function ai._vectorizer_grant_to_source
( source_schema pg_catalog.name
, source_table pg_catalog.name
, grant_to pg_catalog.name[]
) returns void
as $func$
declare
  _roles pg_catalog.text;
begin
  select pg_catalog.string_agg(pg_catalog.quote_ident(r), ', ')
  into _roles
  from pg_catalog.unnest(grant_to) r;
  if _roles is null then
    return;
  end if;
  execute pg_catalog.format('grant usage on schema %I to %s', source_schema, _roles);
  execute pg_catalog.format('grant select on table %I.%I to %s', source_schema, source_table, _roles);
end
$func$
language plpgsql volatile security invoker
set search_path to pg_catalog, pg_temp;

-------------------------------------------------------------------------------
-- _vectorizer_grant_to_vectorizer: USAGE on schema ai, SELECT on ai.vectorizer.
-- A creator without grant option gets PostgreSQL's "no privileges were
-- granted" WARNING and carries on, as in pgai.
create or replace function ai._vectorizer_grant_to_vectorizer(grant_to pg_catalog.name[])
returns void
as $func$
declare
  _roles pg_catalog.text;
begin
  select pg_catalog.string_agg(pg_catalog.quote_ident(r), ', ')
  into _roles
  from pg_catalog.unnest(grant_to) r;
  if _roles is null then
    return;
  end if;
  execute pg_catalog.format('grant usage on schema ai to %s', _roles);
  execute pg_catalog.format('grant select on table ai.vectorizer to %s', _roles);
end
$func$
language plpgsql volatile security invoker
set search_path to pg_catalog, pg_temp;

-------------------------------------------------------------------------------
-- _vectorizer_create_target_table: the embedding store (spec 4.6).
-- PK columns in attnum order; the unique key in pknum order plus chunk_seq.
-- Both constraints are declared inline so PostgreSQL names them
-- <table>_pkey and <table>_<cols>_chunk_seq_key.
create or replace function ai._vectorizer_create_target_table
( source_pk pg_catalog.jsonb
, target_schema pg_catalog.name
, target_table pg_catalog.name
, dimensions pg_catalog.int4
, grant_to pg_catalog.name[]
) returns void
as $func$
declare
  _cols pg_catalog.text;
  _key pg_catalog.text;
  _roles pg_catalog.text;
begin
  select pg_catalog.string_agg(pg_catalog.format('%I %s not null', x.attname, x.typname), ', ' order by x.attnum)
  into strict _cols
  from pg_catalog.jsonb_to_recordset(source_pk) x(attnum pg_catalog.int4, attname pg_catalog.name, typname pg_catalog.text);

  select pg_catalog.string_agg(pg_catalog.format('%I', x.attname), ', ' order by x.pknum)
  into strict _key
  from pg_catalog.jsonb_to_recordset(source_pk) x(pknum pg_catalog.int4, attname pg_catalog.name);

  execute pg_catalog.format
  ( 'create table %I.%I'
    '( embedding_uuid pg_catalog.uuid not null primary key default pg_catalog.gen_random_uuid()'
    ', %s'
    ', chunk_seq pg_catalog.int4 not null'
    ', chunk pg_catalog.text not null'
    ', embedding @extschema:vector@.vector(%s) not null'
    ', unique (%s, chunk_seq)'
    ')'
  , target_schema, target_table, _cols, dimensions, _key
  );
  -- PostgreSQL 15 has no STORAGE clause in CREATE TABLE column definitions.
  execute pg_catalog.format
  ( 'alter table %I.%I alter column embedding set storage main'
  , target_schema, target_table
  );

  select pg_catalog.string_agg(pg_catalog.quote_ident(r), ', ')
  into _roles
  from pg_catalog.unnest(grant_to) r;
  if _roles is not null then
    execute pg_catalog.format('grant usage on schema %I to %s', target_schema, _roles);
    -- DELETE deliberately not granted (pgai does not either; spec 4.6)
    execute pg_catalog.format('grant select, insert, update on table %I.%I to %s',
                              target_schema, target_table, _roles);
  end if;
end
$func$
language plpgsql volatile security invoker
set search_path to pg_catalog, pg_temp;

-------------------------------------------------------------------------------
-- _vectorizer_create_view: target LEFT JOIN source (spec 4.7). PK columns
-- come from the target so the planner can remove the join when only target
-- columns are read. The column list is fixed at creation time.
create or replace function ai._vectorizer_create_view
( view_schema pg_catalog.name
, view_name pg_catalog.name
, source_schema pg_catalog.name
, source_table pg_catalog.name
, source_pk pg_catalog.jsonb
, target_schema pg_catalog.name
, target_table pg_catalog.name
, grant_to pg_catalog.name[]
) returns void
as $func$
declare
  _source pg_catalog.oid;
  _select pg_catalog.text;
  _join pg_catalog.text;
  _roles pg_catalog.text;
begin
  _source = pg_catalog.format('%I.%I', source_schema, source_table)::pg_catalog.regclass::pg_catalog.oid;

  select pg_catalog.string_agg
         ( pg_catalog.format('%s.%I', case when x.attnum is null then 's' else 't' end, a.attname)
         , ', ' order by a.attnum
         )
  into strict _select
  from pg_catalog.pg_attribute a
  left join pg_catalog.jsonb_to_recordset(source_pk) x(attnum pg_catalog.int4)
    on x.attnum operator(pg_catalog.=) a.attnum
  where a.attrelid operator(pg_catalog.=) _source
    and a.attnum operator(pg_catalog.>) 0
    and not a.attisdropped;

  -- pgai formats this predicate without identifier quoting; we quote.
  select pg_catalog.string_agg(pg_catalog.format('t.%I operator(pg_catalog.=) s.%I', x.attname, x.attname),
                               ' and ' order by x.pknum)
  into strict _join
  from pg_catalog.jsonb_to_recordset(source_pk) x(pknum pg_catalog.int4, attname pg_catalog.name);

  execute pg_catalog.format
  ( 'create view %I.%I as '
    'select t.embedding_uuid, t.chunk_seq, t.chunk, t.embedding, %s '
    'from %I.%I t left outer join %I.%I s on (%s)'
  , view_schema, view_name, _select, target_schema, target_table, source_schema, source_table, _join
  );

  select pg_catalog.string_agg(pg_catalog.quote_ident(r), ', ')
  into _roles
  from pg_catalog.unnest(grant_to) r;
  if _roles is not null then
    execute pg_catalog.format('grant usage on schema %I to %s', view_schema, _roles);
    execute pg_catalog.format('grant select on table %I.%I to %s', view_schema, view_name, _roles);
  end if;
end
$func$
language plpgsql volatile security invoker
set search_path to pg_catalog, pg_temp;

-------------------------------------------------------------------------------
-- _vectorizer_create_destination_table: target table, then view. Expects
-- the destination already evaluated by ai._evaluate_destination; a bare one
-- (direct call) is evaluated here first.
create or replace function ai._vectorizer_create_destination_table
( source_schema pg_catalog.name
, source_table pg_catalog.name
, source_pk pg_catalog.jsonb
, dimensions pg_catalog.int4
, destination pg_catalog.jsonb
, grant_to pg_catalog.name[]
) returns void
as $func$
declare
  _d pg_catalog.jsonb = destination;
begin
  if _d operator(pg_catalog.->>) 'target_schema' is null
     or _d operator(pg_catalog.->>) 'target_table' is null
     or _d operator(pg_catalog.->>) 'view_schema' is null
     or _d operator(pg_catalog.->>) 'view_name' is null then
    _d = ai._evaluate_destination(_d, source_schema, source_table);
  end if;

  perform ai._vectorizer_create_target_table
  ( source_pk
  , (_d operator(pg_catalog.->>) 'target_schema')::pg_catalog.name
  , (_d operator(pg_catalog.->>) 'target_table')::pg_catalog.name
  , dimensions
  , grant_to
  );
  perform ai._vectorizer_create_view
  ( (_d operator(pg_catalog.->>) 'view_schema')::pg_catalog.name
  , (_d operator(pg_catalog.->>) 'view_name')::pg_catalog.name
  , source_schema
  , source_table
  , source_pk
  , (_d operator(pg_catalog.->>) 'target_schema')::pg_catalog.name
  , (_d operator(pg_catalog.->>) 'target_table')::pg_catalog.name
  , grant_to
  );
end
$func$
language plpgsql volatile security invoker
set search_path to pg_catalog, pg_temp;

-------------------------------------------------------------------------------
-- _vectorizer_add_embedding_column: adds <col> vector(<dimensions>) to the
-- source table, storage main. An existing live column of that name is kept
-- as it is (type not checked) and reported with a NOTICE.
create or replace function ai._vectorizer_add_embedding_column
( source_schema pg_catalog.name
, source_table pg_catalog.name
, dimensions pg_catalog.int4
, embedding_column pg_catalog.name
) returns void
as $func$
begin
  if exists
  ( select 1
    from pg_catalog.pg_attribute a
    where a.attrelid operator(pg_catalog.=)
          pg_catalog.format('%I.%I', source_schema, source_table)::pg_catalog.regclass::pg_catalog.oid
      and a.attname operator(pg_catalog.=) embedding_column
      and a.attnum operator(pg_catalog.>) 0
      and not a.attisdropped
  ) then
    -- pgai's NOTICE here is garbled (%I inside RAISE); ours reads cleanly.
    raise notice 'embedding column % already exists in %.%, skipping creation',
      embedding_column, source_schema, source_table;
    return;
  end if;

  execute pg_catalog.format
  ( 'alter table %I.%I add column %I @extschema:vector@.vector(%s) default null'
  , source_schema, source_table, embedding_column, dimensions
  );
  execute pg_catalog.format
  ( 'alter table %I.%I alter column %I set storage main'
  , source_schema, source_table, embedding_column
  );
end
$func$
language plpgsql volatile security invoker
set search_path to pg_catalog, pg_temp;

-------------------------------------------------------------------------------
-- _vectorizer_create_destination_column: the column destination (spec 4.8).
create or replace function ai._vectorizer_create_destination_column
( source_schema pg_catalog.name
, source_table pg_catalog.name
, dimensions pg_catalog.int4
, destination pg_catalog.jsonb
) returns void
as $func$
begin
  perform ai._vectorizer_add_embedding_column
  ( source_schema
  , source_table
  , dimensions
  , (destination operator(pg_catalog.->>) 'embedding_column')::pg_catalog.name
  );
end
$func$
language plpgsql volatile security invoker
set search_path to pg_catalog, pg_temp;

-------------------------------------------------------------------------------
-- _vectorizer_create_queue_table (spec 4.4). No primary key: duplicates are
-- expected and the worker de-duplicates. The plain index on the PK columns
-- (pknum order) is auto-named, e.g. _vectorizer_q_1_title_published_idx.
create or replace function ai._vectorizer_create_queue_table
( queue_schema pg_catalog.name
, queue_table pg_catalog.name
, source_pk pg_catalog.jsonb
, grant_to pg_catalog.name[]
) returns void
as $func$
declare
  _cols pg_catalog.text;
  _key pg_catalog.text;
  _roles pg_catalog.text;
begin
  select pg_catalog.string_agg(pg_catalog.format('%I %s not null', x.attname, x.typname), ', ' order by x.attnum)
  into strict _cols
  from pg_catalog.jsonb_to_recordset(source_pk) x(attnum pg_catalog.int4, attname pg_catalog.name, typname pg_catalog.text);

  select pg_catalog.string_agg(pg_catalog.format('%I', x.attname), ', ' order by x.pknum)
  into strict _key
  from pg_catalog.jsonb_to_recordset(source_pk) x(pknum pg_catalog.int4, attname pg_catalog.name);

  execute pg_catalog.format
  ( 'create table %I.%I'
    '( %s'
    ', queued_at pg_catalog.timestamptz not null default pg_catalog.now()'
    ', loading_retries pg_catalog.int4 not null default 0'
    ', loading_retry_after pg_catalog.timestamptz'
    ')'
  , queue_schema, queue_table, _cols
  );
  execute pg_catalog.format('create index on %I.%I (%s)', queue_schema, queue_table, _key);

  select pg_catalog.string_agg(pg_catalog.quote_ident(r), ', ')
  into _roles
  from pg_catalog.unnest(grant_to) r;
  if _roles is not null then
    execute pg_catalog.format('grant usage on schema %I to %s', queue_schema, _roles);
    execute pg_catalog.format('grant select, insert, update, delete on table %I.%I to %s',
                              queue_schema, queue_table, _roles);
  end if;
end
$func$
language plpgsql volatile security invoker
set search_path to pg_catalog, pg_temp;

-------------------------------------------------------------------------------
-- _vectorizer_create_queue_failed_table (spec 4.5). The worker detects the
-- loading-retries feature by this function's name: keep it.
create or replace function ai._vectorizer_create_queue_failed_table
( queue_schema pg_catalog.name
, queue_failed_table pg_catalog.name
, source_pk pg_catalog.jsonb
, grant_to pg_catalog.name[]
) returns void
as $func$
declare
  _cols pg_catalog.text;
  _key pg_catalog.text;
  _roles pg_catalog.text;
begin
  select pg_catalog.string_agg(pg_catalog.format('%I %s not null', x.attname, x.typname), ', ' order by x.attnum)
  into strict _cols
  from pg_catalog.jsonb_to_recordset(source_pk) x(attnum pg_catalog.int4, attname pg_catalog.name, typname pg_catalog.text);

  select pg_catalog.string_agg(pg_catalog.format('%I', x.attname), ', ' order by x.pknum)
  into strict _key
  from pg_catalog.jsonb_to_recordset(source_pk) x(pknum pg_catalog.int4, attname pg_catalog.name);

  execute pg_catalog.format
  ( 'create table %I.%I'
    '( %s'
    ', created_at pg_catalog.timestamptz not null default pg_catalog.now()'
    ', failure_step pg_catalog.text not null default %L'
    ')'
  , queue_schema, queue_failed_table, _cols, ''
  );
  execute pg_catalog.format('create index on %I.%I (%s)', queue_schema, queue_failed_table, _key);

  select pg_catalog.string_agg(pg_catalog.quote_ident(r), ', ')
  into _roles
  from pg_catalog.unnest(grant_to) r;
  if _roles is not null then
    execute pg_catalog.format('grant usage on schema %I to %s', queue_schema, _roles);
    execute pg_catalog.format('grant select, insert, update, delete on table %I.%I to %s',
                              queue_schema, queue_failed_table, _roles);
  end if;
end
$func$
language plpgsql volatile security invoker
set search_path to pg_catalog, pg_temp;

-------------------------------------------------------------------------------
-- _vectorizer_build_trigger_definition: the PL/pgSQL body of the source
-- trigger function (spec 4.9). A non-null target means the table
-- destination variant; otherwise the column destination variant.
--
-- Every statement is static with the quoted names baked in, so the body is
-- planned once per session and runs without EXECUTE. The only run-time
-- lookup is the list of embedding columns of column-destination vectorizers
-- on the source table, and it runs only for an UPDATE that changed
-- something and kept the primary key.
--
-- Addition over pgai: after queueing a key the body sends
-- NOTIFY pgai_vectorizer '<id>' so a listening worker wakes at once.
-- The id is looked up here, by queue table, and baked in as a literal;
-- without a matching ai.vectorizer row (direct call before the row exists)
-- the body simply has no notify. Reading ai.vectorizer makes this function
-- stable, where pgai declares it immutable.
create or replace function ai._vectorizer_build_trigger_definition
( queue_schema pg_catalog.name
, queue_table pg_catalog.name
, target_schema pg_catalog.name
, target_table pg_catalog.name
, source_schema pg_catalog.name
, source_table pg_catalog.name
, source_pk pg_catalog.jsonb
) returns pg_catalog.text
as $func$
declare
  _id pg_catalog.int4;
  _enqueue pg_catalog.text;
  _skip_query pg_catalog.text;
  _relevant pg_catalog.text;
  _delete pg_catalog.text;
  _pk_changed pg_catalog.text;
begin
  select v.id into _id
  from ai.vectorizer v
  where v.queue_schema operator(pg_catalog.=) _vectorizer_build_trigger_definition.queue_schema
    and v.queue_table operator(pg_catalog.=) _vectorizer_build_trigger_definition.queue_table
  order by v.id
  limit 1;

  -- insert into the queue: PK columns in attnum order, defaults for the rest
  select pg_catalog.format
         ( 'insert into %I.%I (%s) values (%s);'
         , queue_schema, queue_table
         , pg_catalog.string_agg(pg_catalog.format('%I', x.attname), ', ' order by x.attnum)
         , pg_catalog.string_agg(pg_catalog.format('new.%I', x.attname), ', ' order by x.attnum)
         )
  into strict _enqueue
  from pg_catalog.jsonb_to_recordset(source_pk) x(attnum pg_catalog.int4, attname pg_catalog.name);
  if _id is not null then
    _enqueue = _enqueue operator(pg_catalog.||) pg_catalog.format
      ( ' perform pg_catalog.pg_notify(%L, %L);', 'pgai_vectorizer', _id::pg_catalog.text);
  end if;

  -- "relevant change": any column other than the embedding columns of
  -- column-destination vectorizers on this table (read at run time, so
  -- vectorizers added later are honoured without regenerating this body).
  -- The cheap whole-row comparison first skips no-op updates entirely.
  _skip_query = pg_catalog.format
  ( $q$select pg_catalog.array_agg(v.config operator(pg_catalog.->) 'destination' operator(pg_catalog.->>) 'embedding_column')
    from ai.vectorizer v
    where v.source_schema operator(pg_catalog.=) %L
      and v.source_table operator(pg_catalog.=) %L
      and v.config operator(pg_catalog.->) 'destination' operator(pg_catalog.->>) 'implementation' operator(pg_catalog.=) 'column'
      and v.config operator(pg_catalog.->) 'destination' operator(pg_catalog.->>) 'embedding_column' is not null$q$
  , source_schema, source_table
  );
  _relevant = pg_catalog.format
  ( $b$  _old = pg_catalog.to_jsonb(old);
  _new = pg_catalog.to_jsonb(new);
  if _old operator(pg_catalog.=) _new then
    return null;
  end if;
  %s
  into _skip;
  if _skip is not null
     and (_old operator(pg_catalog.-) _skip) operator(pg_catalog.=) (_new operator(pg_catalog.-) _skip) then
    return null;
  end if;
  %s
  return null;$b$
  , _skip_query, _enqueue
  );

  if target_schema is null or target_table is null then
    -- column destination: INSERT and relevant UPDATE enqueue (a PK change
    -- is a relevant change); DELETE and TRUNCATE do nothing.
    return pg_catalog.format
    ( $b$
declare
  _old pg_catalog.jsonb;
  _new pg_catalog.jsonb;
  _skip pg_catalog.text[];
begin
  if tg_level operator(pg_catalog.<>) 'ROW' then
    return null;
  end if;
  if tg_op operator(pg_catalog.=) 'INSERT' then
    %s
    return null;
  end if;
  if tg_op operator(pg_catalog.<>) 'UPDATE' then
    return null;
  end if;
%s
end
$b$
    , _enqueue, _relevant
    );
  end if;

  -- table destination
  select pg_catalog.format
         ( 'delete from %I.%I where %s;'
         , target_schema, target_table
         , pg_catalog.string_agg(pg_catalog.format('%I operator(pg_catalog.=) old.%I', x.attname, x.attname),
                                 ' and ' order by x.pknum)
         )
       , pg_catalog.string_agg(pg_catalog.format('old.%I is distinct from new.%I', x.attname, x.attname),
                               ' or ' order by x.pknum)
  into strict _delete, _pk_changed
  from pg_catalog.jsonb_to_recordset(source_pk) x(pknum pg_catalog.int4, attname pg_catalog.name);

  return pg_catalog.format
  ( $b$
declare
  _old pg_catalog.jsonb;
  _new pg_catalog.jsonb;
  _skip pg_catalog.text[];
begin
  if tg_level operator(pg_catalog.<>) 'ROW' then
    if tg_op operator(pg_catalog.=) 'TRUNCATE' then
      -- the failed-queue table is deliberately left alone
      truncate table %I.%I, %I.%I;
    end if;
    return null;
  end if;
  if tg_op operator(pg_catalog.=) 'INSERT' then
    %s
    return null;
  end if;
  if tg_op operator(pg_catalog.=) 'DELETE' then
    -- the key may still sit in the queue; the worker drops it when the
    -- source row is gone
    %s
    return null;
  end if;
  if %s then
    %s
    %s
    return null;
  end if;
%s
end
$b$
  , target_schema, target_table, queue_schema, queue_table
  , _enqueue
  , _delete
  , _pk_changed, _delete, _enqueue
  , _relevant
  );
end
$func$
language plpgsql stable security invoker
set search_path to pg_catalog, pg_temp;

-------------------------------------------------------------------------------
-- _vectorizer_create_source_trigger (spec 4.9): the trigger function in the
-- queue schema (security definer, owned by the creator, EXECUTE revoked
-- from PUBLIC), the row trigger and the TRUNCATE statement trigger.
-- The body is passed as a %L literal, so no identifier can end a dollar quote.
create or replace function ai._vectorizer_create_source_trigger
( trigger_name pg_catalog.name
, queue_schema pg_catalog.name
, queue_table pg_catalog.name
, source_schema pg_catalog.name
, source_table pg_catalog.name
, target_schema pg_catalog.name
, target_table pg_catalog.name
, source_pk pg_catalog.jsonb
) returns void
as $func$
begin
  execute pg_catalog.format
  ( 'create function %I.%I() returns trigger language plpgsql volatile parallel safe security definer '
    'set search_path to pg_catalog, pg_temp as %L'
  , queue_schema, trigger_name
  , ai._vectorizer_build_trigger_definition
    (queue_schema, queue_table, target_schema, target_table, source_schema, source_table, source_pk)
  );
  execute pg_catalog.format('revoke all on function %I.%I() from public', queue_schema, trigger_name);

  execute pg_catalog.format
  ( 'create trigger %I after insert or update or delete on %I.%I for each row execute function %I.%I()'
  , trigger_name, source_schema, source_table, queue_schema, trigger_name
  );
  execute pg_catalog.format
  ( 'create trigger %I after truncate on %I.%I for each statement execute function %I.%I()'
  , trigger_name operator(pg_catalog.||) '_truncate', source_schema, source_table, queue_schema, trigger_name
  );
end
$func$
language plpgsql volatile security invoker
set search_path to pg_catalog, pg_temp;

-------------------------------------------------------------------------------
-- Regeneration (spec 1.5): on every install, give every existing
-- vectorizer's trigger function the body the current code generates, so
-- trigger fixes (and the NOTIFY wake-up) reach old vectorizers. The triggers
-- themselves are left as they are. The installing role must be allowed to
-- replace functions owned by the vectorizers' creators (as in pgai).
-- Differences from pgai: a vectorizer whose queue schema is gone is skipped
-- with a WARNING instead of failing the whole install, and a function that
-- did not exist yet gets EXECUTE revoked from PUBLIC like a fresh one.
do $regenerate$
declare
  _v record;
  _dest pg_catalog.jsonb;
  _existed pg_catalog.bool;
begin
  for _v in select * from ai.vectorizer order by id loop
    -- the stray "s" is pgai's text, kept as is
    raise notice 'Recreating trigger function for vectorizer ID %s', _v.id;

    if not exists (select 1 from pg_catalog.pg_namespace n
                   where n.nspname operator(pg_catalog.=) _v.queue_schema) then
      raise warning 'queue schema % of vectorizer % does not exist; trigger function not recreated',
        _v.queue_schema, _v.id;
      continue;
    end if;

    _dest = _v.config operator(pg_catalog.->) 'destination';
    _existed = exists
    ( select 1
      from pg_catalog.pg_proc p
      inner join pg_catalog.pg_namespace n on n.oid operator(pg_catalog.=) p.pronamespace
      where n.nspname operator(pg_catalog.=) _v.queue_schema
        and p.proname operator(pg_catalog.=) _v.trigger_name
        and p.pronargs operator(pg_catalog.=) 0
    );

    execute pg_catalog.format
    ( 'create or replace function %I.%I() returns trigger language plpgsql volatile parallel safe security definer '
      'set search_path to pg_catalog, pg_temp as %L'
    , _v.queue_schema, _v.trigger_name
    , ai._vectorizer_build_trigger_definition
      ( _v.queue_schema
      , _v.queue_table
      , case when _dest operator(pg_catalog.->>) 'implementation' operator(pg_catalog.=) 'table'
             then (_dest operator(pg_catalog.->>) 'target_schema')::pg_catalog.name end
      , case when _dest operator(pg_catalog.->>) 'implementation' operator(pg_catalog.=) 'table'
             then (_dest operator(pg_catalog.->>) 'target_table')::pg_catalog.name end
      , _v.source_schema
      , _v.source_table
      , _v.source_pk
      )
    );
    if not _existed then
      execute pg_catalog.format('revoke all on function %I.%I() from public', _v.queue_schema, _v.trigger_name);
    end if;
  end loop;
end
$regenerate$;
