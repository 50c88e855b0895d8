/* tokenizer: cl100k_base BPE tokenizer; see tokenizer.h. */
#include "embed/tokenizer.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "embed/bpe_merge.h"
#include "util/err.h"
#include "util/utf8.h"
#include "util/base64.h"

/* The rank file, linked in by mk/tokenizer.mk (hidden: not part of the ABI). */
extern const unsigned char cl100k_tiktoken_data[] __attribute__((visibility("hidden")));
extern const unsigned char cl100k_tiktoken_data_end[] __attribute__((visibility("hidden")));

/*
 * tiktoken 0.9's cl100k pattern, which since tiktoken 0.8 uses possessive
 * quantifiers and a `\s++$` branch: trailing whitespace that contains a
 * newline is one piece ("x\n " -> "x", "\n "), where the older pattern
 * (the one in our spec) made two. With cl100k's vocabulary both give the
 * same tokens in every such case we tried (all 1932 runs of space, tab and
 * newline up to 7 long), but this is the pattern tiktoken runs, and
 * gpt-tokenizer agrees with it on 100k random strings. PCRE2 reads it the
 * same way as Rust's regex given two adjustments:
 * - `\s` is spelled out as Unicode's White_Space set, which is what Rust's
 *   regex means by it; PCRE2's `\s` also matches U+180E (and other PCRE2
 *   versions differ on U+0085), and one odd character must not split text
 *   differently from tiktoken;
 * - `$` is end of text only (PCRE2_DOLLAR_ENDONLY), as in Rust.
 */
#define WS "\\t\\n\\x{0B}\\f\\r \\x{85}\\x{A0}\\x{1680}\\x{2000}-\\x{200A}\\x{2028}\\x{2029}\\x{202F}\\x{205F}\\x{3000}"
static const char cl100k_pattern[] = "'(?i:[sdmt]|ll|ve|re)"
                                     "|[^\\r\\n\\p{L}\\p{N}]?+\\p{L}++"
                                     "|\\p{N}{1,3}+"
                                     "| ?[^" WS "\\p{L}\\p{N}]++[\\r\\n]*+"
                                     "|[" WS "]++$"
                                     "|[" WS "]*[\\r\\n]"
                                     "|[" WS "]+(?![^" WS "])"
                                     "|[" WS "]";

static const struct special {
    const char *text;
    uint32_t id;
} specials[] = {
    {"<|endoftext|>", 100257}, {"<|fim_prefix|>", 100258},  {"<|fim_middle|>", 100259},
    {"<|fim_suffix|>", 100260}, {"<|endofprompt|>", 100276},
};
#define NSPECIALS (sizeof(specials) / sizeof(specials[0]))

/* One hash table slot. Most tokens are at most 8 bytes long: their bytes sit
 * in the slot itself, so a lookup usually touches one cache line. */
struct slot {
    uint64_t head; /* the first 8 bytes of the token, zero-padded */
    uint32_t rank;
    uint32_t len;  /* 0: empty slot */
};

struct bpe_tokenizer {
    uint8_t *blob;         /* the bytes of every token, back to back */
    uint32_t *off, *len;   /* token rank -> its bytes in blob (len 0: no such rank) */
    uint32_t nranks;       /* highest rank + 1 */
    uint32_t max_len;      /* longest token, in bytes: longer strings need no lookup */
    struct slot *slots;    /* hash table of the tokens of 3 bytes or more */
    size_t mask;           /* number of slots - 1 */
    uint32_t byte_rank[256];
    uint32_t *pair_rank;   /* [b0 << 8 | b1]: the 2-byte tokens, which every merge asks about first */
    pcre2_code *re;
};

/* ------------------------------------------------------------------------
 * Rank table
 */

static uint64_t load_head(const uint8_t *b, size_t n)
{
    uint64_t w = 0;
    memcpy(&w, b, n < 8 ? n : 8);
    return w;
}

static uint64_t hash_bytes(uint64_t head, const uint8_t *p, size_t n)
{
    uint64_t h = (head ^ 0x243F6A8885A308D3ull ^ ((uint64_t)n << 56)) * 0x9E3779B97F4A7C15ull;
    for (size_t i = 8; i < n; i += 8) {
        uint64_t w = load_head(p + i, n - i);
        h ^= h >> 29;
        h = (h ^ w) * 0x9E3779B97F4A7C15ull;
    }
    h ^= h >> 32;
    h *= 0xD6E8FEB86659FD93ull;
    h ^= h >> 32;
    return h;
}

