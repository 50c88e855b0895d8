/*
 * Unit tests for src/util/dotenv: python-dotenv 1.0.1's parsing rules, one
 * by one, its quirks, malformed input (skipped with a warning, never a
 * crash), loading a file, and finding `.env` up the directory tree.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/dotenv.h"

struct got {
    char keys[64][64];
    char values[64][256];
    int n;
    char warnings[16][128];
    size_t warn_lines[16];
    int nwarn;
};

static int collect(void *ud, const char *key, const char *value)
{
    struct got *g = ud;
    if (g->n >= 64) return -1;
    snprintf(g->keys[g->n], sizeof(g->keys[0]), "%s", key);
    snprintf(g->values[g->n], sizeof(g->values[0]), "%s", value);
    g->n++;
    return 0;
}

static void warned(void *ud, size_t line, const char *msg)
{
    struct got *g = ud;
    if (g->nwarn < 16) {
        g->warn_lines[g->nwarn] = line;
        snprintf(g->warnings[g->nwarn++], sizeof(g->warnings[0]), "%s", msg);
    }
}

static void parse(const char *text, struct got *g)
{
    char err[256] = "";
    memset(g, 0, sizeof(*g));
    if (dotenv_parse(text, strlen(text), collect, warned, g, err, sizeof(err)) != 0) fail_msg("parse: %s", err);
}

static const char *value_of(const struct got *g, const char *key)
{
    for (int i = 0; i < g->n; i++)
        if (strcmp(g->keys[i], key) == 0) return g->values[i];
    return NULL;
}

#define assert_value(g, key, want)                                                                           \
    do {                                                                                                     \
        const char *v_ = value_of((g), (key));                                                               \
        if (!v_) fail_msg("%s is not set", (key));                                                           \
        assert_string_equal(v_, (want));                                                                     \
    } while (0)

/* ------------------------------------------------------------------------ */

static void test_basic(void **state)
{
    struct got g;
    parse("A=1\n"
          "export B=2\n"
          "  C  =  3  \n"
          "D=\n"
          "E\n"
          "'F'=6\n"
          "export\tG=tab\n"
          "export=7\n"
          "exportH=8\n"
          "\xd0\xba\xd0\xbb\xd1\x8e\xd1\x87=\xd0\xb7\xd0\xbd\n"
          "I=a=b=c\n"
          "LAST=no newline at end",
          &g);
    assert_int_equal(g.nwarn, 0);
    assert_value(&g, "A", "1");
    assert_value(&g, "B", "2");
    assert_value(&g, "C", "3");
    assert_value(&g, "D", "");
    assert_null(value_of(&g, "E")); /* a key without `=` sets nothing */
    assert_value(&g, "F", "6");
    assert_value(&g, "G", "tab");
    assert_value(&g, "export", "7");
    assert_value(&g, "exportH", "8");
    assert_value(&g, "\xd0\xba\xd0\xbb\xd1\x8e\xd1\x87", "\xd0\xb7\xd0\xbd");
    assert_value(&g, "I", "a=b=c");
    assert_value(&g, "LAST", "no newline at end");
    assert_int_equal(g.n, 11);
    /* File order. */
    assert_string_equal(g.keys[0], "A");
    assert_string_equal(g.keys[10], "LAST");
}

static void test_comments(void **state)
{
    struct got g;
    parse("# a comment\n"
          "   # an indented comment\n"
          "A=val # comment\n"
          "B=val#not a comment\n"
          "C=\"quoted\" # comment\n"
          "D='single'# comment right after the quote\n"
          "E=a\t#tab before\n"
          "F= # only a comment\n" /* 1.0.1: the space after = is eaten, so this is the value */
          "G=#hash\n"
          "H=a # b # c\n"
          "I=trailing   \n"
          "J=x\xc2\xa0#nbsp is whitespace to Python\n"
          "#K=commented out\n",
          &g);
    assert_int_equal(g.nwarn, 0);
    assert_value(&g, "A", "val");
    assert_value(&g, "B", "val#not a comment");
    assert_value(&g, "C", "quoted");
    assert_value(&g, "D", "single");
    assert_value(&g, "E", "a");
    assert_value(&g, "F", "# only a comment");
    assert_value(&g, "G", "#hash");
    assert_value(&g, "H", "a");
    assert_value(&g, "I", "trailing");
    assert_value(&g, "J", "x");
    assert_null(value_of(&g, "K"));
    assert_int_equal(g.n, 10);
}

