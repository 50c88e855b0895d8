/* dotenv: python-dotenv 1.0.1 compatible `.env` reading; see dotenv.h. */
#include "cli/dotenv.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/buf.h"
#include "util/err.h"
#include "util/utf8.h"

/* A .env file is a few lines; this only keeps a wrong path (a log file, a
 * device) from eating memory. */
#define DOTENV_MAX_SIZE (64u << 20)
/* A value after ${...} expansion: nested references could otherwise double it at every line. */
#define DOTENV_MAX_VALUE (1u << 20)

/* ------------------------------------------------------------------------
 * Characters. The text is checked to be valid UTF-8 before parsing, so the
 * reader below meets no malformed sequence.
 */

/* The length of the character at p (never 0 in valid text; 1 keeps a loop moving whatever happens). */
static size_t char_len(const char *p, size_t avail)
{
    size_t len = utf8_sequence((const unsigned char *)p, avail);
    return len ? len : 1;
}

/* ------------------------------------------------------------------------
 * The reader: python-dotenv's parser is a sequence of anchored regex
 * matches on the text; each function here is one of them, advancing pos
 * on success and counting newlines for the line numbers of warnings.
 */

struct reader {
    const char *s;
    size_t n, pos, line;
};

static void advance(struct reader *r, size_t to)
{
    for (size_t i = r->pos; i < to; i++)
        if (r->s[i] == '\n') r->line++;
    r->pos = to;
}

/* Length of the whitespace character at i (0 if none); newline too if nl. */
static size_t space_at(const struct reader *r, size_t i, int nl)
{
    if (i >= r->n) return 0;
    if (r->s[i] == '\n') return nl ? 1 : 0;
    uint32_t c;
    size_t len = utf8_decode((const unsigned char *)r->s + i, r->n - i, &c);
    return len && unicode_isspace(c) ? len : 0;
}

/* `\s*` (nl) or `[^\S\r\n]*` (!nl), from i; returns the end. */
static size_t skip_spaces(const struct reader *r, size_t i, int nl)
{
    size_t k;
    while ((k = space_at(r, i, nl)) > 0) i += k;
    return i;
}

/* `(?:export[^\S\r\n]+)?` */
static void read_export(struct reader *r)
{
    if (r->n - r->pos >= 6 && memcmp(r->s + r->pos, "export", 6) == 0 && space_at(r, r->pos + 6, 0))
        advance(r, skip_spaces(r, r->pos + 6, 0));
}

/* parse_key: sets *is_comment when a `#` comes first (python-dotenv: key
 * None), else the key is s[*start..*end). Returns -1 on no match. */
static int read_key(struct reader *r, size_t *start, size_t *end, int *is_comment)
{
    *is_comment = 0;
    if (r->pos < r->n && r->s[r->pos] == '#') {
        *is_comment = 1;
        return 0;
    }
    if (r->pos < r->n && r->s[r->pos] == '\'') { /* '([^']+)' */
        const char *q = memchr(r->s + r->pos + 1, '\'', r->n - r->pos - 1);
        if (!q || q == r->s + r->pos + 1) return -1;
        *start = r->pos + 1;
        *end = (size_t)(q - r->s);
        advance(r, *end + 1);
        return 0;
    }
    size_t i = r->pos; /* ([^=\#\s]+) */
    while (i < r->n && r->s[i] != '=' && r->s[i] != '#' && !space_at(r, i, 1)) {
        i += char_len(r->s + i, r->n - i);
    }
    if (i == r->pos) return -1;
    *start = r->pos;
    *end = i;
    advance(r, i);
    return 0;
}

/*
 * '((?:\\'|[^'])*)' or "((?:\\"|[^"])*)" at pos (which holds the quote).
 * Greedy with backtracking, as Python runs it: the value ends at the first
 * quote not preceded by a backslash that belongs to an escape pair; if
 * there is none, the regex backs off to the quote of the last \' pair
 * (so "a\"...EOF ends after the backslash); with no such pair, no match.
 */
