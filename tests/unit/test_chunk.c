/*
 * Unit tests for src/chunk (LangChain 0.3.8 splitters, spec §7).
 *
 * Expected outputs are derived by hand from the algorithm in spec §7; the
 * tricky ones carry the derivation. S = chunk_size, O = chunk_overlap,
 * sl = length of the join separator, "total" is merge_splits' running length.
 * They were also cross-checked with tests/dev/chunk_fuzz.py, a Python model
 * of the same algorithm on Python's own `re`.
 *
 * `test_chunk --split` reads one case on stdin and prints the chunks; it is
 * the C side of that fuzzer, not a test.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "chunk/chunk.h"

#define SEPS(...) ((const char *const[]){__VA_ARGS__}), (sizeof((const char *const[]){__VA_ARGS__}) / sizeof(char *))
#define WANT(...) ((const char *const[]){__VA_ARGS__}), (sizeof((const char *const[]){__VA_ARGS__}) / sizeof(char *))
#define NO_SEPS NULL, 0
#define NO_CHUNKS NULL, 0

static chunker *make(chunk_kind kind, long size, long overlap, int regex, const char *const *seps, size_t nseps)
{
    chunk_config cfg = {kind, size, overlap, seps, nseps, regex};
    chunker *c = NULL;
    char err[256] = "";
    if (chunker_new(&cfg, &c, err, sizeof(err)) != 0) fail_msg("chunker_new: %s", err);
    return c;
}

static void show(const chunk_list *l)
{
    for (size_t i = 0; i < l->count; i++) print_message("  got[%zu] = \"%s\"\n", i, l->items[i]);
}

/* Splits text and compares with want[0..nwant). */
static void check(chunk_kind kind, long size, long overlap, int regex, const char *const *seps, size_t nseps,
                  const char *text, const char *const *want, size_t nwant)
{
    chunker *c = make(kind, size, overlap, regex, seps, nseps);
    chunk_list l;
    char err[256] = "";
    if (chunker_split(c, text, strlen(text), 0, &l, err, sizeof(err)) != 0) fail_msg("chunker_split: %s", err);
    if (l.count != nwant) show(&l);
    assert_int_equal(l.count, nwant);
    for (size_t i = 0; i < nwant; i++) {
        if (strcmp(l.items[i], want[i]) != 0) show(&l);
        assert_string_equal(l.items[i], want[i]);
        assert_int_equal(l.lens[i], strlen(want[i]));
    }
    chunk_list_free(&l);
    chunker_free(c);
}

/* Expects chunker_split to fail with a message containing `msg`. */
static void check_split_error(chunk_kind kind, long size, long overlap, int regex, const char *const *seps,
                              size_t nseps, const char *text, size_t len, size_t max_chunks, const char *msg)
{
    chunker *c = make(kind, size, overlap, regex, seps, nseps);
    chunk_list l;
    char err[256] = "";
    assert_int_equal(chunker_split(c, text, len, max_chunks, &l, err, sizeof(err)), -1);
    if (!strstr(err, msg)) fail_msg("error \"%s\" does not contain \"%s\"", err, msg);
    assert_int_equal(l.count, 0); /* nothing leaks out of a failed split */
    assert_null(l.items);
    chunker_free(c);
}

/* ---- spec [TEST] items ---------------------------------------------------- */

static void test_spec_long_text_one_chunk(void **state)
{
    /* separators ['\n\n'] that never occur: the last (only) separator is
     * chosen with no separators left, the text is one split of 15000 >= 128
     * code points, appended as is: one chunk, not stripped. */
    size_t n = 15000;
    char *text = malloc(n + 1);
    for (size_t i = 0; i < n; i++) text[i] = "lorem ipsum dolor "[i % 18];
    text[n] = '\0';
    assert_int_equal(text[n - 1], ' '); /* ends in a space that must survive */
    check(CHUNK_RECURSIVE, 128, 10, 0, SEPS("\n\n"), text, WANT(text));
    free(text);
}

static void test_spec_short_text_one_chunk(void **state)
{
    check(CHUNK_RECURSIVE, 800, 400, 0, SEPS("\n\n", "\n", ".", "?", "!", " ", ""), "Hello world. How are you?",
          WANT("Hello world. How are you?"));
    check(CHUNK_CHARACTER, 800, 400, 0, SEPS("\n\n"), "Hello world.", WANT("Hello world."));
    check(CHUNK_RECURSIVE, 800, 400, 0, NO_SEPS, "one line", WANT("one line"));
}

static void test_none_kind(void **state)
{
    /* none: the payload itself, not stripped, even blank or empty */
    check(CHUNK_NONE, 0, 0, 0, NO_SEPS, "  para one\n\npara two  ", WANT("  para one\n\npara two  "));
    check(CHUNK_NONE, 0, 0, 0, NO_SEPS, "   ", WANT("   "));
    check(CHUNK_NONE, 0, 0, 0, NO_SEPS, "", WANT(""));
    /* its sizes are not validated */
    check(CHUNK_NONE, 1, 5, 0, NO_SEPS, "abc", WANT("abc"));
}

