/*
 * Unit tests for src/embed/tokenizer and src/embed/bpe_merge: the cl100k_base
 * test vectors of gpt-tokenizer's TestPlans.txt (data/, fetched by
 * scripts/fetch-tokenizer.sh; the test fails without it), hand cases,
 * truncation, errors, and the two merge implementations against each other.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "embed/bpe_merge.h"
#include "embed/tokenizer.h"

/* The context length of text-embedding-ada-002 and text-embedding-3-*, the
 * length openai.c truncates to. */
#define OPENAI_CONTEXT 8191

static const bpe_tokenizer *tok(void)
{
    char err[256] = "";
    const bpe_tokenizer *t = bpe_cl100k(err, sizeof(err));
    if (!t) fail_msg("bpe_cl100k: %s", err);
    return t;
}

static void expect_tokens(const char *text, size_t len, const uint32_t *want, size_t nwant)
{
    char err[256] = "";
    uint32_t *got = NULL;
    size_t n = 0;
    if (bpe_encode(tok(), text, len, &got, &n, err, sizeof(err)) != 0) fail_msg("encode failed: %s", err);
    if (n != nwant) fail_msg("%zu tokens, want %zu, for \"%.*s\"", n, nwant, (int)len, text);
    for (size_t i = 0; i < n; i++)
        if (got[i] != want[i]) fail_msg("token %zu is %u, want %u, for \"%.*s\"", i, got[i], want[i], (int)len, text);
    size_t count = 0;
    assert_int_equal(bpe_count(tok(), text, len, &count, err, sizeof(err)), 0);
    assert_int_equal(count, nwant);
    char *back = NULL;
    size_t backlen = 0;
    assert_int_equal(bpe_decode(tok(), got, n, &back, &backlen, err, sizeof(err)), 0);
    assert_int_equal(backlen, len);
    assert_memory_equal(back, text, len);
    free(back);
    free(got);
}

/* ------------------------------------------------------------------------ */

static FILE *open_testplans(void)
{
    const char *env = getenv("PGAI_TOKENIZER_TESTPLANS");
    const char *paths[] = {env, "data/TestPlans.txt", "../data/TestPlans.txt", "../../data/TestPlans.txt"};
    for (size_t i = 0; i < sizeof(paths) / sizeof(*paths); i++) {
        if (!paths[i]) continue;
        FILE *f = fopen(paths[i], "r");
        if (f) return f;
    }
    return NULL;
}

/* Parses "[1, 2, 3]"; returns the count or -1. */
static long parse_list(const char *s, uint32_t *out, size_t cap)
{
    long n = 0;
    if (*s++ != '[') return -1;
    while (*s && *s != ']') {
        char *end;
        unsigned long v = strtoul(s, &end, 10);
        if (end == s || (size_t)n >= cap) return -1;
        out[n++] = (uint32_t)v;
        s = end;
        while (*s == ',' || *s == ' ') s++;
    }
    return *s == ']' ? n : -1;
}

static void test_testplans(void **state)
{
    FILE *f = open_testplans();
    if (!f) fail_msg("data/TestPlans.txt is missing: run scripts/fetch-tokenizer.sh");
    char *line = NULL, *sample = NULL;
    size_t cap = 0;
    ssize_t n;
    int cl100k = 0, checked = 0;
    static uint32_t want[4096];
    while ((n = getline(&line, &cap, f)) > 0) {
        if (line[n - 1] == '\n') line[--n] = 0;
        if (strncmp(line, "EncodingName: ", 14) == 0) {
            cl100k = strcmp(line + 14, "cl100k_base") == 0;
        } else if (strncmp(line, "Sample: ", 8) == 0) {
            free(sample);
            sample = strdup(line + 8);
        } else if (strncmp(line, "Encoded: ", 9) == 0 && cl100k) {
            assert_non_null(sample);
            long k = parse_list(line + 9, want, sizeof(want) / sizeof(*want));
            assert_true(k >= 0);
            expect_tokens(sample, strlen(sample), want, (size_t)k);
            checked++;
        }
    }
    free(line);
    free(sample);
    fclose(f);
    /* gpt-tokenizer 4.0.0's file has 64 cl100k_base vectors. */
    assert_int_equal(checked, 64);
}