static int read_quoted(struct reader *r, char quote, size_t *start, size_t *end)
{
    size_t i = r->pos + 1, last_escaped = SIZE_MAX;
    while (i < r->n) {
        if (r->s[i] == '\\' && i + 1 < r->n && r->s[i + 1] == quote) {
            last_escaped = i + 1;
            i += 2;
        } else if (r->s[i] == quote) {
            break;
        } else {
            i++;
        }
    }
    if (i >= r->n) {
        if (last_escaped == SIZE_MAX) return -1;
        i = last_escaped;
    }
    *start = r->pos + 1;
    *end = i;
    advance(r, i + 1);
    return 0;
}

/* decode_escapes: each match of \\[chars] becomes its character. */
static int unescape(buf *out, const char *s, size_t n, int dq)
{
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c == '\\' && i + 1 < n) {
            char e = s[i + 1], v = 0;
            if (e == '\\' || e == '\'') v = e;
            else if (dq && e == '"') v = e;
            else if (dq && e == 'a') v = '\a';
            else if (dq && e == 'b') v = '\b';
            else if (dq && e == 'f') v = '\f';
            else if (dq && e == 'n') v = '\n';
            else if (dq && e == 'r') v = '\r';
            else if (dq && e == 't') v = '\t';
            else if (dq && e == 'v') v = '\v';
            if (v) {
                if (buf_append(out, &v, 1) != 0) return -1;
                i++;
                continue;
            }
        }
        if (buf_append(out, &c, 1) != 0) return -1;
    }
    return 0;
}

/* parse_unquoted_value: the rest of the line, cut at the first whitespace
 * run followed by '#' (re.sub(r"\s+#.*", "")), then rstrip()ped. */
static int read_unquoted(struct reader *r, buf *out)
{
    const char *nl = memchr(r->s + r->pos, '\n', r->n - r->pos);
    size_t end = nl ? (size_t)(nl - r->s) : r->n;
    size_t cut = end, run = SIZE_MAX, keep = r->pos; /* keep: end of the last non-space */
    for (size_t i = r->pos; i < end;) {
        size_t k = space_at(r, i, 0);
        if (k) {
            if (run == SIZE_MAX) run = i;
            i += k;
            continue;
        }
        if (r->s[i] == '#' && run != SIZE_MAX) {
            cut = run;
            break;
        }
        run = SIZE_MAX;
        i += char_len(r->s + i, end - i);
        keep = i;
    }
    if (keep > cut) keep = cut;
    int rc = buf_append(out, r->s + r->pos, keep - r->pos);
    advance(r, end);
    return rc;
}

struct binding {
    size_t line;         /* where the statement starts, blank lines before it skipped */
    size_t kstart, kend; /* the key is s[kstart..kend) */
    int has_value;       /* 0: no `=` (python-dotenv's value None) */
};

/* One statement, as python-dotenv's parse_binding; the value (unescaped,
 * not yet expanded) goes to `value`. Returns 1 for a binding, 0 for nothing
 * (blank or comment), -1 for a statement that does not parse (pos is left
 * where the parse stopped), -2 when out of memory. */
static int read_binding(struct reader *r, struct binding *b, buf *value)
{
    buf_reset(value);
    advance(r, skip_spaces(r, r->pos, 1));
    b->line = r->line;
    if (r->pos >= r->n) return 0;
    read_export(r);
    int comment;
    if (read_key(r, &b->kstart, &b->kend, &comment) != 0) return -1;
    advance(r, skip_spaces(r, r->pos, 0));
    b->has_value = 0;
    if (r->pos < r->n && r->s[r->pos] == '=') {
        advance(r, skip_spaces(r, r->pos + 1, 0));
        b->has_value = 1;
        char c = r->pos < r->n ? r->s[r->pos] : 0;
        if (r->pos < r->n && (c == '\'' || c == '"')) {
            size_t vs, ve;
            if (read_quoted(r, c, &vs, &ve) != 0) return -1;
            if (unescape(value, r->s + vs, ve - vs, c == '"') != 0) return -2;
        } else if (r->pos < r->n && c != '\n') {
            if (read_unquoted(r, value) != 0) return -2;
        }
    }
    /* (?:[^\S\r\n]*#[^\r\n]*)? */
    size_t i = skip_spaces(r, r->pos, 0);
    if (i < r->n && r->s[i] == '#') {
        const char *nl = memchr(r->s + i, '\n', r->n - i);
        advance(r, nl ? (size_t)(nl - r->s) : r->n);
    }
    /* [^\S\r\n]*(?:\r\n|\n|\r|$) */
    i = skip_spaces(r, r->pos, 0);
    if (i < r->n && r->s[i] != '\n') return -1;
    advance(r, i < r->n ? i + 1 : i);
    return comment ? 0 : 1;
}

