# A provider error names the endpoint and where its base URL came from (the
# vectorizer's embedding.base_url, OPENAI_BASE_URL, OLLAMA_HOST,
# VOYAGE_BASE_URL), in the log line and in the error row, after pgai's own
# text; the URL is shown without user, password or query string, and the API
# key is never shown. Before, "Couldn't connect to server" or a bare
# "Error code: 404" said neither which server nor which setting to look at.
set -euo pipefail
. tests/lib/testlib.sh
worker_setup

KEY=sk-Endpoint-Key-8842
export OPENAI_API_KEY=$KEY VOYAGE_API_KEY=$KEY
URL_PW=Pw-InUrl-3311
QUERY_KEY=Q-Secret-7713
CLOSED=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')

psql_q >/dev/null <<SQL
create table notes (id int primary key, body text);
insert into notes values (1, 'a note');
select ai.create_vectorizer('notes'::regclass, name => 'unknown_model', loading => ai.loading_column('body'),
  embedding => ai.embedding_openai('no-such-model', 16), chunking => ai.chunking_none(),
  destination => ai.destination_table('n_unknown'));
select ai.create_vectorizer('notes'::regclass, name => 'closed_port', loading => ai.loading_column('body'),
  embedding => ai.embedding_openai('text-embedding-3-small', 16, base_url => 'http://user:$URL_PW@127.0.0.1:$CLOSED/v1'),
  chunking => ai.chunking_none(), destination => ai.destination_table('n_closed'));
select ai.create_vectorizer('notes'::regclass, name => 'ollama_down', loading => ai.loading_column('body'),
  embedding => ai.embedding_ollama('nomic-embed-text', 768), chunking => ai.chunking_none(),
  destination => ai.destination_table('n_ollama'));
select ai.create_vectorizer('notes'::regclass, name => 'voyage_path', loading => ai.loading_column('body'),
  embedding => ai.embedding_voyageai('voyage-3-lite', 512), chunking => ai.chunking_none(),
  destination => ai.destination_table('n_voyage'));
SQL
vid() { sql "select id from ai.vectorizer where name = '$1'"; }
last_reason() {
  sql "select details->>'error_reason' from ai._vectorizer_errors where id = $(vid "$1") order by recorded desc limit 1"
}
logs=()

# a 404 from the provider (unknown model), base URL from OPENAI_BASE_URL
run_worker --once -i "$(vid unknown_model)"
logs+=("$out")
check_eq "404: exit 1" "$rc" 1
want="(POST $PROVIDER_URL/v1/embeddings; base URL from OPENAI_BASE_URL)"
check_contains "404: the log line has pgai's text" "$out" "Error code: 404 - {\"error\":"
check_contains "404: and the endpoint with its source" "$out" "$want"
check_contains "404: the error row too" "$(last_reason unknown_model)" "Error code: 404 - "
check_contains "404: the error row names the endpoint" "$(last_reason unknown_model)" "$want"

# nothing listening, base URL from the configuration, with a password in it
run_worker --once -i "$(vid closed_port)"
logs+=("$out")
check_eq "closed port: exit 1" "$rc" 1
want="Couldn't connect to server (POST http://127.0.0.1:$CLOSED/v1/embeddings; base URL from the vectorizer's embedding.base_url)"
check_contains "closed port: the log line" "$out" "$want"
check_eq "closed port: the error row" "$(last_reason closed_port)" "$want"

# Ollama down, host from OLLAMA_HOST: pgai's text first
OLLAMA_HOST=127.0.0.1:$CLOSED run_worker --once -i "$(vid ollama_down)"
logs+=("$out")
check_eq "ollama down: exit 1" "$rc" 1
want="Failed to connect to Ollama. Please check that Ollama is downloaded, running and accessible. https://ollama.com/download (POST http://127.0.0.1:$CLOSED/api/show; base URL from OLLAMA_HOST)"
check_contains "ollama down: the log line" "$out" "$want"
check_eq "ollama down: the error row" "$(last_reason ollama_down)" "$want"

# a wrong Voyage base URL with a key in its query string: the provider's 404, no query shown
VOYAGE_BASE_URL="$PROVIDER_URL/voyage/v1?key=$QUERY_KEY" run_worker --once -i "$(vid voyage_path)"
logs+=("$out")
check_eq "voyage 404: exit 1" "$rc" 1
want="Not Found (POST $PROVIDER_URL/voyage/v1; base URL from VOYAGE_BASE_URL)"
check_contains "voyage 404: the log line" "$out" "$want"
check_eq "voyage 404: the error row" "$(last_reason voyage_path)" "$want"

# no secret anywhere
rows=$(sql "select string_agg(message || ' ' || details::text, E'\n') from ai._vectorizer_errors")
for s in "$KEY" "$URL_PW" "$QUERY_KEY"; do
  check_not_contains "[${s:0:6}...] in no log line" "${logs[*]}" "$s"
  check_not_contains "[${s:0:6}...] in no error row" "$rows" "$s"
done
check_eq "nothing was embedded" "$(sql "select count(*) from n_unknown")" 0