static void test_quotes_and_escapes(void **state)
{
    struct got g;
    parse("A=\"a\\nb\\tc\\\"q\\\"\\\\z\\'\"\n"   /* "a\nb\tc\"q\"\\z\'" */
          "B='a\\nb\\'c\\\\d'\n"                 /* 'a\nb\'c\\d' */
          "C=\"\\a\\b\\f\\r\\v\"\n"
          "D=\"\\x41 \\u0041 \\q\"\n"            /* unknown escapes stay */
          "E=\"multi\nline\"\n"
          "F='also\nmulti # not a comment\nline'\n"
          "G=\"\"\n"
          "H=''\n"
          "I=\"  spaced  \"\n"
          "J=unquoted \\n stays\n"
          "K=\"a\" \n",
          &g);
    assert_int_equal(g.nwarn, 0);
    assert_value(&g, "A", "a\nb\tc\"q\"\\z'");
    assert_value(&g, "B", "a\\nb'c\\d");
    assert_value(&g, "C", "\a\b\f\r\v");
    assert_value(&g, "D", "\\x41 \\u0041 \\q");
    assert_value(&g, "E", "multi\nline");
    assert_value(&g, "F", "also\nmulti # not a comment\nline");
    assert_value(&g, "G", "");
    assert_value(&g, "H", "");
    assert_value(&g, "I", "  spaced  ");
    assert_value(&g, "J", "unquoted \\n stays");
    assert_value(&g, "K", "a");
}

static void test_interpolation(void **state)
{
    struct got g;
    setenv("PGAI_DOTENV_T_ENV", "fromenv", 1);
    unsetenv("PGAI_DOTENV_T_UNSET");
    parse("A=1\n"
          "B=${A}-x\n"
          "C=\"${A}\"\n"
          "D='${A}'\n" /* python-dotenv 1.0.1 expands inside single quotes too */
          "E=${PGAI_DOTENV_T_ENV}\n"
          "PGAI_DOTENV_T_ENV=file\n"
          "F=${PGAI_DOTENV_T_ENV}\n" /* the environment wins over the file */
          "G=${PGAI_DOTENV_T_UNSET:-def}\n"
          "H=${PGAI_DOTENV_T_UNSET}\n"
          "I=$A ${A\n"
          "J=${A:B} ${PGAI_DOTENV_T_UNSET:-x:y} ${}\n"
          "NOVALUE\n"
          "K=${NOVALUE:-d}\n" /* present without a value: "" and not the default */
          "L=${PGAI_DOTENV_T_UNSET:-${B}}\n" /* the default ends at the first }, unexpanded */
          "M=${M}\n"
          "A=2\n"
          "N=${A}\n"
          "O=${A:-}\n",
          &g);
    assert_int_equal(g.nwarn, 0);
    assert_value(&g, "A", "2"); /* the last value, at the first position */
    assert_string_equal(g.keys[0], "A");
    assert_value(&g, "B", "1-x");
    assert_value(&g, "C", "1");
    assert_value(&g, "D", "1");
    assert_value(&g, "E", "fromenv");
    assert_value(&g, "PGAI_DOTENV_T_ENV", "file");
    assert_value(&g, "F", "fromenv");
    assert_value(&g, "G", "def");
    assert_value(&g, "H", "");
    assert_value(&g, "I", "$A ${A");
    assert_value(&g, "J", "${A:B} x:y ");
    assert_null(value_of(&g, "NOVALUE"));
    assert_value(&g, "K", "");
    assert_value(&g, "L", "${B}");
    assert_value(&g, "M", "");
    assert_value(&g, "N", "2");
    assert_value(&g, "O", "2");
    unsetenv("PGAI_DOTENV_T_ENV");
}