/* ------------------------------------------------------------------------
 * Values and their expansion.
 */

struct entry {
    char *key; /* NUL-terminated; keylen excludes the NUL */
    size_t keylen;
    char *value; /* NULL: the key had no `=` */
    size_t vlen;
};

struct table {
    struct entry *e;
    size_t n, cap;
};

static struct entry *table_find(const struct table *t, const char *key, size_t keylen)
{
    for (size_t i = 0; i < t->n; i++)
        if (t->e[i].keylen == keylen && memcmp(t->e[i].key, key, keylen) == 0) return &t->e[i];
    return NULL;
}

static void table_free(struct table *t)
{
    for (size_t i = 0; i < t->n; i++) {
        free(t->e[i].key);
        free(t->e[i].value);
    }
    free(t->e);
}

/* The value of ${name}: the environment, then the file so far, then the
 * default, then "" (python-dotenv with override=False). */
static int lookup(const struct table *t, const char *name, size_t nlen, const char *def, size_t dlen, buf *out)
{
    /* os.environ has no keys with '=' or NUL; getenv would misread them. */
    if (!memchr(name, '=', nlen) && !memchr(name, 0, nlen)) {
        char *z = strndup(name, nlen);
        if (!z) return -1;
        const char *v = getenv(z);
        free(z);
        if (v) return buf_puts(out, v);
    }
    const struct entry *e = table_find(t, name, nlen);
    if (e) return e->value ? buf_append(out, e->value, e->vlen) : 0;
    return def ? buf_append(out, def, dlen) : 0;
}

/* Expands \$\{([^}:]*)(?::-([^}]*))?\} everywhere in s (left to right,
 * non-overlapping; anything that does not match stays as it is). */
static int expand(const struct table *t, const char *s, size_t n, buf *out)
{
    size_t i = 0;
    while (i < n) {
        if (s[i] == '$' && i + 1 < n && s[i + 1] == '{') {
            size_t k = i + 2;
            while (k < n && s[k] != '}' && s[k] != ':') k++;
            size_t name_end = k;
            const char *def = NULL;
            size_t dlen = 0;
            int ok = 0;
            if (k < n && s[k] == '}') {
                ok = 1;
            } else if (k + 1 < n && s[k] == ':' && s[k + 1] == '-') {
                size_t d = k + 2;
                const char *close = memchr(s + d, '}', n - d);
                if (close) {
                    def = s + d;
                    dlen = (size_t)(close - def);
                    k = (size_t)(close - s);
                    ok = 1;
                }
            }
            if (ok) {
                if (lookup(t, s + i + 2, name_end - i - 2, def, dlen, out) != 0) return -1;
                i = k + 1;
                continue;
            }
        }
        if (buf_append(out, s + i, 1) != 0) return -1;
        i++;
    }
    return 0;
}

/* ------------------------------------------------------------------------ */

/* Python reads the file with universal newlines: \r\n and \r become \n. */
static char *normalize_newlines(const char *text, size_t len, size_t *outlen)
{
    char *o = malloc(len + 1);
    if (!o) return NULL;
    size_t w = 0;
    for (size_t i = 0; i < len; i++) {
        if (text[i] == '\r') {
            o[w++] = '\n';
            if (i + 1 < len && text[i + 1] == '\n') i++;
        } else {
            o[w++] = text[i];
        }
    }
    o[w] = 0;
    *outlen = w;
    return o;
}

