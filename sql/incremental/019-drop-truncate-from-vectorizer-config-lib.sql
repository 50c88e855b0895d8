update ai.vectorizer
set config = config operator(pg_catalog.#-) '{embedding,truncate}'::text[]
where config->'embedding' operator(pg_catalog.?) 'truncate';
