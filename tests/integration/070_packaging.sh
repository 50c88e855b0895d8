# Packaging: the Docker image, the compose file, the systemd units, the man
# page, the example environment file, `make install` and docs/running.md,
# checked as far as a machine without a container engine or a running systemd
# allows:
#   - packaging/build-image.sh (the image's build step) runs here into a
#     temporary DESTDIR, and the installed tree is checked and used;
#   - the Dockerfile is linted, and its runtime packages cover every shared
#     library the binary needs;
#   - compose.yaml parses (PyYAML when Debian's python3-yaml is there, and
#     always a strict YAML subset parser of our own; both must agree);
#   - every `pgai ...` command, option and PGAI_* variable in all of these
#     files exists in our CLI;
#   - what a container or the unit would run is run here, against PostgreSQL
#     and the local provider: the install service, the worker service with
#     its environment and command (through the docs' compose walkthrough, then
#     SIGTERM), the image's entrypoint with its CMD, every `pgai`, `docker run`,
#     compose `command:` and variable example of docs/running.md, the unit's
#     ExecStart with the example environment file, and the docs' C program
#     built against the installed header, library and pkg-config file;
#   - `systemd-analyze verify` on the units, groff/man on the man page.
set -euo pipefail
. tests/lib/testlib.sh

PKG_TMP=$(mktemp -d /tmp/pgai-packaging.XXXXXX)
export PKG_TMP PKG_OUT=$PKG_TMP/out
cleanup() { provider_stop 2>/dev/null || true; rm -rf "$PKG_TMP"; }
. tests/lib/provider.sh
trap cleanup EXIT

# --- the image's build step, on this machine --------------------------------------
echo "build-image.sh (fresh build into a temporary DESTDIR):"
if ! BUILD=$PKG_TMP/build packaging/build-image.sh "$PKG_OUT" >"$PKG_TMP/build.log" 2>&1; then
  cat "$PKG_TMP/build.log"; echo "  FAILED: packaging/build-image.sh"; exit 1
fi
check_contains "build-image.sh ends with the installed binary's version" "$(tail -n 1 "$PKG_TMP/build.log")" "pgai in C"

# --- the rest: the python checker below, against a database with pgai and the local provider
"$PGAI" install -d "$TEST_DB_URL" >/dev/null
provider_start
export OPENAI_API_KEY=sk-test-key

cat >"$PKG_TMP/check.py" <<'PYEOF'
import ast, json, os, re, shlex, shutil, signal, subprocess, sys, threading, time

ROOT = os.getcwd()
PGAI = os.environ["PGAI"]
DB = os.environ["TEST_DB_URL"]
OUT = os.environ["PKG_OUT"]
TMP = os.environ["PKG_TMP"]
PROVIDER = os.environ["PROVIDER_URL"]
PREFIX = "/usr/local"
IMAGE = "pgai-c-vectorizer-worker"


def ok(what):
    print("  ok: " + what, flush=True)


def fail(what):
    print("  FAILED: " + what, flush=True)
    sys.exit(1)


def check(cond, what):
    ok(what) if cond else fail(what)


def check_eq(what, got, want):
    ok(what) if got == want else fail("%s: got [%r], want [%r]" % (what, got, want))


