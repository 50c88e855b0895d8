/*
 * format: string.Template parsing and per-chunk rendering; see format.h.
 *
 * The template is scanned once into segments (literal text, $chunk, $name,
 * invalid placeholder) so formatting a chunk is one pass over the segments.
 * Invalid placeholders are kept as segments and not reported at parse time
 * because Python only raises while substituting, in template order: an
 * unknown name before the bad '$' gives KeyError, not ValueError.
 */
#include "format/format.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/err.h"
#include "util/utf8.h"

enum seg_kind { SEG_LIT, SEG_CHUNK, SEG_NAME, SEG_INVALID };

typedef struct seg {
    enum seg_kind kind;
    size_t off, len;     /* SEG_LIT, SEG_NAME: bytes of the template copy */
    unsigned long line;  /* SEG_INVALID: Python's line and column numbers */
    unsigned long col;
} seg;

struct format_template {
    char *text;
    seg *segs;
    size_t nsegs;
};

static int is_id_start(unsigned char c)
{
    return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int is_id_char(unsigned char c)
{
    return is_id_start(c) || (c >= '0' && c <= '9');
}

/*
 * Length in bytes of the UTF-8 sequence at s (at most n bytes) and its code
 * point. A byte that does not start a well-formed sequence counts as one
 * character, which only matters for column numbers of malformed input.
 */
static size_t utf8_next(const unsigned char *s, size_t n, uint32_t *cp)
{
    size_t len = utf8_decode(s, n, cp); /* *cp is U+FFFD when len is 0 */
    return len ? len : 1;
}

/* Python's str.splitlines() boundaries. */
static int is_line_break(uint32_t cp)
{
    return cp == '\n' || cp == '\r' || cp == 0x0B || cp == 0x0C || cp == 0x1C || cp == 0x1D || cp == 0x1E ||
           cp == 0x85 || cp == 0x2028 || cp == 0x2029;
}

static int add_seg(format_template *t, size_t *cap, seg s)
{
    /* Adjacent literal pieces (text, then the '$' of "$$") become one. */
    if (s.kind == SEG_LIT && t->nsegs > 0) {
        seg *last = &t->segs[t->nsegs - 1];
        if (last->kind == SEG_LIT && last->off + last->len == s.off) {
            last->len += s.len;
            return 0;
        }
    }
    if (t->nsegs == *cap) {
        size_t ncap = *cap ? *cap * 2 : 8;
        seg *p = realloc(t->segs, ncap * sizeof(*p));
        if (!p) return -1;
        t->segs = p;
        *cap = ncap;
    }
    t->segs[t->nsegs++] = s;
    return 0;
}

int format_template_parse(const char *tmpl, format_template **out, char *err, size_t errlen)
{
    *out = NULL;
    if (!tmpl) {
        err_printf(err, errlen, "formatting template is missing");
        return -1;
    }
    format_template *t = calloc(1, sizeof(*t));
    if (!t || !(t->text = strdup(tmpl))) {
        free(t);
        err_printf(err, errlen, "out of memory parsing the formatting template");
        return -1;
    }
    const unsigned char *s = (const unsigned char *)t->text;
    size_t n = strlen(t->text), cap = 0, lit_start = 0, i = 0;
    /* Python counts columns in characters from the start of the line. */
    unsigned long line = 1, chars = 0, line_start_chars = 0;
    int rc = 0;
    while (i < n && rc == 0) {
        if (s[i] != '$') {
            uint32_t cp;
            size_t step = utf8_next(s + i, n - i, &cp);
            i += step;
            chars++;
            if (is_line_break(cp)) {
                if (cp == '\r' && i < n && s[i] == '\n') {
                    i++;
                    chars++;
                }
                line++;
                line_start_chars = chars;
            }
            continue;
        }
        /* A '$': flush the literal text before it. */
        if (i > lit_start) rc = add_seg(t, &cap, (seg){.kind = SEG_LIT, .off = lit_start, .len = i - lit_start});
        if (rc) break;
        size_t d = i; /* position of the '$' */
        chars++;      /* the '$' itself */
        if (d + 1 < n && s[d + 1] == '$') {
            rc = add_seg(t, &cap, (seg){.kind = SEG_LIT, .off = d + 1, .len = 1});
            chars++;
            i = d + 2;
        } else if (d + 1 < n && is_id_start(s[d + 1])) {
            size_t e = d + 2;
            while (e < n && is_id_char(s[e])) e++;
            size_t len = e - (d + 1);
            int is_chunk = len == 5 && memcmp(s + d + 1, "chunk", 5) == 0;
            rc = add_seg(t, &cap, (seg){.kind = is_chunk ? SEG_CHUNK : SEG_NAME, .off = d + 1, .len = len});
            chars += len;
            i = e;
        } else {
            size_t e = d + 2;
            int braced = 0;
            if (d + 2 < n && s[d + 1] == '{' && is_id_start(s[d + 2])) {
                e = d + 3;
                while (e < n && is_id_char(s[e])) e++;
                braced = e < n && s[e] == '}';
            }
            if (braced) {
                size_t len = e - (d + 2);
                int is_chunk = len == 5 && memcmp(s + d + 2, "chunk", 5) == 0;
                rc = add_seg(t, &cap, (seg){.kind = is_chunk ? SEG_CHUNK : SEG_NAME, .off = d + 2, .len = len});
                chars += len + 2;
                i = e + 1;
            } else {
                /* Python: col = characters of the line up to and including the '$'. */
                rc = add_seg(t, &cap,
                             (seg){.kind = SEG_INVALID, .line = line, .col = chars - line_start_chars});
                i = d + 1; /* the text after a bad '$' is ordinary text */
            }
        }
        lit_start = i;
    }
    if (rc == 0 && n > lit_start) rc = add_seg(t, &cap, (seg){.kind = SEG_LIT, .off = lit_start, .len = n - lit_start});
    if (rc != 0) {
        format_template_free(t);
        err_printf(err, errlen, "out of memory parsing the formatting template");
        return -1;
    }
    *out = t;
    return 0;
}

static const format_value *find_value(const format_value *values, size_t nvalues, const char *name, size_t len)
{
    /* Python builds a dict from the row: with duplicate column names the
     * last one wins. */
    for (size_t k = nvalues; k-- > 0;) {
        const char *vn = values[k].name;
        if (vn && strncmp(vn, name, len) == 0 && vn[len] == '\0') return &values[k];
    }
    return NULL;
}

int format_render(const format_template *t, const char *chunk, size_t chunk_len, const format_value *values,
                  size_t nvalues, buf *out, char *err, size_t errlen)
{
    /* substitute(chunk=chunk, **row) fails before looking at the template
     * when the row itself has a column named chunk. */
    for (size_t k = 0; k < nvalues; k++) {
        if (values[k].name && strcmp(values[k].name, "chunk") == 0) {
            err_printf(err, errlen,
                       "TypeError: string.Template.substitute() got multiple values for keyword argument 'chunk'");
            return -1;
        }
    }
    for (size_t k = 0; k < t->nsegs; k++) {
        const seg *sg = &t->segs[k];
        int rc = 0;
        switch (sg->kind) {
        case SEG_LIT:
            rc = buf_append(out, t->text + sg->off, sg->len);
            break;
        case SEG_CHUNK:
            rc = buf_append(out, chunk ? chunk : "", chunk ? chunk_len : 0);
            break;
        case SEG_NAME: {
            const format_value *v = find_value(values, nvalues, t->text + sg->off, sg->len);
            if (!v) {
                /* str(KeyError(name)) is repr(name); identifiers are ASCII
                 * letters, digits and '_' so no escaping is needed. */
                err_printf(err, errlen, "KeyError: '%.*s'", (int)(sg->len > 200 ? 200 : sg->len), t->text + sg->off);
                return -1;
            }
            rc = pyrepr_render(v, out);
            break;
        }
        case SEG_INVALID:
            err_printf(err, errlen, "Invalid placeholder in string: line %lu, col %lu", sg->line, sg->col);
            return -1;
        }
        if (rc != 0) {
            /* pyrepr's own scratch buffers fail only for memory: only out has a cap that text can reach */
            if (buf_error(out) == BUF_E_TOO_LARGE)
                err_printf(err, errlen, "the formatted chunks exceed the size limit of %zu bytes", out->max);
            else
                err_printf(err, errlen, "out of memory formatting a chunk");
            return -1;
        }
    }
    return 0;
}

void format_template_free(format_template *t)
{
    if (!t) return;
    free(t->text);
    free(t->segs);
    free(t);
}
