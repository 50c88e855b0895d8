/*
 * vectors: reads the embeddings out of a provider's response body without
 * building a JSON tree. A 2048 x 3072 response is ~34 MB as base64 and
 * ~130 MB as float text; a tree of it would cost several times that, so we
 * scan the text once and write floats straight into the caller's array.
 *
 * Where a provider puts its vectors is described by a vectors_shape, so a
 * new provider adds a descriptor, not a scanner. The ones in use and the
 * ones the descriptor is made to fit:
 *
 *   OpenAI, Voyage   {"data": [{"embedding": [..] | "<base64>", "index": i}, ..]}
 *                    {.path = {"data"}, .vector_key = "embedding", .index_key = "index", .base64 = 1}
 *   Ollama           {"embeddings": [[..], ..]}            {.path = {"embeddings"}}
 *   Cohere v2        {"embeddings": {"float": [[..], ..]}} {.path = {"embeddings", "float"}}
 *   Gemini           {"embeddings": [{"values": [..]}, ..]}
 *                    {.path = {"embeddings"}, .vector_key = "values"}
 *   Bedrock Titan    {"embedding": [..]} (one input per request)  {.path = {"embedding"}, .single = 1}
 *   Hugging Face     [[..], ..]                            {.path = {NULL}}
 */
#ifndef PGAI_VECTORS_H
#define PGAI_VECTORS_H

#include <stddef.h>

#define VECTORS_MAX_PATH 4

typedef struct vectors_shape {
    /* Object keys from the top of the body down to the vectors (unused
     * entries NULL; none: the body itself is the list). */
    const char *path[VECTORS_MAX_PATH];
    /* Each element of the list is an object with its vector under this key;
     * NULL: each element is the vector itself. */
    const char *vector_key;
    /* In such an object, the key of the input's position (the list may come
     * in any order); NULL, or absent from an element: order of appearance. */
    const char *index_key;
    /* A vector may also be a base64 string of little-endian float32 (asked
     * for where the provider offers it: a quarter of the bytes, no strtod). */
    int base64;
    /* The value at path is one vector, not a list (one input per request). */
    int single;
} vectors_shape;

/* Fills out[n * dim]. Fails (with a message starting "invalid embedding
 * response: ") on malformed JSON, a count other than n, a vector whose length
 * is not dim, or a non-finite value. body[len] must be NUL (strtod stops there). */
int vectors_parse(const char *body, size_t len, const vectors_shape *shape, size_t n, size_t dim, float *out,
                  char *err, size_t errlen) __attribute__((warn_unused_result));

#endif