static uint32_t rank_of(const void *ctx, const uint8_t *b, size_t n)
{
    const bpe_tokenizer *t = ctx;
    if (n == 1) return t->byte_rank[b[0]];
    if (n == 2) return t->pair_rank[(unsigned)b[0] << 8 | b[1]];
    if (n == 0 || n > t->max_len) return BPE_NO_RANK;
    uint64_t head = load_head(b, n);
    for (size_t i = hash_bytes(head, b, n) & t->mask;; i = (i + 1) & t->mask) {
        const struct slot *s = &t->slots[i];
        if (!s->len) return BPE_NO_RANK;
        if (s->head == head && s->len == n &&
            (n <= 8 || memcmp(t->blob + t->off[s->rank] + 8, b + 8, n - 8) == 0))
            return s->rank;
    }
}

static void tokenizer_free(bpe_tokenizer *t)
{
    free(t->blob);
    free(t->off);
    free(t->len);
    free(t->slots);
    free(t->pair_rank);
    if (t->re) pcre2_code_free(t->re);
    memset(t, 0, sizeof(*t));
}

/* Largest rank accepted: far above any real vocabulary, small enough that
 * the per-rank arrays of a corrupt file cannot get huge. */
#define MAX_RANK (1u << 22)

/*
 * Parses tiktoken's rank file format: one "base64(token bytes) SP rank" per
 * line. Every rank and every byte string must be unique and all 256 single
 * bytes must be tokens, or byte-level fallback would be impossible.
 */
static int parse_ranks(bpe_tokenizer *t, const uint8_t *data, size_t size, char *err, size_t errlen)
{
    size_t nlines = 0, maxline = 0, linestart = 0;
    uint32_t maxrank = 0;
    for (size_t i = 0; i < size; i++) {
        if (data[i] != '\n') continue;
        nlines++;
        if (i - linestart > maxline) maxline = i - linestart;
        linestart = i + 1;
    }
    if (linestart != size) {
        err_printf(err, errlen, "rank file does not end with a newline");
        return -1;
    }
    /* First pass: the highest rank, to size the arrays. */
    for (size_t i = 0; i < size;) {
        const uint8_t *sp = memchr(data + i, ' ', size - i);
        const uint8_t *nl = memchr(data + i, '\n', size - i);
        if (!sp || sp > nl) {
            err_printf(err, errlen, "rank file: line without a space at byte %zu", i);
            return -1;
        }
        uint64_t r = 0;
        const uint8_t *d = sp + 1;
        if (d == nl) {
            err_printf(err, errlen, "rank file: line without a rank at byte %zu", i);
            return -1;
        }
        for (; d < nl; d++) {
            if (*d < '0' || *d > '9' || r > MAX_RANK) {
                err_printf(err, errlen, "rank file: bad rank at byte %zu", i);
                return -1;
            }
            r = r * 10 + (uint64_t)(*d - '0');
        }
        if (r >= MAX_RANK) {
            err_printf(err, errlen, "rank file: rank too large at byte %zu", i);
            return -1;
        }
        if (r > maxrank) maxrank = (uint32_t)r;
        i = (size_t)(nl - data) + 1;
    }
    t->nranks = nlines ? maxrank + 1 : 0;
    size_t nslots = 1024;
    while (nslots < 2 * nlines) nslots *= 2;
    t->mask = nslots - 1;
    t->blob = malloc(size / 4 * 3 + 1); /* base64 never expands */
    t->off = calloc(t->nranks + 1, sizeof(*t->off));
    t->len = calloc(t->nranks + 1, sizeof(*t->len));
    t->slots = calloc(nslots, sizeof(*t->slots));
    t->pair_rank = malloc(65536 * sizeof(*t->pair_rank));
    if (!t->blob || !t->off || !t->len || !t->slots || !t->pair_rank) {
        err_printf(err, errlen, "out of memory");
        return -1;
    }
    for (int b = 0; b < 256; b++) t->byte_rank[b] = BPE_NO_RANK;
    for (int b = 0; b < 65536; b++) t->pair_rank[b] = BPE_NO_RANK;
    size_t used = 0;
    for (size_t i = 0; i < size;) {
        const uint8_t *sp = memchr(data + i, ' ', size - i);
        const uint8_t *nl = memchr(sp, '\n', size - (size_t)(sp - data));
        uint32_t r = 0;
        for (const uint8_t *d = sp + 1; d < nl; d++) r = r * 10 + (uint32_t)(*d - '0');
        /* tiktoken writes padded base64: a length that is not a multiple of 4,
         * or more than two '=', is a corrupt line, not a token */
        const char *b64 = (const char *)data + i;
        size_t b64len = (size_t)(sp - (data + i));
        long n = b64len == 0 || b64len % 4 || b64[b64len - 3] == '='
                     ? -1
                     : base64_decode(b64, b64len, t->blob + used, size / 4 * 3 + 1 - used);
        if (n <= 0) {
            err_printf(err, errlen, "rank file: bad base64 at byte %zu", i);
            return -1;
        }
        if (t->len[r]) {
            err_printf(err, errlen, "rank file: rank %u appears twice", r);
            return -1;
        }
        if (rank_of(t, t->blob + used, (size_t)n) != BPE_NO_RANK) {
            err_printf(err, errlen, "rank file: the token of rank %u appears twice", r);
            return -1;
        }
        t->off[r] = (uint32_t)used;
        t->len[r] = (uint32_t)n;
        if ((uint32_t)n > t->max_len) t->max_len = (uint32_t)n;
        if (n == 1) {
            t->byte_rank[t->blob[used]] = r;
        } else if (n == 2) {
            t->pair_rank[(unsigned)t->blob[used] << 8 | t->blob[used + 1]] = r;
        } else {
            uint64_t head = load_head(t->blob + used, (size_t)n);
            size_t k = hash_bytes(head, t->blob + used, (size_t)n) & t->mask;
            while (t->slots[k].len) k = (k + 1) & t->mask;
            t->slots[k] = (struct slot){head, r, (uint32_t)n};
        }
        used += (size_t)n;
        i = (size_t)(nl - data) + 1;
    }
    for (int b = 0; b < 256; b++) {
        if (t->byte_rank[b] == BPE_NO_RANK) {
            err_printf(err, errlen, "rank file: byte 0x%02x is not a token", b);
            return -1;
        }
    }
    return 0;
}

