/*
 * fuzz_splitter: chunker_new and chunker_split, LangChain's character and
 * recursive text splitters with literal or user-supplied regex separators.
 *
 * Input layout:
 *   byte 0: bits 0-1 kind (0 none, 1 character, 2 and 3 recursive),
 *           bit 2 is_separator_regex, bits 3-4 number of separators (0..3)
 *   byte 1: chunk_size  = byte - 2 (-2..253): small sizes find the edge cases
 *   byte 2: chunk_overlap = byte % (chunk_size + 3) - 2 when chunk_size >= 0,
 *           so overlaps up to one past chunk_size (LangChain's error) and
 *           negative ones occur
 *   then per separator: one length byte (0..15) and that many bytes
 *   the rest: the document text
 * chunk_size stays under 256 code points so 10000 chunks stay small.
 */
#include "chunk/chunk.h"
#include "fuzz_common.h"

#define MAX_CHUNKS 10000

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_in in = {data, size};
    unsigned flags = fuzz_byte(&in);
    long size_ = (long)fuzz_byte(&in) - 2;
    unsigned ob = fuzz_byte(&in);
    long overlap = size_ >= 0 ? (long)(ob % (unsigned)(size_ + 3)) - 2 : (long)(ob % 4) - 2;

    static const chunk_kind kinds[] = {CHUNK_NONE, CHUNK_CHARACTER, CHUNK_RECURSIVE, CHUNK_RECURSIVE};
    chunk_kind kind = kinds[flags & 3];
    int regex = (flags >> 2) & 1;
    size_t nseps = (flags >> 3) & 3;
    char *seps[3] = {NULL, NULL, NULL};
    for (size_t i = 0; i < nseps; i++) {
        size_t len = fuzz_byte(&in) % 16;
        if (len > in.n) len = in.n;
        seps[i] = fuzz_cstr(in.p, len);
        in.p += len, in.n -= len;
    }
    char *text = fuzz_copy(in.p, in.n);

    chunk_config cfg = {
        .kind = kind,
        .chunk_size = size_,
        .chunk_overlap = overlap,
        .separators = (const char *const *)seps,
        .nseparators = nseps,
        .is_separator_regex = regex,
    };
    char err[512];
    err[0] = '\0';
    chunker *c = NULL;
    if (chunker_new(&cfg, &c, err, sizeof(err)) != 0) {
        FUZZ_CHECK(c == NULL && err[0], "chunker_new failed without a message or left a chunker");
        goto done;
    }
    chunk_list l = {(char **)1, (size_t *)1, 7};
    int rc = chunker_split(c, text, in.n, MAX_CHUNKS, &l, err, sizeof(err));
    int valid = fuzz_utf8_valid(in.p, in.n);
    if (!valid) FUZZ_CHECK(rc != 0, "invalid UTF-8 text was split");
    if (rc != 0) {
        FUZZ_CHECK(l.count == 0 && !l.items && !l.lens && err[0], "failure left chunks or gave no message");
    } else {
        FUZZ_CHECK(l.count <= MAX_CHUNKS, "%zu chunks", l.count);
        FUZZ_CHECK(l.count == 0 || (l.items && l.lens), "chunks without arrays");
        for (size_t i = 0; i < l.count; i++) {
            FUZZ_CHECK(l.items[i] && l.items[i][l.lens[i]] == '\0', "chunk %zu not terminated", i);
            FUZZ_CHECK(fuzz_utf8_valid((const uint8_t *)l.items[i], l.lens[i]), "chunk %zu is not valid UTF-8", i);
            /* literal separators kept in place (recursive) or no chunking:
             * every chunk is a piece of the text */
            if (kind == CHUNK_NONE || (kind == CHUNK_RECURSIVE && !regex))
                FUZZ_CHECK(l.lens[i] == 0 || memmem(text, in.n, l.items[i], l.lens[i]) != NULL,
                           "chunk %zu is not part of the text", i);
        }
        if (kind == CHUNK_NONE)
            FUZZ_CHECK(l.count == 1 && l.lens[0] == in.n && !memcmp(l.items[0], text, in.n),
                       "none must give the text unchanged");
        chunk_list_free(&l);
    }
    chunker_free(c);
done:
    for (size_t i = 0; i < nseps; i++) free(seps[i]);
    free(text);
    return 0;
}
