/*
 * cancel: a one-shot cancellation token that blocking waits can include in
 * their poll set. Firing it makes its file descriptor readable for good, so
 * a thread sleeping in poll() (a database connect, curl_multi_poll, a retry
 * back-off, the worker's sleep between passes) wakes at once instead of
 * noticing a flag on its next timeout.
 *
 * A token is fired once and stays fired: nobody drains it, so any number of
 * threads can wait on it, before or after the fact. Firing is
 * async-signal-safe, for the command's signal handler. A NULL token is a
 * valid "never cancelled": every function accepts it.
 */
#ifndef PGAI_CANCEL_H
#define PGAI_CANCEL_H

typedef struct cancel_token cancel_token;

/* 0 and a new, unfired token in *out; -1 (errno set) when no descriptor or memory was to be had. */
int cancel_token_new(cancel_token **out) __attribute__((warn_unused_result));
/* Frees t (NULL: nothing). Nobody may be waiting on it any more. */
void cancel_token_free(cancel_token *t);

/* Fires t: async-signal-safe, idempotent, safe from any thread (NULL: nothing). */
void cancel_fire(cancel_token *t);
/* Non-zero once t was fired; 0 for NULL. No system call. */
int cancel_fired(const cancel_token *t);
/* A descriptor that becomes readable (POLLIN) when t is fired, for a poll
 * set; -1 for NULL, which poll() ignores. Never read from it. */
int cancel_fd(const cancel_token *t);

/* Sleeps `seconds` or until t is fired, whichever comes first. Returns 1
 * when t was fired (before or during the sleep), 0 when the time passed. */
int cancel_sleep(const cancel_token *t, double seconds);

#endif
