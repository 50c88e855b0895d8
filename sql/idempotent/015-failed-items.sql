-- 015-failed-items.sql: seeing and re-queueing the items the worker gave up on.
--
-- Owns (ours, not pgai's; docs/notes/failed-items.md):
--   ai._vectorizer_failed_items()        set-returning function behind the view
--   ai.vectorizer_failed_items           (view) one row per failed-queue row
--   ai.vectorizer_requeue_failed         (int4, text, int4+step and text+step forms)
--
-- The worker moves a queue item into the vectorizer's failed-queue table
-- (spec 4.5, `<queue_schema>._vectorizer_q_failed_<id>`) once its retries are
-- used up, and records an error row in ai._vectorizer_errors whose details
-- carry the step, the reason and the item's key as
-- {"pk": {"<key column>": "<value as text>", ...}}. Nothing of pgai's changes
-- shape here: these objects only read those tables and move rows between a
-- vectorizer's failed queue and its queue.
--
-- Runs on every install, so everything is `create or replace`. Every function
-- pins search_path and qualifies every name; identifiers in dynamic SQL go
-- through %I, values through %L or USING.

-------------------------------------------------------------------------------
-- ai._vectorizer_failed_items: every row of every failed-queue table the
-- caller may read, with the newest matching error.
--
-- The failed-queue tables have one column per key column of their source, so
-- no single static query covers them: the function loops over the
-- vectorizers and runs one dynamic query per table. A table is skipped, not
-- an error, when it is gone or when the caller lacks USAGE on its schema or
-- SELECT on it (checked by oid, so odd names cannot confuse the lookup).
-- Without SELECT on ai._vectorizer_errors the error columns are NULL.
--
-- pk is built from each key column's text output. The worker writes the same
-- text into its error rows, from a session with DateStyle ISO, IntervalStyle
-- postgres, extra_float_digits 1 and bytea_output hex; the SET clauses below
-- pin those, so the comparison does not depend on the reader's settings
-- (only TimeZone is not pinned: the worker uses its session default).
--
-- The newest error per key is found with one DISTINCT ON over the
-- vectorizer's error rows and a hash join, not a lookup per failed row, so
-- many failures and a long error history stay linear.
create or replace function ai._vectorizer_failed_items()
returns table
( vectorizer_id pg_catalog.int4
, vectorizer_name pg_catalog.name
, pk pg_catalog.jsonb
, failure_step pg_catalog.text
, failed_at pg_catalog.timestamptz
, last_error pg_catalog.text
, last_error_at pg_catalog.timestamptz
)
as $func$
declare
  _v record;
  _rel pg_catalog.oid;
  _nsp pg_catalog.oid;
  _pk pg_catalog.text;
  _errors pg_catalog.text;
begin
  if pg_catalog.has_table_privilege('ai._vectorizer_errors'::pg_catalog.regclass, 'select') then
    _errors =
      $sql$( select distinct on (x.details operator(pg_catalog.->) 'pk')
               x.details operator(pg_catalog.->) 'pk' as pk
             , coalesce(x.details operator(pg_catalog.->>) 'error_reason', x.message) as last_error
             , x.recorded
             from ai._vectorizer_errors x
             where x.id operator(pg_catalog.=) $1
               and x.details operator(pg_catalog.?) 'pk'
             order by x.details operator(pg_catalog.->) 'pk', x.recorded desc
           ) e$sql$;
  else
    -- Not even mentioned: a reference alone would need the privilege.
    _errors =
      $sql$( select null::pg_catalog.jsonb, null::pg_catalog.text, null::pg_catalog.timestamptz
             where false
           ) e(pk, last_error, recorded)$sql$;
  end if;

  for _v in
    select v.id, v.name, v.queue_schema, v.queue_failed_table, v.source_pk
    from ai.vectorizer v
    where v.queue_schema is not null
      and v.queue_failed_table is not null
    order by v.id
  loop
    select c.oid, n.oid into _rel, _nsp
    from pg_catalog.pg_class c
    join pg_catalog.pg_namespace n on n.oid operator(pg_catalog.=) c.relnamespace
    where n.nspname operator(pg_catalog.=) _v.queue_schema
      and c.relname operator(pg_catalog.=) _v.queue_failed_table;
    if not found
       or not pg_catalog.has_schema_privilege(_nsp, 'usage')
       or not pg_catalog.has_table_privilege(_rel, 'select') then
      continue;
    end if;

    -- {"<col>": <col>::text, ...} in pknum order (the order does not matter
    -- to jsonb, it only keeps the generated text predictable).
    select pg_catalog.string_agg
      ( pg_catalog.format('%L::pg_catalog.text, q.%I::pg_catalog.text', x.attname, x.attname)
      , ', ' order by x.pknum
      )
    into _pk
    from pg_catalog.jsonb_to_recordset(_v.source_pk) x(pknum pg_catalog.int4, attname pg_catalog.name);
    if _pk is null then
      continue; -- no key recorded: nothing to show
    end if;

    return query execute pg_catalog.format
    ( $sql$select $1, $2, f.pk, f.failure_step, f.created_at, e.last_error, e.recorded
           from
           ( select pg_catalog.jsonb_build_object(%s) as pk, q.failure_step, q.created_at
             from %I.%I q
           ) f
           left join %s on e.pk operator(pg_catalog.=) f.pk$sql$
    , _pk, _v.queue_schema, _v.queue_failed_table, _errors
    ) using _v.id, _v.name;
  end loop;
end
$func$ language plpgsql stable security invoker
set search_path to pg_catalog, pg_temp
set datestyle to 'ISO'
set intervalstyle to 'postgres'
set extra_float_digits to 1
set bytea_output to 'hex';

-- The view over it. Columns may only ever be appended: every install re-runs
-- `create or replace view`.
create or replace view ai.vectorizer_failed_items as
select
  i.vectorizer_id
, i.vectorizer_name
, i.pk
, i.failure_step
, i.failed_at
, i.last_error
, i.last_error_at
from ai._vectorizer_failed_items() i;

-------------------------------------------------------------------------------
-- ai.vectorizer_requeue_failed: moves a vectorizer's failed items back into
-- its queue with a fresh retry budget (loading_retries 0, no retry_after),
-- optionally only those that failed at one step (NULL: every step). One
-- statement deletes them from the failed queue and inserts their keys into
-- the queue, so a concurrent call or a crash can neither lose nor duplicate
-- an item. When anything moved, NOTIFY pgai_vectorizer '<id>' wakes a
-- listening worker (delivered at commit). Returns the number of rows moved.
-- Unknown id: P0002 `query returned no rows`, as pgai's strict lookups.
create or replace function ai.vectorizer_requeue_failed
( vectorizer_id pg_catalog.int4
, failure_step pg_catalog.text
) returns pg_catalog.int8
as $func$
declare
  _v record;
  _cols pg_catalog.text;
  _moved pg_catalog.int8;
begin
  select v.queue_schema, v.queue_table, v.queue_failed_table, v.source_pk
  into strict _v
  from ai.vectorizer v
  where v.id operator(pg_catalog.=) vectorizer_requeue_failed.vectorizer_id;

  if _v.queue_schema is null or _v.queue_table is null or _v.queue_failed_table is null then
    raise exception 'vectorizer has no queue table';
  end if;

  -- Key columns in attnum order, as both tables declare them.
  select pg_catalog.string_agg(pg_catalog.format('%I', x.attname), ', ' order by x.attnum)
  into strict _cols
  from pg_catalog.jsonb_to_recordset(_v.source_pk) x(attnum pg_catalog.int4, attname pg_catalog.name);

  execute pg_catalog.format
  ( $sql$with moved as
         ( delete from %1$I.%2$I f
           %3$s
           returning %4$s
         )
         , queued as
         ( insert into %1$I.%5$I (%4$s, loading_retries, loading_retry_after)
           select %4$s, 0, null from moved
           returning 1
         )
         select pg_catalog.count(*) from queued$sql$
  , _v.queue_schema
  , _v.queue_failed_table
  , case when vectorizer_requeue_failed.failure_step is null then ''
      else 'where f.failure_step operator(pg_catalog.=) $1' end
  , _cols
  , _v.queue_table
  ) into strict _moved using vectorizer_requeue_failed.failure_step;

  if _moved operator(pg_catalog.>) 0 then
    perform pg_catalog.pg_notify('pgai_vectorizer', vectorizer_requeue_failed.vectorizer_id::pg_catalog.text);
  end if;
  return _moved;
end
$func$ language plpgsql volatile security invoker
set search_path to pg_catalog, pg_temp;

-- Every step.
create or replace function ai.vectorizer_requeue_failed
( vectorizer_id pg_catalog.int4
) returns pg_catalog.int8
as $func$
  select ai.vectorizer_requeue_failed($1, null::pg_catalog.text)
$func$ language sql volatile security invoker
set search_path to pg_catalog, pg_temp;

-- Name forms: plain SQL lookups, so an unknown name yields NULL (pgai's
-- convention for name forms).
create or replace function ai.vectorizer_requeue_failed
( name pg_catalog.text
) returns pg_catalog.int8
as $func$
  select ai.vectorizer_requeue_failed(v.id, null::pg_catalog.text)
  from ai.vectorizer v
  where v.name operator(pg_catalog.=) $1
$func$ language sql volatile security invoker
set search_path to pg_catalog, pg_temp;

create or replace function ai.vectorizer_requeue_failed
( name pg_catalog.text
, failure_step pg_catalog.text
) returns pg_catalog.int8
as $func$
  select ai.vectorizer_requeue_failed(v.id, $2)
  from ai.vectorizer v
  where v.name operator(pg_catalog.=) $1
$func$ language sql volatile security invoker
set search_path to pg_catalog, pg_temp;
