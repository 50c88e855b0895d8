# Regression test for a bug found in review (fixed): libcurl fetches every
# protocol it was built with, and a tenant writes the vectorizer's
# embedding.base_url. With base_url 'file:///<a file the worker can read>#'
# (the '#' or '?' keeps "/embeddings" out of the path) the worker read the
# file, took it for an error body ("Error code: 0 - <its first 900 bytes>")
# and wrote it into ai._vectorizer_errors, which the tenant can read.
# gopher:// and dict:// sent tenant-chosen bytes to any TCP service.
#
# Where: http_send (src/http/http.c) set no CURLOPT_PROTOCOLS_STR /
# CURLOPT_REDIR_PROTOCOLS_STR, and the providers (src/embed/*.c) took any
# base URL. Now only http and https are fetched (redirects too) and a base URL
# of another scheme fails when the executor starts, naming the scheme and the
# setting it came from, before any connection.
set -euo pipefail
. tests/lib/fault.sh
fault_setup

SECRET=TopSecret-FileBody-5521
printf 'root-only: %s\n' "$SECRET" >"$FAULT_TMP/secret.txt"
# a TCP service that must never be contacted: it records every connection it accepts
LISTEN_LOG=$FAULT_TMP/listener.log
: >"$LISTEN_LOG"
"$FAULT_PY" - "$FAULT_TMP/listener.port" "$LISTEN_LOG" <<'PY' & # the interpreter itself: $! is what gets killed
import socket, sys
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen(8)
open(sys.argv[1] + ".tmp", "w").write(str(s.getsockname()[1]))
import os; os.rename(sys.argv[1] + ".tmp", sys.argv[1])
while True:
    c, _ = s.accept()
    c.settimeout(1)
    try:
        data = c.recv(4096)
    except OSError:
        data = b""
    with open(sys.argv[2], "ab") as f:
        f.write(b"connection: " + data + b"\n")
    c.close()
PY
LISTEN_PID=$!
FAULT_PIDS+=("$LISTEN_PID")
for _ in $(seq 1 100); do [ -s "$FAULT_TMP/listener.port" ] && break; sleep 0.1; done
LPORT=$(cat "$FAULT_TMP/listener.port")

psql_q >/dev/null <<SQL
create table docs (id int primary key, body text);
insert into docs values (1, 'r0001v001p00');
select ai.create_vectorizer('docs'::regclass, name => 'file_hash', loading => ai.loading_column('body'),
  embedding => ai.embedding_openai('text-embedding-3-small', 16, base_url => 'file://$FAULT_TMP/secret.txt#'),
  chunking => ai.chunking_none());
select ai.create_vectorizer('docs'::regclass, name => 'file_query', loading => ai.loading_column('body'),
  embedding => ai.embedding_voyageai('voyage-3-lite', 512),
  chunking => ai.chunking_none(), destination => ai.destination_table('docs_voyage'));
-- ai.embedding_voyageai has no base_url parameter, but the worker reads one from the configuration
update ai.vectorizer set config = jsonb_set(config, '{embedding,base_url}', to_jsonb('file:$FAULT_TMP/secret.txt?'::text))
 where name = 'file_query';
select ai.create_vectorizer('docs'::regclass, name => 'gopher', loading => ai.loading_column('body'),
  embedding => ai.embedding_openai('text-embedding-3-small', 16, base_url => 'gopher://127.0.0.1:$LPORT/_SET%20x%201%0D%0A'),
  chunking => ai.chunking_none(), destination => ai.destination_table('docs_gopher'));
select ai.create_vectorizer('docs'::regclass, name => 'dict', loading => ai.loading_column('body'),
  embedding => ai.embedding_ollama('nomic-embed-text', 768, base_url => 'dict://127.0.0.1:$LPORT/d:x'),
  chunking => ai.chunking_none(), destination => ai.destination_table('docs_dict'));
SQL