int dotenv_parse(const char *text, size_t len, dotenv_setter setter, dotenv_warner warn, void *ud, char *err,
                 size_t errlen)
{
    if (!text && len) {
        err_printf(err, errlen, "no text");
        return -1;
    }
    size_t bad = utf8_invalid_at((const unsigned char *)text, len);
    if (bad != len) {
        err_printf(err, errlen, "not valid UTF-8 at byte %zu", bad);
        return -1;
    }
    size_t n;
    char *s = normalize_newlines(text ? text : "", len, &n);
    if (!s) {
        err_printf(err, errlen, "out of memory");
        return -1;
    }
    struct reader r = {.s = s, .n = n, .pos = 0, .line = 1};
    struct table t = {0};
    buf value, expanded;
    buf_init(&value, DOTENV_MAX_SIZE);
    buf_init(&expanded, DOTENV_MAX_VALUE);
    int rc = 0;
    while (r.pos < r.n) {
        size_t mark_line = r.line;
        struct binding b = {mark_line, 0, 0, 0};
        int got = read_binding(&r, &b, &value);
        if (got == -2) {
            err_printf(err, errlen, "out of memory");
            rc = -1;
            break;
        }
        if (got == -1) {
            /* Skip the rest of the line from where the parse stopped. */
            const char *nl = memchr(r.s + r.pos, '\n', r.n - r.pos);
            advance(&r, nl ? (size_t)(nl - r.s) + 1 : r.n);
            if (warn) {
                char msg[96];
                snprintf(msg, sizeof(msg), "Python-dotenv could not parse statement starting at line %zu",
                         mark_line);
                warn(ud, b.line, msg);
            }
            continue;
        }
        if (got == 0) continue;
        /* resolve_variables: expand against the environment and the values
         * so far, then (re)define the key in place. */
        char *v = NULL;
        size_t vlen = 0;
        if (b.has_value) {
            buf_reset(&expanded);
            if (expand(&t, value.data ? value.data : "", value.len, &expanded) != 0 ||
                !(v = malloc(expanded.len + 1))) {
                if (buf_error(&expanded) == BUF_E_TOO_LARGE)
                    err_printf(err, errlen, "line %zu: a value longer than %u KiB after expanding ${...}", mark_line,
                               DOTENV_MAX_VALUE >> 10);
                else
                    err_printf(err, errlen, "out of memory");
                rc = -1;
                break;
            }
            if (expanded.len) memcpy(v, expanded.data, expanded.len);
            v[expanded.len] = 0;
            vlen = expanded.len;
        }
        size_t klen = b.kend - b.kstart;
        struct entry *e = table_find(&t, s + b.kstart, klen);
        if (!e) {
            if (t.n == t.cap) {
                size_t cap = t.cap ? t.cap * 2 : 16;
                struct entry *p = realloc(t.e, cap * sizeof(*p));
                if (!p) {
                    free(v);
                    err_printf(err, errlen, "out of memory");
                    rc = -1;
                    break;
                }
                t.e = p;
                t.cap = cap;
            }
            e = &t.e[t.n];
            e->key = malloc(klen + 1); /* not strndup: a key may hold a NUL byte */
            e->value = NULL;
            if (e->key) {
                memcpy(e->key, s + b.kstart, klen);
                e->key[klen] = 0;
            } else {
                free(v);
                err_printf(err, errlen, "out of memory");
                rc = -1;
                break;
            }
            e->keylen = klen;
            t.n++;
        }
        free(e->value);
        e->value = v;
        e->vlen = vlen;
    }
    /* set_as_environment_variables: each key once, keys without a value skipped. */
    for (size_t i = 0; rc == 0 && i < t.n; i++) {
        const struct entry *e = &t.e[i];
        if (!e->value) continue;
        if (memchr(e->key, 0, e->keylen) || memchr(e->value, 0, e->vlen)) {
            err_printf(err, errlen, "cannot set %.*s: embedded NUL byte", (int)strnlen(e->key, 64), e->key);
            rc = -1;
            break;
        }
        errno = 0;
        if (setter && setter(ud, e->key, e->value) != 0) {
            err_printf(err, errlen, "cannot set %.64s: %s", e->key, errno ? strerror(errno) : "refused");
            rc = -1;
        }
    }
    buf_free(&value);
    buf_free(&expanded);
    table_free(&t);
    free(s);
    return rc;
}

