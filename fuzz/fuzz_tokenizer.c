/*
 * fuzz_tokenizer: the cl100k_base BPE tokenizer (tokenizer.c, bpe_merge.c)
 * on embedding inputs: bpe_encode, bpe_count, bpe_truncate, bpe_decode, and
 * the two merge implementations against each other.
 *
 * Input: byte 0 gives max_tokens for bpe_truncate (0..255); the rest is the
 * text, passed as (pointer, length) without a terminator.
 */
#include "embed/bpe_merge.h"
#include "embed/tokenizer.h"
#include "fuzz_common.h"

static const bpe_tokenizer *tok;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    char err[256];
    tok = bpe_cl100k(err, sizeof(err));
    if (!tok) {
        fprintf(stderr, "fuzz_tokenizer: %s\n", err);
        abort();
    }
    return 0;
}

/* A made-up vocabulary for the merge step: a pair or a short string is a
 * token when a hash of it says so, with a rank from the same hash (ties
 * included). Both merge implementations must agree on any vocabulary. */
static uint32_t toy_rank(const void *ctx, const uint8_t *b, size_t n)
{
    if (n == 1) return b[0] == 0xFF ? BPE_NO_RANK : b[0];
    if (n > 6) return BPE_NO_RANK;
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++) h = (h ^ b[i]) * 16777619u;
    if (h % 3 == 0) return BPE_NO_RANK;
    return 256 + (h >> 8) % 64;
}

static void check_merge(const uint8_t *p, size_t n)
{
    if (n == 0) return;
    if (n > 1024) n = 1024; /* the quadratic merge is O(n^2) */
    uint32_t *e1 = fuzz_alloc(n * sizeof(uint32_t)), *r1 = fuzz_alloc(n * sizeof(uint32_t));
    uint32_t *e2 = fuzz_alloc(n * sizeof(uint32_t)), *r2 = fuzz_alloc(n * sizeof(uint32_t));
    size_t n1 = 0, n2 = 0;
    FUZZ_CHECK(bpe_merge_quadratic(p, n, toy_rank, NULL, e1, r1, &n1) == 0, "quadratic merge failed");
    FUZZ_CHECK(bpe_merge_heap(p, n, toy_rank, NULL, e2, r2, &n2) == 0, "heap merge failed");
    FUZZ_CHECK(n1 == n2, "merges disagree: %zu parts vs %zu", n1, n2);
    for (size_t i = 0; i < n1; i++)
        FUZZ_CHECK(e1[i] == e2[i] && r1[i] == r2[i], "part %zu: end %u/%u rank %u/%u", i, e1[i], e2[i], r1[i], r2[i]);
    FUZZ_CHECK(n1 >= 1 && e1[n1 - 1] == n, "parts do not cover the piece");
    free(e1), free(r1), free(e2), free(r2);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_in in = {data, size};
    size_t max_tokens = fuzz_byte(&in);
    char *text = fuzz_copy(in.p, in.n);
    char err[256];

    uint32_t *toks = NULL;
    size_t ntok = 0, count = 0;
    int erc = bpe_encode(tok, text, in.n, &toks, &ntok, err, sizeof(err));
    int crc = bpe_count(tok, text, in.n, &count, err, sizeof(err));
    FUZZ_CHECK(erc == crc, "encode %d, count %d", erc, crc);
    if (!fuzz_utf8_valid(in.p, in.n)) FUZZ_CHECK(erc != 0, "invalid UTF-8 was tokenized");
    if (erc == 0) {
        FUZZ_CHECK(ntok == count, "encode gave %zu tokens, count %zu", ntok, count);
        FUZZ_CHECK(in.n == 0 || ntok > 0, "text without tokens");
        /* the tokens of a text decode to the text */
        char *dec = NULL;
        size_t dlen = 0;
        FUZZ_CHECK(bpe_decode(tok, toks, ntok, &dec, &dlen, err, sizeof(err)) == 0, "decode failed: %s", err);
        FUZZ_CHECK(dlen == in.n && memcmp(dec, text, in.n) == 0 && dec[dlen] == '\0', "round trip changed the text");
        free(dec);

        char *cut = NULL;
        size_t cutlen = 0, orig = 0;
        FUZZ_CHECK(bpe_truncate(tok, text, in.n, max_tokens, &cut, &cutlen, &orig, err, sizeof(err)) == 0,
                   "truncate failed: %s", err);
        FUZZ_CHECK(orig == ntok, "truncate counted %zu tokens, encode %zu", orig, ntok);
        if (ntok > max_tokens) {
            FUZZ_CHECK(cut != NULL && cut[cutlen] == '\0', "nothing truncated");
            FUZZ_CHECK(fuzz_utf8_valid((const uint8_t *)cut, cutlen), "truncated text is not valid UTF-8");
            /* the cut is the decode of the first max_tokens tokens */
            char *pre = NULL;
            size_t prelen = 0;
            FUZZ_CHECK(bpe_decode(tok, toks, max_tokens, &pre, &prelen, err, sizeof(err)) == 0, "decode failed");
            FUZZ_CHECK(prelen == cutlen && memcmp(pre, cut, cutlen) == 0, "truncation is not the decoded prefix");
            free(pre);
        } else {
            FUZZ_CHECK(cut == NULL && cutlen == 0, "truncated a text within the limit");
        }
        free(cut);
    } else {
        FUZZ_CHECK(toks == NULL && ntok == 0 && err[0], "failure left tokens or gave no message");
    }
    free(toks);

    check_merge(in.p, in.n);
    free(text);
    return 0;
}
