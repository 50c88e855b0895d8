/*
 * vectors: reads the embeddings out of a provider's response body without
 * building a JSON tree. A 2048 x 3072 response is ~34 MB as base64 and
 * ~130 MB as float text; a tree of it would cost several times that, so we
 * scan the text once and write floats straight into the caller's array.
 *
 * Shapes: OpenAI and Voyage {"data":[{"embedding": [..] | "<base64 f32le>",
 * "index": i}, ...]}; Ollama {"embeddings": [[..], ...]}.
 */
#ifndef PGAI_VECTORS_H
#define PGAI_VECTORS_H

#include <stddef.h>

typedef enum { VECTORS_DATA_ARRAY, VECTORS_OLLAMA } vectors_shape;

/* Fills out[n * dim]. Fails (with a message) on malformed JSON, a count other
 * than n, a vector whose length is not dim, or a non-finite value. */
int vectors_parse(const char *body, size_t len, vectors_shape shape, size_t n, size_t dim, float *out, char *err,
                  size_t errlen) __attribute__((warn_unused_result));

/* Base64 (standard alphabet, padding optional). Returns decoded bytes or -1
 * (bad input, or more than outcap bytes). out NULL: only counts them. */
long base64_decode(const char *in, size_t inlen, unsigned char *out, size_t outcap);
/* Appends standard base64 of data to out (NUL-terminated); returns length. out must hold 4*ceil(n/3)+1. */
size_t base64_encode(const unsigned char *data, size_t n, char *out);

#endif
