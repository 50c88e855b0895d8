/*
 * bpe_merge: the byte-pair merge step of a BPE tokenizer, on one piece of
 * text (one pre-tokenizer match), independent of any vocabulary.
 *
 * The piece starts as one part per byte; then, as long as some pair of
 * adjacent parts concatenates to a known token, the pair with the lowest
 * rank is merged, the leftmost one when ranks tie. This is the merge rule
 * of tiktoken (OpenAI's tokenizer), so the parts come out identical.
 *
 * Two implementations with identical results: a direct one, quadratic in
 * the piece length but fastest for the short pieces real text is made of,
 * and one with a binary heap and a linked list, O(n log n), so that a long
 * run of one letter (100 KB of "a") takes milliseconds, not minutes.
 * bpe_merge picks by length; both are exported so tests can compare them.
 */
#ifndef PGAI_BPE_MERGE_H
#define PGAI_BPE_MERGE_H

#include <stddef.h>
#include <stdint.h>

#define BPE_NO_RANK UINT32_MAX

/* The vocabulary: the rank of bytes[0..len), or BPE_NO_RANK if it is not a token. */
typedef uint32_t (*bpe_rank_fn)(const void *ctx, const uint8_t *bytes, size_t len);

/*
 * Merges piece[0..len) (len >= 1). On success writes the parts in order:
 * ends[i] is the end offset of part i (part i starts at ends[i-1], or 0),
 * ranks[i] its rank (BPE_NO_RANK only for a single byte the vocabulary
 * lacks), and *nparts their number. ends and ranks must hold len entries.
 * Fails only when memory runs out or len does not fit in 32 bits.
 */
int bpe_merge(const uint8_t *piece, size_t len, bpe_rank_fn rank, const void *ctx, uint32_t *ends,
              uint32_t *ranks, size_t *nparts) __attribute__((warn_unused_result));
int bpe_merge_quadratic(const uint8_t *piece, size_t len, bpe_rank_fn rank, const void *ctx, uint32_t *ends,
                        uint32_t *ranks, size_t *nparts) __attribute__((warn_unused_result));
int bpe_merge_heap(const uint8_t *piece, size_t len, bpe_rank_fn rank, const void *ctx, uint32_t *ends,
                   uint32_t *ranks, size_t *nparts) __attribute__((warn_unused_result));

/* Pieces up to this many bytes use the quadratic merge: measured on random
 * letters, it is faster than the heap up to about 128 bytes. */
#define BPE_MERGE_HEAP_MIN 128

#endif