static void test_hand_cases(void **state)
{
    expect_tokens("", 0, NULL, 0);
    expect_tokens("hello world", 11, (const uint32_t[]){15339, 1917}, 2);
    /* A NUL byte is a character like any other. */
    uint32_t nul[8];
    char err[256];
    uint32_t *got;
    size_t n;
    assert_int_equal(bpe_encode(tok(), "a\0b", 3, &got, &n, err, sizeof(err)), 0);
    assert_true(n >= 2 && n <= 3);
    memcpy(nul, got, n * sizeof(*got));
    free(got);
    char *back;
    size_t backlen;
    assert_int_equal(bpe_decode(tok(), nul, n, &back, &backlen, err, sizeof(err)), 0);
    assert_int_equal(backlen, 3);
    assert_memory_equal(back, "a\0b", 3);
    free(back);
    /* NULL text with length 0 is the empty text. */
    assert_int_equal(bpe_count(tok(), NULL, 0, &n, err, sizeof(err)), 0);
    assert_int_equal(n, 0);
}

/* Long runs must stay fast (tiktoken is quadratic there) and round-trip. */
static void test_long_runs(void **state)
{
    const char *units[] = {"a", " ", "\n", "1", "!", "\xF0\x9F\x98\x80", "ab", " \n"};
    size_t size = 100000;
    char *text = malloc(size + 8);
    for (size_t u = 0; u < sizeof(units) / sizeof(*units); u++) {
        size_t ul = strlen(units[u]), len = 0;
        while (len + ul <= size) {
            memcpy(text + len, units[u], ul);
            len += ul;
        }
        char err[256] = "";
        uint32_t *t = NULL;
        size_t n = 0;
        if (bpe_encode(tok(), text, len, &t, &n, err, sizeof(err)) != 0) fail_msg("unit %zu: %s", u, err);
        assert_true(n > 0);
        char *back;
        size_t backlen;
        assert_int_equal(bpe_decode(tok(), t, n, &back, &backlen, err, sizeof(err)), 0);
        assert_int_equal(backlen, len);
        assert_memory_equal(back, text, len);
        free(back);
        free(t);
    }
    free(text);
}

/* ------------------------------------------------------------------------ */

static void test_truncate_clean(void **state)
{
    /* Every word a token of its own, so a cut falls between words and the
     * truncated text re-encodes to exactly the kept tokens. */
    const char *words[] = {" hello", " world", " the", " quick", " brown", " fox", " jumps"};
    size_t cap = 200000, len = 0;
    char *text = malloc(cap);
    for (size_t i = 0; len + 16 < cap; i++) {
        size_t wl = strlen(words[i % 7]);
        memcpy(text + len, words[i % 7], wl);
        len += wl;
    }
    char err[256] = "";
    size_t total = 0;
    assert_int_equal(bpe_count(tok(), text, len, &total, err, sizeof(err)), 0);
    assert_true(total > OPENAI_CONTEXT);

    char *out = NULL;
    size_t outlen = 0, orig = 0;
    assert_int_equal(bpe_truncate(tok(), text, len, OPENAI_CONTEXT, &out, &outlen, &orig, err,
                                  sizeof(err)),
                     0);
    assert_non_null(out);
    assert_int_equal(orig, total);
    assert_true(outlen < len);
    assert_memory_equal(out, text, outlen);
    assert_int_equal(out[outlen], 0);
    size_t again = 0;
    assert_int_equal(bpe_count(tok(), out, outlen, &again, err, sizeof(err)), 0);
    assert_int_equal(again, OPENAI_CONTEXT);

    /* The same as decoding the first 8191 tokens. */
    uint32_t *t;
    size_t n;
    assert_int_equal(bpe_encode(tok(), text, len, &t, &n, err, sizeof(err)), 0);
    char *dec;
    size_t declen;
    assert_int_equal(bpe_decode(tok(), t, OPENAI_CONTEXT, &dec, &declen, err, sizeof(err)), 0);
    assert_int_equal(declen, outlen);
    assert_memory_equal(dec, out, outlen);
    free(dec);
    free(out);

    /* Not over the limit: no output, but the count. */
    out = (char *)1;
    assert_int_equal(bpe_truncate(tok(), text, len, n, &out, &outlen, &orig, err, sizeof(err)), 0);
    assert_null(out);
    assert_int_equal(outlen, 0);
    assert_int_equal(orig, n);
    assert_int_equal(bpe_truncate(tok(), "hello world", 11, 2, &out, &outlen, &orig, err, sizeof(err)), 0);
    assert_null(out);
    assert_int_equal(orig, 2);
    /* One token over. */
    assert_int_equal(bpe_truncate(tok(), "hello world", 11, 1, &out, &outlen, &orig, err, sizeof(err)), 0);
    assert_string_equal(out, "hello");
    assert_int_equal(orig, 2);
    free(out);
    /* Zero tokens kept: the empty text. */
    assert_int_equal(bpe_truncate(tok(), "hello world", 11, 0, &out, &outlen, &orig, err, sizeof(err)), 0);
    assert_non_null(out);
    assert_string_equal(out, "");
    assert_int_equal(outlen, 0);
    free(out);
    free(t);
    free(text);
}

