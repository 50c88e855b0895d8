/* secret: masking and wiping credentials; see secret.h. */
#include "util/secret.h"

#include <stdlib.h>
#include <string.h>

void secret_mask(char *text, const char *secret)
{
    size_t n = secret ? strlen(secret) : 0;
    if (!text || n == 0) return;
    size_t m = n < 3 ? n : 3; /* never longer than what it replaces: the text stays in its buffer */
    /* The search goes on after each mask: a secret that is itself made of
     * asterisks would otherwise be found again in its own mask, forever. */
    for (char *p = text; (p = strstr(p, secret)) != NULL; p += m) {
        memmove(p + m, p + n, strlen(p + n) + 1);
        memset(p, '*', m);
    }
}

void secret_free(char *s)
{
    if (!s) return;
    /* explicit_bzero: a plain memset right before free() is a dead store
     * the optimiser is allowed to remove */
    explicit_bzero(s, strlen(s));
    free(s);
}
