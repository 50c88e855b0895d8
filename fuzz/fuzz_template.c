/*
 * fuzz_template: format_template_parse and format_render, the
 * python_template formatting stage (Python's string.Template.substitute).
 *
 * Input: the first line (up to the first '\n') is the template, the rest is
 * the chunk (bytes, may hold NULs: the length is passed). The row is a
 * fixed set of columns of several types, as the worker fetches them.
 */
#include "format/format.h"
#include "fuzz_common.h"

#define OUT_MAX (64u << 10)

static const format_value row[] = {
    {"title", 25, 0, "Getting started with pgai"},
    {"id", 23, 0, "42"},
    {"published", 1184, 0, "2025-01-06 10:00:00.123456+00"},
    {"tags", 1009, 25, "{pgai,\"vector search\",NULL}"},
    {"meta", 3802, 0, "{\"a\": [1, 2.5, null, true], \"b\": \"x\\u00e9\"}"},
    {"price", 1700, 0, "12.50"},
    {"score", 701, 0, "0.1"},
    {"missing", 25, 0, NULL},
    {"period", 3910, 0, "[\"2025-01-01 00:00:00+00\",\"2025-02-01 00:00:00+00\")"},
    {"wait", 1186, 0, "1 day 02:03:04.5"},
    {"data", 17, 0, "\\x68656c6c6f00"},
    {"loading_retries", 23, 0, "0"},
    {"Title", 1043, 0, "case matters"},
    {"title", 25, 0, "the last column of a name wins"},
};
#define NROW (sizeof(row) / sizeof(row[0]))

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *nl = memchr(data, '\n', size);
    size_t tlen = nl ? (size_t)(nl - data) : size;
    char *tmpl = fuzz_cstr(data, tlen);
    size_t clen = nl ? size - tlen - 1 : 0;
    char *chunk = fuzz_copy(nl ? nl + 1 : data, clen);

    char err[512];
    format_template *t = NULL;
    FUZZ_CHECK(format_template_parse(tmpl, &t, err, sizeof(err)) == 0 && t, "parse failed: %s", err);

    buf out;
    buf_init(&out, OUT_MAX);
    err[0] = '\0';
    int rc = format_render(t, chunk, clen, row, NROW, &out, err, sizeof(err));
    if (rc == 0) {
        FUZZ_CHECK(!out.failed && out.len <= OUT_MAX, "success with a failed buffer");
        /* no '$' at all: the template is its own output */
        if (!strchr(tmpl, '$'))
            FUZZ_CHECK(out.len == strlen(tmpl) && memcmp(out.data ? out.data : "", tmpl, out.len) == 0,
                       "a template without placeholders changed");
        /* a parsed template is immutable: the same output again */
        buf again;
        buf_init(&again, OUT_MAX);
        FUZZ_CHECK(format_render(t, chunk, clen, row, NROW, &again, err, sizeof(err)) == 0 && again.len == out.len &&
                       (out.len == 0 || memcmp(again.data, out.data, out.len) == 0),
                   "a second render differs");
        buf_free(&again);
    } else {
        FUZZ_CHECK(err[0] != '\0', "failure without a message");
    }

    /* a small cap: fails cleanly or fits */
    buf small;
    buf_init(&small, 1 + size % 32);
    if (format_render(t, chunk, clen, row, NROW, &small, err, sizeof(err)) == 0)
        FUZZ_CHECK(small.len <= small.max, "wrote past the cap");
    buf_free(&small);

    /* a row with a column named chunk: Python's TypeError, always */
    static const format_value clash[] = {{"chunk", 25, 0, "x"}};
    buf c;
    buf_init(&c, OUT_MAX);
    FUZZ_CHECK(format_render(t, chunk, clen, clash, 1, &c, err, sizeof(err)) == -1 && strstr(err, "TypeError"),
               "a column named chunk was accepted");
    buf_free(&c);

    buf_free(&out);
    format_template_free(t);
    free(chunk);
    free(tmpl);
    return 0;
}
