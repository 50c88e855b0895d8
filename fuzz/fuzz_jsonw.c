/*
 * fuzz_jsonw: jsonw_string (util/jsonw.c), which writes provider request
 * bodies, against jansson, whose output it must match byte for byte: the
 * same text for what jansson accepts, a refusal for what it refuses. Also
 * that a capped buffer either holds the whole string or fails cleanly, and
 * that jsonw_string_replacing (the log's mode) writes the same for valid
 * UTF-8 and, for anything else, a string jansson reads back.
 * Input: the text, not NUL-terminated.
 */
#include <jansson.h>

#include "fuzz_common.h"
#include "util/jsonw.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = fuzz_copy(data, size);

    buf b;
    buf_init(&b, BUF_NO_LIMIT);
    int rc = jsonw_string(&b, s, size);
    FUZZ_CHECK(rc == 0 || !b.failed, "an uncapped buffer failed");

    json_t *str = json_stringn(s, size);
    FUZZ_CHECK((rc == 0) == (str != NULL), "jsonw %s what jansson %s", rc == 0 ? "accepted" : "refused",
               str ? "accepted" : "refused");
    if (str) {
        char *want = json_dumps(str, JSON_ENCODE_ANY | JSON_COMPACT);
        FUZZ_CHECK(want && strlen(want) == b.len && memcmp(want, b.data, b.len) == 0, "jsonw wrote %s, jansson %s",
                   b.data, want ? want : "(null)");
        free(want);
        json_decref(str);
    }

    /* a cap somewhere inside the output: fits, or fails with b.failed set */
    if (rc == 0) {
        size_t full = b.len;
        buf capped;
        buf_init(&capped, size % (full + 1) + 1);
        int crc = jsonw_string(&capped, s, size);
        if (capped.max >= full)
            FUZZ_CHECK(crc == 0 && capped.len == full, "fits in %zu but failed", capped.max);
        else
            FUZZ_CHECK(crc != 0 && capped.failed && capped.len <= capped.max, "did not fail at a cap of %zu",
                       capped.max);
        buf_free(&capped);
    }

    buf r;
    buf_init(&r, BUF_NO_LIMIT);
    FUZZ_CHECK(jsonw_string_replacing(&r, s, size) == 0, "the replacing mode refused a text");
    if (rc == 0)
        FUZZ_CHECK(r.len == b.len && memcmp(r.data, b.data, b.len) == 0, "the modes differ on valid UTF-8");
    json_error_t jerr;
    json_t *back = json_loadb(r.data, r.len, JSON_DECODE_ANY | JSON_ALLOW_NUL, &jerr);
    FUZZ_CHECK(back && json_is_string(back), "replacing mode wrote what jansson cannot read (%s): %s", jerr.text,
               r.data);
    json_decref(back);
    buf_free(&r);

    buf_free(&b);
    free(s);
    return 0;
}