static int compile_pattern(bpe_tokenizer *t, char *err, size_t errlen)
{
    int ec;
    PCRE2_SIZE eo;
    t->re = pcre2_compile((PCRE2_SPTR)cl100k_pattern, PCRE2_ZERO_TERMINATED,
                          PCRE2_UTF | PCRE2_UCP | PCRE2_DOLLAR_ENDONLY, &ec, &eo, NULL);
    if (!t->re) {
        PCRE2_UCHAR msg[120];
        pcre2_get_error_message(ec, msg, sizeof(msg));
        err_printf(err, errlen, "pre-tokenizer pattern: %s at offset %zu", (const char *)msg, (size_t)eo);
        return -1;
    }
    /* JIT is several times faster; without it (no JIT support on this
     * platform) pcre2_match falls back to the interpreter by itself. */
    (void)pcre2_jit_compile(t->re, PCRE2_JIT_COMPLETE);
    return 0;
}

static pthread_once_t cl100k_once = PTHREAD_ONCE_INIT;
static bpe_tokenizer cl100k;
static int cl100k_ok;
static char cl100k_err[160];

static void cl100k_init(void)
{
    size_t size = (size_t)(cl100k_tiktoken_data_end - cl100k_tiktoken_data);
    if (parse_ranks(&cl100k, cl100k_tiktoken_data, size, cl100k_err, sizeof(cl100k_err)) != 0 ||
        compile_pattern(&cl100k, cl100k_err, sizeof(cl100k_err)) != 0) {
        tokenizer_free(&cl100k);
        return;
    }
    cl100k_ok = 1;
}

const bpe_tokenizer *bpe_cl100k(char *err, size_t errlen)
{
    pthread_once(&cl100k_once, cl100k_init);
    if (!cl100k_ok) {
        err_printf(err, errlen, "cl100k_base tokenizer: %s", cl100k_err);
        return NULL;
    }
    return &cl100k;
}

/* ------------------------------------------------------------------------
 * UTF-8
 */

/* Python's bytes.decode("utf-8", errors="replace") into a malloc'ed string. */
static int utf8_replace(const uint8_t *s, size_t n, char **out, size_t *outlen)
{
    if (n > (SIZE_MAX - 1) / 3) return -1;
    uint8_t *o = malloc(n * 3 + 1), *w = o; /* worst case: every byte becomes U+FFFD */
    if (!o) return -1;
    size_t i = 0;
    while (i < n) {
        size_t k = utf8_sequence(s + i, n - i);
        if (k) {
            memcpy(w, s + i, k);
            w += k;
            i += k;
        } else {
            *w++ = 0xEF;
            *w++ = 0xBF;
            *w++ = 0xBD;
            i += utf8_invalid_length(s + i, n - i);
        }
    }
    *w = 0;
    *outlen = (size_t)(w - o);
    *out = (char *)o;
    return 0;
}

