/*
 * fuzz_vectors: vectors_parse, the scanner of embedding responses, with the
 * shapes in use (OpenAI and Voyage {"data": [...]}, Ollama {"embeddings":
 * [...]}) and the ones its descriptor is made for (Cohere, Gemini, Bedrock
 * Titan, a bare list), and base64_decode, which reads the base64 vectors.
 *
 * Input: byte 0 picks the shape (mod 6: 0 OpenAI, 1 Ollama, as the seeds
 * have it), byte 1 the number of inputs n (0..8), byte 2 the dimensions
 * (0..32); the rest is the response body.
 * The body is passed as embed.c passes it: a buffer whose byte after the
 * end is NUL (http.c's buf always is; vectors.c relies on it for strtod).
 */
#include <math.h>

#include "../tests/unit/base64_encode.h"
#include "embed/vectors.h"
#include "fuzz_common.h"
#include "util/base64.h"

#define MAX_N 8
#define MAX_DIM 32

static const vectors_shape shapes[] = {
    {.path = {"data"}, .vector_key = "embedding", .index_key = "index", .base64 = 1}, /* OpenAI, Voyage */
    {.path = {"embeddings"}},                                                         /* Ollama */
    {.path = {"embeddings", "float"}},                                                /* Cohere v2 */
    {.path = {"embeddings"}, .vector_key = "values"},                                 /* Gemini */
    {.path = {"embedding"}, .single = 1},                                             /* Bedrock Titan */
    {.path = {NULL}, .base64 = 1},                                                    /* a bare list */
};

static void check_base64(const uint8_t *data, size_t size)
{
    /* decode: never more than the capacity, whatever the text */
    char *in = fuzz_copy(data, size);
    size_t cap = size / 4 * 3 + 3;
    unsigned char *out = fuzz_alloc(cap);
    long got = base64_decode(in, size, out, cap);
    FUZZ_CHECK(got >= -1 && got <= (long)cap, "decoded %ld bytes into %zu", got, cap);
    if (got > 0) {
        /* a tight buffer either fits or fails, never overflows */
        unsigned char *tight = fuzz_alloc((size_t)got - 1);
        FUZZ_CHECK(base64_decode(in, size, tight, (size_t)got - 1) == -1, "decode overran a short buffer");
        free(tight);
    }
    free(out);
    free(in);

    /* encode then decode gives the bytes back */
    size_t n = size < 3000 ? size : 3000;
    char *enc = fuzz_alloc(4 * ((n + 2) / 3) + 1);
    size_t elen = base64_encode(data, n, enc);
    FUZZ_CHECK(elen == 4 * ((n + 2) / 3) && enc[elen] == '\0', "encoded %zu bytes to %zu", n, elen);
    unsigned char *dec = fuzz_alloc(n);
    long dlen = base64_decode(enc, elen, dec, n);
    FUZZ_CHECK(dlen == (long)n && (n == 0 || memcmp(dec, data, n) == 0), "base64 round trip of %zu bytes failed", n);
    free(dec);
    free(enc);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_in in = {data, size};
    const vectors_shape *shape = &shapes[fuzz_byte(&in) % (sizeof(shapes) / sizeof(*shapes))];
    size_t n = fuzz_byte(&in) % (MAX_N + 1);
    size_t dim = fuzz_byte(&in) % (MAX_DIM + 1);

    char *body = fuzz_cstr(in.p, in.n);
    float *out = fuzz_alloc((n * dim ? n * dim : 1) * sizeof(float));
    for (size_t i = 0; i < n * dim; i++) out[i] = NAN;
    char err[300];
    err[0] = '\0';
    int rc = vectors_parse(body, in.n, shape, n, dim, out, err, sizeof(err));
    if (rc == 0) {
        /* every slot written, and finite */
        for (size_t i = 0; i < n * dim; i++) FUZZ_CHECK(isfinite(out[i]), "out[%zu] = %g", i, (double)out[i]);
    } else {
        FUZZ_CHECK(strncmp(err, "invalid embedding response: ", 28) == 0, "unexpected message '%s'", err);
    }
    free(out);
    free(body);

    check_base64(in.p, in.n);
    return 0;
}
