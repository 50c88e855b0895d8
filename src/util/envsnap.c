/* envsnap: a sorted copy of the environment, searched by name; see envsnap.h. */
#include "util/envsnap.h"

#include <stdlib.h>
#include <string.h>

#include "util/secret.h"

extern char **environ;

struct env_snapshot {
    char **entries; /* "NAME=VALUE", sorted by NAME */
    size_t n;
};

/* Orders "NAME=..." strings by NAME alone ('=' ends a name, never part of one). */
static int name_cmp(const char *a, const char *b)
{
    for (;; a++, b++) {
        int ca = *a == '=' ? 0 : (unsigned char)*a, cb = *b == '=' ? 0 : (unsigned char)*b;
        if (ca != cb || ca == 0) return ca - cb;
    }
}

static int entry_cmp(const void *a, const void *b) { return name_cmp(*(char *const *)a, *(char *const *)b); }

env_snapshot *env_snapshot_of(const char *const *entries)
{
    size_t n = 0;
    while (entries && entries[n]) n++;
    env_snapshot *s = calloc(1, sizeof(*s));
    if (!s || !(s->entries = calloc(n + 1, sizeof(char *)))) {
        free(s);
        return NULL;
    }
    for (size_t i = 0; i < n; i++) {
        if (!strchr(entries[i], '=')) continue; /* not a variable */
        if (!(s->entries[s->n] = strdup(entries[i]))) {
            env_snapshot_free(s);
            return NULL;
        }
        s->n++;
    }
    qsort(s->entries, s->n, sizeof(char *), entry_cmp);
    return s;
}

env_snapshot *env_snapshot_take(void) { return env_snapshot_of((const char *const *)environ); }

const char *env_get(const env_snapshot *s, const char *name)
{
    if (!s || !name || strchr(name, '=')) return NULL;
    size_t lo = 0, hi = s->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = name_cmp(s->entries[mid], name);
        if (c == 0) return strchr(s->entries[mid], '=') + 1;
        if (c < 0) lo = mid + 1;
        else hi = mid;
    }
    return NULL;
}

void env_snapshot_free(env_snapshot *s)
{
    if (!s) return;
    for (size_t i = 0; i < s->n; i++) secret_free(s->entries[i]);
    free(s->entries);
    free(s);
}