set +e
out=$(timeout 120 "$PGAI" vectorizer worker -d "$TEST_DB_URL" --once --exit-on-error false 2>&1)
set -e
printf '%s\n' "$out" >"$FAULT_TMP/worker.log"
errors=$(sql "select string_agg(v.name || ': ' || e.message || ' ' || e.details::text, E'\n' order by v.name)
                from ai._vectorizer_errors e join ai.vectorizer v on v.id = e.id")
echo "$errors" | sed 's/^/    /'

check_not_contains "the file's content is in no error row" "$errors" "$SECRET"
check_not_contains "the file's content is in no log line" "$out" "$SECRET"
for name in file_hash file_query gopher dict; do
  row=$(sql "select e.details::text from ai._vectorizer_errors e join ai.vectorizer v on v.id = e.id
              where v.name = '$name' limit 1")
  check_contains "$name: an error row says only http and https are allowed" "$row" "only http and https are allowed"
  check_contains "$name: and where the URL came from" "$row" "base URL from the vectorizer's embedding.base_url"
done
check_contains "file: the scheme is named" "$errors" "unsupported URL scheme 'file'"
check_contains "gopher: the scheme is named" "$errors" "unsupported URL scheme 'gopher'"
check_contains "dict: the scheme is named" "$errors" "unsupported URL scheme 'dict'"
check_contains "the log says so too" "$out" "unsupported URL scheme 'gopher'"
sleep 0.5 # a connection in flight would have been logged by now
check_eq "gopher and dict: the TCP service got no connection" "$(cat "$LISTEN_LOG")" ""
check_eq "nothing was embedded" "$(sql "select count(*) from docs_embedding_store")" 0
check_eq "the rows stay queued" "$(sql "select count(*) from ai._vectorizer_q_1")" 1

# the same from the environment: OLLAMA_HOST, OPENAI_BASE_URL, VOYAGE_BASE_URL
psql_q >/dev/null <<'SQL'
create table envs (id int primary key, body text);
insert into envs values (1, 'r0001v001p00');
select ai.create_vectorizer('envs'::regclass, name => 'env_openai', loading => ai.loading_column('body'),
  embedding => ai.embedding_openai('text-embedding-3-small', 16), chunking => ai.chunking_none(),
  destination => ai.destination_table('envs_openai'));
select ai.create_vectorizer('envs'::regclass, name => 'env_ollama', loading => ai.loading_column('body'),
  embedding => ai.embedding_ollama('nomic-embed-text', 768), chunking => ai.chunking_none(),
  destination => ai.destination_table('envs_ollama'));
select ai.create_vectorizer('envs'::regclass, name => 'env_voyage', loading => ai.loading_column('body'),
  embedding => ai.embedding_voyageai('voyage-3-lite', 512), chunking => ai.chunking_none(),
  destination => ai.destination_table('envs_voyage'));
SQL
for ids in env_openai:OPENAI_BASE_URL env_ollama:OLLAMA_HOST env_voyage:VOYAGE_BASE_URL; do
  name=${ids%%:*} var=${ids#*:}
  id=$(sql "select id from ai.vectorizer where name = '$name'")
  set +e
  out=$(env "$var=file://$FAULT_TMP/secret.txt#" timeout 120 "$PGAI" vectorizer worker -d "$TEST_DB_URL" --once -i "$id" 2>&1)
  rc=$?
  set -e
  check_eq "$var=file://...: exit 1" "$rc" 1
  check_contains "$var=file://...: refused, naming the variable" "$out" \
    "unsupported URL scheme 'file': only http and https are allowed (POST file://"
  check_contains "$var=file://...: the variable is named" "$out" "base URL from $var"
  check_not_contains "$var=file://...: not the file's content" "$out" "$SECRET"
done
check_not_contains "environment: the file's content is in no error row" \
  "$(sql "select coalesce(string_agg(details::text, ' '), '') from ai._vectorizer_errors")" "$SECRET"
check_eq "environment: the TCP service got no connection" "$(cat "$LISTEN_LOG")" ""