static void test_whitespace_only(void **state)
{
    /* every merged chunk is stripped and empty ones dropped: zero chunks */
    check(CHUNK_RECURSIVE, 800, 400, 0, NO_SEPS, "   ", NO_CHUNKS);
    check(CHUNK_RECURSIVE, 800, 400, 0, NO_SEPS, "\t\n  \t", NO_CHUNKS);
    check(CHUNK_CHARACTER, 800, 400, 0, SEPS("\n\n"), "   ", NO_CHUNKS);
    check(CHUNK_CHARACTER, 800, 400, 0, SEPS("\n\n"), "\t\n  \t", NO_CHUNKS);
    check(CHUNK_CHARACTER, 10, 0, 0, SEPS(" "), "     ", NO_CHUNKS);
    /* Python's str.strip() set includes U+3000, U+00A0, U+2028, \x1c */
    check(CHUNK_CHARACTER, 10, 0, 0, SEPS("\n\n"), "\xe3\x80\x80\xc2\xa0\xe2\x80\xa8\x1c", NO_CHUNKS);
    check(CHUNK_RECURSIVE, 10, 0, 0, NO_SEPS, "", NO_CHUNKS);
    check(CHUNK_CHARACTER, 10, 0, 0, SEPS(" "), "", NO_CHUNKS);
}

/* ---- overlap -------------------------------------------------------------- */

static void test_character_overlap(void **state)
{
    /* "a b c d e f g", separator " ", S=5, O=2, sl=1:
     * a:1  b:1+1+1=3  c:3+1+1=5  d:5+2=7>5 -> emit "a b c"; pop while
     * total>2: pop a (5-2=3), pop b (3-2=1); keep [c]; add d -> 3
     * e -> 5; f -> 7>5 -> emit "c d e", keep [e], add f -> 3; g -> 5; end "e f g" */
    check(CHUNK_CHARACTER, 5, 2, 0, SEPS(" "), "a b c d e f g", WANT("a b c", "c d e", "e f g"));
    /* O=0: no overlap at all */
    check(CHUNK_CHARACTER, 5, 0, 0, SEPS(" "), "a b c d e f g", WANT("a b c", "d e f", "g"));
    /* O=S: after an emit, pop only while total+n+sl > S:
     * a,b,c total 5; d: emit "a b c", 5>5 no, 5+2>5 -> pop a -> 3, 3+2>5 no; [b c d]=5
     * e: emit "b c d" ... each chunk advances by one piece */
    check(CHUNK_CHARACTER, 5, 5, 0, SEPS(" "), "a b c d e", WANT("a b c", "b c d", "c d e"));
}

static void test_character_keeps_pieces_whole(void **state)
{
    /* pieces are never cut: "abcdefgh" (8) > S=4 becomes its own chunk;
     * "ab": 2; "abcdefgh": 2+8+1>4 -> emit "ab", pop (2>0) -> add: total 8;
     * "cd": 8+2+1>4 -> emit "abcdefgh", pop -> add: 2; end "cd" */
    check(CHUNK_CHARACTER, 4, 0, 0, SEPS(" "), "ab abcdefgh cd", WANT("ab", "abcdefgh", "cd"));
    /* empty pieces between doubled separators are dropped, and the join
     * uses one separator: "a  b" -> ["a", "b"] -> "a b" */
    check(CHUNK_CHARACTER, 10, 0, 0, SEPS(" "), "a  b", WANT("a b"));
    /* empty separator: code points, joined with "" */
    check(CHUNK_CHARACTER, 3, 1, 0, SEPS(""), "abcdef", WANT("abc", "cde", "ef"));
}

