/*
 * fuzz_dotenv: dotenv_parse, the reader of a `.env` file (python-dotenv
 * 1.0.1's format). Input: the file's bytes, passed as (pointer, length)
 * without a terminator, as dotenv.h allows. The setter only counts and
 * checks what it is given: the process environment is never changed
 * (${NAME} expansion still reads it, which is harmless).
 */
#include "fuzz_common.h"
#include "cli/dotenv.h"

typedef struct sink {
    size_t pairs, warnings;
    size_t refuse_at; /* the setter fails on this pair (1-based); 0 = never */
} sink;

static int count_pair(void *ud, const char *key, const char *value)
{
    sink *s = ud;
    FUZZ_CHECK(key != NULL && value != NULL, "NULL key or value");
    FUZZ_CHECK(key[0] != '\0', "empty key (value '%s')", value);
    s->pairs++;
    return s->refuse_at && s->pairs == s->refuse_at ? -1 : 0;
}

static void count_warning(void *ud, size_t line, const char *msg)
{
    sink *s = ud;
    FUZZ_CHECK(line >= 1, "warning for line %zu", line);
    static const char prefix[] = "Python-dotenv could not parse statement starting at line ";
    FUZZ_CHECK(strncmp(msg, prefix, sizeof(prefix) - 1) == 0, "unexpected warning '%s'", msg);
    s->warnings++;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = fuzz_copy(data, size);
    char err[256] = "";

    sink s = {0, 0, 0};
    int rc = dotenv_parse(text, size, count_pair, count_warning, &s, err, sizeof(err));

    /* Only invalid UTF-8, a NUL byte in a key or value, or running out of
     * memory may fail the load; ${...} expansion may also hit a size limit. */
    int valid = fuzz_utf8_valid(data, size);
    int has_nul = memchr(data, '\0', size) != NULL;
    int expands = memmem(data, size, "${", 2) != NULL;
    if (valid && !has_nul && !expands) FUZZ_CHECK(rc == 0, "a valid file failed: %s", err);
    if (!valid) FUZZ_CHECK(rc != 0 && s.pairs == 0, "invalid UTF-8 was accepted");
    if (rc != 0) FUZZ_CHECK(err[0] != '\0', "failure without a message");

    /* Every pair set needs its own '=' in the file (keys are set once each). */
    size_t equals = 0;
    for (size_t i = 0; i < size; i++) equals += data[i] == '=';
    FUZZ_CHECK(s.pairs <= equals, "%zu pairs from %zu '=' signs", s.pairs, equals);

    /* The same text again, without a warner, and a setter that refuses the first pair. */
    if (rc == 0 && s.pairs > 0) {
        sink r = {0, 0, 1};
        err[0] = '\0';
        int rc2 = dotenv_parse(text, size, count_pair, NULL, &r, err, sizeof(err));
        FUZZ_CHECK(rc2 != 0 && r.pairs == 1 && err[0] != '\0', "a refusing setter did not stop the load");
    }

    free(text);
    return 0;
}