static void test_malformed(void **state)
{
    struct got g;
    parse("A=1\n"               /* line 1 */
          "\n"                  /* 2 */
          "=novalue\n"          /* 3: reported as line 2, where python-dotenv's statement starts */
          "B=2\n"               /* 4 */
          "bad key=1\n"         /* 5 */
          "C=3\n"               /* 6 */
          "a='b',c\n"           /* 7: text after the closing quote */
          "D=\"x\"y\n"          /* 8: the same */
          "E=4\n"               /* 9 */
          "A: B\n"              /* 10: key "A:" without a value, then junk */
          "'unterminated=1\n"   /* 11: no closing quote for the key */
          "F=\"never closed\n"  /* 12: nor for the value */
          "G=5\n",              /* 13 */
          &g);
    assert_value(&g, "A", "1");
    assert_value(&g, "B", "2");
    assert_value(&g, "C", "3");
    assert_value(&g, "E", "4");
    assert_value(&g, "G", "5");
    assert_int_equal(g.n, 5);
    const int lines[] = {2, 5, 7, 8, 10, 11, 12};
    assert_int_equal(g.nwarn, 7);
    for (int i = 0; i < 7; i++) {
        char want[128];
        snprintf(want, sizeof(want), "Python-dotenv could not parse statement starting at line %d", lines[i]);
        assert_string_equal(g.warnings[i], want);
        /* the line handed over is where the statement really starts: line 3, not 2, for the first */
        assert_int_equal(g.warn_lines[i], i == 0 ? 3 : lines[i]);
    }
    /* A quoted key looks for its closing quote across lines, as the regex
     * does: here it finds one three lines down and all of them go. */
    parse("'K=1\nX=2\nY=3\nZ='4'\nW=5\n", &g);
    assert_int_equal(g.n, 1);
    assert_value(&g, "W", "5");
    assert_int_equal(g.nwarn, 1);
}

/* The backtracking of python-dotenv's quoted-value regex, reproduced. */
static void test_quote_backtracking(void **state)
{
    struct got g;
    /* No closing quote, but an escaped one: the value ends there. */
    parse("Q1=\"a\\\"\nQ2=2\n", &g);
    assert_value(&g, "Q1", "a\\");
    assert_value(&g, "Q2", "2");
    assert_int_equal(g.nwarn, 0);
    /* A value ending in an escaped backslash swallows lines up to the next
     * quote (fixed in python-dotenv 1.2.3, present in 1.0.1). */
    parse("Q3=\"a\\\\\"\nQ4=4\nQ5=\"z\"\nQ6=6\n", &g);
    assert_null(value_of(&g, "Q3"));
    assert_null(value_of(&g, "Q4"));
    assert_null(value_of(&g, "Q5"));
    assert_value(&g, "Q6", "6");
    assert_int_equal(g.nwarn, 1);
    assert_string_equal(g.warnings[0], "Python-dotenv could not parse statement starting at line 1");
    /* The same with single quotes. */
    parse("S1='it\\'s\nS2=2\n", &g);
    assert_null(value_of(&g, "S1")); /* ends after "it\", then "s" is junk */
    assert_value(&g, "S2", "2");
    assert_int_equal(g.nwarn, 1);
}

static void test_newlines_and_bytes(void **state)
{
    struct got g;
    parse("A=1\r\nB=\"x\r\ny\"\r\nC=2\rD=3", &g);
    assert_value(&g, "A", "1");
    assert_value(&g, "B", "x\ny");
    assert_value(&g, "C", "2");
    assert_value(&g, "D", "3");
    assert_int_equal(g.nwarn, 0);
    /* No BOM stripping in 1.0.1: it is part of the first key. */
    parse("\xef\xbb\xbf" "A=1\n", &g);
    assert_value(&g, "\xef\xbb\xbf" "A", "1");
    assert_null(value_of(&g, "A"));
    /* Unicode whitespace separates like ASCII whitespace. */
    parse("K\xe3\x80\x80=\xe3\x80\x80v\xe3\x80\x80\n", &g);
    assert_value(&g, "K", "v");
    /* Empty inputs. */
    parse("", &g);
    assert_int_equal(g.n + g.nwarn, 0);
    parse("\n\n   \n\t\n", &g);
    assert_int_equal(g.n + g.nwarn, 0);
    parse("# only\n#comments", &g);
    assert_int_equal(g.n + g.nwarn, 0);

    char err[256];
    memset(&g, 0, sizeof(g));
    assert_int_equal(dotenv_parse("A=\xff\n", 4, collect, warned, &g, err, sizeof(err)), -1);
    assert_string_equal(err, "not valid UTF-8 at byte 2");
    assert_int_equal(g.n, 0);
    /* A NUL byte in a value is refused when it is set (Python's os.environ
     * refuses it too); in a comment it is harmless. */
    assert_int_equal(dotenv_parse("A=1\nB=x\0y\n", 10, collect, warned, &g, err, sizeof(err)), -1);
    assert_string_equal(err, "cannot set B: embedded NUL byte");
    memset(&g, 0, sizeof(g));
    assert_int_equal(dotenv_parse("# \0\nA=1\n", 8, collect, warned, &g, err, sizeof(err)), 0);
    assert_value(&g, "A", "1");
    /* NULL text of length 0 is empty. */
    assert_int_equal(dotenv_parse(NULL, 0, collect, warned, &g, err, sizeof(err)), 0);
}

