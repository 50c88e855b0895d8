-- Move chunking.chunk_column into the loading config introduced in 0.10.
update ai.vectorizer
set config = (config operator(pg_catalog.#-) '{chunking,chunk_column}'::text[])
  operator(pg_catalog.||) pg_catalog.jsonb_build_object
  ( 'loading', pg_catalog.jsonb_build_object
      ( 'implementation', 'column'
      , 'config_type', 'loading'
      , 'column_name', config->'chunking'->>'chunk_column'
      , 'retries', 6
      )
  , 'parsing', pg_catalog.jsonb_build_object('implementation', 'auto', 'config_type', 'parsing')
  , 'version', '__version__'
  )
where config->'chunking' operator(pg_catalog.?) 'chunk_column';