static void test_recursive_paragraphs(void **state)
{
    /* Default separators, S=100, O=20.
     * Top level: "\n\n" occurs; splits keep the separator at the start of
     * the following piece: P1 "First paragraph is short." (25),
     * P2 "\n\nSecond ... sure." (131), P3 "\n\nThird." (8).
     * P1 < 100 -> good. P2 >= 100 -> flush the good run: chunk 1 = P1.
     * Recurse into P2 with ["\n", " ", ""]: "\n" occurs,
     *   re.split("(\n)", P2) = ['', '\n', '', '\n', 'Second...'] -> pieces
     *   '\n' (1, good) and '\nSecond...' (130, too long): flush ['\n'] ->
     *   blank after strip, dropped; recurse with [" ", ""]: " " occurs ->
     *   '\nSecond', ' paragraph', ' is', ... each < 100, merged with "":
     *   running totals 7, 17, 20, ..., 89 (' it'), 97 (' exceeds'); ' one'
     *   would make 101 > 100 -> chunk 2 = strip("\nSecond ... exceeds").
     *   Pop from the front while total > 20: what stays is
     *   ' on' ' until' ' it' ' exceeds' = 3+6+3+8 = 20; then ' one' ... ' sure.'
     *   are added (53) and flushed: chunk 3 = "on until it exceeds one ...".
     * P3 is good at the top level, flushed at the end: chunk 4 = "Third." */
    const char *text = "First paragraph is short.\n\n"
                       "Second paragraph is much longer than the first one and it keeps going on and on until it "
                       "exceeds one hundred characters for sure.\n\nThird.";
    check(CHUNK_RECURSIVE, 100, 20, 0, NO_SEPS, text,
          WANT("First paragraph is short.",
               "Second paragraph is much longer than the first one and it keeps going on and on until it exceeds",
               "on until it exceeds one hundred characters for sure.", "Third."));
}

static void test_recursive_small_pieces_merge_across_separators(void **state)
{
    /* Paragraphs shorter than S are merged into one chunk, the "\n\n" kept
     * inside: "\n\n" occurs -> ["a b", "\n\nc d", "\n\ne f"] (3, 5, 5), S=12:
     * 3, 8, 13>12 -> emit "a b\n\nc d", O=0 pops all, "\n\ne f" -> "e f" */
    check(CHUNK_RECURSIVE, 12, 0, 0, NO_SEPS, "a b\n\nc d\n\ne f", WANT("a b\n\nc d", "e f"));
    /* strict "<": a piece of exactly S code points is not good. Separators
     * ["x"] that never occur: "abcd" (4) is not < 4 -> appended as is. */
    check(CHUNK_RECURSIVE, 4, 0, 0, SEPS("x"), "abcd", WANT("abcd"));
    check(CHUNK_RECURSIVE, 5, 0, 0, SEPS("x"), "abcd", WANT("abcd"));
    /* "as is" means unstripped: " abcd " with S=4 stays " abcd " */
    check(CHUNK_RECURSIVE, 4, 0, 0, SEPS("x"), " abcd ", WANT(" abcd "));
}

static void test_recursive_separator_choice(void **state)
{
    /* The first separator that occurs wins even if a later one would split
     * better; the remaining list is only the ones after it.
     * seps [".", " "], S=10: "." occurs -> ["Hi there", ". Bye now", "."]
     * lengths 8, 9, 1 -> 8; 8+9>10 -> emit "Hi there", 9; 9+1=10 -> end
     * ". Bye now." */
    check(CHUNK_RECURSIVE, 10, 0, 0, SEPS(".", " "), "Hi there. Bye now.", WANT("Hi there", ". Bye now."));
    /* a piece too long after "." is split by " " (the next separator):
     * "." occurs -> ["aaa bbb ccc ddd", ". e"] ; first is 15 >= 10 -> recurse
     * with [" "] -> ["aaa", " bbb", " ccc", " ddd"] -> 3, 7, 11>10 -> emit
     * "aaa bbb", " ccc" 4, " ddd" 8 -> end "ccc ddd"; ". e" good -> ". e" */
    check(CHUNK_RECURSIVE, 10, 0, 0, SEPS(".", " "), "aaa bbb ccc ddd. e", WANT("aaa bbb", "ccc ddd", ". e"));
}

/* ---- regex separators ------------------------------------------------------- */

static void test_regex_whitespace(void **state)
{
    /* character splitter, `\s+`, S=10, O=0: pieces one two three four; the
     * join string is the pattern text itself ("\s+", 3 code points):
     * one 3; two 3+3+3=9; three 9+5+3>10 -> emit "one\s+two", pop all, 5;
     * four 5+4+3>10 -> emit "three"; end "four" */
    check(CHUNK_CHARACTER, 10, 0, 1, SEPS("\\s+"), "one  two\tthree\nfour", WANT("one\\s+two", "three", "four"));
    /* recursive, `\s+` kept at the start of the next piece:
     * ["one", "  two", "\tthree"] = 3, 5, 6 -> 8; 14>10 -> emit "one  two" */
    check(CHUNK_RECURSIVE, 10, 0, 1, SEPS("\\s+"), "one  two\tthree", WANT("one  two", "three"));
}