/* Random junk from the characters the grammar cares about: no crash, no
 * leak (run under ASan), and every key it reports is non-empty. */
static void test_fuzz(void **state)
{
    static const char *atoms[] = {"A", "b", "=", "#", " ", "\t", "\n", "\r", "'", "\"", "\\", "$", "{", "}",
                                  ":-", "export ", "${A}", "\xc2\xa0", "\xe3\x80\x80", "\xd0\xb6", ":"};
    uint64_t s = 7;
    char text[256];
    struct got g;
    char err[256];
    for (int round = 0; round < 30000; round++) {
        size_t len = 0;
        s = s * 6364136223846793005ull + 1442695040888963407ull;
        int natoms = (int)((s >> 33) % 40);
        for (int k = 0; k < natoms; k++) {
            s = s * 6364136223846793005ull + 1442695040888963407ull;
            const char *a = atoms[(s >> 33) % (sizeof(atoms) / sizeof(*atoms))];
            size_t al = strlen(a);
            if (len + al >= sizeof(text)) break;
            memcpy(text + len, a, al);
            len += al;
        }
        memset(&g, 0, sizeof(g));
        int rc = dotenv_parse(text, len, collect, warned, &g, err, sizeof(err));
        if (rc != 0) fail_msg("round %d: %s", round, err);
        for (int i = 0; i < g.n; i++) assert_true(g.keys[i][0] != 0);
    }
}

/* ------------------------------------------------------------------------ */

static char tmpdir[256];