def read(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


def clean_env(extra=None):
    """The test's environment without PGAI_* variables, plus `extra`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PGAI_")}
    env.update(extra or {})
    return env


def run(argv, env=None, timeout=120, cwd=None):
    p = subprocess.run(argv, env=env if env is not None else clean_env(), cwd=cwd, timeout=timeout,
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    return p.returncode, p.stdout


def psql(sql):
    """Runs SQL (one statement or a script) in the test database; returns its unaligned output."""
    p = subprocess.run(["psql", "-X", "-q", "-t", "-A", "-v", "ON_ERROR_STOP=1", "-d", DB], input=sql,
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=60, env=clean_env())
    if p.returncode != 0:
        fail("psql script failed:\n%s\n%s" % (sql, p.stdout))
    return p.stdout.strip()


class Background:
    """A process whose output is collected by a thread (what a container or a unit would run)."""

    def __init__(self, argv, env):
        self.p = subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        self.out = ""
        self.t = threading.Thread(target=self._read, daemon=True)
        self.t.start()

    def _read(self):
        for line in self.p.stdout:
            self.out += line

    def wait_for(self, text, seconds=60):
        end = time.time() + seconds
        while time.time() < end:
            if text in self.out:
                return True
            if self.p.poll() is not None:
                time.sleep(0.2)
                return text in self.out
            time.sleep(0.05)
        return False

    def stop(self, sig, seconds):
        """Sends `sig`; returns (exit status, seconds taken), or fails after `seconds`."""
        start = time.time()
        self.p.send_signal(sig)
        try:
            rc = self.p.wait(timeout=seconds)
        except subprocess.TimeoutExpired:
            self.p.kill()
            self.p.wait()
            fail("did not exit within %ss of %s:\n%s" % (seconds, sig, self.out))
        self.t.join(5)
        return rc, time.time() - start

    def kill(self):
        if self.p.poll() is None:
            self.p.kill()
            self.p.wait()


# --- what our CLI offers ------------------------------------------------------------
COMMANDS = {(): [PGAI, "--help"], ("install",): [PGAI, "install", "--help"],
            ("vectorizer",): [PGAI, "vectorizer", "--help"],
            ("vectorizer", "worker"): [PGAI, "vectorizer", "worker", "--help"],
            ("vectorizer", "embed"): [PGAI, "vectorizer", "embed", "--help"]}
HELP = {}
for cmd, argv in COMMANDS.items():
    rc, HELP[cmd] = run(argv)
    if rc != 0:
        fail("%s exits 0" % " ".join(argv))
OPTIONS = {cmd: set(re.findall(r"(?<![\w-])(-[a-zA-Z]|--[a-z][a-z-]*)", h.split("Options:", 1)[-1].split("Commands:")[0]))
           for cmd, h in HELP.items()}
OPTION_VARS = set(re.findall(r"PGAI_[A-Z0-9_]*[A-Z0-9]", "".join(HELP.values())))
with open(PGAI, "rb") as f:
    BINARY = f.read()
VERSION = re.search(r"pgai in C ([0-9][0-9.]*)", run([PGAI, "--version"])[1]).group(1)


def known_var(name):
    """PGAI_* option variables must be in a command's --help; every other variable the
    worker reads is named in the binary (getenv arguments and the SQL's api_key_name defaults)."""
    if name.endswith("*"):
        prefix = name[:-1]
        return any(v.startswith(prefix) for v in OPTION_VARS) or prefix.encode() in BINARY
    if name.startswith(("PGAI_VECTORIZER_WORKER_", "PGAI_INSTALL_")):
        return name in OPTION_VARS
    return re.search(rb"(?<![A-Z0-9_])" + name.encode() + rb"(?![A-Z0-9_])", BINARY) is not None


def pgai_command(tokens):
    """(command path, arguments) of a tokenised `pgai ...` line, or fails on an unknown command."""
    rest = tokens[1:]
    if not rest or rest[0] in ("--help", "--version"):
        return (), rest
    if rest[0] == "install":
        return ("install",), rest[1:]
    if rest[0] == "vectorizer":
        if len(rest) > 1 and rest[1] in ("worker", "embed"):
            return ("vectorizer", rest[1]), rest[2:]
        if len(rest) == 1 or rest[1] in ("--help", "--version"):
            return ("vectorizer",), rest[1:]
    fail("unknown pgai command: %s" % " ".join(tokens))


def check_options(cmd, args, where):
    for a in args:
        if a.startswith("-") and not re.fullmatch(r"-\d+", a):
            name = a.split("=", 1)[0]
            if name not in OPTIONS[cmd]:
                fail("%s: option %s of `pgai %s` does not exist" % (where, name, " ".join(cmd)))


def with_db(args):
    """The arguments with every -d / --db-url value replaced by the test database."""
    out, i = [], 0
    while i < len(args):
        a = args[i]
        if a in ("-d", "--db-url"):
            out += [a, DB]
            i += 2
            continue
        out.append("--db-url=" + DB if a.startswith("--db-url=") else a)
        i += 1
    return out


RUNS = set()


def run_worker(args, env, what):
    """Runs the worker as a container or unit would, one pass, and requires no usage error."""
    key = (tuple(args), tuple(sorted(env.items())))
    if key in RUNS:
        return
    RUNS.add(key)
    full_env = clean_env({"PGAI_VECTORIZER_WORKER_DB_URL": DB})
    full_env.update(env)
    if "PGAI_VECTORIZER_WORKER_DB_URL" in env:
        full_env["PGAI_VECTORIZER_WORKER_DB_URL"] = DB
    full_env["PGAI_VECTORIZER_WORKER_ONCE"] = "true"
    full_env["PGAI_VECTORIZER_WORKER_EXIT_ON_ERROR"] = "false"
    rc, out = run([PGAI, "vectorizer", "worker"] + with_db(args), env=full_env)
    if rc != 0 or "Usage:" in out:
        fail("%s: `pgai vectorizer worker %s` exits %d:\n%s" % (what, " ".join(args), rc, out))
    ok("%s runs: %spgai vectorizer worker%s" % (what, "".join("%s=%s " % kv for kv in sorted(env.items())),
                                                "".join(" " + shlex.quote(a) for a in args)))


# --- a YAML subset parser: what compose.yaml may use -----------------------------------
def yaml_scalar(s, where):
    s = s.strip()
    if s.startswith('"'):
        try:
            return json.loads(s)
        except ValueError:
            fail("%s: bad double-quoted scalar %s" % (where, s))
    if s.startswith("'"):
        if not s.endswith("'") or len(s) < 2:
            fail("%s: bad single-quoted scalar %s" % (where, s))
        return s[1:-1].replace("''", "'")
    if s == "" or s in ("~", "null", "Null", "NULL"):
        return None
    if s[0] in "&*!|>%@`{":
        fail("%s: %r is outside the YAML subset (anchors, aliases, tags, block scalars, flow maps)" % (where, s))
    if s in ("true", "True", "TRUE", "yes", "Yes", "YES", "on", "On", "ON"):
        return True
    if s in ("false", "False", "FALSE", "no", "No", "NO", "off", "Off", "OFF"):
        return False
    if re.fullmatch(r"[-+]?(0|[1-9][0-9_]*)", s):
        return int(s.replace("_", ""))
    if re.fullmatch(r"[-+]?[0-9][0-9_]*(:[0-5]?[0-9])+|[-+]?([0-9][0-9_]*)?\.[0-9_]*([eE][-+][0-9]+)?|0[0-7]+|0x[0-9a-fA-F]+", s):
        fail("%s: %r reads as a number in YAML 1.1 (e.g. ports as base 60): quote it" % (where, s))
    if ": " in s or s.endswith(":") or " #" in s:
        fail("%s: ambiguous plain scalar %r" % (where, s))
    return s


def yaml_flow_seq(s, where):
    inner = s.strip()[1:-1].strip()
    if not inner:
        return []
    items, cur, q = [], "", None
    for ch in inner:
        if q:
            cur += ch
            if ch == q:
                q = None
        elif ch in "\"'":
            q = ch
            cur += ch
        elif ch == ",":
            items.append(cur)
            cur = ""
        elif ch in "[]{}":
            fail("%s: nested flow collections are outside the subset" % where)
        else:
            cur += ch
    items.append(cur)
    return [yaml_scalar(x, where) for x in items]


def yaml_value(s, where):
    s = s.strip()
    if s.startswith("["):
        if not s.endswith("]"):
            fail("%s: unterminated flow sequence" % where)
        return yaml_flow_seq(s, where)
    return yaml_scalar(s, where)


def strip_comment(line):
    q = None
    for i, ch in enumerate(line):
        if q:
            if ch == q:
                q = None
        elif ch in "\"'":
            q = ch
        elif ch == "#" and (i == 0 or line[i - 1] in " \t"):
            return line[:i].rstrip()
    return line.rstrip()


def yaml_subset_load(text, name):
    """Block mappings and sequences, flow sequences of scalars, plain/quoted scalars, comments."""
    lines = []
    for n, raw in enumerate(text.split("\n"), 1):
        if "\t" in raw:
            fail("%s:%d: tab character" % (name, n))
        if raw.strip() in ("---", "..."):
            fail("%s:%d: document markers are outside the subset" % (name, n))
        line = strip_comment(raw)
        if line.strip():
            lines.append((n, len(line) - len(line.lstrip(" ")), line.strip()))
    pos = 0

    def block(indent):
        nonlocal pos
        n, ind, text = lines[pos]
        if ind != indent:
            fail("%s:%d: unexpected indentation" % (name, n))
        if text.startswith("- ") or text == "-":
            seq = []
            while pos < len(lines) and lines[pos][1] == indent and (lines[pos][2].startswith("- ") or lines[pos][2] == "-"):
                n, _, text = lines[pos]
                item = text[1:].strip()
                if re.match(r"^[A-Za-z0-9_.-]+:( |$)", item):
                    fail("%s:%d: mappings inside sequences are outside the subset" % (name, n))
                seq.append(yaml_value(item, "%s:%d" % (name, n)))
                pos += 1
            return seq
        mapping = {}
        while pos < len(lines) and lines[pos][1] == indent:
            n, _, text = lines[pos]
            m = re.match(r'^("[^"]*"|[A-Za-z0-9_.-]+):(?: (.*))?$', text)
            if not m:
                fail("%s:%d: not a `key: value` line: %s" % (name, n, text))
            key = json.loads(m.group(1)) if m.group(1).startswith('"') else m.group(1)
            if key in mapping:
                fail("%s:%d: duplicate key %s" % (name, n, key))
            pos += 1
            if m.group(2) is not None and m.group(2).strip():
                mapping[key] = yaml_value(m.group(2), "%s:%d" % (name, n))
            elif pos < len(lines) and lines[pos][1] > indent:
                mapping[key] = block(lines[pos][1])
            elif pos < len(lines) and lines[pos][1] == indent and lines[pos][2].startswith("- "):
                mapping[key] = block(indent)  # a sequence at the key's own indentation
            else:
                mapping[key] = None
        if pos < len(lines) and lines[pos][1] > indent:
            fail("%s:%d: unexpected indentation" % (name, lines[pos][0]))
        return mapping

    doc = block(0)
    if pos != len(lines):
        fail("%s:%d: trailing content" % (name, lines[pos][0]))
    return doc


def load_compose(path):
    text = read(path)
    mine = yaml_subset_load(text, os.path.relpath(path))
    ok("%s is valid in our strict YAML subset" % os.path.relpath(path))
    have_yaml = subprocess.run(["/usr/bin/python3", "-c", "import yaml"], capture_output=True).returncode == 0 \
        if os.path.exists("/usr/bin/python3") else False
    if have_yaml:
        p = subprocess.run(["/usr/bin/python3", "-c",
                            "import json, sys, yaml; print(json.dumps(yaml.safe_load(open(sys.argv[1]))))", path],
                           capture_output=True, text=True)
        if p.returncode != 0:
            fail("PyYAML cannot parse %s:\n%s" % (path, p.stderr))
        check_eq("PyYAML parses %s to the same document" % os.path.relpath(path), mine, json.loads(p.stdout))
    else:
        print("  note: Debian's python3-yaml is not installed; only the subset parser checked compose.yaml")
    return mine


# --- the Dockerfile ------------------------------------------------------------------
def parse_dockerfile(path):
    instrs, cur = [], ""
    for raw in read(path).split("\n"):
        s = raw.strip()
        if not cur and (not s or s.startswith("#")):
            continue
        if cur and s.startswith("#"):
            continue
        if s.endswith("\\"):
            cur += s[:-1] + " "
            continue
        cur += s
        word, _, rest = cur.partition(" ")
        instrs.append((word.upper(), rest.strip()))
        cur = ""
    if cur:
        fail("Dockerfile ends inside a continued line")
    return instrs


def exec_form(value, what):
    try:
        v = json.loads(value)
    except ValueError:
        fail("%s is not in exec (JSON array) form: %s" % (what, value))
    if not isinstance(v, list) or not all(isinstance(x, str) for x in v):
        fail("%s is not a JSON array of strings" % what)
    return v


def lint_dockerfile():
    print("Dockerfile:")
    instrs = parse_dockerfile(os.path.join(ROOT, "packaging/Dockerfile"))
    known = {"FROM", "RUN", "COPY", "WORKDIR", "USER", "ENTRYPOINT", "CMD", "STOPSIGNAL", "LABEL", "ARG", "ENV"}
    bad = [w for w, _ in instrs if w not in known]
    check(not bad, "only well-known instructions (%s)" % ", ".join(sorted({w for w, _ in instrs})))
    stages = []
    for word, rest in instrs:
        if word == "FROM":
            stages.append({"from": rest, "instrs": []})
        elif not stages:
            check(word == "ARG", "nothing but ARG before the first FROM")
        else:
            stages[-1]["instrs"].append((word, rest))
    check(len(stages) >= 2, "multi-stage: %d FROM lines" % len(stages))
    check(all(s["from"].split()[0] == "debian:bookworm-slim" for s in stages), "every stage is debian:bookworm-slim")
    check(re.search(r"\bAS builder$", stages[0]["from"], re.I) is not None, "the first stage is named builder")
    builder_runs = [r for w, r in stages[0]["instrs"] if w == "RUN"]
    check(any("packaging/build-image.sh /out" in r for r in builder_runs),
          "the builder runs packaging/build-image.sh /out (the script run above)")
    final = stages[-1]["instrs"]
    words = [w for w, _ in final]
    for w in ("USER", "ENTRYPOINT", "CMD", "STOPSIGNAL", "WORKDIR"):
        check(words.count(w) == 1, "the final stage has one %s" % w)
    get = {w: r for w, r in final}
    # runtime packages: small, and they cover every library the binary links
    runs = [r for w, r in final if w == "RUN" and "apt-get install" in r]
    check(len(runs) == 1, "one apt-get install in the runtime stage")
    check("--no-install-recommends" in runs[0] and "rm -rf /var/lib/apt/lists/*" in runs[0],
          "it installs without recommends and drops the apt lists")
    pkgs = runs[0].split("--no-install-recommends", 1)[1].split("&&", 1)[0].split()
    check(pkgs and all(re.fullmatch(r"[a-z0-9][a-z0-9.+-]+", p) for p in pkgs), "runtime packages: %s" % " ".join(pkgs))
    # the user
    m = re.search(r"useradd\b.*--uid (\d+)\b.*\s(\w+)\s*$", runs[0].split("&&")[-1].strip())
    check(m is not None, "the runtime stage creates a user with a fixed uid")
    uid, user = m.group(1), m.group(2)
    g = re.search(r"groupadd --gid (\d+) (\w+)", runs[0])
    check(g is not None and g.group(1) == uid and g.group(2) == user and "--gid %s " % user in runs[0],
          "and its own group, with the same number")
    check(get["USER"] in (user, uid, "%s:%s" % (uid, uid)) and get["USER"].split(":")[0] not in ("root", "0"),
          "USER %s is the non-root user %s" % (get["USER"], user))
    check(int(uid) >= 1000, "its uid %s is not a system-reserved one" % uid)
    # what is copied out of the builder exists in the tree build-image.sh produced
    copies = [r for w, r in final if w == "COPY"]
    check(copies and all(c.startswith("--from=builder ") for c in copies), "the runtime stage copies only from the builder")
    for c in copies:
        src = c.split()[1]
        check(src.startswith("/out/") and os.path.exists(OUT + src[4:]), "COPY source %s exists in build-image.sh's tree" % src)
    check(any(c.split()[2] == PREFIX + "/bin/pgai" for c in copies), "the binary lands in %s/bin (on PATH)" % PREFIX)
    # entrypoint, default command, stop signal
    entry = exec_form(get["ENTRYPOINT"], "ENTRYPOINT")
    cmd = exec_form(get["CMD"], "CMD")
    check_eq("ENTRYPOINT is the worker command", entry, ["pgai", "vectorizer", "worker"])
    check_eq("CMD is pgai's default arguments", cmd, ["-c", "4"])
    check_eq("STOPSIGNAL", get["STOPSIGNAL"], "SIGTERM")
    for w, r in final:
        if w == "RUN" and r.startswith("["):
            argv = exec_form(r, "RUN")
            rc, out = run([OUT + PREFIX + "/bin/" + argv[0]] + argv[1:])
            check(rc == 0, "RUN %s works with the built binary" % r)
        if w == "ENV":
            check(not re.search(r"KEY|SECRET|PASSWORD|TOKEN", r), "no secret in ENV %s" % r)
    # every shared library the binary needs comes from a runtime package (or libc6, in the base image)
    binary = OUT + PREFIX + "/bin/pgai"
    needed = re.findall(r"\(NEEDED\)\s+Shared library: \[([^\]]+)\]", run(["readelf", "-d", binary])[1])
    ldd = dict(re.findall(r"^\s*(\S+) => (\S+)", run(["ldd", binary])[1], re.M))
    for lib in needed:
        path = ldd.get(lib)
        check(path is not None, "ldd resolves %s" % lib)
        owners = None
        for cand in {path, os.path.realpath(path), path.replace("/usr/lib/", "/lib/", 1), path.replace("/lib/", "/usr/lib/", 1)}:
            p = subprocess.run(["dpkg", "-S", cand], capture_output=True, text=True)
            if p.returncode == 0:
                owners = {o.split(":")[0].strip() for o in p.stdout.split(": ", 1)[0].split(",")}
                break
        check(owners is not None, "dpkg knows the package of %s" % path)
        check(owners & (set(pkgs) | {"libc6"}), "%s (package %s) is in the runtime stage" % (lib, ", ".join(sorted(owners))))
    return entry, cmd, get


def docker_entrypoint_run(entry, cmd):
    print("the image's entrypoint and default command, run here:")
    argv = entry + cmd
    env = clean_env({"PGAI_VECTORIZER_WORKER_DB_URL": DB, "PGAI_VECTORIZER_WORKER_POLL_INTERVAL": "5m"})
    proc = Background([OUT + PREFIX + "/bin/pgai"] + argv[1:], env)
    check(proc.wait_for("sleeping for"), "`%s` runs a pass and sleeps" % " ".join(argv))
    rc, took = proc.stop(signal.SIGTERM, 60)
    check_eq("SIGTERM (the image's STOPSIGNAL) ends it with status 0", rc, 0)
    check("received SIGTERM, exiting" in proc.out, "it logs the graceful exit")


# --- compose.yaml ----------------------------------------------------------------------
def duration_s(v):
    m = re.fullmatch(r"(?:(\d+)m)?(?:(\d+)s)?", str(v))
    check(m is not None and any(m.groups()), "duration %s is in compose's NmNs form" % v)
    return int(m.group(1) or 0) * 60 + int(m.group(2) or 0)


def check_compose():
    print("compose.yaml:")
    path = os.path.join(ROOT, "packaging/compose.yaml")
    c = load_compose(path)
    check(set(c) <= {"name", "services", "volumes"}, "top-level keys: %s" % ", ".join(c))
    sv = c["services"]
    check_eq("services", sorted(sv), ["db", "install", "ollama", "vectorizer-worker"])
    declared = set((c.get("volumes") or {}).keys())
    for name, s in sv.items():
        for dep in (s.get("depends_on") or {}):
            check(dep in sv, "%s depends on the service %s, which exists" % (name, dep))
        for v in s.get("volumes") or []:
            check(v.split(":")[0] in declared, "%s's volume %s is declared" % (name, v))
        if "build" in s:
            b = s["build"]
            df = os.path.normpath(os.path.join(os.path.dirname(path), b["context"], b["dockerfile"]))
            check_eq("%s builds packaging/Dockerfile from the repository root" % name, df, os.path.join(ROOT, "packaging/Dockerfile"))
            check(s["image"].startswith(IMAGE + ":"), "%s tags the image %s" % (name, s["image"]))
    # pgai's compose example, mirrored
    w = sv["vectorizer-worker"]
    db_pass = sv["db"]["environment"]["POSTGRES_PASSWORD"]
    check_eq("worker: PGAI_VECTORIZER_WORKER_DB_URL as in pgai's example",
             w["environment"]["PGAI_VECTORIZER_WORKER_DB_URL"], "postgres://postgres:%s@db:5432/postgres" % db_pass)
    check_eq("worker: OLLAMA_HOST names the ollama service", w["environment"]["OLLAMA_HOST"], "http://ollama:11434")
    check_eq("worker: pgai's command", w["command"], ["--poll-interval", "5s"])
    check("entrypoint" not in w, "worker: the image's entrypoint")
    grace = duration_s(w["stop_grace_period"])
    check(grace >= 30, "worker: a stop grace period (%ss) for the batch in flight" % grace)
    check_eq("worker starts after a successful install",
             w["depends_on"]["install"]["condition"], "service_completed_successfully")
    i = sv["install"]
    check_eq("install: entrypoint", i["entrypoint"], ["pgai", "install"])
    check_eq("install: the worker's database", i["environment"]["PGAI_INSTALL_DB_URL"],
             w["environment"]["PGAI_VECTORIZER_WORKER_DB_URL"])
    check_eq("install waits for a healthy database", i["depends_on"]["db"]["condition"], "service_healthy")
    check_eq("install runs once", i["restart"], "no")
    check(sv["db"]["healthcheck"]["test"][:2] == ["CMD", "pg_isready"], "db: pg_isready health check")
    for name in ("install", "vectorizer-worker"):
        for var in sv[name].get("environment") or {}:
            check(known_var(var), "%s: the worker reads %s" % (name, var))
    # the install service, run here (twice: compose may run it again on every `up`)
    env = clean_env({"PGAI_INSTALL_DB_URL": DB})
    for n in (1, 2):
        rc, out = run([PGAI] + i["entrypoint"][1:], env=env)
        check_eq("install service run %d: exit 0" % n, rc, 0)
    return c


def compose_walkthrough(c, docs):
    print("docs/running.md's compose walkthrough, with the worker service's environment and command:")
    w = c["services"]["vectorizer-worker"]
    env = clean_env(dict(w["environment"]))
    env["PGAI_VECTORIZER_WORKER_DB_URL"] = DB
    env["OLLAMA_HOST"] = PROVIDER  # the ollama service, played by the local provider
    argv = [PGAI, "vectorizer", "worker"] + w["command"]
    proc = Background(argv, env)
    try:
        check(proc.wait_for("no vectorizers found"), "the worker service starts: %s" % " ".join(argv[1:]))
        setup = md_block(docs, "compose-setup")
        psql(setup)
        ok("the setup SQL runs")
        n = 0
        for _ in range(300):
            n = int(psql("select count(*) from blog_contents_embeddings_store"))
            if n == 3:
                break
            time.sleep(0.1)
        check_eq("the worker embedded the 3 rows through Ollama's API, woken by NOTIFY (poll interval 5s)", n, 3)
        out = psql(md_block(docs, "compose-query"))
        lines = out.split("\n")
        check_eq("vectorizer_status: nothing pending", lines[0], "blog_embeddings|0")
        check_eq("nearest posts: the sourdough post first, three rows", (lines[1], len(lines)), ("Sourdough at home", 4))
        block = md_block(docs, "compose-embed")
        m = re.search(r"docker compose exec -T ([\w-]+) (pgai vectorizer embed [^)]*)\)", block)
        check(m is not None and m.group(1) == "vectorizer-worker", "the embed command runs in the worker's container")
        tokens = shlex.split(m.group(2))
        rc, vec = run([PGAI] + tokens[1:], env=env)
        check(rc == 0 and re.fullmatch(r"\[[-0-9.e,]+\]\n?", vec) and vec.count(",") == 767,
              "`%s` prints a 768-dimension vector" % m.group(2))
        m = re.search(r'docker compose exec -T (\w+) psql -c "([^"]+)"', block)
        check(m is not None and m.group(1) in c["services"], "the search runs psql in the db service")
        rows = psql(m.group(2).replace("$q", vec.strip())).split("\n")
        check_eq("the question finds bread posts first", rows[0] in ("Sourdough at home", "Bread without yeast"), True)
        rc, took = proc.stop(signal.SIGTERM, duration_s(w["stop_grace_period"]))
        check_eq("`docker compose stop` (SIGTERM): exit 0 within stop_grace_period", rc, 0)
        check("received SIGTERM, exiting" in proc.out, "it logs the graceful exit")
    finally:
        proc.kill()


# --- docs/running.md -----------------------------------------------------------------
def md_block(text, marker):
    m = re.search(r"<!-- test: %s -->\s*```\w*\n(.*?)\n\s*```" % re.escape(marker), text, re.S)
    if not m:
        fail("docs/running.md has no block marked %s" % marker)
    return "\n".join(l[3:] if l.startswith("   ") else l for l in m.group(1).split("\n"))


def code_snippets(text):
    """(language, line) for every line of fenced code and every inline code span."""
    out, lang, infence = [], None, False
    for line in text.split("\n"):
        s = line.strip()
        if s.startswith("```"):
            infence, lang = (not infence), s[3:].strip() or "text"
            continue
        if infence:
            out.append((lang, s))
        else:
            out += [("inline", span) for span in re.findall(r"`([^`\n]+)`", line)]
    return out


def split(line):
    try:
        return shlex.split(line, comments=True)
    except ValueError:
        return None


DOCKER_OPTS = {"--env-file": 1, "-e": 1, "--env": 1, "--rm": 0, "-d": 0, "--detach": 0, "-it": 0, "--name": 1,
               "--stop-timeout": 1, "-v": 1, "--volume": 1, "--init": 0, "--read-only": 0, "--add-host": 1,
               "--network": 1}
PY_WORKER_ARGS = {"db_url", "vectorizer_ids", "poll_interval", "concurrency", "once"}


def check_docs(cmd):
    print("docs/running.md:")
    docs = read(os.path.join(ROOT, "docs/running.md"))
    for lang, line in code_snippets(docs):
        if lang in ("c", "sql"):
            continue
        if lang == "python" or "Worker(" in line:
            if "Worker(" in line:
                call = ast.parse(line.split("=", 1)[1].strip() if line.startswith("worker =") else line).body[0].value
                names = {k.arg for k in call.keywords}
                check(names <= PY_WORKER_ARGS, "python: Worker(%s) uses pgai's argument names" % ", ".join(sorted(names)))
            continue
        # variables: every PGAI_* name, and assignments of any variable
        for var in re.findall(r"PGAI_[A-Z0-9_]*[A-Z0-9](?:_\*)?", line):
            if not known_var(var.replace("_*", "*")):
                fail("docs: %s is not a variable of our CLI" % var)
        m = re.fullmatch(r"(?:export )?([A-Z][A-Z0-9_]*)=(.*)", line)
        if m and m.group(1) != "KEY":  # `KEY=value` is the format's placeholder
            check(known_var(m.group(1)), "docs: the worker reads %s" % m.group(1))
            if m.group(1).startswith("PGAI_VECTORIZER_WORKER_"):
                run_worker([], {m.group(1): m.group(2)}, "docs (environment)")
            continue
        m = re.fullmatch(r"command: (\[.*\])", line)
        if m:
            args = json.loads(m.group(1))
            run_worker(args if args else [], {}, "docs (compose command)")
            continue
        tokens = split(line)
        if not tokens:
            continue
        for k, t in enumerate(tokens):
            if t == "pgai" and k + 1 < len(tokens):
                c, args = pgai_command(tokens[k:])
                check_options(c, args, "docs: %s" % line)
        if tokens[0] == "pgai" and len(tokens) > 1:
            c, args = pgai_command(tokens)
            if c == ("vectorizer", "worker") and not ({"--help", "--version"} & set(args)):
                run_worker(args, {}, "docs (cli)")
            elif c == ("install",) and "--help" not in args:
                rc, out = run([PGAI, "install"] + with_db(args), env=clean_env({"PGAI_INSTALL_DB_URL": DB}))
                check_eq("docs (cli) runs: pgai install %s" % " ".join(args), rc, 0)
            elif c != ("vectorizer", "embed"):
                rc, out = run([PGAI] + tokens[1:])
                check_eq("docs (cli) runs: %s" % line, rc, 0)
        elif tokens[:2] == ["docker", "run"]:
            i, env, image = 2, {}, None
            while i < len(tokens):
                t = tokens[i]
                name = t.split("=", 1)[0]
                if not t.startswith("-"):
                    image = t
                    break
                if name not in DOCKER_OPTS:
                    fail("docs: unexpected docker run option %s in %s" % (t, line))
                val = t.split("=", 1)[1] if "=" in t else (tokens[i + 1] if DOCKER_OPTS[name] else None)
                if name in ("-e", "--env") and "=" in val:
                    env[val.split("=", 1)[0]] = val.split("=", 1)[1]
                i += 1 if "=" in t or not DOCKER_OPTS[name] else 2
            if image is None:
                continue  # an option shown alone, e.g. `docker run --stop-timeout 60`
            check(image in ("%s:latest" % IMAGE, "%s:%s" % (IMAGE, VERSION)), "docs: docker run uses our image (%s)" % image)
            args = tokens[i + 1:]
            run_worker(args if args else cmd, env, "docs (docker run%s)" % ("" if args else ", default CMD"))
        elif tokens[:2] == ["docker", "build"]:
            f = tokens[tokens.index("-f") + 1]
            check(os.path.exists(os.path.join(ROOT, f)) and tokens[-1] == ".", "docs: docker build %s from the repository root" % f)
            tags = [tokens[k + 1] for k, t in enumerate(tokens) if t == "-t"]
            check_eq("docs: docker build tags", tags, ["%s:%s" % (IMAGE, VERSION), "%s:latest" % IMAGE])
        elif tokens[:3] == ["docker", "compose", "exec"]:
            svc = [t for t in tokens[3:] if not t.startswith("-")][0]
            check(svc in ("db", "vectorizer-worker"), "docs: docker compose exec into the service %s" % svc)
    # python blocks are valid Python (top-level await allowed, as in an asyncio REPL)
    for m in re.finditer(r"```python\n(.*?)```", docs, re.S):
        src = "\n".join(l[3:] if l.startswith("   ") else l for l in m.group(1).split("\n"))
        compile(src, "docs/running.md", "exec", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT | ast.PyCF_ONLY_AST)
    ok("python blocks parse")
    binding = os.path.join(ROOT, "python/pgai/__init__.py")
    if os.path.exists(binding):
        p = subprocess.run([sys.executable, "-c", "import inspect, pgai; print(' '.join(inspect.signature(pgai.Worker).parameters))"],
                           env=clean_env({"PYTHONPATH": os.path.join(ROOT, "python")}), capture_output=True, text=True)
        if p.returncode == 0:
            check(PY_WORKER_ARGS <= set(p.stdout.split()), "python/pgai's Worker takes %s" % ", ".join(sorted(PY_WORKER_ARGS)))
        else:
            print("  note: python/pgai does not import here; Worker's arguments not checked:\n" + p.stderr)
    else:
        print("  note: no python/pgai in this tree; the Python examples were checked for syntax and argument names only")
    return docs


def docs_c_program(docs):
    print("docs/running.md's C program, built against the installed tree:")
    src = md_block(docs, "c-program").replace("postgres://user:password@host:5432/database", DB)
    with open(os.path.join(TMP, "worker_app.c"), "w") as f:
        f.write(src)
    # the tree is installed for PREFIX but lives under OUT: point pkg-config's prefix there
    pc = ["pkg-config", "--define-variable=prefix=" + OUT + PREFIX]
    pc_env = clean_env({"PKG_CONFIG_PATH": OUT + PREFIX + "/lib/pkgconfig"})
    rc, version = run(pc + ["--modversion", "libpgai"], env=pc_env)
    check_eq("pkg-config finds the installed libpgai.pc", (rc, version.strip()), (0, VERSION))
    rc, flags = run(pc + ["--cflags", "--libs", "libpgai"], env=pc_env)
    check(OUT + PREFIX + "/include" in flags, "its Cflags point at the installed headers")
    exe = os.path.join(TMP, "worker_app")
    rc, out = run(["cc", "-Wall", "-Wextra", "-Werror", "-o", exe, os.path.join(TMP, "worker_app.c")] + flags.split() + ["-pthread"])
    check(rc == 0, "it compiles without warnings and links with libpgai.so:\n" + out if rc else "it compiles without warnings and links with libpgai.so")
    proc = Background([exe], clean_env({"LD_LIBRARY_PATH": OUT + PREFIX + "/lib"}))
    try:
        check(proc.wait_for("sleeping for"), "the worker runs in the program's background thread")
        rc, took = proc.stop(signal.SIGTERM, 30)
        check_eq("SIGTERM: graceful shutdown, exit 0", (rc, "Worker shutdown successfully" in proc.out), (0, True))
    finally:
        proc.kill()


# --- the systemd units -----------------------------------------------------------------
UNIT_KEYS = {
    "Unit": {"Description", "Documentation", "Wants", "After"},
    "Service": {"Type", "EnvironmentFile", "ExecStart", "KillSignal", "KillMode", "TimeoutStopSec", "Restart",
                "RestartSec", "RestartPreventExitStatus", "DynamicUser", "NoNewPrivileges", "CapabilityBoundingSet",
                "PrivateDevices", "ProtectSystem", "ProtectHome", "ProtectClock", "ProtectHostname",
                "ProtectKernelTunables", "ProtectKernelModules", "ProtectKernelLogs", "ProtectControlGroups",
                "RestrictAddressFamilies", "RestrictNamespaces", "RestrictRealtime", "RestrictSUIDSGID",
                "LockPersonality", "SystemCallArchitectures", "UMask"},
    "Install": {"WantedBy"},
}


def parse_unit(path):
    sections, cur = {}, None
    for n, raw in enumerate(read(path).split("\n"), 1):
        s = raw.strip()
        if not s or s[0] in "#;":
            continue
        m = re.fullmatch(r"\[(\w+)\]", s)
        if m:
            cur = sections.setdefault(m.group(1), {})
            continue
        m = re.fullmatch(r"([A-Za-z]+)=(.*)", s)
        if not m or cur is None:
            fail("%s:%d: not a unit file line: %s" % (path, n, s))
        cur.setdefault(m.group(1), []).append(m.group(2))
    return sections


def seconds(v):
    m = re.fullmatch(r"(\d+)(s|min)?", v)
    check(m is not None, "time span %s" % v)
    return int(m.group(1)) * (60 if m.group(2) == "min" else 1)


def parse_envfile(path):
    """The subset that systemd's EnvironmentFile=, docker --env-file and .env all read alike.
    Commented-out assignments are returned too, as (key, value, active)."""
    out = []
    for n, raw in enumerate(read(path).split("\n"), 1):
        if raw != raw.rstrip():
            fail("%s:%d: trailing whitespace" % (path, n))
        if not raw or (raw.startswith("#") and not re.match(r"#[A-Z][A-Z0-9_]*=", raw)):
            continue
        active = not raw.startswith("#")
        m = re.fullmatch(r"([A-Z][A-Z0-9_]*)=([^\s\"'#\\$`][^\"'#\\$`]*)?", raw.lstrip("#"))
        if not m or (m.group(2) or "").endswith(" "):
            fail("%s:%d: outside the common KEY=value subset: %s" % (path, n, raw))
        out.append((m.group(1), m.group(2) or "", active))
    return out


def check_units():
    print("systemd units:")
    installed = OUT + PREFIX + "/lib/systemd/system"
    for name in ("pgai-vectorizer-worker.service", "pgai-vectorizer-worker@.service"):
        u = parse_unit(os.path.join(ROOT, "packaging", name))
        for sec, keys in u.items():
            check(sec in UNIT_KEYS and set(keys) <= UNIT_KEYS[sec], "%s [%s]: known keys only" % (name, sec))
        s = u["Service"]
        one = {k: v[-1] for k, v in s.items()}
        check_eq("%s: ExecStart" % name, one["ExecStart"], PREFIX + "/bin/pgai vectorizer worker")
        check_eq("%s: Restart" % name, one["Restart"], "on-failure")
        check_eq("%s: graceful stop signal" % name, (one["KillSignal"], one["KillMode"]), ("SIGTERM", "mixed"))
        check(seconds(one["TimeoutStopSec"]) >= 30, "%s: TimeoutStopSec leaves time for the batch in flight" % name)
        check_eq("%s: usage errors (status 2) are not restarted" % name, one["RestartPreventExitStatus"], "2")
        check_eq("%s: the environment file" % name, s["EnvironmentFile"][0], "/etc/pgai/pgai.env")
        check_eq("%s: man page" % name, u["Unit"]["Documentation"], ["man:pgai(1)"])
        check_eq("%s: enabled with the system" % name, u["Install"]["WantedBy"], ["multi-user.target"])
        inst = read(os.path.join(installed, name))
        check_eq("%s: installed with ExecStart under PREFIX" % name, inst, read(os.path.join(ROOT, "packaging", name)))
    check_eq("the template also reads the instance's file", parse_unit(os.path.join(ROOT, "packaging/pgai-vectorizer-worker@.service"))["Service"]["EnvironmentFile"][1],
             "-/etc/pgai/%i.env")
    # systemd-analyze verify, with ExecStart pointing at the built binary and the man page installed
    if shutil.which("systemd-analyze"):
        vdir = os.path.join(TMP, "units")
        os.makedirs(vdir, exist_ok=True)
        for name in ("pgai-vectorizer-worker.service", "pgai-vectorizer-worker@.service"):
            with open(os.path.join(vdir, name), "w") as f:
                f.write(read(os.path.join(installed, name)).replace("ExecStart=" + PREFIX + "/bin/pgai", "ExecStart=" + OUT + PREFIX + "/bin/pgai"))
            env = clean_env({"MANPATH": OUT + PREFIX + "/share/man"})
            rc, out = run(["systemd-analyze", "verify", os.path.join(vdir, name)], env=env)
            check(rc == 0 and not out.strip(), "systemd-analyze verify %s (with man:pgai(1) resolved): clean%s"
                  % (name, "" if rc == 0 and not out.strip() else "\n" + out))
    else:
        print("  note: systemd-analyze is not installed; the units were checked by the key parser above only")
    # the unit's command with the example environment file, stopped like systemd stops it
    u = parse_unit(os.path.join(ROOT, "packaging/pgai-vectorizer-worker.service"))["Service"]
    env = clean_env({k: v for k, v, active in parse_envfile(os.path.join(ROOT, "packaging/pgai.env.example")) if active})
    env["PGAI_VECTORIZER_WORKER_DB_URL"] = DB
    argv = u["ExecStart"][0].split()
    argv[0] = OUT + argv[0]
    proc = Background(argv, env)
    try:
        check(proc.wait_for("sleeping for"), "ExecStart with pgai.env.example runs")
        rc, took = proc.stop(signal.SIGTERM, seconds(u["TimeoutStopSec"][0]))
        check_eq("KillSignal=SIGTERM: exit 0 before TimeoutStopSec, so Restart=on-failure leaves it stopped", rc, 0)
    finally:
        proc.kill()
    env["PGAI_VECTORIZER_WORKER_CONCURRENCY"] = "0"
    rc, out = run(argv, env=env)
    check_eq("a bad variable: status 2, which RestartPreventExitStatus keeps from looping", rc, 2)


def check_envfile():
    print("pgai.env.example:")
    path = os.path.join(ROOT, "packaging/pgai.env.example")
    entries = parse_envfile(path)
    ok("every line is in the subset systemd, docker --env-file and .env read alike")
    for key, value, active in entries:
        check(known_var(key), "the worker reads %s" % key)
    # all of it, commented lines too, as a .env in the working directory
    d = os.path.join(TMP, "dotenv")
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, ".env"), "w") as f:
        f.write("".join("%s=%s\n" % (k, v) for k, v, _ in entries if k != "PGAI_VECTORIZER_WORKER_ONCE"))
    rc, out = run([PGAI, "vectorizer", "worker"], cwd=d,
                  env=clean_env({"PGAI_VECTORIZER_WORKER_DB_URL": DB, "PGAI_VECTORIZER_WORKER_ONCE": "true"}))
    check_eq("every value, uncommented, is accepted (as a .env: exit 0)", rc, 0)
    check('"event":' in out, "the .env was read (its PGAI_VECTORIZER_WORKER_LOG_FORMAT=json applies)")
    installed = OUT + PREFIX + "/share/doc/pgai/pgai.env.example"
    check_eq("installed into share/doc/pgai", read(installed), read(path))


