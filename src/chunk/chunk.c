/*
 * chunk: LangChain 0.3.8 text splitters (spec §7); see chunk.h.
 *
 * Design, and why:
 *  - Nothing is materialised per recursion level. LangChain builds the whole
 *    re.split() list, then a list of "good" splits, then merges; here a split
 *    iterator yields one piece at a time and a streaming merger consumes it.
 *    The output is identical because merge_splits only ever looks at its
 *    input in order, and the recursive splitter's "good" runs are merged
 *    exactly where it flushes them. Memory is the output plus one merge
 *    window per recursion level, never a list of every code point.
 *  - Pieces are views into the caller's text (or into a parent piece). Only
 *    Python's odd re.split pairing with user capture groups can produce a
 *    piece that is not a contiguous slice; such pieces own a copy.
 *  - The merge window is a deque (head/tail indexes): LangChain's
 *    current_doc[1:] is O(n) per pop, which would be O(n^2) here.
 *  - Regexes are compiled (and JIT-compiled) once in chunker_new; each
 *    chunker_split call has its own match data, so a chunker is shareable.
 */
#define PCRE2_CODE_UNIT_WIDTH 8
#include "chunk/chunk.h"

#include <pcre2.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/err.h"
#include "util/utf8.h"

typedef struct sepdef {
    char *str;          /* the separator as configured, NUL-terminated */
    size_t blen;        /* bytes */
    long long clen;     /* code points: its length when used as a join string */
    int regex;          /* matched with PCRE2 (is_separator_regex and non-empty) */
    pcre2_code *plain;  /* the pattern itself: re.search and the character splitter's re.split */
    pcre2_code *kept;   /* "(pattern)": the recursive splitter's re.split(f"({sep})") */
    uint32_t plain_groups, kept_groups;
} sepdef;

struct chunker {
    chunk_kind kind;
    long long size, overlap;
    sepdef *seps;
    size_t nseps;
    uint32_t max_groups; /* sizes the per-call match data */
    int any_regex;
};

/* ---- UTF-8 ------------------------------------------------------------- */

/* Code points in s[0..n) (valid UTF-8): every byte that is not a continuation byte starts one. */
static long long utf8_count(const char *p, size_t n)
{
    long long cps = 0;
    for (size_t i = 0; i < n; i++) cps += ((unsigned char)p[i] & 0xC0) != 0x80;
    return cps;
}

/* The length of the character a lead byte starts, in text already checked to be valid. */
static size_t utf8_seqlen(unsigned char c)
{
    return c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
}

/* Whether the (valid) character at u[0..n) is Python whitespace. */
static int space_at(const unsigned char *u, size_t n)
{
    uint32_t cp;
    return utf8_decode(u, n, &cp) && unicode_isspace(cp);
}

/* Python str.strip() on the valid UTF-8 s[0..n): returns the kept range. */
static void py_strip(const char *s, size_t n, size_t *from, size_t *to)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t a = 0, b = n;
    while (a < b) {
        size_t k = utf8_seqlen(u[a]);
        if (!space_at(u + a, k)) break;
        a += k;
    }
    while (b > a) {
        size_t j = b - 1;
        while (j > a && (u[j] & 0xC0) == 0x80) j--;
        if (!space_at(u + j, b - j)) break;
        b = j;
    }
    *from = a;
    *to = b;
}

/* ---- building the chunker ----------------------------------------------- */