/* ------------------------------------------------------------------------
 * Encoding
 */

/* Where encoded tokens go: counted always, stored on request, and the byte
 * offset at which the first `limit` tokens end is noted for truncation. */
struct sink {
    uint32_t *tok;
    size_t n, cap;
    int store;
    size_t limit; /* SIZE_MAX: none */
    size_t cut;   /* byte offset after token number `limit` */
};

static int sink_put(struct sink *s, uint32_t token, size_t end)
{
    if (s->store) {
        if (s->n == s->cap) {
            size_t cap = s->cap ? s->cap * 2 : 256;
            uint32_t *p = realloc(s->tok, cap * sizeof(*p));
            if (!p) return -1;
            s->tok = p;
            s->cap = cap;
        }
        s->tok[s->n] = token;
    }
    s->n++;
    if (s->n == s->limit) s->cut = end;
    return 0;
}

/* The leftmost special-token text in s, or NULL. */
static const char *find_special(const char *s, size_t n)
{
    const char *p = s, *end = s + n;
    while ((p = memchr(p, '<', (size_t)(end - p))) != NULL) {
        if (end - p >= 2 && p[1] == '|') {
            for (size_t k = 0; k < NSPECIALS; k++) {
                size_t sl = strlen(specials[k].text);
                if ((size_t)(end - p) >= sl && memcmp(p, specials[k].text, sl) == 0) return specials[k].text;
            }
        }
        p++;
    }
    return NULL;
}

/* Merges one piece that is not a token by itself and emits its tokens. */
static int encode_piece(const bpe_tokenizer *t, const uint8_t *piece, size_t n, size_t base, struct sink *s,
                        char *err, size_t errlen)
{
    uint32_t stack_ends[64], stack_ranks[64];
    uint32_t *ends = stack_ends, *ranks = stack_ranks;
    if (n > 64) {
        ends = malloc(n * sizeof(*ends));
        ranks = malloc(n * sizeof(*ranks));
    }
    size_t nparts = 0;
    int rc = -1;
    if (!ends || !ranks || bpe_merge(piece, n, rank_of, t, ends, ranks, &nparts) != 0) {
        err_printf(err, errlen, "out of memory while tokenizing");
        goto out;
    }
    for (size_t k = 0; k < nparts; k++) {
        if (ranks[k] == BPE_NO_RANK) { /* impossible: every byte is a token */
            err_printf(err, errlen, "tokenizer: no token for part of a piece");
            goto out;
        }
        if (sink_put(s, ranks[k], base + ends[k]) != 0) {
            err_printf(err, errlen, "out of memory while tokenizing");
            goto out;
        }
    }
    rc = 0;
out:
    if (ends != stack_ends) free(ends);
    if (ranks != stack_ranks) free(ranks);
    return rc;
}

static int encode_run(const bpe_tokenizer *t, const char *text, size_t len, struct sink *s, char *err,
                      size_t errlen)
{
    if (!t) {
        err_printf(err, errlen, "no tokenizer");
        return -1;
    }
    if (!text && len) {
        err_printf(err, errlen, "no text");
        return -1;
    }
    if (len == 0) return 0;
    const uint8_t *u = (const uint8_t *)text;
    size_t bad = utf8_invalid_at(u, len);
    if (bad != len) {
        err_printf(err, errlen, "text is not valid UTF-8 at byte %zu", bad);
        return -1;
    }
    const char *special = find_special(text, len);
    if (special) {
        err_printf(err, errlen, "Encountered text corresponding to disallowed special token '%s'.", special);
        return -1;
    }
    pcre2_match_data *md = pcre2_match_data_create_from_pattern(t->re, NULL);
    if (!md) {
        err_printf(err, errlen, "out of memory while tokenizing");
        return -1;
    }
    int rc = 0;
    size_t off = 0;
    while (off < len) {
        /* The text was checked above; checking it again on every match
         * would make tokenizing quadratic in the text length. */
        int m = pcre2_match(t->re, (PCRE2_SPTR)text, len, off, PCRE2_NO_UTF_CHECK, md, NULL);
        if (m == PCRE2_ERROR_JIT_STACKLIMIT) /* the interpreter keeps its backtracking on the heap */
            m = pcre2_match(t->re, (PCRE2_SPTR)text, len, off, PCRE2_NO_UTF_CHECK | PCRE2_NO_JIT, md, NULL);
        if (m == PCRE2_ERROR_NOMATCH) break; /* tiktoken skips text no branch matches (none in practice) */
        if (m < 0) {
            PCRE2_UCHAR msg[120];
            pcre2_get_error_message(m, msg, sizeof(msg));
            err_printf(err, errlen, "pre-tokenizer failed at byte %zu: %s", off, (const char *)msg);
            rc = -1;
            break;
        }
        const PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md);
        size_t ms = ov[0], me = ov[1];
        if (me <= ms) { /* every branch consumes a character, so this cannot happen */
            err_printf(err, errlen, "pre-tokenizer matched nothing at byte %zu", ms);
            rc = -1;
            break;
        }
        /* As tiktoken: a piece that is a token is that token, unmerged. */
        uint32_t r = rank_of(t, u + ms, me - ms);
        if (r != BPE_NO_RANK) {
            if (sink_put(s, r, me) != 0) {
                err_printf(err, errlen, "out of memory while tokenizing");
                rc = -1;
                break;
            }
        } else if (encode_piece(t, u + ms, me - ms, ms, s, err, errlen) != 0) {
            rc = -1;
            break;
        }
        off = me;
    }
    pcre2_match_data_free(md);
    return rc;
}

