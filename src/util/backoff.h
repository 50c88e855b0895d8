/* backoff: the one doubling back-off the worker uses for every retry loop. */
#ifndef PGAI_UTIL_BACKOFF_H
#define PGAI_UTIL_BACKOFF_H

/* The wait after `delay`: `first` when delay is 0, else twice delay, at most `max`. */
static inline double backoff_next(double delay, double first, double max)
{
    if (delay <= 0) return first;
    return delay * 2 > max ? max : delay * 2;
}

#endif