static int setup_tmp(void **state)
{
    snprintf(tmpdir, sizeof(tmpdir), "/tmp/pgai-dotenv-XXXXXX");
    return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown_tmp(void **state)
{
    char cmd[PATH_MAX + 16];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
    return system(cmd) == 0 ? 0 : -1;
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static void test_load_file(void **state)
{
    char path[PATH_MAX + 32], err[256];
    snprintf(path, sizeof(path), "%s/x.env", tmpdir);
    write_file(path, "PGAI_DOTENV_T_NEW=new\n"
                     "PGAI_DOTENV_T_OLD=file\n"
                     "PGAI_DOTENV_T_REF=${PGAI_DOTENV_T_NEW}+${PGAI_DOTENV_T_OLD}\n"
                     "broken line\n");
    setenv("PGAI_DOTENV_T_OLD", "env", 1);
    unsetenv("PGAI_DOTENV_T_NEW");
    unsetenv("PGAI_DOTENV_T_REF");
    assert_int_equal(dotenv_load_file(path, dotenv_setenv_no_override, NULL, err, sizeof(err)), 0);
    assert_string_equal(getenv("PGAI_DOTENV_T_NEW"), "new");
    assert_string_equal(getenv("PGAI_DOTENV_T_OLD"), "env"); /* not overridden */
    assert_string_equal(getenv("PGAI_DOTENV_T_REF"), "new+env");
    struct got g;
    memset(&g, 0, sizeof(g));
    assert_int_equal(dotenv_load_file_warn(path, collect, warned, &g, err, sizeof(err)), 0);
    assert_int_equal(g.nwarn, 1);
    assert_int_equal(g.n, 3);
    unsetenv("PGAI_DOTENV_T_NEW");
    unsetenv("PGAI_DOTENV_T_OLD");
    unsetenv("PGAI_DOTENV_T_REF");

    /* Missing file, a directory, an empty path: nothing, no error. */
    memset(&g, 0, sizeof(g));
    snprintf(path, sizeof(path), "%s/missing.env", tmpdir);
    assert_int_equal(dotenv_load_file(path, collect, &g, err, sizeof(err)), 0);
    assert_int_equal(dotenv_load_file(tmpdir, collect, &g, err, sizeof(err)), 0);
    assert_int_equal(dotenv_load_file("", collect, &g, err, sizeof(err)), 0);
    assert_int_equal(dotenv_load_file(NULL, collect, &g, err, sizeof(err)), 0);
    assert_int_equal(g.n, 0);

    /* The setter's refusal is an error: setenv rejects a name with '='. */
    snprintf(path, sizeof(path), "%s/bad.env", tmpdir);
    write_file(path, "'PGAI_A=B'=1\n");
    assert_int_equal(dotenv_load_file(path, dotenv_setenv_no_override, NULL, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "cannot set PGAI_A=B: Invalid argument"));
    /* Invalid UTF-8 names the file. */
    write_file(path, "A=\xc3\n");
    assert_int_equal(dotenv_load_file(path, collect, &g, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "bad.env: not valid UTF-8 at byte 2"));
}

static void test_find(void **state)
{
    char a[PATH_MAX], b[PATH_MAX + 8], c[PATH_MAX + 16], env[PATH_MAX + 32], found[PATH_MAX + 64];
    snprintf(a, sizeof(a), "%s/a", tmpdir);
    snprintf(b, sizeof(b), "%s/b", a);
    snprintf(c, sizeof(c), "%s/c", b);
    assert_int_equal(mkdir(a, 0755), 0);
    assert_int_equal(mkdir(b, 0755), 0);
    assert_int_equal(mkdir(c, 0755), 0);

    /* Nothing in the tree: "" or a .env above it (not ours to control). */
    assert_int_equal(dotenv_find(c, found, sizeof(found)), 0);
    assert_true(found[0] == 0 || strncmp(found, tmpdir, strlen(tmpdir)) != 0);

    snprintf(env, sizeof(env), "%s/.env", a);
    write_file(env, "X=1\n");
    assert_int_equal(dotenv_find(c, found, sizeof(found)), 0);
    assert_string_equal(found, env);
    /* A directory named .env does not count. */
    char envdir[PATH_MAX + 32];
    snprintf(envdir, sizeof(envdir), "%s/.env", b);
    assert_int_equal(mkdir(envdir, 0755), 0);
    assert_int_equal(dotenv_find(c, found, sizeof(found)), 0);
    assert_string_equal(found, env);
    /* The nearest one wins. */
    char env2[PATH_MAX + 32];
    snprintf(env2, sizeof(env2), "%s/.env", c);
    write_file(env2, "X=2\n");
    assert_int_equal(dotenv_find(c, found, sizeof(found)), 0);
    assert_string_equal(found, env2);
    assert_int_equal(unlink(env2), 0);
    /* Starting at a file starts in its directory; paths are normalised. */
    char file[PATH_MAX + 32], messy[PATH_MAX + 64];
    snprintf(file, sizeof(file), "%s/f.txt", c);
    write_file(file, "");
    assert_int_equal(dotenv_find(file, found, sizeof(found)), 0);
    assert_string_equal(found, env);
    snprintf(messy, sizeof(messy), "%s//./c/../c/", b);
    assert_int_equal(dotenv_find(messy, found, sizeof(found)), 0);
    assert_string_equal(found, env);
    /* NULL: the current directory; a relative start is under it. */
    char cwd[PATH_MAX];
    assert_non_null(getcwd(cwd, sizeof(cwd)));
    assert_int_equal(chdir(c), 0);
    assert_int_equal(dotenv_find(NULL, found, sizeof(found)), 0);
    assert_string_equal(found, env);
    assert_int_equal(dotenv_find("../../b/c", found, sizeof(found)), 0);
    assert_string_equal(found, env);
    assert_int_equal(chdir(cwd), 0);
    /* Errors: no such start, no room for the result. */
    assert_int_equal(dotenv_find("/nonexistent/pgai/dir", found, sizeof(found)), -1);
    assert_int_equal(dotenv_find(c, found, 8), -1);
}


/* ---- dotenv_find_trusted: only a .env no other user could have planted ---- */

static struct stat fake_stat(mode_t mode, uid_t uid)
{
    struct stat st;
    memset(&st, 0, sizeof(st));
    st.st_mode = mode;
    st.st_uid = uid;
    return st;
}

static void test_trust_rules(void **state)
{
    char why[256];
    struct stat st;
    /* directories: ours and root's are trusted even when others may write (/tmp) */
    st = fake_stat(S_IFDIR | 0755, 1000);
    assert_null(dotenv_dir_untrusted(&st, 1000));
    assert_null(dotenv_dir_untrusted(&st, 2000)); /* someone else's, but only they can write */
    st = fake_stat(S_IFDIR | 01777, 0);
    assert_null(dotenv_dir_untrusted(&st, 1000));
    st = fake_stat(S_IFDIR | 0775, 1000);
    assert_null(dotenv_dir_untrusted(&st, 1000));
    st = fake_stat(S_IFDIR | 0777, 2000);
    assert_string_equal(dotenv_dir_untrusted(&st, 1000), "is writable by every user");
    st = fake_stat(S_IFDIR | 01777, 2000); /* the sticky bit does not help against the owner */
    assert_non_null(dotenv_dir_untrusted(&st, 1000));
    st = fake_stat(S_IFDIR | 0770, 2000);
    assert_string_equal(dotenv_dir_untrusted(&st, 1000), "is writable by its group");
    /* files: ours or root's, and nobody else may write to them */
    st = fake_stat(S_IFREG | 0644, 1000);
    assert_null(dotenv_file_untrusted(&st, 1000, why, sizeof(why)));
    st = fake_stat(S_IFREG | 0600, 0);
    assert_null(dotenv_file_untrusted(&st, 1000, why, sizeof(why)));
    st = fake_stat(S_IFREG | 0644, 65534);
    assert_string_equal(dotenv_file_untrusted(&st, 1000, why, sizeof(why)),
                        "it belongs to uid 65534, not to this user (uid 1000) or root");
    st = fake_stat(S_IFREG | 0664, 1000);
    assert_string_equal(dotenv_file_untrusted(&st, 1000, why, sizeof(why)),
                        "other users can write to it (mode 664; chmod go-w fixes that)");
    st = fake_stat(S_IFREG | 0646, 0);
    assert_non_null(dotenv_file_untrusted(&st, 1000, why, sizeof(why)));
    st = fake_stat(S_IFIFO | 0600, 1000);
    assert_string_equal(dotenv_file_untrusted(&st, 1000, why, sizeof(why)), "it is not a regular file");
}

struct refusals {
    int n;
    char path[PATH_MAX + 64];
    char why[512];
};

static void refused(void *ud, const char *path, const char *why)
{
    struct refusals *r = ud;
    r->n++;
    snprintf(r->path, sizeof(r->path), "%s", path);
    snprintf(r->why, sizeof(r->why), "%s", why);
}

static void test_find_trusted(void **state)
{
    char a[PATH_MAX], b[PATH_MAX + 8], env[PATH_MAX + 32], found[PATH_MAX + 64], err[256];
    snprintf(a, sizeof(a), "%s/a", tmpdir);
    snprintf(b, sizeof(b), "%s/b", a);
    assert_int_equal(mkdir(a, 0755), 0);
    assert_int_equal(mkdir(b, 0755), 0);
    snprintf(env, sizeof(env), "%s/.env", a);
    write_file(env, "PGAI_DOTENV_T_TRUSTED=yes\n");
    assert_int_equal(chmod(env, 0644), 0);

    /* ours, not writable by others: found, and read through the descriptor */
    struct refusals r = {0};
    int fd;
    assert_int_equal(dotenv_find_trusted(b, found, sizeof(found), &fd, refused, &r), 0);
    assert_true(fd >= 0);
    assert_string_equal(found, env);
    assert_int_equal(r.n, 0);
    struct got g;
    memset(&g, 0, sizeof(g));
    assert_int_equal(dotenv_load_fd(fd, found, collect, warned, &g, err, sizeof(err)), 0);
    close(fd);
    assert_value(&g, "PGAI_DOTENV_T_TRUSTED", "yes");

    /* writable by the group: refused, and the search ends there */
    assert_int_equal(chmod(env, 0664), 0);
    assert_int_equal(dotenv_find_trusted(b, found, sizeof(found), &fd, refused, &r), 0);
    assert_int_equal(fd, -1);
    assert_int_equal(r.n, 1);
    assert_string_equal(r.path, env);
    assert_non_null(strstr(r.why, "other users can write to it (mode 664"));

    /* nothing to find: no fd, no refusal */
    assert_int_equal(unlink(env), 0);
    memset(&r, 0, sizeof(r));
    assert_int_equal(dotenv_find_trusted(b, found, sizeof(found), &fd, refused, &r), 0);
    assert_int_equal(fd, -1);
    assert_true(r.n == 0 || strncmp(r.path, tmpdir, strlen(tmpdir)) != 0); /* above tmpdir: not ours to control */
    assert_int_equal(dotenv_find_trusted("/nonexistent/pgai/dir", found, sizeof(found), &fd, refused, &r), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_basic),
        cmocka_unit_test(test_comments),
        cmocka_unit_test(test_quotes_and_escapes),
        cmocka_unit_test(test_interpolation),
        cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_quote_backtracking),
        cmocka_unit_test(test_newlines_and_bytes),
        cmocka_unit_test(test_fuzz),
        cmocka_unit_test_setup_teardown(test_load_file, setup_tmp, teardown_tmp),
        cmocka_unit_test_setup_teardown(test_find, setup_tmp, teardown_tmp),
        cmocka_unit_test(test_trust_rules),
        cmocka_unit_test_setup_teardown(test_find_trusted, setup_tmp, teardown_tmp),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