int dotenv_load_fd(int fd, const char *name, dotenv_setter setter, dotenv_warner warn, void *ud, char *err,
                   size_t errlen)
{
    if (!name) name = ".env";
    buf b;
    buf_init(&b, DOTENV_MAX_SIZE);
    char chunk[8192];
    int rc = 0;
    for (;;) {
        ssize_t k = read(fd, chunk, sizeof(chunk));
        if (k < 0 && errno == EINTR) continue;
        if (k < 0) {
            err_printf(err, errlen, "cannot read %s: %s", name, strerror(errno));
            rc = -1;
            break;
        }
        if (k == 0) break;
        if (buf_append(&b, chunk, (size_t)k) != 0) {
            if (buf_error(&b) == BUF_E_TOO_LARGE)
                err_printf(err, errlen, "%s: larger than %u MB", name, DOTENV_MAX_SIZE >> 20);
            else
                err_printf(err, errlen, "%s: out of memory", name);
            rc = -1;
            break;
        }
    }
    if (rc == 0) {
        char perr[200];
        if (dotenv_parse(b.data, b.len, setter, warn, ud, perr, sizeof(perr)) != 0) {
            err_printf(err, errlen, "%s: %s", name, perr);
            rc = -1;
        }
    }
    buf_free(&b);
    return rc;
}

int dotenv_load_file_warn(const char *path, dotenv_setter setter, dotenv_warner warn, void *ud, char *err,
                          size_t errlen)
{
    struct stat st;
    /* load_dotenv("") and a path that is not a file quietly load nothing. */
    if (!path || !*path || stat(path, &st) != 0 || !S_ISREG(st.st_mode)) return 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) {
        err_printf(err, errlen, "cannot open %s: %s", path, strerror(errno));
        return -1;
    }
    int rc = dotenv_load_fd(fd, path, setter, warn, ud, err, errlen);
    close(fd);
    return rc;
}

int dotenv_load_file(const char *path, dotenv_setter setter, void *ud, char *err, size_t errlen)
{
    return dotenv_load_file_warn(path, setter, NULL, ud, err, errlen);
}

int dotenv_setenv_no_override(void *ud, const char *key, const char *value)
{
    return setenv(key, value, 0) == 0 ? 0 : -1;
}

/* ------------------------------------------------------------------------ */

/* os.path.normpath of an absolute path, in place: no "", "." or ".." parts. */
static void normpath(char *p)
{
    size_t w = 0; /* p[0..w) is the result so far, always starting with '/' */
    size_t i = 0, n = strlen(p);
    p[w++] = '/';
    while (i < n) {
        while (i < n && p[i] == '/') i++;
        size_t s = i;
        while (i < n && p[i] != '/') i++;
        size_t len = i - s;
        if (len == 0 || (len == 1 && p[s] == '.')) continue;
        if (len == 2 && p[s] == '.' && p[s + 1] == '.') {
            /* drop the last part (at the root, ".." stays at the root) */
            while (w > 1 && p[w - 1] != '/') w--;
            if (w > 1) w--;
            continue;
        }
        if (w > 1) p[w++] = '/';
        memmove(p + w, p + s, len);
        w += len;
    }
    p[w] = 0;
}

/* The absolute, normalised directory where the search starts (see dotenv_find); 0, or -1. */
static int start_dir_abs(const char *start_dir, char *dir, size_t dirlen)
{
    char cwd[4096];
    struct stat st;
    if (!start_dir || start_dir[0] != '/') {
        if (!getcwd(cwd, sizeof(cwd))) return -1;
    }
    int n;
    if (!start_dir) {
        n = snprintf(dir, dirlen, "%s", cwd);
    } else {
        if (stat(start_dir, &st) != 0) return -1; /* python-dotenv: "Starting path not found" */
        n = start_dir[0] == '/' ? snprintf(dir, dirlen, "%s", start_dir) : snprintf(dir, dirlen, "%s/%s", cwd, start_dir);
        if (n >= 0 && (size_t)n < dirlen && !S_ISDIR(st.st_mode)) { /* a file: start in its directory */
            char *slash = strrchr(dir, '/');
            if (slash) *slash = 0;
            if (!dir[0]) snprintf(dir, dirlen, "/");
        }
    }
    if (n < 0 || (size_t)n >= dirlen) return -1;
    normpath(dir);
    return 0;
}

/* dir/.env into cand; -1 when it does not fit. */
static int env_path(const char *dir, char *cand, size_t candlen)
{
    int n = snprintf(cand, candlen, "%s%s.env", dir, strcmp(dir, "/") == 0 ? "" : "/");
    return n < 0 || (size_t)n >= candlen ? -1 : 0;
}

/* The parent of dir, in place; 0 when dir was already "/". */
static int dir_up(char *dir)
{
    if (strcmp(dir, "/") == 0) return 0;
    char *slash = strrchr(dir, '/');
    if (slash == dir) dir[1] = 0;
    else *slash = 0;
    return 1;
}

