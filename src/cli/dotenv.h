/*
 * dotenv: finding and reading a `.env` file as python-dotenv 1.0.1 does for
 * pgai's CLI (`load_dotenv(find_dotenv(usecwd=True))`).
 *
 * Format, as python-dotenv's parser has it (its quirks included, on purpose):
 * - `KEY=VALUE` bindings, optionally preceded by `export `; spaces around
 *   the key and after `=` are ignored; a key may be single-quoted ('K'=v);
 * - unquoted values end at the line end; an inline comment starts at a `#`
 *   preceded by whitespace; trailing whitespace is dropped. So `A=a#b` is
 *   "a#b", and `A= # c` is "# c" (the space after `=` is eaten first);
 * - 'single-quoted' values are literal except \\ and \' ; "double-quoted"
 *   values decode \\ \' \" \a \b \f \n \r \t \v ; both may span lines;
 * - `${NAME}` and `${NAME:-default}` are expanded in every value, quoted or
 *   not (python-dotenv 1.0.1 keeps no quoting information, so it expands
 *   inside 'single quotes' too). NAME is looked up first in the process
 *   environment, then among the file's earlier keys (a key written without
 *   `=` counts as present and empty), then the default, then "";
 * - a line with just a key and no `=` sets nothing; `#` lines and blank
 *   lines are skipped; a line that does not parse is skipped with the
 *   warning "Python-dotenv could not parse statement starting at line N"
 *   (N as python-dotenv counts it: where the previous statement ended);
 * - a key given twice: its last value, at the position of the first;
 * - \r\n and lone \r read as \n (Python's universal newlines); a leading
 *   UTF-8 byte-order mark is not stripped (it becomes part of the first key).
 * Errors where Python raises: a file that is not valid UTF-8, and a key or
 * value containing a NUL byte when it is set.
 */
#ifndef PGAI_DOTENV_H
#define PGAI_DOTENV_H

#include <stddef.h>

/* Receives each final KEY=VALUE pair, in file order; returns 0, or -1 to stop
 * the load with an error (errno may say why). */
typedef int (*dotenv_setter)(void *ud, const char *key, const char *value);
/* Receives each warning: the line where the statement it is about starts
 * (1-based; python-dotenv's text, msg, counts from the end of the previous
 * statement instead, so blank lines before it shift its number). */
typedef void (*dotenv_warner)(void *ud, size_t line, const char *msg);

/*
 * Reads the file at path and hands every pair to setter. A missing path, or
 * one that is not a regular file, sets nothing and is not an error (as
 * python-dotenv). Warnings are dropped; see dotenv_load_file_warn.
 */
int dotenv_load_file(const char *path, dotenv_setter setter, void *ud, char *err, size_t errlen)
    __attribute__((warn_unused_result));
int dotenv_load_file_warn(const char *path, dotenv_setter setter, dotenv_warner warn, void *ud, char *err,
                          size_t errlen) __attribute__((warn_unused_result));
/* The same on a file already open for reading (name: for messages only). Does
 * not close fd. */
int dotenv_load_fd(int fd, const char *name, dotenv_setter setter, dotenv_warner warn, void *ud, char *err,
                   size_t errlen) __attribute__((warn_unused_result));
/* The same on text in memory (text need not be NUL-terminated). */
int dotenv_parse(const char *text, size_t len, dotenv_setter setter, dotenv_warner warn, void *ud, char *err,
                 size_t errlen) __attribute__((warn_unused_result));

/* A ready setter: setenv(key, value, 0), so variables already in the
 * environment win, as with load_dotenv(override=False). */
int dotenv_setenv_no_override(void *ud, const char *key, const char *value);

/*
 * Looks for a regular file named `.env` in start_dir (NULL: the current
 * directory), then in each parent up to `/`, going up lexically as
 * os.path.abspath does (a `..` after a symlink goes back up the path, not
 * to the link target's parent). Returns 0 with the path of the first one
 * found in path, or with path = "" when there is none; -1 if start_dir does
 * not exist, the current directory cannot be read, or a path is longer than
 * pathlen.
 */
int dotenv_find(const char *start_dir, char *path, size_t pathlen) __attribute__((warn_unused_result));

/*
 * dotenv_find for a program that holds secrets (the worker: an OPENAI_BASE_URL
 * or http_proxy planted in a .env would receive its API keys). The search is
 * dotenv_find's, but:
 * - it ends at the first directory that other users may write to (see
 *   dotenv_dir_untrusted): a .env in or above it is not loaded;
 * - the .env found is opened, and the open file must be a regular file
 *   owned by the effective user or root and not writable by group or others
 *   (dotenv_file_untrusted; checked with fstat on the descriptor, so the
 *   file read is the file checked).
 * Returns 0 with *fd open (O_CLOEXEC) on the .env to load and its path in
 * path, or with *fd = -1 when there is none to load; each .env found but not
 * loaded is reported to refused (its path and why) and ends the search.
 * -1 as dotenv_find.
 */
typedef void (*dotenv_refusal)(void *ud, const char *path, const char *why);
int dotenv_find_trusted(const char *start_dir, char *path, size_t pathlen, int *fd, dotenv_refusal refused, void *ud)
    __attribute__((warn_unused_result));

struct stat;
/* Why a directory with these attributes ends the search (NULL: it does not). */
const char *dotenv_dir_untrusted(const struct stat *st, unsigned euid);
/* Why an opened .env with these attributes is not loaded (NULL: it is fine);
 * why[] receives the text. */
const char *dotenv_file_untrusted(const struct stat *st, unsigned euid, char *why, size_t whylen);

#endif