static void test_regex_lookahead(void **state)
{
    /* `(?=#)` matches empty before each '#'. Recursive: re.split("((?=#))")
     * = ['', '', '#a one\n', '', '#b two\n', '', '#c three'] -> pieces
     * "#a one\n" (7), "#b two\n" (7), "#c three" (8); S=15: 7, 14, 22>15 ->
     * emit "#a one\n#b two" (stripped), then "#c three" */
    const char *text = "#a one\n#b two\n#c three";
    check(CHUNK_RECURSIVE, 15, 0, 1, SEPS("(?=#)"), text, WANT("#a one\n#b two", "#c three"));
    /* Character splitter (0.3.8 joins with the pattern text verbatim, 5 code
     * points): S=30: 7; 7+7+5=19; 19+8+5=32>30 -> emit
     * "#a one\n(?=#)#b two\n" stripped; then "#c three" */
    check(CHUNK_CHARACTER, 30, 0, 1, SEPS("(?=#)"), text, WANT("#a one\n(?=#)#b two", "#c three"));
    /* look-behind sees only the text being split */
    check(CHUNK_CHARACTER, 6, 0, 1, SEPS("(?<=\\.)"), "ab.cd.ef", WANT("ab.", "cd.", "ef"));
}

static void test_regex_empty_matches(void **state)
{
    /* `x*` matches empty everywhere: Python's re.split splits between all
     * code points (an empty match right after an empty match is skipped).
     * Character splitter, S=3: pieces a b c d joined with "x*" (sl 2):
     * a 1; b 1+1+2=4>3 -> emit "a" ... each piece alone. */
    check(CHUNK_CHARACTER, 3, 0, 1, SEPS("x*"), "abcd", WANT("a", "b", "c", "d"));
    /* "axxb": "" at 0 -> piece ""; at 0 again only a non-empty match is
     * allowed, found "xx" at 1..3 -> piece "a"; "" at 3 is allowed after a
     * non-empty match -> piece ""; next "" at 4 -> piece "b"; tail "".
     * re.split = ['', 'a', '', 'b', ''] -> a, b joined with "x*" */
    check(CHUNK_CHARACTER, 10, 0, 1, SEPS("x*"), "axxb", WANT("ax*b"));
    /* `\b` (Python doc example): words and the runs between them */
    check(CHUNK_CHARACTER, 3, 0, 1, SEPS("\\b"), "hi, yo.", WANT("hi", ",", "yo", "."));
}

static void test_regex_capture_groups(void **state)
{
    /* character splitter with a capturing regex: re.split("(,)", "a,b,c") =
     * ['a', ',', 'b', ',', 'c']: the commas are pieces too, and the join
     * string is "(,)" (3): S=7: a 1; , 1+1+3=5; b 5+1+3=9>7 -> emit "a(,),",
     * pop a (5-4=1), pop , (0); b 1; , 5; c 9>7 -> emit "b(,),"; end "c" */
    check(CHUNK_CHARACTER, 7, 0, 1, SEPS("(,)"), "a,b,c", WANT("a(,),", "b(,),", "c"));
    /* recursive with a capturing regex: LangChain's f"({sep})" has two groups,
     * re.split gives ['a', ',', ',', 'b', ',', ',', 'c'] and pairing elements
     * (1,2), (3,4), (5,6) yields 'a', ',,', 'b,', ',c': text is duplicated,
     * exactly as in Python. S=10 -> one chunk "a,,b,,c" */
    check(CHUNK_RECURSIVE, 10, 0, 1, SEPS("(,)"), "a,b,c", WANT("a,,b,,c"));
    /* S=3: a 1, ',,' 3, 'b,' 5>3 -> emit "a,,"; 'b,' 2, ',c' 4>3 -> "b,"; ",c" */
    check(CHUNK_RECURSIVE, 3, 0, 1, SEPS("(,)"), "a,b,c", WANT("a,,", "b,", ",c"));
    /* ... but with one match, re.split("((,))", "a,b") has 4 elements and
     * the pairing loop reads past the end: IndexError in LangChain */
    check_split_error(CHUNK_RECURSIVE, 3, 0, 1, SEPS("(,)"), "a,b", 3, 0, "IndexError");
    /* non-capturing groups behave like no group: pieces a b c, join "(?:,)"
     * (5): S=20 -> 1, 7, 13 -> one chunk */
    check(CHUNK_CHARACTER, 20, 0, 1, SEPS("(?:,)"), "a,b,c", WANT("a(?:,)b(?:,)c"));
}

static void test_regex_group_not_participating(void **state)
{
    /* "(a)|(b)" on "xby": re.split gives ['x', None, 'b', 'y']; LangChain then
     * fails on len(None) (character) or None + str (recursive) */
    check_split_error(CHUNK_CHARACTER, 10, 0, 1, SEPS("(a)|(b)"), "xby", 3, 0, "TypeError");
    check_split_error(CHUNK_RECURSIVE, 10, 0, 1, SEPS("(a)|(b)"), "xby", 3, 0, "TypeError");
    /* "(a)|(b)" on "xay" fails too: group 2 is None when 'a' matches */
    check_split_error(CHUNK_CHARACTER, 10, 0, 1, SEPS("(a)|(b)"), "xay", 3, 0, "TypeError");
    /* one group around the alternation always takes part: ['x', 'a', 'y'],
     * join "(a|b)" (5) > S=3, so each piece alone */
    check(CHUNK_CHARACTER, 3, 0, 1, SEPS("(a|b)"), "xay", WANT("x", "a", "y"));
}

