# The documentation points at things that exist, so that drift fails the suite:
#   - every relative Markdown link in README.md, docs/**/*.md and the other
#     README.md files resolves to a file or folder of the tree, and a #anchor
#     to a heading of the target page;
#   - every repository path they (and packaging/*) name, in backticks or not
#     (`docs/python.md`, `tests/integration/*.sh`, `fuzz/corpus/<name>/`), exists
#     (a <placeholder> or * matches anything; generated trees such as build/ and
#     data/ are not repository paths);
#   - fuzz/README.md's table lists exactly the targets fuzz/fuzz_*.c, and a
#     count of fuzz targets written anywhere matches them;
#   - the licence: LICENSE is the PostgreSQL Licence, README.md names it, and
#     so do the pkg-config template and the image's label; docs/licences.md
#     names every shared library `ldd` shows for $BUILD/pgai and libpgai.so.
set -euo pipefail

python3 - <<'PYEOF'
import glob, os, re, subprocess, sys

ROOT = os.getcwd()
failures = []


def ok(what):
    print("  ok: " + what)


def check(cond, what):
    if cond:
        ok(what)
    else:
        failures.append(what)
        print("  FAILED: " + what)


def read(path):
    with open(os.path.join(ROOT, path), encoding="utf-8") as f:
        return f.read()


def tree_dirs():
    """Top-level folders of the source tree; generated ones (build*, data) are not."""
    return sorted(d for d in os.listdir(ROOT)
                  if os.path.isdir(os.path.join(ROOT, d)) and not d.startswith((".", "build")) and d != "data")


def markdown_files():
    files = ["README.md"] + sorted(glob.glob("docs/**/*.md", recursive=True))
    for path in sorted(glob.glob("**/README.md", recursive=True)):
        if path.split("/")[0] in tree_dirs() and path not in files:
            files.append(path)
    return files


def prose(text):
    """The text without fenced code blocks (commands, not references) and without URLs."""
    text = re.sub(r"(?ms)^```.*?^```", "", text)
    return re.sub(r"[a-z][a-z0-9+.-]*://\S+", "", text)


def slug(heading):
    """GitHub's anchor of a heading: lower case, punctuation dropped, spaces to hyphens."""
    h = re.sub(r"`|\*|_(?=\w)|(?<=\w)_", "", heading.strip()).lower()
    h = re.sub(r"[^\w\- ]", "", h)
    return h.replace(" ", "-")


def anchors(path):
    text = re.sub(r"(?ms)^```.*?^```", "", read(path))
    return {slug(m.group(1)) for m in re.finditer(r"(?m)^#{1,6}\s+(.*?)\s*#*\s*$", text)}


def exists(rel, base):
    """rel (a path with <placeholders> or * as wildcards) names something in the tree."""
    full = os.path.normpath(os.path.join(base, rel))
    if not full.startswith(ROOT):
        return False
    pattern = re.sub(r"<[^<>/]*>", "*", full)
    return bool(glob.glob(pattern)) if "*" in pattern else os.path.exists(full)


# --- links and paths -----------------------------------------------------------
TOP = tree_dirs()
PATH_RE = re.compile(r"(?<![\w./~$-])((?:%s)/[\w.@<>*/-]*|(?:Makefile|LICENSE|README\.md)\b)" % "|".join(map(re.escape, TOP)))
link_count = path_count = 0
for md in markdown_files():
    text = read(md)
    base = os.path.join(ROOT, os.path.dirname(md))
    for m in re.finditer(r"\[[^\]]*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)", re.sub(r"(?ms)^```.*?^```", "", text)):
        target = m.group(1)
        if re.match(r"[a-z][a-z0-9+.-]*:", target):
            continue  # http:, https:, mailto:
        link_count += 1
        file_part, _, anchor = target.partition("#")
        where = os.path.join(base, file_part) if file_part else os.path.join(ROOT, md)
        if file_part and not os.path.exists(where):
            check(False, "%s: link to %s: no such file" % (md, target))
            continue
        if anchor and where.endswith(".md") and os.path.isfile(where):
            rel = os.path.relpath(where, ROOT)
            if anchor not in anchors(rel):
                check(False, "%s: link to %s: %s has no heading #%s" % (md, target, rel, anchor))
ok("relative links in %d Markdown files checked (%d links)" % (len(markdown_files()), link_count))

