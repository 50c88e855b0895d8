/*
 * version: the version strings, from the Makefile's PGAI_COMPAT_VERSION (the
 * pgai release whose schema and behaviour we match) and PGAI_C_VERSION (ours).
 */
#ifndef PGAI_UTIL_VERSION_H
#define PGAI_UTIL_VERSION_H

/* The version recorded in ai.pgai_lib_version and the worker tables:
 * semver build metadata, so that pgai's own worker compares only the
 * compatible part and still sees a current install, while ours stays
 * identifiable (docs/design.md). */
#define PGAI_LIB_VERSION PGAI_COMPAT_VERSION "+c" PGAI_C_VERSION

#endif
