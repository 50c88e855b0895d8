/*
 * bench_tokenizer: measures the cl100k_base tokenizer on a text file.
 *
 * usage: bench_tokenizer FILE [REPEAT]     (make bench-tokenizer BENCH_TEXT=FILE)
 *        bench_tokenizer -t TEXT           prints the token ids of TEXT, one line
 *        bench_tokenizer -f FILE           prints the token ids of FILE's bytes, one line
 *
 * Prints the token count, the time of the first call (includes parsing the
 * embedded rank file) and tokens/second and MB/second over REPEAT more runs.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "embed/tokenizer.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    size_t cap = 1 << 20, n = 0;
    char *p = malloc(cap);
    size_t k;
    while (p && (k = fread(p + n, 1, cap - n, f)) > 0) {
        n += k;
        if (n == cap) {
            char *q = realloc(p, cap *= 2);
            if (!q) free(p);
            p = q;
        }
    }
    fclose(f);
    *len = n;
    return p;
}

static int print_tokens(const char *text, size_t len)
{
    char err[256];
    const bpe_tokenizer *t = bpe_cl100k(err, sizeof(err));
    uint32_t *tok;
    size_t n;
    if (!t || bpe_encode(t, text, len, &tok, &n, err, sizeof(err)) != 0) {
        printf("ERROR %s\n", err);
        return 0;
    }
    for (size_t i = 0; i < n; i++) printf(i ? ",%u" : "%u", tok[i]);
    printf("\n");
    free(tok);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "-t") == 0) return print_tokens(argv[2], strlen(argv[2]));
    size_t len = 0;
    char *text = argc >= 2 ? read_file(argc == 3 && strcmp(argv[1], "-f") == 0 ? argv[2] : argv[1], &len) : NULL;
    if (!text) {
        fprintf(stderr, "usage: bench_tokenizer FILE [REPEAT] | -t TEXT | -f FILE\n");
        return 2;
    }
    if (argc == 3 && strcmp(argv[1], "-f") == 0) return print_tokens(text, len);
    int repeat = argc >= 3 ? atoi(argv[2]) : 5;
    char err[256];
    double t0 = now();
    const bpe_tokenizer *t = bpe_cl100k(err, sizeof(err));
    if (!t) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    double t1 = now();
    size_t n = 0;
    if (bpe_count(t, text, len, &n, err, sizeof(err)) != 0) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    double t2 = now();
    for (int i = 0; i < repeat; i++) {
        uint32_t *tok;
        size_t m;
        if (bpe_encode(t, text, len, &tok, &m, err, sizeof(err)) != 0) {
            fprintf(stderr, "%s\n", err);
            return 1;
        }
        free(tok);
    }
    double t3 = now();
    double per = repeat ? (t3 - t2) / repeat : t2 - t1;
    printf("%zu bytes, %zu tokens; rank table init %.1f ms; encode %.1f ms: %.2f M tokens/s, %.1f MB/s\n", len, n,
           (t1 - t0) * 1e3, per * 1e3, (double)n / per / 1e6, (double)len / per / 1e6);
    free(text);
    return 0;
}
