/*
 * providers: the table of embedding providers, looked up by the vectorizer's
 * embedding.implementation. A new provider is its file and one line here
 * (and its declaration above the table); nothing else names providers.
 */
#include <string.h>

#include "embed/provider.h"

extern const provider_ops openai_provider;
extern const provider_ops ollama_provider;
extern const provider_ops voyage_provider;

static const provider_ops *const providers[] = {
    &openai_provider,
    &ollama_provider,
    &voyage_provider,
};

/* Implementations pgai has and this build does not yet: their vectorizers
 * are left alone with their items queued, and the worker says why. */
static const struct {
    const char *name;
    const char *missing;
} not_yet[] = {
    {"litellm", "the LiteLLM embedding provider"},
};

const provider_ops *embed_provider_find(const char *implementation)
{
    for (size_t i = 0; implementation && i < sizeof(providers) / sizeof(*providers); i++)
        if (strcmp(providers[i]->name, implementation) == 0) return providers[i];
    return NULL;
}

const char *embed_provider_missing(const char *implementation)
{
    if (embed_provider_find(implementation)) return NULL;
    for (size_t i = 0; implementation && i < sizeof(not_yet) / sizeof(*not_yet); i++)
        if (strcmp(not_yet[i].name, implementation) == 0) return not_yet[i].missing;
    /* config.c accepts only pgai's implementations, so this is for other callers */
    return "an embedding provider this version does not know";
}