static void test_regex_python_syntax(void **state)
{
    /* \uXXXX is a Python escape: U+00E9 */
    check(CHUNK_CHARACTER, 3, 0, 1, SEPS("\\u00e9"), "a\xc3\xa9" "b", WANT("a", "b"));
    /* \Z is Python's end of string; PCRE2's \Z would also match before a
     * final newline. Character splitter "x\Z": in "axbx\n" it does not
     * match, one piece "axbx\n" -> "axbx" (PCRE2's \Z would give "axb" + "\n"
     * joined as "axbx\Z"); in "axbx" it matches the last x: "axb" */
    check(CHUNK_CHARACTER, 20, 0, 1, SEPS("x\\Z"), "axbx\n", WANT("axbx"));
    check(CHUNK_CHARACTER, 20, 0, 1, SEPS("x\\Z"), "axbx", WANT("axb"));
    /* \d and \w are Unicode-aware as in Python 3 (Arabic-Indic three) */
    check(CHUNK_CHARACTER, 10, 0, 1, SEPS("\\d"), "a\xd9\xa3" "b", WANT("a\\db"));
    /* literal separators are not regexes: "." splits only on dots */
    check(CHUNK_CHARACTER, 3, 0, 0, SEPS("."), "ab.cd", WANT("ab", "cd"));
}

static void test_regex_bad(void **state)
{
    const char *const bad[] = {"(unclosed"};
    chunk_config cfg = {CHUNK_RECURSIVE, 100, 0, bad, 1, 1};
    chunker *c = (chunker *)1;
    char err[256] = "";
    assert_int_equal(chunker_new(&cfg, &c, err, sizeof(err)), -1);
    assert_null(c);
    assert_non_null(strstr(err, "'(unclosed'"));
    /* the same string as a literal is fine */
    cfg.is_separator_regex = 0;
    assert_int_equal(chunker_new(&cfg, &c, err, sizeof(err)), 0);
    chunker_free(c);
    /* \K is PCRE-only; Python rejects it */
    const char *const k[] = {"a\\Kb"};
    chunk_config cfg2 = {CHUNK_CHARACTER, 100, 0, k, 1, 1};
    assert_int_equal(chunker_new(&cfg2, &c, err, sizeof(err)), -1);
}

/* ---- lengths are code points ------------------------------------------------ */

static void test_multibyte(void **state)
{
    /* Cyrillic: "привет"(6) "мир"(3) "как"(3) "дела"(4), S=10, sep " ":
     * 6; 6+3+1=10 <= 10; +3+1=14 -> emit "привет мир" (19 bytes!); then
     * 3; 3+4+1=8; end "как дела". Bytes would give other chunks. */
    check(CHUNK_CHARACTER, 10, 0, 0, SEPS(" "), "привет мир как дела", WANT("привет мир", "как дела"));
    /* CJK, default separators, none occurs but "" -> code points, S=3, O=1:
     * c1 c2 c3 (3); c4: emit c1c2c3, pop while total>1 -> [c3]; +c4 +c5 (3);
     * c6: emit c3c4c5, keep [c5]; ... */
    check(CHUNK_RECURSIVE, 3, 1, 0, NO_SEPS, "中文文本分割测试", WANT("中文文", "文本分", "分割测", "测试"));
    /* emoji (4 bytes each), character splitter with "" */
    check(CHUNK_CHARACTER, 2, 0, 0, SEPS(""), "😀😁😂🤣😃", WANT("😀😁", "😂🤣", "😃"));
    /* multibyte separator, recursive: "·" occurs -> ["a", "·b", "·c"] (1, 2, 2);
     * S=3: 1, 3, 5>3 -> emit "a·b", then "·c" */
    check(CHUNK_RECURSIVE, 3, 0, 0, SEPS("·"), "a·b·c", WANT("a·b", "·c"));
    /* strip removes Unicode spaces (U+3000 ideographic space) */
    check(CHUNK_CHARACTER, 10, 0, 0, SEPS("\n"), "\xe3\x80\x80日本\xe3\x80\x80", WANT("日本"));
}