# --- the man page -----------------------------------------------------------------------
def check_man():
    print("pgai(1):")
    path = os.path.join(ROOT, "packaging/pgai.1")
    src = read(path)
    m = re.search(r'^\.TH PGAI 1 \S+ "pgai in C ([0-9.]+)"', src, re.M)
    check(m is not None and m.group(1) == VERSION, ".TH names version %s" % VERSION)
    if shutil.which("groff"):
        p = subprocess.run(["groff", "-man", "-Tutf8", "-ww", "-z", path], capture_output=True, text=True)
        check(p.returncode == 0 and not p.stderr.strip(), "groff -man -ww: no warnings" + ("" if not p.stderr else "\n" + p.stderr))
    else:
        macros = set(re.findall(r"^\.([A-Za-z]+)", src, re.M))
        check(macros <= {"TH", "SH", "SS", "PP", "TP", "B", "I", "BR", "RB", "BI", "IR", "RI", "br", "nf", "fi", "RS", "RE", "nh", "ad"},
              "only man(7) macros (groff is not installed)")
    if shutil.which("man"):
        p = subprocess.run(["man", "-l", path], capture_output=True, text=True, env=clean_env({"MANWIDTH": "80"}))
        check(p.returncode == 0 and not p.stderr.strip(), "man -l renders it")
        text = p.stdout
        p = subprocess.run(["man", "-w", "pgai"], capture_output=True, text=True,
                           env=clean_env({"MANPATH": OUT + PREFIX + "/share/man"}))
        check_eq("`man pgai` finds the installed page", p.stdout.strip(), OUT + PREFIX + "/share/man/man1/pgai.1")
    else:
        text = re.sub(r"\\f[BIRP]|\\&", "", src).replace("\\-", "-")
    flat = re.sub(r"\s+", " ", text.replace("\u2010", "-").replace("\u00ad", ""))
    raw = src.replace("\\-", "-")
    for cmd in (("install",), ("vectorizer", "worker"), ("vectorizer", "embed")):
        for opt in OPTIONS[cmd]:
            check(opt in raw, "documents %s of pgai %s" % (opt, " ".join(cmd)))
    for var in OPTION_VARS:
        check(var in raw, "documents %s" % var)
    for opt in set(re.findall(r"(?<![\w-])--[a-z][a-z-]+", raw)):
        check(any(opt in o for o in OPTIONS.values()), "%s exists in our CLI" % opt)
    for var in set(re.findall(r"PGAI_[A-Z0-9_]*[A-Z0-9]", raw)):
        check(known_var(var), "%s exists" % var)
    check("pgai vectorizer worker" in flat, "it renders")


