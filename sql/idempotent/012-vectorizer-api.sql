-- 012-vectorizer-api.sql: ai.create_vectorizer (spec 4.1-4.2, 4.11).
-- It validates the configuration with the helpers of files 001-010, creates
-- the destination, queue tables and source triggers with the helpers of
-- 011, schedules the job with ai._vectorizer_schedule_job (013) and records
-- the row in ai.vectorizer.
--
-- One deliberate change of order against pgai: the ai.vectorizer row is
-- inserted (pgai's step 20) before the source trigger is created (step 18),
-- so the trigger builder can find the vectorizer id and bake the NOTIFY
-- wake-up into the trigger body. Scheduling (step 19) still comes before the
-- insert so config.scheduling carries job_id. Everything runs in the
-- caller's transaction, so any failure still removes every object created.
-- Runs on every install: create or replace only.

create or replace function ai.create_vectorizer
( source pg_catalog.regclass
, name pg_catalog.text default null
, destination pg_catalog.jsonb default ai.destination_table()
, loading pg_catalog.jsonb default null
, parsing pg_catalog.jsonb default ai.parsing_auto()
, embedding pg_catalog.jsonb default null
, chunking pg_catalog.jsonb default ai.chunking_recursive_character_text_splitter()
, indexing pg_catalog.jsonb default ai.indexing_default()
, formatting pg_catalog.jsonb default ai.formatting_python_template()
, scheduling pg_catalog.jsonb default ai.scheduling_default()
, processing pg_catalog.jsonb default ai.processing_default()
, queue_schema pg_catalog.name default null
, queue_table pg_catalog.name default null
, grant_to pg_catalog.name[] default ai.grant_to()
, enqueue_existing pg_catalog.bool default true
, if_not_exists pg_catalog.bool default false
) returns pg_catalog.int4
as $func$
declare
  -- Copies of the parameters whose names are also ai.vectorizer columns, so
  -- no query below can confuse a column with a variable.
  _name pg_catalog.text = create_vectorizer.name;
  _queue_schema pg_catalog.name = create_vectorizer.queue_schema;
  _queue_table pg_catalog.name = create_vectorizer.queue_table;
  _grant_to pg_catalog.name[] = create_vectorizer.grant_to;
  _destination pg_catalog.jsonb = create_vectorizer.destination;
  _indexing pg_catalog.jsonb = create_vectorizer.indexing;
  _scheduling pg_catalog.jsonb = create_vectorizer.scheduling;

  _missing pg_catalog.name[];
  _source_schema pg_catalog.name;
  _source_table pg_catalog.name;
  _owner pg_catalog.oid;
  _dimensions pg_catalog.int4;
  _source_pk pg_catalog.jsonb;
  _id pg_catalog.int4;
  _existing_id pg_catalog.int4;
  _trigger_name pg_catalog.name;
  _queue_failed_table pg_catalog.name;
  _job_id pg_catalog.int8;
  _pk_cols pg_catalog.text;
  _queued pg_catalog.int8;
begin
  -- 1. grant_to cleanup: drop roles that do not exist (with a WARNING).
  -- Roles are matched by exact name in pg_roles (pgai parses them with
  -- to_regrole, which folds case); 'public' means the PUBLIC pseudo-role.
  if _grant_to is not null then
    select pg_catalog.array_agg(g order by o)
    into _missing
    from pg_catalog.unnest(_grant_to) with ordinality u(g, o)
    where g operator(pg_catalog.<>) 'public'
      and not exists (select 1 from pg_catalog.pg_roles r where r.rolname operator(pg_catalog.=) g);
    if _missing is not null then
      raise warning 'one or more grant_to roles do not exist: %', _missing;
    end if;
    -- an empty result becomes NULL, meaning no grants at all
    select pg_catalog.array_agg(g order by o)
    into _grant_to
    from pg_catalog.unnest(_grant_to) with ordinality u(g, o)
    where g operator(pg_catalog.=) 'public'
       or exists (select 1 from pg_catalog.pg_roles r where r.rolname operator(pg_catalog.=) g);
  end if;

  -- 2, 3. required configuration
  if embedding is null then
    raise exception 'embedding configuration is required';
  end if;
  if loading is null then
    raise exception 'loading configuration is required';
  end if;

  -- 4. only the table's owner (role membership counts) or a superuser
  select n.nspname, k.relname, k.relowner
  into strict _source_schema, _source_table, _owner
  from pg_catalog.pg_class k
  inner join pg_catalog.pg_namespace n on n.oid operator(pg_catalog.=) k.relnamespace
  where k.oid operator(pg_catalog.=) source;

  if not pg_catalog.pg_has_role(current_user, _owner, 'MEMBER')
     and not coalesce((select r.rolsuper from pg_catalog.pg_roles r
                       where r.rolname operator(pg_catalog.=) current_user), false) then
    raise exception 'only a superuser or the owner of the source table may create a vectorizer on it';
  end if;

  -- 5. dimensions
  _dimensions = (embedding operator(pg_catalog.->) 'dimensions')::pg_catalog.int4;
  if _dimensions is null then
    raise exception 'dimensions argument is required';
  end if;

  -- 6. primary key
  _source_pk = ai._vectorizer_source_pk(source);
  if _source_pk is null or pg_catalog.jsonb_array_length(_source_pk) operator(pg_catalog.=) 0 then
    raise exception 'source table must have a primary key constraint';
  end if;

  -- 7. identifiers. The sequence value is consumed even if creation fails
  -- later (pgai behaves the same).
  _id = pg_catalog.nextval('ai.vectorizer_id_seq'::pg_catalog.regclass);
  _trigger_name = pg_catalog.concat('_vectorizer_src_trg_', _id);
  _queue_schema = coalesce(_queue_schema, 'ai');
  _queue_table = coalesce(_queue_table, pg_catalog.concat('_vectorizer_q_', _id));
  _queue_failed_table = pg_catalog.concat('_vectorizer_q_failed_', _id);

  -- 8. queue table collision, checked before anything else about names
  if pg_catalog.to_regclass(pg_catalog.format('%I.%I', _queue_schema, _queue_table)) is not null then
    raise exception 'an object named %.% already exists. specify an alternate queue_table explicitly',
      _queue_schema, _queue_table
      using errcode = 'duplicate_object';
  end if;

  -- 9. validate the configuration (order matters: tests match the first error)
  perform ai._validate_loading(loading, _source_schema, _source_table);
  perform ai._validate_parsing(parsing, loading, _source_schema, _source_table);
  perform ai._validate_destination(_destination, chunking);
  perform ai._validate_embedding(embedding);
  perform ai._validate_chunking(chunking);
  if _indexing operator(pg_catalog.->>) 'implementation' operator(pg_catalog.=) 'default' then
    _indexing = ai._resolve_indexing_default();
  end if;
  perform ai._validate_indexing(_indexing);
  perform ai._validate_formatting(formatting, _source_schema, _source_table);
  if _scheduling operator(pg_catalog.->>) 'implementation' operator(pg_catalog.=) 'default' then
    _scheduling = ai._resolve_scheduling_default();
  end if;
  perform ai._validate_scheduling(_scheduling);
  perform ai._validate_processing(processing);

  -- 10. an index can only be built by a scheduled job
  if _scheduling operator(pg_catalog.->>) 'implementation' operator(pg_catalog.=) 'none'
     and _indexing operator(pg_catalog.->>) 'implementation' operator(pg_catalog.<>) 'none' then
    raise exception 'automatic indexing is not supported without scheduling. set indexing=>ai.indexing_none() when scheduling=>ai.scheduling_none()';
  end if;

  -- 11. fill in destination defaults
  _destination = ai._evaluate_destination(_destination, _source_schema, _source_table);

  -- 12. default name; not sanitised, so odd names fail the CHECK at the insert
  if _name is null then
    if _destination operator(pg_catalog.->>) 'implementation' operator(pg_catalog.=) 'column' then
      _name = pg_catalog.format('%s_%s_%s', _source_schema, _source_table,
                                _destination operator(pg_catalog.->>) 'embedding_column');
    else
      _name = pg_catalog.format('%s_%s', _destination operator(pg_catalog.->>) 'target_schema',
                                _destination operator(pg_catalog.->>) 'target_table');
    end if;
  end if;

  -- 13. name collision; if_not_exists compares the name only
  select v.id into _existing_id
  from ai.vectorizer v
  where v.name operator(pg_catalog.=) _name;
  if _existing_id is not null then
    if if_not_exists then
      raise notice 'a vectorizer named % already exists, skipping', _name;
      return _existing_id;
    end if;
    raise exception 'a vectorizer named % already exists.', _name
      using errcode = 'duplicate_object';
  end if;

  -- 14. view and target table collisions
  perform ai._validate_destination_can_create_objects(_destination);

  -- 15. grants on the source
  perform ai._vectorizer_grant_to_source(_source_schema, _source_table, _grant_to);

  -- 16. the destination
  case _destination operator(pg_catalog.->>) 'implementation'
    when 'table' then
      perform ai._vectorizer_create_destination_table
      (_source_schema, _source_table, _source_pk, _dimensions, _destination, _grant_to);
    when 'column' then
      perform ai._vectorizer_create_destination_column
      (_source_schema, _source_table, _dimensions, _destination);
    else
      raise exception 'invalid implementation for destination';
  end case;

  -- 17. queue and failed-queue tables
  perform ai._vectorizer_create_queue_table(_queue_schema, _queue_table, _source_pk, _grant_to);
  perform ai._vectorizer_create_queue_failed_table(_queue_schema, _queue_failed_table, _source_pk, _grant_to);

  -- 19. schedule the job (NULL for scheduling 'none')
  _job_id = ai._vectorizer_schedule_job(_id, _scheduling);
  if _job_id is not null then
    _scheduling = _scheduling operator(pg_catalog.||) pg_catalog.jsonb_build_object('job_id', _job_id);
  end if;

  -- 20. the catalog row (moved before the trigger, see the top of the file)
  insert into ai.vectorizer
  ( id, source_schema, source_table, source_pk, trigger_name
  , queue_schema, queue_table, queue_failed_table, config, name
  )
  values
  ( _id, _source_schema, _source_table, _source_pk, _trigger_name
  , _queue_schema, _queue_table, _queue_failed_table
  , pg_catalog.jsonb_build_object
    ( 'version', '__version__'
    , 'loading', loading
    , 'parsing', parsing
    , 'embedding', embedding
    , 'chunking', chunking
    , 'indexing', _indexing
    , 'formatting', formatting
    , 'scheduling', _scheduling
    , 'processing', processing
    , 'destination', _destination
    )
  , _name
  );

  -- 18. trigger function and triggers on the source
  perform ai._vectorizer_create_source_trigger
  ( _trigger_name
  , _queue_schema
  , _queue_table
  , _source_schema
  , _source_table
  , case when _destination operator(pg_catalog.->>) 'implementation' operator(pg_catalog.=) 'table'
         then (_destination operator(pg_catalog.->>) 'target_schema')::pg_catalog.name end
  , case when _destination operator(pg_catalog.->>) 'implementation' operator(pg_catalog.=) 'table'
         then (_destination operator(pg_catalog.->>) 'target_table')::pg_catalog.name end
  , _source_pk
  );

  -- 21. grants on the catalog
  perform ai._vectorizer_grant_to_vectorizer(_grant_to);

  -- 22. queue every existing row (PK columns in attnum order). The trigger
  -- above already holds a lock that keeps writers out until commit, so no
  -- row can slip between this statement and the trigger.
  if enqueue_existing then
    select pg_catalog.string_agg(pg_catalog.format('%I', x.attname), ', ' order by x.attnum)
    into strict _pk_cols
    from pg_catalog.jsonb_to_recordset(_source_pk) x(attnum pg_catalog.int4, attname pg_catalog.name);
    execute pg_catalog.format
    ( 'insert into %I.%I (%s) select %s from %I.%I'
    , _queue_schema, _queue_table, _pk_cols, _pk_cols, _source_schema, _source_table
    );
    get diagnostics _queued = row_count;
    -- same wake-up the triggers send, so a listening worker starts on the
    -- backlog as soon as this transaction commits
    if _queued operator(pg_catalog.>) 0 then
      perform pg_catalog.pg_notify('pgai_vectorizer', _id::pg_catalog.text);
    end if;
  end if;

  return _id;
end
$func$
language plpgsql volatile security invoker
set search_path to pg_catalog, pg_temp;
