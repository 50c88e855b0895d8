/* bpe_merge: the byte-pair merge of one piece; see bpe_merge.h. */
#include "embed/bpe_merge.h"

#include <stdlib.h>
#include <string.h>

/* Scratch space on the stack for pieces this long; longer ones allocate. */
#define STACK_PIECE BPE_MERGE_HEAP_MIN

/* Writes the final parts given their start offsets pos[0..m) (pos[m] = len). */
static void emit_parts(const uint8_t *piece, const uint32_t *pos, size_t m, bpe_rank_fn rank, const void *ctx,
                       uint32_t *ends, uint32_t *ranks, size_t *nparts)
{
    for (size_t k = 0; k < m; k++) {
        ends[k] = pos[k + 1];
        ranks[k] = rank(ctx, piece + pos[k], pos[k + 1] - pos[k]);
    }
    *nparts = m;
}

int bpe_merge_quadratic(const uint8_t *piece, size_t len, bpe_rank_fn rank, const void *ctx, uint32_t *ends,
                        uint32_t *ranks, size_t *nparts)
{
    *nparts = 0;
    if (len == 0) return 0;
    if (len >= UINT32_MAX) return -1;
    uint32_t stack_pos[STACK_PIECE + 1], stack_pr[STACK_PIECE + 1];
    uint32_t *pos = stack_pos, *pr = stack_pr;
    if (len > STACK_PIECE) {
        pos = malloc((len + 1) * sizeof(*pos));
        pr = malloc((len + 1) * sizeof(*pr));
        if (!pos || !pr) {
            free(pos);
            free(pr);
            return -1;
        }
    }
    /* pos[k]: start of part k (pos[m] = len); pr[k]: rank of parts k and k+1 joined. */
    size_t m = len;
    for (size_t k = 0; k <= len; k++) pos[k] = (uint32_t)k;
    for (size_t k = 0; k + 1 < m; k++) pr[k] = rank(ctx, piece + k, 2);
    pr[m - 1] = BPE_NO_RANK;

    for (;;) {
        uint32_t best = BPE_NO_RANK;
        size_t bk = 0;
        for (size_t k = 0; k + 1 < m; k++) {
            if (pr[k] < best) { /* strict: the leftmost of equal ranks wins */
                best = pr[k];
                bk = k;
            }
        }
        if (best == BPE_NO_RANK) break;
        /* Join parts bk and bk+1 by dropping the boundary pos[bk+1]. */
        memmove(&pos[bk + 1], &pos[bk + 2], (m - bk - 1) * sizeof(*pos));
        memmove(&pr[bk + 1], &pr[bk + 2], (m - bk - 2) * sizeof(*pr));
        m--;
        pr[bk] = bk + 2 <= m ? rank(ctx, piece + pos[bk], pos[bk + 2] - pos[bk]) : BPE_NO_RANK;
        if (bk > 0) pr[bk - 1] = rank(ctx, piece + pos[bk - 1], pos[bk + 1] - pos[bk - 1]);
    }
    emit_parts(piece, pos, m, rank, ctx, ends, ranks, nparts);
    if (pos != stack_pos) {
        free(pos);
        free(pr);
    }
    return 0;
}

/* A candidate merge: the part starting at `left` with the part ending at `end`. */
struct cand {
    uint32_t rank, left, end;
};

/* Heap order: lowest rank first, then leftmost, which is the order the
 * quadratic scan picks merges in. Lefts of live candidates are distinct per
 * rank, so the order is total and the result deterministic. */
static int cand_before(const struct cand *a, const struct cand *b)
{
    return a->rank < b->rank || (a->rank == b->rank && a->left < b->left);
}

static void heap_push(struct cand *h, size_t *n, struct cand c)
{
    size_t i = (*n)++;
    while (i > 0) {
        size_t p = (i - 1) / 2;
        if (!cand_before(&c, &h[p])) break;
        h[i] = h[p];
        i = p;
    }
    h[i] = c;
}

static struct cand heap_pop(struct cand *h, size_t *n)
{
    struct cand top = h[0], last = h[--(*n)];
    size_t i = 0, cnt = *n;
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= cnt) break;
        if (c + 1 < cnt && cand_before(&h[c + 1], &h[c])) c++;
        if (!cand_before(&h[c], &last)) break;
        h[i] = h[c];
        i = c;
    }
    if (cnt) h[i] = last;
    return top;
}

#define NONE UINT32_MAX

int bpe_merge_heap(const uint8_t *piece, size_t len, bpe_rank_fn rank, const void *ctx, uint32_t *ends,
                   uint32_t *ranks, size_t *nparts)
{
    *nparts = 0;
    if (len == 0) return 0;
    if (len >= UINT32_MAX / 3) return -1;
    /* Parts form a linked list over their start offsets: next[s] is the start
     * of the following part (len for the last), 0 once s is no longer a part
     * start (next[s] > s for live parts, so 0 is free to mean "gone"). */
    uint32_t *next = malloc((len + 1) * sizeof(*next));
    uint32_t *prev = malloc((len + 1) * sizeof(*prev));
    /* Each merge adds at most two candidates: at most 3 * len in all. */
    struct cand *heap = malloc(3 * len * sizeof(*heap));
    if (!next || !prev || !heap) {
        free(next);
        free(prev);
        free(heap);
        return -1;
    }
    size_t hn = 0;
    for (size_t i = 0; i < len; i++) {
        next[i] = (uint32_t)(i + 1);
        prev[i] = i ? (uint32_t)(i - 1) : NONE;
    }
    for (size_t i = 0; i + 1 < len; i++) {
        uint32_t r = rank(ctx, piece + i, 2);
        if (r != BPE_NO_RANK) heap_push(heap, &hn, (struct cand){r, (uint32_t)i, (uint32_t)(i + 2)});
    }
    while (hn) {
        struct cand c = heap_pop(heap, &hn);
        uint32_t mid = next[c.left];
        /* Stale: an earlier merge changed one of the two parts. Parts only
         * grow, so the pair is intact exactly when `left` is still a part
         * start and the part after the next one starts at `end`. */
        if (mid == 0 || mid >= c.end || next[mid] != c.end) continue;
        next[c.left] = c.end;
        next[mid] = 0;
        if (c.end < len) prev[c.end] = c.left;
        if (prev[c.left] != NONE) {
            uint32_t p = prev[c.left];
            uint32_t r = rank(ctx, piece + p, c.end - p);
            if (r != BPE_NO_RANK) heap_push(heap, &hn, (struct cand){r, p, c.end});
        }
        if (c.end < len) {
            uint32_t e = next[c.end];
            uint32_t r = rank(ctx, piece + c.left, e - c.left);
            if (r != BPE_NO_RANK) heap_push(heap, &hn, (struct cand){r, c.left, e});
        }
    }
    size_t m = 0;
    for (uint32_t s = 0; s < len; s = next[s]) {
        ends[m] = next[s];
        ranks[m] = rank(ctx, piece + s, next[s] - s);
        m++;
    }
    *nparts = m;
    free(next);
    free(prev);
    free(heap);
    return 0;
}

int bpe_merge(const uint8_t *piece, size_t len, bpe_rank_fn rank, const void *ctx, uint32_t *ends,
              uint32_t *ranks, size_t *nparts)
{
    if (len <= BPE_MERGE_HEAP_MIN) return bpe_merge_quadratic(piece, len, rank, ctx, ends, ranks, nparts);
    return bpe_merge_heap(piece, len, rank, ctx, ends, ranks, nparts);
}
