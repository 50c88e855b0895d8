/*
 * sql_bundle: the files of sql/, compiled into the library by
 * tools/embed_sql.c, in install order: head.sql, then the incremental
 * migrations, then the idempotent files, each group sorted by file name.
 */
#ifndef PGAI_SQL_BUNDLE_H
#define PGAI_SQL_BUNDLE_H

#include <stddef.h>

enum sql_kind { SQL_HEAD, SQL_INCREMENTAL, SQL_IDEMPOTENT };

struct sql_file {
    enum sql_kind kind;
    const char *name; /* file name; for migrations, the name pgai records */
    const char *text;
};

extern const struct sql_file sql_bundle[];
extern const size_t sql_bundle_count;

#endif
