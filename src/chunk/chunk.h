/*
 * chunk: the text splitters of pgai's `chunking` config, with the exact
 * semantics of langchain-text-splitters 0.3.8 (spec §7):
 *   CHUNK_CHARACTER  CharacterTextSplitter (one separator, removed, chunks
 *                    re-joined with the separator string verbatim);
 *   CHUNK_RECURSIVE  RecursiveCharacterTextSplitter (separator list, kept at
 *                    the start of the following piece, recursion on pieces
 *                    that are too long);
 *   CHUNK_NONE       the payload is the only chunk, unchanged.
 *
 * Lengths are Unicode code points (Python len), never bytes. Text must be
 * valid UTF-8; anything else is a reported error. Regex separators use PCRE2
 * in UTF+UCP mode with a few Python-syntax translations so that Python `re`
 * patterns behave the same for common cases.
 *
 * A chunker is immutable after chunker_new and may be shared by threads;
 * every chunker_split call keeps its state on its own stack and heap.
 *
 * Known differences from the Python worker, all deliberate:
 *  - regexes are compiled in chunker_new; Python compiles each separator
 *    only when it is first tried, so an invalid regex it never reaches
 *    (or "(?i)..." that Python >= 3.11 rejects inside LangChain's added
 *    group) fails there only on some documents, here always;
 *  - LangChain's "Created a chunk of size N, which is longer than the
 *    specified S" warning is not logged (the chunk itself is the same);
 *  - where Python raises (capture groups that do not take part, negative
 *    overlap), chunker_split returns an error naming the Python exception.
 */
#ifndef PGAI_CHUNK_H
#define PGAI_CHUNK_H

#include <stddef.h>

typedef enum { CHUNK_NONE, CHUNK_CHARACTER, CHUNK_RECURSIVE } chunk_kind;

typedef struct chunk_config {
    chunk_kind kind;
    long chunk_size, chunk_overlap;
    /* CHARACTER uses separators[0] (required); RECURSIVE uses the list, an
     * empty list meaning LangChain's default ["\n\n", "\n", " ", ""]. */
    const char *const *separators;
    size_t nseparators;
    int is_separator_regex;
} chunk_config;

/* items are NUL-terminated (malloc'ed), lens are in bytes; items and lens
 * are NULL when count is 0. */
typedef struct chunk_list {
    char **items;
    size_t *lens;
    size_t count;
} chunk_list;

typedef struct chunker chunker;

/* Validates cfg (chunk_overlap > chunk_size is LangChain's ValueError) and
 * compiles regex separators once. cfg's strings are copied. */
int chunker_new(const chunk_config *cfg, chunker **out, char *err, size_t errlen)
    __attribute__((warn_unused_result));

/* Splits text (UTF-8, len bytes) into *out (overwritten; free it with
 * chunk_list_free). max_chunks > 0 caps the number of chunks: one more is an
 * error, so a hostile document cannot make memory grow without bound. On
 * error *out is left empty. */
int chunker_split(const chunker *c, const char *text, size_t len, size_t max_chunks, chunk_list *out,
                  char *err, size_t errlen) __attribute__((warn_unused_result));

void chunk_list_free(chunk_list *l);
void chunker_free(chunker *c);

#endif