static void test_truncate_multibyte(void **state)
{
    /* U+1F600 is two tokens, so an odd limit cuts the last one in two. */
    const char *emoji = "\xF0\x9F\x98\x80";
    size_t reps = 5000, len = 4 * reps;
    char *text = malloc(len + 1);
    for (size_t i = 0; i < reps; i++) memcpy(text + 4 * i, emoji, 4);
    char err[256] = "";
    uint32_t *t;
    size_t n;
    assert_int_equal(bpe_encode(tok(), text, len, &t, &n, err, sizeof(err)), 0);
    assert_int_equal(n, 2 * reps);
    char *out;
    size_t outlen, orig;
    assert_int_equal(bpe_truncate(tok(), text, len, 8191, &out, &outlen, &orig, err, sizeof(err)), 0);
    assert_int_equal(orig, 2 * reps);
    /* 4095 whole characters, then the half character as one U+FFFD. */
    assert_int_equal(outlen, 4 * 4095 + 3);
    assert_memory_equal(out, text, 4 * 4095);
    assert_memory_equal(out + 4 * 4095, "\xEF\xBF\xBD", 3);
    /* bpe_decode agrees. */
    char *dec;
    size_t declen;
    assert_int_equal(bpe_decode(tok(), t, 8191, &dec, &declen, err, sizeof(err)), 0);
    assert_int_equal(declen, outlen);
    assert_memory_equal(dec, out, outlen);
    free(dec);
    /* An even limit cuts cleanly. */
    free(out);
    assert_int_equal(bpe_truncate(tok(), text, len, 8190, &out, &outlen, &orig, err, sizeof(err)), 0);
    assert_int_equal(outlen, 4 * 4095);
    assert_memory_equal(out, text, outlen);
    free(out);

    /* Decoding a broken sequence in the middle: one U+FFFD for the maximal
     * valid prefix, as Python's errors="replace". */
    uint32_t a = 0;
    uint32_t *at;
    size_t an;
    assert_int_equal(bpe_encode(tok(), "a", 1, &at, &an, err, sizeof(err)), 0);
    a = at[0];
    free(at);
    uint32_t seq[3] = {t[0], a, t[0]};
    assert_int_equal(bpe_decode(tok(), seq, 3, &dec, &declen, err, sizeof(err)), 0);
    assert_string_equal(dec, "\xEF\xBF\xBD" "a" "\xEF\xBF\xBD");
    free(dec);
    free(t);
    free(text);
}

/* ------------------------------------------------------------------------ */