int dotenv_find(const char *start_dir, char *path, size_t pathlen)
{
    if (!path || pathlen == 0) return -1;
    path[0] = 0;
    char dir[4096], cand[4096 + 8];
    struct stat st;
    if (start_dir_abs(start_dir, dir, sizeof(dir)) != 0) return -1;
    do {
        if (env_path(dir, cand, sizeof(cand)) != 0) return -1;
        if (stat(cand, &st) == 0 && S_ISREG(st.st_mode)) {
            if (strlen(cand) >= pathlen) return -1;
            memcpy(path, cand, strlen(cand) + 1);
            return 0;
        }
    } while (dir_up(dir));
    return 0;
}

/*
 * In a directory that other users can write to, they can create, replace or
 * rename its entries: the .env in it, or the directory we would look in next
 * on the way up. Nothing found from there up is then known to be what our
 * user put there, so the search ends. Root's directories and our own are
 * trusted (whoever controls them controls this process anyway), also when
 * group- or world-writable as /tmp is: there the file check below still
 * refuses a .env that someone else created. Any other owner's writable
 * directory ends the search, with or without the sticky bit: the bit keeps
 * others from replacing our files, not the owner of the directory.
 */
const char *dotenv_dir_untrusted(const struct stat *st, unsigned euid)
{
    if (!(st->st_mode & (S_IWGRP | S_IWOTH))) return NULL;
    if (st->st_uid == euid || st->st_uid == 0) return NULL;
    return st->st_mode & S_IWOTH ? "is writable by every user" : "is writable by its group";
}

/* A .env that is not ours (or root's), or that others may change, could say
 * where our API keys go: it is not loaded. */
const char *dotenv_file_untrusted(const struct stat *st, unsigned euid, char *why, size_t whylen)
{
    if (!S_ISREG(st->st_mode)) {
        snprintf(why, whylen, "it is not a regular file");
    } else if (st->st_uid != euid && st->st_uid != 0) {
        snprintf(why, whylen, "it belongs to uid %u, not to this user (uid %u) or root", (unsigned)st->st_uid, euid);
    } else if (st->st_mode & (S_IWGRP | S_IWOTH)) {
        snprintf(why, whylen, "other users can write to it (mode %03o; chmod go-w fixes that)",
                 (unsigned)(st->st_mode & 0777));
    } else {
        return NULL;
    }
    return why;
}

int dotenv_find_trusted(const char *start_dir, char *path, size_t pathlen, int *fd, dotenv_refusal refused, void *ud)
{
    *fd = -1;
    if (!path || pathlen == 0) return -1;
    path[0] = 0;
    char dir[4096], cand[4096 + 8], stop[4096] = "", why[4200];
    const char *stop_why = NULL;
    struct stat st;
    unsigned euid = (unsigned)geteuid();
    if (start_dir_abs(start_dir, dir, sizeof(dir)) != 0) return -1;
    do {
        if (!stop_why && stat(dir, &st) == 0 && (stop_why = dotenv_dir_untrusted(&st, euid)) != NULL)
            snprintf(stop, sizeof(stop), "%s", dir);
        if (env_path(dir, cand, sizeof(cand)) != 0) return -1;
        if (stat(cand, &st) != 0 || !S_ISREG(st.st_mode)) continue;
        if (strlen(cand) >= pathlen) return -1;
        memcpy(path, cand, strlen(cand) + 1);
        if (stop_why) {
            snprintf(why, sizeof(why), "the directory %s %s and not owned by this user or root", stop, stop_why);
            if (refused) refused(ud, cand, why);
            return 0;
        }
        /* O_NONBLOCK: a FIFO swapped in after the stat must not hang us; it is refused below */
        int f = open(cand, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
        if (f < 0) {
            snprintf(why, sizeof(why), "it cannot be opened: %s", strerror(errno));
            if (refused) refused(ud, cand, why);
            return 0;
        }
        if (fstat(f, &st) != 0) {
            snprintf(why, sizeof(why), "it cannot be read: %s", strerror(errno));
        } else if (!dotenv_file_untrusted(&st, euid, why, sizeof(why))) {
            *fd = f;
            return 0;
        }
        close(f);
        if (refused) refused(ud, cand, why);
        return 0;
    } while (dir_up(dir));
    return 0;
}