static void test_invalid_utf8(void **state)
{
    check_split_error(CHUNK_RECURSIVE, 10, 0, 0, NO_SEPS, "ab\xff", 3, 0, "not valid UTF-8");
    check_split_error(CHUNK_RECURSIVE, 10, 0, 0, NO_SEPS, "ab\xc3", 3, 0, "byte offset 2");
    check_split_error(CHUNK_CHARACTER, 10, 0, 0, SEPS(" "), "\xed\xa0\x80", 3, 0, "UTF-8"); /* surrogate */
    check_split_error(CHUNK_CHARACTER, 10, 0, 0, SEPS(" "), "\xc0\xaf", 2, 0, "UTF-8");     /* overlong */
    check_split_error(CHUNK_CHARACTER, 10, 0, 0, SEPS(" "), "\xf4\x90\x80\x80", 4, 0, "UTF-8"); /* > U+10FFFF */
    check_split_error(CHUNK_NONE, 0, 0, 0, NO_SEPS, "\x80", 1, 0, "UTF-8");
    /* a separator that is not UTF-8 is refused at construction */
    const char *const bad[] = {"\xff"};
    chunk_config cfg = {CHUNK_CHARACTER, 10, 0, bad, 1, 0};
    chunker *c;
    char err[128];
    assert_int_equal(chunker_new(&cfg, &c, err, sizeof(err)), -1);
}

/* ---- limits and edge cases -------------------------------------------------- */

static void test_overlap_larger_than_size(void **state)
{
    chunk_config cfg = {CHUNK_CHARACTER, 10, 20, SEPS("\n\n"), 0};
    chunker *c;
    char err[256] = "";
    assert_int_equal(chunker_new(&cfg, &c, err, sizeof(err)), -1);
    assert_string_equal(err, "Got a larger chunk overlap (20) than chunk size (10), should be smaller.");
    cfg.kind = CHUNK_RECURSIVE;
    assert_int_equal(chunker_new(&cfg, &c, err, sizeof(err)), -1);
    assert_string_equal(err, "Got a larger chunk overlap (20) than chunk size (10), should be smaller.");
    cfg.chunk_overlap = 10; /* equal is fine */
    assert_int_equal(chunker_new(&cfg, &c, err, sizeof(err)), 0);
    chunker_free(c);
}

static void test_max_chunks(void **state)
{
    check_split_error(CHUNK_CHARACTER, 1, 0, 0, SEPS(" "), "a b c d", 7, 3, "document produced more than 3 chunks");
    chunker *c = make(CHUNK_CHARACTER, 1, 0, 0, SEPS(" "));
    chunk_list l;
    char err[128];
    assert_int_equal(chunker_split(c, "a b c d", 7, 4, &l, err, sizeof(err)), 0);
    assert_int_equal(l.count, 4);
    chunk_list_free(&l);
    chunker_free(c);
    /* a huge code-point split is stopped by the cap, not by memory */
    size_t n = 1 << 20;
    char *big = malloc(n);
    memset(big, 'x', n);
    check_split_error(CHUNK_RECURSIVE, 1, 0, 0, NO_SEPS, big, n, 1000, "more than 1000 chunks");
    free(big);
}

static void test_zero_and_negative_sizes(void **state)
{
    /* S=0, O=0, character: every piece overflows, each one is its own chunk */
    check(CHUNK_CHARACTER, 0, 0, 0, SEPS(" "), "a b", WANT("a", "b"));
    /* S=0 recursive: no split is < 0, so everything recurses down to code
     * points, which are appended as is -- including a lone " " */
    check(CHUNK_RECURSIVE, 0, 0, 0, NO_SEPS, "ab c", WANT("a", "b", " ", "c"));
    /* negative size (overlap must then be negative too): recursion only,
     * nothing is merged, no error */
    check(CHUNK_RECURSIVE, -1, -5, 0, NO_SEPS, "ab", WANT("a", "b"));
    /* negative overlap: merge_splits pops past the empty list (IndexError in
     * Python) as soon as a chunk is emitted ... */
    check_split_error(CHUNK_CHARACTER, 5, -1, 0, SEPS(" "), "a b c d", 7, 0, "IndexError");
    /* ... and is harmless when everything fits in one chunk */
    check(CHUNK_CHARACTER, 5, -1, 0, SEPS(" "), "a b", WANT("a b"));
    /* S=1 with overlap 1 */
    check(CHUNK_CHARACTER, 1, 1, 0, SEPS(""), "abc", WANT("a", "b", "c"));
}

static void test_config_errors(void **state)
{
    chunk_config cfg = {CHUNK_CHARACTER, 10, 0, NULL, 0, 0};
    chunker *c;
    char err[128];
    assert_int_equal(chunker_new(&cfg, &c, err, sizeof(err)), -1); /* no separator */
    const char *const nul[] = {NULL};
    cfg.separators = nul;
    cfg.nseparators = 1;
    assert_int_equal(chunker_new(&cfg, &c, err, sizeof(err)), -1);
    cfg.kind = (chunk_kind)42;
    assert_int_equal(chunker_new(&cfg, &c, err, sizeof(err)), -1);
}

/* ---- big input ------------------------------------------------------------- */

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int is_ws(unsigned char c)
{
    return c == ' ' || c == '\n' || c == '\t';
}