static int is_hex(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* Rewrites the Python-only parts of a separator regex into PCRE2 syntax so a
 * pattern written for pgai's Python worker means the same thing here:
 * \uXXXX and \UXXXXXXXX become \x{...}; \Z (Python: end of string only)
 * becomes \z; \K (a PCRE2 feature Python rejects as a bad escape) is refused.
 * Character classes are tracked because \Z has no meaning inside them. */
static int py_regex_to_pcre2(const char *pat, size_t n, char **out, size_t *outn, char *err, size_t errlen)
{
    char *o = malloc(2 * n + 1); /* \uXXXX (6) -> \x{XXXX} (8): never more than 2x */
    if (!o) return err_printf(err, errlen, "out of memory");
    size_t j = 0;
    int in_class = 0;
    for (size_t i = 0; i < n; i++) {
        char ch = pat[i];
        if (ch == '\\' && i + 1 < n) {
            char e = pat[i + 1];
            size_t digits = e == 'u' ? 4 : e == 'U' ? 8 : 0;
            if (digits && i + 2 + digits <= n) {
                size_t k = 0;
                while (k < digits && is_hex(pat[i + 2 + k])) k++;
                if (k == digits) {
                    o[j++] = '\\', o[j++] = 'x', o[j++] = '{';
                    memcpy(o + j, pat + i + 2, digits);
                    j += digits;
                    o[j++] = '}';
                    i += 1 + digits;
                    continue;
                }
            }
            if (e == 'K' && !in_class) {
                free(o);
                return err_printf(err, errlen, "invalid separator regex '%s': bad escape \\K", pat);
            }
            o[j++] = '\\';
            o[j++] = (e == 'Z' && !in_class) ? 'z' : e;
            i++;
            continue;
        }
        o[j++] = ch;
        if (!in_class && ch == '[') {
            in_class = 1;
            /* a ']' right after '[' or '[^' is a literal in Python and PCRE2 alike */
            if (i + 1 < n && pat[i + 1] == '^') o[j++] = pat[++i];
            if (i + 1 < n && pat[i + 1] == ']') o[j++] = pat[++i];
        } else if (in_class && ch == ']') {
            in_class = 0;
        }
    }
    o[j] = '\0';
    *out = o;
    *outn = j;
    return 0;
}

static int compile_regex(const char *pat, size_t n, int wrap, pcre2_code **code, uint32_t *groups, char *err,
                         size_t errlen)
{
    char *tp = NULL;
    size_t tn = 0;
    if (py_regex_to_pcre2(pat, n, &tp, &tn, err, errlen) < 0) return -1;
    if (wrap) { /* LangChain's f"({separator})": one more, outermost, group */
        char *w = malloc(tn + 3);
        if (!w) {
            free(tp);
            return err_printf(err, errlen, "out of memory");
        }
        w[0] = '(';
        memcpy(w + 1, tp, tn);
        w[tn + 1] = ')';
        w[tn + 2] = '\0';
        free(tp);
        tp = w;
        tn += 2;
    }
    pcre2_compile_context *cc = pcre2_compile_context_create(NULL);
    if (!cc) {
        free(tp);
        return err_printf(err, errlen, "out of memory");
    }
    /* Python: '.' excludes only \n and '$' may match before a final \n */
    pcre2_set_newline(cc, PCRE2_NEWLINE_LF);
    int ec;
    PCRE2_SIZE eo;
    /* \C could end a match inside a UTF-8 sequence; Python has no such escape */
    *code = pcre2_compile((PCRE2_SPTR)tp, tn, PCRE2_UTF | PCRE2_UCP | PCRE2_NEVER_BACKSLASH_C, &ec, &eo, cc);
    pcre2_compile_context_free(cc);
    free(tp);
    if (!*code) {
        PCRE2_UCHAR msg[160];
        pcre2_get_error_message(ec, msg, sizeof(msg));
        return err_printf(err, errlen, "invalid separator regex '%s': %s at offset %zu", pat, (const char *)msg,
                          (size_t)eo - (wrap ? 1 : 0));
    }
    /* JIT is only a speed-up: on failure pcre2_match interprets */
    (void)pcre2_jit_compile(*code, PCRE2_JIT_COMPLETE);
    pcre2_pattern_info(*code, PCRE2_INFO_CAPTURECOUNT, groups);
    return 0;
}

static int sep_init(sepdef *s, const char *str, int regex, int need_kept, char *err, size_t errlen)
{
    s->blen = strlen(str);
    if (utf8_invalid_at((const unsigned char *)str, s->blen) != s->blen)
        return err_printf(err, errlen, "separator is not valid UTF-8");
    s->str = malloc(s->blen + 1);
    if (!s->str) return err_printf(err, errlen, "out of memory");
    memcpy(s->str, str, s->blen + 1);
    s->clen = utf8_count(str, s->blen);
    /* re.escape(literal) matches exactly the literal: search it with memmem.
     * An empty separator means "split into code points" in both modes. */
    s->regex = regex && s->blen > 0;
    if (!s->regex) return 0;
    if (compile_regex(s->str, s->blen, 0, &s->plain, &s->plain_groups, err, errlen) < 0) return -1;
    if (need_kept && compile_regex(s->str, s->blen, 1, &s->kept, &s->kept_groups, err, errlen) < 0) return -1;
    return 0;
}

void chunker_free(chunker *c)
{
    if (!c) return;
    for (size_t i = 0; i < c->nseps; i++) {
        free(c->seps[i].str);
        pcre2_code_free(c->seps[i].plain);
        pcre2_code_free(c->seps[i].kept);
    }
    free(c->seps);
    free(c);
}

int chunker_new(const chunk_config *cfg, chunker **out, char *err, size_t errlen)
{
    *out = NULL;
    if (!cfg) return err_printf(err, errlen, "no chunking config");
    if (cfg->kind != CHUNK_NONE && cfg->kind != CHUNK_CHARACTER && cfg->kind != CHUNK_RECURSIVE)
        return err_printf(err, errlen, "unknown chunking kind %d", (int)cfg->kind);
    if (cfg->kind != CHUNK_NONE && cfg->chunk_overlap > cfg->chunk_size)
        return err_printf(err, errlen, "Got a larger chunk overlap (%ld) than chunk size (%ld), should be smaller.",
                          cfg->chunk_overlap, cfg->chunk_size);
    if (cfg->kind == CHUNK_CHARACTER && cfg->nseparators == 0)
        return err_printf(err, errlen, "character_text_splitter needs a separator");
    if (cfg->nseparators && !cfg->separators) return err_printf(err, errlen, "separator list is missing");

    static const char *const default_seps[] = {"\n\n", "\n", " ", ""};
    const char *const *list = cfg->separators;
    size_t n = cfg->nseparators;
    int regex = cfg->is_separator_regex != 0;
    if (cfg->kind == CHUNK_NONE) {
        n = 0;
    } else if (cfg->kind == CHUNK_CHARACTER) {
        n = 1;
    } else if (n == 0) { /* LangChain: `separators or [...]` */
        list = default_seps;
        n = 4;
        regex = 0; /* the same literals either way; literal search is cheaper */
    }

    chunker *c = calloc(1, sizeof(*c));
    if (!c) return err_printf(err, errlen, "out of memory");
    c->kind = cfg->kind;
    c->size = cfg->chunk_size;
    c->overlap = cfg->chunk_overlap;
    if (n) {
        c->seps = calloc(n, sizeof(*c->seps));
        if (!c->seps) {
            chunker_free(c);
            return err_printf(err, errlen, "out of memory");
        }
    }
    for (size_t i = 0; i < n; i++) {
        c->nseps = i + 1; /* so chunker_free releases what sep_init built */
        if (!list[i]) {
            chunker_free(c);
            return err_printf(err, errlen, "separator %zu is NULL", i);
        }
        if (sep_init(&c->seps[i], list[i], regex, cfg->kind == CHUNK_RECURSIVE, err, errlen) < 0) {
            chunker_free(c);
            return -1;
        }
        if (c->seps[i].regex) {
            c->any_regex = 1;
            if (c->seps[i].plain_groups > c->max_groups) c->max_groups = c->seps[i].plain_groups;
            if (c->seps[i].kept_groups > c->max_groups) c->max_groups = c->seps[i].kept_groups;
        }
    }
    *out = c;
    return 0;
}

/* ---- per-call state ----------------------------------------------------- */

typedef struct ctx {
    const chunker *c;
    size_t max_chunks;
    chunk_list *out;
    size_t outcap;
    char *scratch; /* merge_splits' join buffer, reused for every chunk */
    size_t scratch_cap;
    pcre2_match_data *md; /* used only between a match and reading its offsets */
    char *err;
    size_t errlen;
} ctx;

/* err_printf into the split's own error. */
__attribute__((format(printf, 2, 3))) static int fail(ctx *cx, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    err_vprintf(cx->err, cx->errlen, NULL, fmt, ap);
    va_end(ap);
    return -1;
}

static int out_add(ctx *cx, const char *p, size_t n)
{
    chunk_list *o = cx->out;
    if (cx->max_chunks && o->count >= cx->max_chunks)
        return fail(cx, "document produced more than %zu chunks", cx->max_chunks);
    if (o->count == cx->outcap) {
        size_t cap = cx->outcap ? cx->outcap * 2 : 16;
        char **items = realloc(o->items, cap * sizeof(*items));
        if (!items) return fail(cx, "out of memory");
        o->items = items;
        size_t *lens = realloc(o->lens, cap * sizeof(*lens));
        if (!lens) return fail(cx, "out of memory");
        o->lens = lens;
        cx->outcap = cap;
    }
    char *s = malloc(n + 1);
    if (!s) return fail(cx, "out of memory");
    memcpy(s, p, n);
    s[n] = '\0';
    o->items[o->count] = s;
    o->lens[o->count] = n;
    o->count++;
    return 0;
}

/* One pcre2_match: 1 = match (offsets in cx->md), 0 = none, -1 = error. */
static int regex_match(ctx *cx, const pcre2_code *code, const sepdef *s, const char *t, size_t n, size_t start,
                       uint32_t opts)
{
    /* The text was validated once; without NO_UTF_CHECK PCRE2 would re-check
     * the rest of the subject on every call, which is quadratic. */
    int rc = pcre2_match(code, (PCRE2_SPTR)t, n, start, opts | PCRE2_NO_UTF_CHECK, cx->md, NULL);
    if (rc == PCRE2_ERROR_JIT_STACKLIMIT) /* the interpreter has far larger limits */
        rc = pcre2_match(code, (PCRE2_SPTR)t, n, start, opts | PCRE2_NO_UTF_CHECK | PCRE2_NO_JIT, cx->md, NULL);
    if (rc == PCRE2_ERROR_NOMATCH) return 0;
    if (rc < 0) {
        PCRE2_UCHAR msg[160];
        pcre2_get_error_message(rc, msg, sizeof(msg));
        return fail(cx, "separator regex '%s' failed: %s", s->str, (const char *)msg);
    }
    return 1;
}

/* ---- split_with_regex as an iterator ------------------------------------ */

typedef struct span {
    const char *p; /* NULL: a capture group that did not take part (Python None) */
    size_t n;
} span;

typedef struct piece {
    const char *p;
    size_t n;
    long long cl; /* code points */
    char *own;    /* non-NULL when p is a private copy (freed with the piece) */
} piece;

typedef struct split_it {
    ctx *cx;
    const sepdef *sep;      /* NULL: split into code points (empty separator) */
    const pcre2_code *code; /* NULL: literal search for sep->str */
    const char *t;
    size_t n;
    int keep;    /* LangChain keep_separator="start" */
    int grouped; /* re.split returns user capture groups too: emulate its list */
    int done, started, must_advance;
    size_t pos;  /* where the next search starts */
    size_t last; /* end of the previous match */
    size_t cut;  /* keep mode: start of the previous match */
    uint32_t ngroups;
    span *q; /* grouped mode: the re.split elements of the latest match */
    size_t qn, qi;
} split_it;

static int it_init(split_it *it, ctx *cx, const sepdef *sep, int keep, const char *t, size_t n)
{
    memset(it, 0, sizeof(*it));
    it->cx = cx;
    it->t = t;
    it->n = n;
    it->keep = keep;
    if (!sep || sep->blen == 0) return 0;
    it->sep = sep;
    if (!sep->regex) return 0;
    it->code = keep ? sep->kept : sep->plain;
    it->ngroups = keep ? sep->kept_groups : sep->plain_groups;
    /* Without user groups, re.split's list is [piece, (sep,) piece, ...] and
     * the result is a sequence of plain slices; with them, Python's pairing
     * of list elements is reproduced literally. */
    it->grouped = it->ngroups != (keep ? 1u : 0u);
    if (it->grouped) {
        it->q = malloc((it->ngroups + 1) * sizeof(*it->q));
        if (!it->q) return fail(cx, "out of memory");
    }
    return 0;
}

static void it_free(split_it *it)
{
    free(it->q);
    it->q = NULL;
}

/* Next match at or after pos, with Python's re.split rule that the match
 * right after an empty match must not be empty at the same position. */
static int it_find(split_it *it, size_t *ms, size_t *me)
{
    if (it->pos > it->n) return 0;
    if (!it->code) {
        const char *hit = memmem(it->t + it->pos, it->n - it->pos, it->sep->str, it->sep->blen);
        if (!hit) return 0;
        *ms = (size_t)(hit - it->t);
        *me = *ms + it->sep->blen;
        return 1;
    }
    int r = regex_match(it->cx, it->code, it->sep, it->t, it->n, it->pos,
                        it->must_advance ? PCRE2_NOTEMPTY_ATSTART : 0);
    if (r <= 0) return r;
    PCRE2_SIZE *ov = pcre2_get_ovector_pointer(it->cx->md);
    *ms = ov[0];
    *me = ov[1];
    return 1;
}

static void it_advance(split_it *it, size_t ms, size_t me)
{
    it->last = me;
    it->pos = me;
    it->must_advance = ms == me;
}

/* Simple mode: the next slice (possibly empty); 1 = got one, 0 = end. */
static int it_next_span(split_it *it, span *out)
{
    if (it->done) return 0;
    if (!it->sep) { /* list(text) */
        if (it->pos >= it->n) {
            it->done = 1;
            return 0;
        }
        size_t k = utf8_seqlen((unsigned char)it->t[it->pos]);
        *out = (span){it->t + it->pos, k};
        it->pos += k;
        return 1;
    }
    size_t ms, me;
    int r = it_find(it, &ms, &me);
    if (r < 0) return -1;
    size_t from = it->keep ? it->cut : it->last;
    if (r == 0) {
        it->done = 1;
        *out = (span){it->t + from, it->n - from};
        return 1;
    }
    /* keep: [p0, sep1+p1, ...] glues each separator to the following piece,
     * so every piece runs from one match start to the next */
    *out = (span){it->t + from, ms - from};
    if (it->keep) it->cut = ms;
    it_advance(it, ms, me);
    return 1;
}

/* Grouped mode: the next element of Python's re.split list. */
static int it_next_elem(split_it *it, span *out)
{
    if (it->qi < it->qn) {
        *out = it->q[it->qi++];
        return 1;
    }
    if (it->done) return 0;
    size_t ms, me;
    int r = it_find(it, &ms, &me);
    if (r < 0) return -1;
    if (r == 0) {
        it->done = 1;
        *out = (span){it->t + it->last, it->n - it->last};
        return 1;
    }
    PCRE2_SIZE *ov = pcre2_get_ovector_pointer(it->cx->md);
    it->qn = it->qi = 0;
    it->q[it->qn++] = (span){it->t + it->last, ms - it->last};
    for (uint32_t g = 1; g <= it->ngroups; g++) {
        if (ov[2 * g] == PCRE2_UNSET) it->q[it->qn++] = (span){NULL, 0};
        else it->q[it->qn++] = (span){it->t + ov[2 * g], ov[2 * g + 1] - ov[2 * g]};
    }
    it_advance(it, ms, me);
    *out = it->q[it->qi++];
    return 1;
}

static piece piece_view(span s)
{
    return (piece){s.p, s.n, utf8_count(s.p, s.n), NULL};
}

static int none_error(split_it *it)
{
    /* Python: "can only concatenate str (not NoneType)" / "object of type
     * 'NoneType' has no len()"; either way the chunking call fails */
    return fail(it->cx, "separator regex '%s': a capture group did not take part in a match (LangChain fails with "
                        "TypeError)",
                it->sep->str);
}

/* The next non-empty piece of split_with_regex: 1 = *pc set, 0 = end, -1 = error. */
static int it_next(split_it *it, piece *pc)
{
    for (;;) {
        span a, b;
        int r;
        if (!it->grouped) {
            if ((r = it_next_span(it, &a)) <= 0) return r;
            if (!a.n) continue;
            *pc = piece_view(a);
            return 1;
        }
        if (!it->keep || !it->started) { /* plain re.split elements, or keep mode's _splits[0] */
            it->started = 1;
            if ((r = it_next_elem(it, &a)) <= 0) return r;
            if (!a.p) return none_error(it);
            if (!a.n) continue;
            *pc = piece_view(a);
            return 1;
        }
        /* keep mode: _splits[i] + _splits[i+1] for i = 1, 3, 5, ... */
        if ((r = it_next_elem(it, &a)) <= 0) return r;
        if ((r = it_next_elem(it, &b)) < 0) return -1;
        if (r == 0) /* an even-length list: Python reads _splits[len] first */
            return fail(it->cx, "separator regex '%s': re.split returned an even number of elements (LangChain "
                                "fails with IndexError)",
                        it->sep->str);
        if (!a.p || !b.p) return none_error(it);
        if (!a.n || !b.n || a.p + a.n == b.p) { /* still one slice of the text */
            span s = !a.n ? b : !b.n ? a : (span){a.p, a.n + b.n};
            if (!s.n) continue;
            *pc = piece_view(s);
            return 1;
        }
        char *own = malloc(a.n + b.n + 1);
        if (!own) return fail(it->cx, "out of memory");
        memcpy(own, a.p, a.n);
        memcpy(own + a.n, b.p, b.n);
        own[a.n + b.n] = '\0';
        *pc = (piece){own, a.n + b.n, utf8_count(own, a.n + b.n), own};
        return 1;
    }
}

/* Python builds the whole pair list (and raises its TypeError/IndexError)
 * before the recursive splitter looks at any piece; streaming would instead
 * recurse into earlier pieces first and could report a different error. So
 * in the one mode that can fail (user groups, separator kept) the element
 * list is walked once up front on a copy of the iterator. */
static int it_precheck(split_it *it)
{
    if (!it->grouped || !it->keep) return 0;
    split_it tmp = *it;
    tmp.q = malloc((it->ngroups + 1) * sizeof(*tmp.q));
    if (!tmp.q) return fail(it->cx, "out of memory");
    piece pc;
    int r;
    while ((r = it_next(&tmp, &pc)) > 0) free(pc.own);
    free(tmp.q);
    return r;
}

/* ---- merge_splits as a streaming merger ---------------------------------- */

typedef struct merger {
    piece *q; /* current_doc = q[head..tail) */
    size_t head, tail, cap;
    long long total;
    const char *sep;
    size_t sepn;
    long long sl;
} merger;

static void merger_init(merger *m, const char *sep, size_t sepn, long long sl)
{
    memset(m, 0, sizeof(*m));
    m->sep = sep;
    m->sepn = sepn;
    m->sl = sl;
}

static void merger_clear(merger *m)
{
    for (size_t i = m->head; i < m->tail; i++) free(m->q[i].own);
    m->head = m->tail = 0;
    m->total = 0;
}

static void merger_free(merger *m)
{
    merger_clear(m);
    free(m->q);
    m->q = NULL;
}

/* _join_docs: join current_doc with the separator, strip, drop if empty. */
static int merger_emit(ctx *cx, merger *m)
{
    size_t cnt = m->tail - m->head;
    if (!cnt) return 0;
    size_t need = m->sepn * (cnt - 1);
    for (size_t i = m->head; i < m->tail; i++) need += m->q[i].n;
    if (need > cx->scratch_cap) {
        size_t cap = cx->scratch_cap ? cx->scratch_cap : 256;
        while (cap < need) cap *= 2;
        char *s = realloc(cx->scratch, cap);
        if (!s) return fail(cx, "out of memory");
        cx->scratch = s;
        cx->scratch_cap = cap;
    }
    size_t j = 0;
    for (size_t i = m->head; i < m->tail; i++) {
        if (i > m->head && m->sepn) memcpy(cx->scratch + j, m->sep, m->sepn), j += m->sepn;
        if (m->q[i].n) memcpy(cx->scratch + j, m->q[i].p, m->q[i].n), j += m->q[i].n;
    }
    size_t a, b;
    py_strip(cx->scratch, j, &a, &b);
    if (a == b) return 0;
    return out_add(cx, cx->scratch + a, b - a);
}

/* One iteration of merge_splits' loop; takes ownership of d. */
static int merger_push(ctx *cx, merger *m, piece d)
{
    const long long S = cx->c->size, O = cx->c->overlap;
    long long n = d.cl;
    if (m->total + n + (m->tail > m->head ? m->sl : 0) > S && m->tail > m->head) {
        /* (LangChain logs "Created a chunk of size ..." when total > S; the
         * chunk is emitted all the same) */
        if (merger_emit(cx, m) < 0) goto fail;
        while (m->total > O || (m->total + n + (m->tail > m->head ? m->sl : 0) > S && m->total > 0)) {
            if (m->head == m->tail) { /* only reachable with a negative overlap */
                fail(cx, "chunk_overlap %lld is negative: LangChain fails with IndexError (list index out of range)",
                     O);
                goto fail;
            }
            m->total -= m->q[m->head].cl + (m->tail - m->head > 1 ? m->sl : 0);
            free(m->q[m->head].own);
            m->head++;
        }
    }
    if (m->tail == m->cap) {
        if (m->head >= m->cap / 2 && m->head > 0) { /* reuse the popped half: amortised O(1) */
            memmove(m->q, m->q + m->head, (m->tail - m->head) * sizeof(*m->q));
            m->tail -= m->head;
            m->head = 0;
        } else {
            size_t cap = m->cap ? m->cap * 2 : 64;
            piece *q = realloc(m->q, cap * sizeof(*q));
            if (!q) {
                fail(cx, "out of memory");
                goto fail;
            }
            m->q = q;
            m->cap = cap;
        }
    }
    m->q[m->tail++] = d;
    m->total += n + (m->tail - m->head > 1 ? m->sl : 0);
    return 0;
fail:
    free(d.own);
    return -1;
}

/* The end of a merge_splits call: emit what is left, start afresh. */
static int merger_flush(ctx *cx, merger *m)
{
    int r = merger_emit(cx, m);
    merger_clear(m);
    return r;
}

/* ---- the splitters -------------------------------------------------------- */

static int split_character(ctx *cx, const char *t, size_t n)
{
    const sepdef *s = &cx->c->seps[0];
    split_it it;
    merger m;
    /* the join string is the configured separator verbatim, even a regex */
    merger_init(&m, s->str, s->blen, s->clen);
    if (it_init(&it, cx, s, 0, t, n) < 0) return -1;
    int r;
    piece pc;
    while ((r = it_next(&it, &pc)) > 0)
        if ((r = merger_push(cx, &m, pc)) < 0) break;
    if (r == 0) r = merger_flush(cx, &m);
    merger_free(&m);
    it_free(&it);
    return r;
}

static int sep_occurs(ctx *cx, const sepdef *s, const char *t, size_t n)
{
    if (!s->regex) return memmem(t, n, s->str, s->blen) != NULL;
    return regex_match(cx, s->plain, s, t, n, 0, 0); /* an empty match counts: re.search is truthy */
}

/* RecursiveCharacterTextSplitter._split_text(t, separators[from:]). */
static int split_recursive(ctx *cx, const char *t, size_t n, size_t from)
{
    const chunker *c = cx->c;
    size_t chosen = c->nseps - 1, rest = c->nseps; /* rest == nseps: no separators left */
    for (size_t i = from; i < c->nseps; i++) {
        if (c->seps[i].blen == 0) {
            chosen = i;
            break;
        }
        int r = sep_occurs(cx, &c->seps[i], t, n);
        if (r < 0) return -1;
        if (r) {
            chosen = i;
            rest = i + 1;
            break;
        }
    }
    split_it it;
    merger good; /* the run of "good" splits, merged with "" */
    merger_init(&good, "", 0, 0);
    if (it_init(&it, cx, &c->seps[chosen], 1, t, n) < 0) return -1;
    if (it_precheck(&it) < 0) {
        it_free(&it);
        return -1;
    }
    int r;
    piece pc;
    while ((r = it_next(&it, &pc)) > 0) {
        if (pc.cl < c->size) {
            if ((r = merger_push(cx, &good, pc)) < 0) break;
            continue;
        }
        r = merger_flush(cx, &good);
        if (r == 0) {
            if (rest == c->nseps) r = out_add(cx, pc.p, pc.n); /* as is: not stripped, may be oversized */
            else r = split_recursive(cx, pc.p, pc.n, rest);
        }
        free(pc.own);
        if (r < 0) break;
    }
    if (r == 0) r = merger_flush(cx, &good);
    merger_free(&good);
    it_free(&it);
    return r;
}

void chunk_list_free(chunk_list *l)
{
    if (!l) return;
    for (size_t i = 0; i < l->count; i++) free(l->items[i]);
    free(l->items);
    free(l->lens);
    l->items = NULL;
    l->lens = NULL;
    l->count = 0;
}

int chunker_split(const chunker *c, const char *text, size_t len, size_t max_chunks, chunk_list *out, char *err,
                  size_t errlen)
{
    memset(out, 0, sizeof(*out));
    if (!c) return err_printf(err, errlen, "no chunker");
    if (!text) {
        if (len) return err_printf(err, errlen, "no text");
        text = "";
    }
    size_t bad = utf8_invalid_at((const unsigned char *)text, len);
    if (bad != len) return err_printf(err, errlen, "text is not valid UTF-8 (byte offset %zu)", bad);

    ctx cx = {.c = c, .max_chunks = max_chunks, .out = out, .err = err, .errlen = errlen};
    int r;
    if (c->kind == CHUNK_NONE) {
        r = out_add(&cx, text, len); /* unchanged, even if empty or blank */
    } else {
        if (c->any_regex) {
            cx.md = pcre2_match_data_create(c->max_groups + 1, NULL);
            if (!cx.md) return err_printf(err, errlen, "out of memory");
        }
        r = c->kind == CHUNK_CHARACTER ? split_character(&cx, text, len) : split_recursive(&cx, text, len, 0);
        pcre2_match_data_free(cx.md);
    }
    free(cx.scratch);
    if (r < 0) chunk_list_free(out);
    return r;
}