static void test_special_tokens(void **state)
{
    const char *names[] = {"<|endoftext|>", "<|fim_prefix|>", "<|fim_middle|>", "<|fim_suffix|>", "<|endofprompt|>"};
    char err[256], text[64], want[128];
    size_t n;
    uint32_t *t;
    char *out;
    size_t outlen, orig;
    for (size_t i = 0; i < 5; i++) {
        snprintf(text, sizeof(text), "some text %s more", names[i]);
        snprintf(want, sizeof(want), "Encountered text corresponding to disallowed special token '%s'.", names[i]);
        err[0] = 0;
        assert_int_equal(bpe_count(tok(), text, strlen(text), &n, err, sizeof(err)), -1);
        assert_string_equal(err, want);
        err[0] = 0;
        t = (uint32_t *)1;
        assert_int_equal(bpe_encode(tok(), text, strlen(text), &t, &n, err, sizeof(err)), -1);
        assert_null(t);
        assert_string_equal(err, want);
        err[0] = 0;
        assert_int_equal(bpe_truncate(tok(), text, strlen(text), 1, &out, &outlen, &orig, err, sizeof(err)), -1);
        assert_null(out);
        assert_string_equal(err, want);
    }
    /* The leftmost one is named. */
    const char *two = "x <|endofprompt|> y <|endoftext|>";
    assert_int_equal(bpe_count(tok(), two, strlen(two), &n, err, sizeof(err)), -1);
    assert_string_equal(err, "Encountered text corresponding to disallowed special token '<|endofprompt|>'.");
    /* Near misses are ordinary text. */
    const char *ok[] = {"<|endoftext", "<|endoftext|", "endoftext|>", "<|EndOfText|>", "<| endoftext|>", "<|", "<"};
    for (size_t i = 0; i < sizeof(ok) / sizeof(*ok); i++)
        assert_int_equal(bpe_count(tok(), ok[i], strlen(ok[i]), &n, err, sizeof(err)), 0);
    /* Special ids decode to their text. */
    uint32_t ids[2] = {100257, 100276};
    assert_int_equal(bpe_decode(tok(), ids, 2, &out, &outlen, err, sizeof(err)), 0);
    assert_string_equal(out, "<|endoftext|><|endofprompt|>");
    free(out);
    uint32_t bad[1] = {100261};
    assert_int_equal(bpe_decode(tok(), bad, 1, &out, &outlen, err, sizeof(err)), -1);
    assert_string_equal(err, "invalid token id 100261");
    assert_null(out);
}

static void test_invalid_utf8(void **state)
{
    static const struct {
        const char *s;
        size_t at;
    } cases[] = {
        {"\xff", 0},           {"abc\xc3", 3},        {"ab\xed\xa0\x80z", 2}, /* surrogate */
        {"\xc0\x80", 0},       {"\xe0\x80\x80", 0},   {"\xf4\x90\x80\x80", 0}, /* above U+10FFFF */
        {"ok \x80 no", 3},     {"\xf0\x9f\x98", 0},
    };
    char err[256], want[64];
    size_t n;
    for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
        snprintf(want, sizeof(want), "text is not valid UTF-8 at byte %zu", cases[i].at);
        err[0] = 0;
        assert_int_equal(bpe_count(tok(), cases[i].s, strlen(cases[i].s), &n, err, sizeof(err)), -1);
        assert_string_equal(err, want);
    }
    /* Valid edge cases. */
    const char *good[] = {"\xc2\x80", "\xed\x9f\xbf", "\xee\x80\x80", "\xf4\x8f\xbf\xbf", ("\xef\xbb\xbf" "bom")};
    for (size_t i = 0; i < sizeof(good) / sizeof(*good); i++)
        assert_int_equal(bpe_count(tok(), good[i], strlen(good[i]), &n, err, sizeof(err)), 0);
}

/* ------------------------------------------------------------------------
 * The two merge implementations against each other, with small random
 * vocabularies full of ties and long chains of merges.
 */

struct toy_vocab {
    char words[400][8];
    uint32_t ranks[400];
    size_t n;
};

static uint32_t toy_rank(const void *ctx, const uint8_t *b, size_t n)
{
    const struct toy_vocab *v = ctx;
    if (n == 1) return b[0]; /* every byte is a token, ranked by value */
    for (size_t i = 0; i < v->n; i++)
        if (strlen(v->words[i]) == n && memcmp(v->words[i], b, n) == 0) return v->ranks[i];
    return BPE_NO_RANK;
}

static uint32_t rnd(uint64_t *s)
{
    *s = *s * 6364136223846793005ull + 1442695040888963407ull;
    return (uint32_t)(*s >> 33);
}