/* Chunks appear in the text in order (each at or after the previous one's
 * start: they are contiguous slices for the recursive splitter and for
 * paragraphs joined by "\n\n"), have <= size code points, and together cover every non-blank byte. */
static void assert_covers(const char *text, size_t n, const chunk_list *l, long size)
{
    size_t prev = 0, covered = 0;
    for (size_t i = 0; i < l->count; i++) {
        long long cps = 0;
        for (size_t k = 0; k < l->lens[i]; k++) cps += ((unsigned char)l->items[i][k] & 0xC0) != 0x80;
        if (cps > size) fail_msg("chunk %zu has %lld code points", i, cps);
        const char *at = memmem(text + prev, n - prev, l->items[i], l->lens[i]);
        if (!at) fail_msg("chunk %zu not found in order", i);
        size_t s = (size_t)(at - text);
        for (size_t k = covered; k < s; k++)
            if (!is_ws((unsigned char)text[k])) fail_msg("byte %zu is in no chunk", k);
        if (s + l->lens[i] > covered) covered = s + l->lens[i];
        /* not s + 1: when a popped overlap piece was blank ("\n"), the next
         * chunk starts at the same non-blank byte after stripping */
        prev = s;
    }
    for (size_t k = covered; k < n; k++)
        if (!is_ws((unsigned char)text[k])) fail_msg("byte %zu (tail) is in no chunk", k);
}

/* ~10 MB of random words (some multibyte), lines and paragraphs. */
static char *big_text(size_t want, size_t *len)
{
    static const char *const words[] = {"alpha", "beta",  "gamma", "délta", "эпсилон", "ζήτα",
                                        "eta",   "theta", "数据",  "iota",  "kappa",   "lambda"};
    char *t = malloc(want + 64);
    assert_non_null(t);
    size_t n = 0, serial = 0;
    uint64_t x = 88172645463325252ULL;
    while (n < want) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        /* a fixed-width serial number makes every word unique, so a chunk
         * can be located in the text without ambiguity */
        n += (size_t)sprintf(t + n, "%s%07zu", words[x % 12], serial++);
        unsigned r = (unsigned)(x >> 32) % 100;
        if (r < 2) memcpy(t + n, "\n\n", 2), n += 2;
        else if (r < 6) t[n++] = '\n';
        else if (r < 7) memcpy(t + n, "  ", 2), n += 2;
        else t[n++] = ' ';
    }
    t[n] = '\0';
    *len = n;
    return t;
}

static void test_big_input(void **state)
{
    size_t n;
    char *text = big_text(10u << 20, &n);
    chunk_list l;
    char err[256];

    chunker *c = make(CHUNK_RECURSIVE, 800, 200, 0, NO_SEPS);
    double t0 = now();
    assert_int_equal(chunker_split(c, text, n, 0, &l, err, sizeof(err)), 0);
    double dt = now() - t0;
    print_message("recursive default seps, %zu bytes, S=800 O=200: %zu chunks in %.3f s\n", n, l.count, dt);
    assert_true(l.count > 10000);
    assert_covers(text, n, &l, 800);
    chunk_list_free(&l);
    chunker_free(c);

    c = make(CHUNK_CHARACTER, 800, 0, 0, SEPS("\n\n"));
    t0 = now();
    assert_int_equal(chunker_split(c, text, n, 0, &l, err, sizeof(err)), 0);
    print_message("character \"\\n\\n\", S=800: %zu chunks in %.3f s\n", l.count, now() - t0);
    /* paragraphs longer than 800 stay whole: only order and coverage hold */
    assert_covers(text, n, &l, 1 << 30);
    chunk_list_free(&l);
    chunker_free(c);

    c = make(CHUNK_RECURSIVE, 800, 200, 1, SEPS("\\n\\n+", "\\s+", ""));
    t0 = now();
    assert_int_equal(chunker_split(c, text, n, 0, &l, err, sizeof(err)), 0);
    print_message("recursive regex seps: %zu chunks in %.3f s\n", l.count, now() - t0);
    assert_covers(text, n, &l, 800);
    chunk_list_free(&l);
    chunker_free(c);

    /* worst case: no separator at all -> 10M code-point pieces, streamed.
     * Chunk k is x[600k, 600k+800): 800 x's, each next one 600 further on
     * (the last 200 are kept as overlap). */
    memset(text, 'x', n);
    c = make(CHUNK_RECURSIVE, 800, 200, 0, NO_SEPS);
    t0 = now();
    assert_int_equal(chunker_split(c, text, n, 0, &l, err, sizeof(err)), 0);
    print_message("no separators at all: %zu chunks in %.3f s\n", l.count, now() - t0);
    assert_int_equal(l.count, (n - 200 + 599) / 600);
    for (size_t i = 0; i + 1 < l.count; i++) assert_int_equal(l.lens[i], 800);
    assert_int_equal(l.lens[l.count - 1], n - 600 * (l.count - 1));
    chunk_list_free(&l);
    chunker_free(c);
    free(text);
}

