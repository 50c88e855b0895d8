/*
 * fuzz_sql: identifier and literal quoting (db_sqlf's %I and %L), which
 * every SQL statement the worker builds from catalog names goes through
 * (queue.c, store.c, executor.c). Hostile names come from whoever may
 * create tables and columns, so the property is structural: a statement
 * built from any name must lex, under standard_conforming_strings on AND
 * off, into exactly the tokens the same statement built from a plain name
 * does, and each quoted token must decode back to the name.
 *
 * Input: the bytes up to the first NUL are the name.
 */
#include "db/db.h"
#include "fuzz_common.h"

enum { TOK_WORD, TOK_IDENT, TOK_LITERAL, TOK_PUNCT };
typedef struct token {
    int kind;
    char text[8]; /* a word or punctuation: its first bytes */
} token;

/* Decodes a quoted token at s[*i] into out; returns 0, or -1 when it does not end. */
static int lex_quoted(const char *s, size_t n, size_t *i, char quote, int escape, buf *out)
{
    size_t j = *i + 1;
    while (j < n) {
        char c = s[j];
        if (escape && c == '\\') {
            if (j + 1 >= n) return -1;
            /* only \\ and \' are ever written by us; anything else would be an escape sequence */
            FUZZ_CHECK(s[j + 1] == '\\' || s[j + 1] == '\'', "unexpected escape \\%c", s[j + 1]);
            FUZZ_CHECK(buf_append(out, s + j + 1, 1) == 0, "out of memory");
            j += 2;
            continue;
        }
        if (c == quote) {
            if (j + 1 < n && s[j + 1] == quote) {
                FUZZ_CHECK(buf_append(out, &quote, 1) == 0, "out of memory");
                j += 2;
                continue;
            }
            *i = j + 1;
            return 0;
        }
        FUZZ_CHECK(buf_append(out, &c, 1) == 0, "out of memory");
        j++;
    }
    return -1;
}

/* PostgreSQL's lexing of the few token kinds our statements use. */
static size_t lex(const char *s, int sc_on, token *toks, size_t max, const char *name)
{
    size_t n = strlen(s), i = 0, k = 0;
    while (i < n && k < max) {
        char c = s[i];
        if (c == ' ') {
            i++;
            continue;
        }
        token *t = &toks[k++];
        memset(t, 0, sizeof(*t));
        buf dec;
        buf_init(&dec, BUF_NO_LIMIT);
        if (c == '"' || c == '\'' || (c == 'E' && i + 1 < n && s[i + 1] == '\'')) {
            int is_e = c == 'E';
            if (is_e) i++;
            t->kind = c == '"' ? TOK_IDENT : TOK_LITERAL;
            int escape = c != '"' && (is_e || !sc_on);
            FUZZ_CHECK(lex_quoted(s, n, &i, c == '"' ? '"' : '\'', escape, &dec) == 0, "unterminated: %s", s);
            FUZZ_CHECK(dec.len == strlen(name) && memcmp(dec.data ? dec.data : "", name, dec.len) == 0,
                       "a quoted token does not decode to the name (sc=%d): %s", sc_on, s);
        } else if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) {
            t->kind = TOK_WORD;
            size_t j = 0;
            while (i < n && ((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z'))) {
                if (j + 1 < sizeof(t->text)) t->text[j++] = s[i];
                i++;
            }
        } else {
            t->kind = TOK_PUNCT;
            t->text[0] = c;
            i++;
        }
        buf_free(&dec);
    }
    return k;
}

static char *build(const char *name)
{
    buf b;
    buf_init(&b, BUF_NO_LIMIT);
    FUZZ_CHECK(db_sqlf(&b, "SELECT %I, %L FROM %I.%I WHERE %I = %L", name, name, name, name, name, name) == 0,
               "db_sqlf failed");
    return buf_take(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *name = malloc(size + 1);
    if (!name) return 0;
    memcpy(name, data, size);
    name[size] = '\0'; /* catalog names never hold a NUL: stop at the first */
    char *hostile = build(name), *plain = build("x");
    token want[32], got[32];
    size_t nwant = lex(plain, 1, want, 32, "x");
    for (int sc_on = 0; sc_on <= 1; sc_on++) {
        size_t ngot = lex(hostile, sc_on, got, 32, name);
        FUZZ_CHECK(ngot == nwant, "%zu tokens instead of %zu (sc=%d): %s", ngot, nwant, sc_on, hostile);
        for (size_t i = 0; i < ngot; i++)
            FUZZ_CHECK(got[i].kind == want[i].kind && strcmp(got[i].text, want[i].text) == 0,
                       "token %zu differs (sc=%d): %s", i, sc_on, hostile);
    }
    free(hostile);
    free(plain);
    free(name);
    return 0;
}