def check_everything_else():
    print("PGAI_* variables and pgai commands in every packaging file:")
    for rel in ("packaging/Dockerfile", "packaging/compose.yaml", "packaging/pgai-vectorizer-worker.service",
                "packaging/pgai-vectorizer-worker@.service", "packaging/pgai.env.example", "packaging/build-image.sh",
                "mk/packaging.mk"):
        text = read(os.path.join(ROOT, rel))
        for var in set(re.findall(r"PGAI_[A-Z0-9_]*[A-Z0-9](?:_\*)?", text)):
            check(known_var(var.replace("_*", "*")), "%s: %s exists" % (rel, var))
        for line in text.split("\n"):
            tokens = split(line.lstrip("#").strip())
            if not tokens:
                continue
            tokens = [t.rstrip(".,;:)`") for t in tokens]  # comments are prose too
            for k, t in enumerate(tokens):
                if os.path.basename(t) == "pgai" and k + 1 < len(tokens) and tokens[k + 1] in ("install", "vectorizer", "--version", "--help"):
                    c, args = pgai_command(["pgai"] + tokens[k + 1:])
                    check_options(c, [a for a in args if not a.startswith("-d=")], rel)
        ok("%s: its pgai commands and options exist" % rel)


def check_install_tree():
    print("the tree build-image.sh installed (make install + install-packaging):")
    root = OUT + PREFIX
    for rel in ("bin/pgai", "lib/libpgai.a", "lib/libpgai.so.0", "include/pgai/pgai.h", "lib/pkgconfig/libpgai.pc",
                "share/man/man1/pgai.1", "lib/systemd/system/pgai-vectorizer-worker.service",
                "lib/systemd/system/pgai-vectorizer-worker@.service", "share/doc/pgai/pgai.env.example"):
        check(os.path.isfile(os.path.join(root, rel)), rel)
    check_eq("lib/libpgai.so -> libpgai.so.0", os.readlink(os.path.join(root, "lib/libpgai.so")), "libpgai.so.0")
    check(os.access(os.path.join(root, "bin/pgai"), os.X_OK), "bin/pgai is executable")
    check_eq("bin/pgai --version", run([os.path.join(root, "bin/pgai"), "--version"])[1], run([PGAI, "--version"])[1])
    check("prefix=%s\n" % PREFIX in read(os.path.join(root, "lib/pkgconfig/libpgai.pc")), "libpgai.pc has prefix=%s" % PREFIX)
    check_eq("the man page is installed as is", read(os.path.join(root, "share/man/man1/pgai.1")), read(os.path.join(ROOT, "packaging/pgai.1")))
    # another PREFIX: the units follow it; uninstall-packaging removes what install-packaging added
    d = os.path.join(TMP, "opt")
    rc, out = run(["make", "-s", "install-packaging", "DESTDIR=" + d, "PREFIX=/opt/pgai"], cwd=ROOT)
    check_eq("make install-packaging PREFIX=/opt/pgai", rc, 0)
    unit = read(d + "/opt/pgai/lib/systemd/system/pgai-vectorizer-worker.service")
    check("\nExecStart=/opt/pgai/bin/pgai vectorizer worker\n" in unit, "the installed unit runs /opt/pgai/bin/pgai")
    check(os.path.isfile(d + "/opt/pgai/share/man/man1/pgai.1"), "the man page goes to PREFIX/share/man/man1")
    rc, out = run(["make", "-s", "uninstall-packaging", "DESTDIR=" + d, "PREFIX=/opt/pgai"], cwd=ROOT)
    left = [os.path.join(dp, f) for dp, _, fs in os.walk(d) for f in fs]
    check_eq("make uninstall-packaging leaves no file", (rc, left), (0, []))


def main():
    what = sys.argv[1]
    if what == "tree":
        check_install_tree()
    elif what == "all":
        entry, cmd, _ = lint_dockerfile()
        docker_entrypoint_run(entry, cmd)
        c = check_compose()
        docs = check_docs(cmd)
        compose_walkthrough(c, docs)
        docs_c_program(docs)
        check_units()
        check_envfile()
        check_man()
        check_everything_else()


main()
PYEOF

python3 "$PKG_TMP/check.py" tree
python3 "$PKG_TMP/check.py" all