texts = markdown_files() + sorted(p for p in glob.glob("packaging/*") if os.path.isfile(p))
for doc in texts:
    for m in PATH_RE.finditer(prose(read(doc))):
        p = m.group(1).rstrip(".,;:")
        if "$" in p or "{" in p:
            continue
        path_count += 1
        # a path in a doc is relative to the repository root (as the docs write
        # them); a program may be named by its source's name without ".c"
        if not exists(p, ROOT) and not exists(p + ".c", ROOT):
            check(False, "%s names %s, which does not exist" % (doc, p))
    # "`python/` (see its README)": that folder's README must exist
    for m in re.finditer(r"`([\w./-]+/)`[^`.]{0,40}?\bits README\b", prose(read(doc))):
        path_count += 1
        if not glob.glob(os.path.join(ROOT, m.group(1), "README*")):
            check(False, "%s points at the README of %s, which has none" % (doc, m.group(1)))
ok("repository paths named in %d files checked (%d mentions)" % (len(texts), path_count))

# --- fuzz targets -------------------------------------------------------------------
targets = sorted(os.path.basename(f)[5:-2] for f in glob.glob("fuzz/fuzz_*.c"))
table = re.findall(r"(?m)^\| `(\w+)` \|", read("fuzz/README.md"))
check(sorted(table) == targets and len(table) == len(set(table)),
      "fuzz/README.md's table lists exactly the %d targets in fuzz/ (table: %s; fuzz/: %s)"
      % (len(targets), ", ".join(sorted(table)), ", ".join(targets)))
WORDS = {w: i for i, w in enumerate("zero one two three four five six seven eight nine ten eleven twelve thirteen "
                                    "fourteen fifteen sixteen seventeen eighteen nineteen twenty".split())}
COUNT_RE = re.compile(r"\b(\d+|%s)\s+(?:libFuzzer\s+|fuzz(?:ing)?\s+)?targets\b" % "|".join(WORDS), re.I)
for doc in texts:
    t = read(doc)
    if "fuzz" not in t.lower():
        continue
    for m in COUNT_RE.finditer(t):
        n = m.group(1).lower()
        n = int(n) if n.isdigit() else WORDS[n]
        check(n == len(targets), "%s says %r; fuzz/ has %d targets" % (doc, m.group(0), len(targets)))
ok("no document states another number of fuzz targets")

# --- the licence ----------------------------------------------------------------------
lic = read("LICENSE") if os.path.isfile("LICENSE") else ""
check(lic.startswith("PostgreSQL License"), "LICENSE exists and is the PostgreSQL Licence")
check("Copyright (c) 2026, the pgai in C authors" in lic, "LICENSE: the copyright line")
check("without fee" in lic and "IN NO EVENT SHALL" in lic and '"AS IS" BASIS' in lic,
      "LICENSE: the permission, the liability and the warranty paragraphs")
readme = read("README.md")
check("PostgreSQL Licen" in readme and "LICENSE" in readme, "README.md names the licence and the LICENSE file")
check(re.search(r"(?m)^#.*PostgreSQL Licen", read("packaging/libpgai.pc.in")) is not None,
      "packaging/libpgai.pc.in: a comment names the licence")
check('org.opencontainers.image.licenses="PostgreSQL"' in read("packaging/Dockerfile"),
      "packaging/Dockerfile: the image's licence label")

# every shared library the binaries load is in docs/licences.md (the sanitizer
# runtimes of a SAN=1 build, and what they load, are not shipped)
def ldd(path):
    out = subprocess.run(["ldd", path], stdout=subprocess.PIPE, text=True).stdout
    return {m.group(1): m.group(2) for m in re.finditer(r"(?m)^\s*(\S+\.so[.\d]*) => (/\S+)", out)}


build = os.environ.get("BUILD", "build")
libs = {}
for binary in ("pgai", "libpgai.so"):
    libs.update(ldd(os.path.join(ROOT, build, binary)))
check(libs, "ldd lists the libraries of %s/pgai and %s/libpgai.so" % (build, build))
sanitizer = {l for l in libs if re.match(r"lib(asan|ubsan|lsan|tsan)\b", l)}
for l in list(sanitizer):
    sanitizer |= set(ldd(libs[l]))  # libc and the like among them are checked by the plain build
doc = read("docs/licences.md")
missing = sorted(l for l in libs if l not in doc and l not in sanitizer)
check(not missing, "docs/licences.md names every library they load (missing: %s)" % ", ".join(missing))

if failures:
    print("%d failed" % len(failures))
    sys.exit(1)
PYEOF