static void test_merge_equivalence(void **state)
{
    uint64_t seed = 42;
    static struct toy_vocab v;
    uint8_t piece[600];
    uint32_t e1[600], r1[600], e2[600], r2[600];
    for (int round = 0; round < 200; round++) {
        /* A vocabulary over 3 letters: strings of 2..6 letters, random
         * ranks above 255 (so they never collide with single bytes). */
        v.n = 0;
        size_t want = 20 + rnd(&seed) % 300;
        while (v.n < want) {
            size_t l = 2 + rnd(&seed) % 5;
            char w[8] = {0};
            for (size_t k = 0; k < l; k++) w[k] = (char)('a' + rnd(&seed) % 3);
            if (toy_rank(&v, (const uint8_t *)w, l) != BPE_NO_RANK) continue;
            memcpy(v.words[v.n], w, 8);
            v.ranks[v.n] = 256 + (uint32_t)v.n;
            v.n++;
        }
        for (int p = 0; p < 20; p++) {
            size_t len = 1 + rnd(&seed) % (p < 10 ? 40 : 600);
            for (size_t k = 0; k < len; k++) piece[k] = (uint8_t)('a' + rnd(&seed) % 3);
            size_t n1 = 0, n2 = 0;
            assert_int_equal(bpe_merge_quadratic(piece, len, toy_rank, &v, e1, r1, &n1), 0);
            assert_int_equal(bpe_merge_heap(piece, len, toy_rank, &v, e2, r2, &n2), 0);
            assert_int_equal(n1, n2);
            assert_memory_equal(e1, e2, n1 * sizeof(*e1));
            assert_memory_equal(r1, r2, n1 * sizeof(*r1));
            assert_int_equal(e1[n1 - 1], len);
            /* bpe_merge picks one of the two. */
            assert_int_equal(bpe_merge(piece, len, toy_rank, &v, e2, r2, &n2), 0);
            assert_int_equal(n1, n2);
            assert_memory_equal(e1, e2, n1 * sizeof(*e1));
        }
    }
    /* Ties go to the leftmost pair: "aaa" with "aa" a token is "aa" + "a". */
    v.n = 1;
    strcpy(v.words[0], "aa");
    v.ranks[0] = 300;
    size_t n = 0;
    assert_int_equal(bpe_merge_quadratic((const uint8_t *)"aaa", 3, toy_rank, &v, e1, r1, &n), 0);
    assert_int_equal(n, 2);
    assert_int_equal(e1[0], 2);
    assert_int_equal(bpe_merge_heap((const uint8_t *)"aaa", 3, toy_rank, &v, e1, r1, &n), 0);
    assert_int_equal(n, 2);
    assert_int_equal(e1[0], 2);
}

/* ------------------------------------------------------------------------ */

struct thread_arg {
    size_t count;
    int rc;
};

static void *count_thread(void *p)
{
    struct thread_arg *a = p;
    char err[256];
    const bpe_tokenizer *t = bpe_cl100k(err, sizeof(err));
    const char *text = "The quick brown fox jumps over 13 lazy dogs. \xF0\x9F\x98\xBA Hello, World!\n\n  ";
    a->rc = -1;
    if (!t) return NULL;
    for (int i = 0; i < 200; i++) {
        size_t n;
        if (bpe_count(t, text, strlen(text), &n, err, sizeof(err)) != 0) return NULL;
        if (i && n != a->count) return NULL;
        a->count = n;
    }
    a->rc = 0;
    return NULL;
}

static void test_threads(void **state)
{
    pthread_t th[8];
    struct thread_arg args[8] = {{0}};
    for (int i = 0; i < 8; i++) assert_int_equal(pthread_create(&th[i], NULL, count_thread, &args[i]), 0);
    for (int i = 0; i < 8; i++) {
        pthread_join(th[i], NULL);
        assert_int_equal(args[i].rc, 0);
        assert_int_equal(args[i].count, args[0].count);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_threads), /* first: races the lazy initialisation */
        cmocka_unit_test(test_testplans),
        cmocka_unit_test(test_hand_cases),
        cmocka_unit_test(test_long_runs),
        cmocka_unit_test(test_truncate_clean),
        cmocka_unit_test(test_truncate_multibyte),
        cmocka_unit_test(test_special_tokens),
        cmocka_unit_test(test_invalid_utf8),
        cmocka_unit_test(test_merge_equivalence),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
