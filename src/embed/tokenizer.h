/*
 * tokenizer: OpenAI's cl100k_base BPE tokenizer (the one tiktoken 0.9 uses
 * for text-embedding-ada-002 and text-embedding-3-*), to count tokens and to
 * truncate embedding inputs to the model's context exactly as pgai does.
 *
 * The rank file is compiled into the library (mk/tokenizer.mk), parsed once
 * on first use into a shared read-only table; all functions are thread-safe.
 *
 * Behaviour copied from tiktoken's Encoding.encode(text) with its defaults:
 * - pre-tokenizer: tiktoken's cl100k regex, run with PCRE2 (see tokenizer.c
 *   for the exact pattern and its one known difference: PCRE2's Unicode
 *   tables are 14.0, tiktoken's Rust regex uses 15.x, so letters and digits
 *   new in Unicode 15 count as punctuation here);
 * - special-token text (<|endoftext|>, <|fim_prefix|>, <|fim_middle|>,
 *   <|fim_suffix|>, <|endofprompt|>) anywhere in the text is an error, as
 *   tiktoken's disallowed_special="all" default raises ValueError; the
 *   message is the first line of tiktoken's:
 *   "Encountered text corresponding to disallowed special token '<|endoftext|>'."
 *   (the leftmost special token in the text is named);
 * - decoding uses Python's bytes.decode("utf-8", errors="replace").
 *
 * Text that is not valid UTF-8 is an error ("text is not valid UTF-8 at byte
 * N"): Python strings cannot hold it, so pgai never tokenizes such text (its
 * database driver would already have failed to decode it).
 */
#ifndef PGAI_TOKENIZER_H
#define PGAI_TOKENIZER_H

#include <stddef.h>
#include <stdint.h>

typedef struct bpe_tokenizer bpe_tokenizer;

/* Parses the embedded cl100k_base ranks once (pthread_once) and returns the
 * shared read-only tokenizer; NULL (with err) if that failed. */
const bpe_tokenizer *bpe_cl100k(char *err, size_t errlen);

/* *tokens: malloc'ed token ids (NULL when there are none), *ntokens their count. */
int bpe_encode(const bpe_tokenizer *t, const char *text, size_t len, uint32_t **tokens, size_t *ntokens,
               char *err, size_t errlen) __attribute__((warn_unused_result));

/* The number of tokens bpe_encode would return, without storing them. */
int bpe_count(const bpe_tokenizer *t, const char *text, size_t len, size_t *ntokens, char *err, size_t errlen)
    __attribute__((warn_unused_result));

/*
 * If text has more than max_tokens tokens, *out = malloc'ed decode of the
 * first max_tokens tokens (NUL-terminated; a multibyte character cut in two
 * at the end becomes U+FFFD), *outlen its length; else *out = NULL and
 * *outlen = 0. *orig_tokens always gets the token count of the whole text.
 */
int bpe_truncate(const bpe_tokenizer *t, const char *text, size_t len, size_t max_tokens, char **out,
                 size_t *outlen, size_t *orig_tokens, char *err, size_t errlen) __attribute__((warn_unused_result));

/*
 * Decodes token ids to malloc'ed text (NUL-terminated), invalid UTF-8 in the
 * joined bytes replaced by U+FFFD as Python's errors="replace" does. The
 * special token ids decode to their text. Unknown ids are an error.
 */
int bpe_decode(const bpe_tokenizer *t, const uint32_t *tokens, size_t ntokens, char **out, size_t *outlen,
               char *err, size_t errlen) __attribute__((warn_unused_result));

#endif
