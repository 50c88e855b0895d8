# The .env file the worker loads at start: only one that no other local user
# could have planted or changed (an OPENAI_BASE_URL or http_proxy from a .env
# in a world-writable directory would receive the API key), the file loaded
# is logged, a refused one is warned about with the reason, and a line that
# does not parse is warned about with its file and line number.
#
# Each .env here sets PGAI_VECTORIZER_WORKER_LOG_FORMAT=json: JSON lines say
# it was loaded, text lines that it was not. The database has no pgai, so
# every run ends at once (exit 1). Tests run as root; `nobody` plays the
# other user.
set -euo pipefail
. tests/lib/testlib.sh

root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
chmod 755 "$root"

# run_in DIR : the worker started in DIR; sets $out and $rc
run_in() {
  set +e
  out=$(cd "$1" && timeout 60 "$PGAI" vectorizer worker -d "$TEST_DB_URL" --once 2>&1)
  rc=$?
  set -e
}
loaded_json() { case $out in '{"timestamp"'*) return 0 ;; *) return 1 ;; esac; }
text_log() { ! loaded_json; }
mk_env() { # mk_env PATH MODE [OWNER]
  printf 'PGAI_VECTORIZER_WORKER_LOG_FORMAT=json\n' >"$1"
  chmod "$2" "$1"
  [ -z "${3:-}" ] || chown "$3" "$1"
}

# --- ours, not writable by others: loaded, and the log says which file -----------
mkdir "$root/good"
mk_env "$root/good/.env" 600
run_in "$root/good"
check_eq "a trusted .env: the run itself goes on (no pgai: exit 1)" "$rc" 1
check "a trusted .env is loaded (its log format applies)" loaded_json
check_contains "the log names the .env loaded" "$out" \
  "\"event\":\"loaded environment variables from a .env file\",\"path\":\"$root/good/.env\""
# from a subdirectory too (the search goes up)
mkdir "$root/good/sub"
run_in "$root/good/sub"
check "a trusted .env in a parent directory is loaded" loaded_json

# --- writable by group or others: refused ---------------------------------------------
mkdir "$root/gw"
mk_env "$root/gw/.env" 664
run_in "$root/gw"
check "a group-writable .env is not loaded" text_log
check_contains "the refusal is a warning naming the file" "$out" "[warning  ] not loading a .env file"
check_contains "... and its path" "$out" "path='$root/gw/.env'"
check_contains "... and why" "$out" "other users can write to it (mode 664; chmod go-w fixes that)"
chmod 646 "$root/gw/.env"
run_in "$root/gw"
check "a world-writable .env is not loaded" text_log

# --- another user's: refused ------------------------------------------------------------
mkdir "$root/theirs"
mk_env "$root/theirs/.env" 644 nobody
run_in "$root/theirs"
check "another user's .env is not loaded" text_log
check_contains "the refusal says whose it is" "$out" "it belongs to uid $(id -u nobody), not to this user"

# --- a world-writable directory of another user: refused, also what is above it ----------
mkdir -p "$root/up/shared/work"
mk_env "$root/up/.env" 600
chown nobody "$root/up/shared"
chmod 777 "$root/up/shared"
mk_env "$root/up/shared/.env" 600 # ours, but anyone can replace it
run_in "$root/up/shared/work"
check "a .env in another user's world-writable directory is not loaded" text_log
check_contains "the refusal names the directory" "$out" \
  "the directory $root/up/shared is writable by every user and not owned by this user or root"
rm "$root/up/shared/.env"
run_in "$root/up/shared/work"
check "a .env above another user's world-writable directory is not loaded" text_log
check_contains "... and the warning names it" "$out" "path='$root/up/.env'"
check_contains "... and the directory where the search stopped" "$out" "the directory $root/up/shared is writable"
# group-writable is enough: the group's members are other users too
chmod 775 "$root/up/shared"
run_in "$root/up/shared/work"
check "nor above another user's group-writable directory" text_log
check_contains "... which is said" "$out" "is writable by its group"
# the sticky bit does not help against the directory's owner
chmod 1777 "$root/up/shared"
run_in "$root/up/shared/work"
check "nor above another user's sticky world-writable directory" text_log
# root's sticky world-writable directory (as /tmp): the search goes on, our files are ours
chown root "$root/up/shared"
run_in "$root/up/shared/work"
check "through root's sticky world-writable directory, ours is loaded" loaded_json
# but there, a file planted by another user is not
mk_env "$root/up/shared/.env" 644 nobody
run_in "$root/up/shared/work"
check "another user's .env in root's world-writable directory is not loaded" text_log

# --- a line that does not parse: a warning with the file and the line ---------------------
mkdir "$root/bad"
printf 'PGAI_VECTORIZER_WORKER_LOG_FORMAT=json\n\nthis is not a binding\nOTHER=1\n' >"$root/bad/.env"
chmod 600 "$root/bad/.env"
run_in "$root/bad"
check "the good lines still apply" loaded_json
check_contains "the bad line is warned about, with its file and line" "$out" \
  "\"level\":\"warning\",\"event\":\"skipped a line of the .env file that could not be parsed\",\"path\":\"$root/bad/.env\",\"line\":3"
# before the log format is known, warnings of commands without a log go to stderr
set +e; err=$(cd "$root/gw" && "$PGAI" vectorizer worker --help 2>&1 >/dev/null); set -e
check_contains "--help: the refusal still reaches stderr" "$err" "not loading a .env file"
# `vectorizer embed` prints the vector alone on stdout: its .env messages go to stderr
set +e; outonly=$(cd "$root/gw" && "$PGAI" vectorizer embed -d "$TEST_DB_URL" 1 x 2>/dev/null); set -e
check_eq "embed: nothing but the result on stdout (none here)" "$outonly" ""
