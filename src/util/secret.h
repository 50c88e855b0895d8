/*
 * secret: keeping credentials (API keys, database passwords) out of
 * messages and out of freed memory.
 */
#ifndef PGAI_UTIL_SECRET_H
#define PGAI_UTIL_SECRET_H

/*
 * Replaces every occurrence of secret in text (NUL-terminated, edited in
 * place) with "***" (a secret of one or two characters: with as many '*'),
 * so the text never gets longer and fits where it was. An empty or NULL
 * secret masks nothing.
 */
void secret_mask(char *text, const char *secret);

/* Overwrites s with zeros (a wipe the compiler may not drop) and frees it,
 * so that a key does not linger in freed memory; NULL is a no-op. */
void secret_free(char *s);

#endif