int bpe_encode(const bpe_tokenizer *t, const char *text, size_t len, uint32_t **tokens, size_t *ntokens,
               char *err, size_t errlen)
{
    struct sink s = {.store = 1, .limit = SIZE_MAX};
    *tokens = NULL;
    *ntokens = 0;
    if (encode_run(t, text, len, &s, err, errlen) != 0) {
        free(s.tok);
        return -1;
    }
    *tokens = s.tok;
    *ntokens = s.n;
    return 0;
}

int bpe_count(const bpe_tokenizer *t, const char *text, size_t len, size_t *ntokens, char *err, size_t errlen)
{
    struct sink s = {.store = 0, .limit = SIZE_MAX};
    *ntokens = 0;
    if (encode_run(t, text, len, &s, err, errlen) != 0) return -1;
    *ntokens = s.n;
    return 0;
}

int bpe_truncate(const bpe_tokenizer *t, const char *text, size_t len, size_t max_tokens, char **out,
                 size_t *outlen, size_t *orig_tokens, char *err, size_t errlen)
{
    struct sink s = {.store = 0, .limit = max_tokens, .cut = 0};
    *out = NULL;
    *outlen = 0;
    *orig_tokens = 0;
    if (encode_run(t, text, len, &s, err, errlen) != 0) return -1;
    *orig_tokens = s.n;
    if (s.n <= max_tokens) return 0;
    /* The first max_tokens tokens are exactly the text's first s.cut bytes
     * (the tokens of a text concatenate to it), so decoding them is decoding
     * that prefix; only a character cut at the end can be invalid. */
    if (utf8_replace((const uint8_t *)text, s.cut, out, outlen) != 0) {
        err_printf(err, errlen, "out of memory while truncating");
        return -1;
    }
    return 0;
}

int bpe_decode(const bpe_tokenizer *t, const uint32_t *tokens, size_t ntokens, char **out, size_t *outlen,
               char *err, size_t errlen)
{
    *out = NULL;
    *outlen = 0;
    if (!t) {
        err_printf(err, errlen, "no tokenizer");
        return -1;
    }
    size_t total = 0;
    for (size_t i = 0; i < ntokens; i++) {
        uint32_t id = tokens[i];
        size_t n = 0;
        if (id < t->nranks && t->len[id]) {
            n = t->len[id];
        } else {
            for (size_t k = 0; k < NSPECIALS; k++)
                if (specials[k].id == id) n = strlen(specials[k].text);
        }
        if (!n) {
            err_printf(err, errlen, "invalid token id %u", id);
            return -1;
        }
        total += n;
    }
    uint8_t *joined = malloc(total + 1);
    if (!joined) {
        err_printf(err, errlen, "out of memory while decoding");
        return -1;
    }
    size_t o = 0;
    for (size_t i = 0; i < ntokens; i++) {
        uint32_t id = tokens[i];
        if (id < t->nranks && t->len[id]) {
            memcpy(joined + o, t->blob + t->off[id], t->len[id]);
            o += t->len[id];
            continue;
        }
        for (size_t k = 0; k < NSPECIALS; k++) {
            if (specials[k].id != id) continue;
            size_t n = strlen(specials[k].text);
            memcpy(joined + o, specials[k].text, n);
            o += n;
        }
    }
    int rc = utf8_replace(joined, total, out, outlen);
    free(joined);
    if (rc != 0) err_printf(err, errlen, "out of memory while decoding");
    return rc;
}
