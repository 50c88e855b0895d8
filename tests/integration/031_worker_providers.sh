# Each provider (OpenAI, Ollama, Voyage) against the local provider, both
# destinations, both splitters, templates with columns, OpenAI truncation.
set -euo pipefail
. tests/lib/testlib.sh
worker_setup

psql_q >/dev/null <<'SQL'
create table posts (id int primary key, title text, author text, body text);
insert into posts values
  (1, 'Tides', 'Ana', 'The moon pulls the sea.' || repeat(' Waves roll on the shore.', 20)),
  (2, 'Bread', 'Ben', 'Flour, water and salt.'),
  (3, 'Empty', 'Cy', ''),
  (4, 'Null', 'Di', null),
  (5, 'Blank', 'Ed', '   ');
-- OpenAI, recursive splitter, a template using two columns
select ai.create_vectorizer('posts'::regclass, name => 'openai_posts',
  loading => ai.loading_column('body'),
  embedding => ai.embedding_openai('text-embedding-3-small', 128),
  chunking => ai.chunking_recursive_character_text_splitter(100, 20),
  formatting => ai.formatting_python_template('$title by $author: $chunk'),
  destination => ai.destination_table('posts_openai'));
-- Ollama, character splitter
select ai.create_vectorizer('posts'::regclass, name => 'ollama_posts',
  loading => ai.loading_column('body'),
  embedding => ai.embedding_ollama('nomic-embed-text', 768, keep_alive => '5m', options => '{"num_ctx": 2048}'),
  chunking => ai.chunking_character_text_splitter(60, 0, ' '),
  destination => ai.destination_table('posts_ollama'));
-- Voyage into a column of the source table
select ai.create_vectorizer('posts'::regclass, name => 'voyage_posts',
  loading => ai.loading_column('body'),
  embedding => ai.embedding_voyageai('voyage-3-lite', 512),
  chunking => ai.chunking_none(),
  destination => ai.destination_column('voyage_emb'));
SQL

run_worker --once
check_eq "worker exit 0" "$rc" 0
check_contains "three vectorizers ran" "$(grep -c 'finished processing vectorizer items=5' <<<"$out")" 3

# OpenAI: chunks of the recursive splitter, formatted with the columns, numbered from 0
check_eq "openai: rows 1 and 2 embedded, empty and null skipped" "$(sql "select string_agg(distinct id::text, ',') from posts_openai_store")" "1,2"
check "openai: the long post has several chunks" test "$(sql "select count(*) from posts_openai_store where id = 1")" -gt 3
check_eq "openai: chunk_seq is 0..n-1" "$(sql "select bool_and(n = m) from (select count(*) - 1 as n, max(chunk_seq) as m from posts_openai_store group by id) s")" t
check_eq "openai: template rendered" "$(sql "select chunk from posts_openai_store where id = 2")" "Bread by Ben: Flour, water and salt."
check_eq "openai: vectors have the configured dimensions" "$(sql "select vector_dims(embedding) from posts_openai_store limit 1")" 128
check_eq "openai: asked for base64" "$(provider_stats openai.last_body.encoding_format)" base64
check_eq "openai: sent dimensions" "$(provider_stats openai.last_body.dimensions)" 128
check_eq "ollama: sent keep_alive" "$(provider_stats ollama.last_body.keep_alive)" 5m
check_eq "ollama: sent options" "$(provider_stats ollama.last_body.options.num_ctx)" 2048
check_eq "voyage: input_type document" "$(provider_stats voyage.last_body.input_type)" document

# Ollama: the character splitter at spaces, chunks at most 60 characters
check_eq "ollama: chunks within the size" "$(sql "select max(length(chunk)) <= 60 from posts_ollama_store")" t
check_eq "ollama: 768 dimensions" "$(sql "select vector_dims(embedding) from posts_ollama_store limit 1")" 768

# Voyage: the column destination; whitespace-only content is embedded as is with chunking_none
check_eq "voyage: embeddings in the source rows" "$(sql "select string_agg(id::text, ',' order by id) from posts where voyage_emb is not null")" "1,2,5"
check_eq "voyage: 512 dimensions" "$(sql "select vector_dims(voyage_emb) from posts where id = 1")" 512
check_eq "queues empty" "$(sql "select sum(ai.vectorizer_queue_pending(id, true)) from ai.vectorizer")" 0
check_eq "writing the column did not requeue anything" "$(sql "select count(*) from ai._vectorizer_q_3")" 0

# Vectors carry meaning: the tides post is the nearest neighbour of a query about the moon and the sea
q=$(sql "select embedding from posts_openai_store where id = 1 and chunk_seq = 0")
check_eq "similarity search finds the right post" "$(sql "select id from posts_openai_store order by embedding <=> '$q' limit 1")" 1

# A server that ignores encoding_format and sends floats is fine too
provider_control '{"force_float": true}' >/dev/null
psql_q -c "update posts set body = 'Rye and spelt.' where id = 2" >/dev/null
run_worker --once -i 1
check_eq "float responses: exit 0" "$rc" 0
check_eq "float responses: re-embedded" "$(sql "select chunk from posts_openai_store where id = 2")" "Bread by Ben: Rye and spelt."
provider_control '{"force_float": false}' >/dev/null

# OpenAI truncation: a chunk over 8191 tokens is stored whole and sent cut to 8191 tokens
psql_q >/dev/null <<'SQL'
create table longdoc (id int primary key, body text);
insert into longdoc values (1, repeat('lorem ipsum dolor sit amet ', 3000));
select ai.create_vectorizer('longdoc'::regclass, name => 'longdoc',
  loading => ai.loading_column('body'),
  embedding => ai.embedding_openai('text-embedding-3-small', 32),
  chunking => ai.chunking_none());
SQL
run_worker --once -i 4
check_eq "truncation: exit 0" "$rc" 0
check_contains "truncation: logged" "$out" "chunk truncated"
check_eq "truncation: the stored chunk is whole" "$(sql "select length(chunk) from longdoc_embedding_store")" 81000
check_eq "truncation: no error rows" "$(sql "select count(*) from ai.vectorizer_errors")" 0

# Ollama pulls a model it does not have, as pgai does
psql_q -c "select ai.create_vectorizer('posts'::regclass, name => 'ollama_pull',
  loading => ai.loading_column('body'), embedding => ai.embedding_ollama('all-new-model', 16),
  destination => ai.destination_table('posts_pull'))" >/dev/null
provider_control '{"models": {"all-new-model": 16}, "pulled_models": ["nomic-embed-text"]}' >/dev/null
run_worker --once -i 5
check_eq "pull: exit 0" "$rc" 0
check_contains "pull: logged" "$out" "pulling ollama model"
check_eq "pull: rows embedded (whitespace-only content gives no chunk)" "$(sql "select string_agg(distinct id::text, ',') from posts_pull_store")" "1,2"
