/* clock: the monotonic clock in seconds, for timeouts and rate limits. */
#ifndef PGAI_UTIL_CLOCK_H
#define PGAI_UTIL_CLOCK_H

/* Seconds on CLOCK_MONOTONIC: only differences mean anything. */
double clock_now_s(void);

#endif