/* ---- threads ----------------------------------------------------------------- */

typedef struct job {
    const chunker *c;
    const char *text;
    size_t n;
    size_t count;
    int rc;
} job;

static void *run_job(void *arg)
{
    job *j = arg;
    for (int k = 0; k < 20; k++) {
        chunk_list l;
        char err[128];
        j->rc |= chunker_split(j->c, j->text, j->n, 0, &l, err, sizeof(err));
        if (k == 0) j->count = l.count;
        else if (l.count != j->count) j->rc = -1;
        chunk_list_free(&l);
    }
    return NULL;
}

static void test_shared_across_threads(void **state)
{
    size_t n;
    char *text = big_text(200000, &n);
    chunker *c = make(CHUNK_RECURSIVE, 300, 50, 1, SEPS("\\n\\n", "(?<=\\n)", "\\s+", ""));
    job jobs[4];
    pthread_t th[4];
    for (int i = 0; i < 4; i++) {
        jobs[i] = (job){c, text, n, 0, 0};
        assert_int_equal(pthread_create(&th[i], NULL, run_job, &jobs[i]), 0);
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(th[i], NULL);
        assert_int_equal(jobs[i].rc, 0);
        assert_int_equal(jobs[i].count, jobs[0].count);
    }
    chunker_free(c);
    free(text);
}

/* ---- `--split`: the fuzzer's driver ------------------------------------------ */

static char *read_block(FILE *f, size_t *len)
{
    if (fscanf(f, "%zu", len) != 1 || fgetc(f) != '\n') return NULL;
    char *b = malloc(*len + 1);
    if (fread(b, 1, *len, f) != *len) {
        free(b);
        return NULL;
    }
    b[*len] = '\0';
    return b;
}

static int split_stdin(void)
{
    int kind, regex;
    long size, overlap;
    size_t nseps, max_chunks, len;
    if (scanf("%d %ld %ld %d %zu %zu\n", &kind, &size, &overlap, &regex, &nseps, &max_chunks) != 6) return 2;
    char **seps = calloc(nseps + 1, sizeof(char *));
    for (size_t i = 0; i < nseps; i++)
        if (!(seps[i] = read_block(stdin, &len))) return 2;
    char *text = read_block(stdin, &len);
    if (!text) return 2;
    chunk_config cfg = {(chunk_kind)kind, size, overlap, (const char *const *)seps, nseps, regex};
    chunker *c;
    chunk_list l;
    char err[512];
    if (chunker_new(&cfg, &c, err, sizeof(err)) != 0) {
        printf("ERR %s\n", err);
    } else {
        if (chunker_split(c, text, len, max_chunks, &l, err, sizeof(err)) != 0) {
            printf("ERR %s\n", err);
        } else {
            printf("OK %zu\n", l.count);
            for (size_t i = 0; i < l.count; i++) {
                printf("%zu\n", l.lens[i]);
                fwrite(l.items[i], 1, l.lens[i], stdout);
            }
            chunk_list_free(&l);
        }
        chunker_free(c);
    }
    for (size_t i = 0; i < nseps; i++) free(seps[i]);
    free(seps);
    free(text);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "--split") == 0) return split_stdin();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_spec_long_text_one_chunk),
        cmocka_unit_test(test_spec_short_text_one_chunk),
        cmocka_unit_test(test_none_kind),
        cmocka_unit_test(test_whitespace_only),
        cmocka_unit_test(test_character_overlap),
        cmocka_unit_test(test_character_keeps_pieces_whole),
        cmocka_unit_test(test_recursive_paragraphs),
        cmocka_unit_test(test_recursive_small_pieces_merge_across_separators),
        cmocka_unit_test(test_recursive_separator_choice),
        cmocka_unit_test(test_regex_whitespace),
        cmocka_unit_test(test_regex_lookahead),
        cmocka_unit_test(test_regex_empty_matches),
        cmocka_unit_test(test_regex_capture_groups),
        cmocka_unit_test(test_regex_group_not_participating),
        cmocka_unit_test(test_regex_python_syntax),
        cmocka_unit_test(test_regex_bad),
        cmocka_unit_test(test_multibyte),
        cmocka_unit_test(test_invalid_utf8),
        cmocka_unit_test(test_overlap_larger_than_size),
        cmocka_unit_test(test_max_chunks),
        cmocka_unit_test(test_zero_and_negative_sizes),
        cmocka_unit_test(test_config_errors),
        cmocka_unit_test(test_big_input),
        cmocka_unit_test(test_shared_across_threads),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
