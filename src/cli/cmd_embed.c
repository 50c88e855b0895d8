/*
 * cmd_embed: `pgai vectorizer embed [-d URL] VECTORIZER TEXT` prints the
 * embedding of TEXT made with the vectorizer's own provider, as a pgvector
 * literal, ready for a similarity search:
 *   q=$(pgai vectorizer embed blog 'how do tides work')
 *   psql -c "select title from blog_embedding order by embedding <=> '$q' limit 5"
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli/cli.h"
#include "db/url.h"

static const char embed_usage[] = "Usage: pgai vectorizer embed [OPTIONS] VECTORIZER TEXT\n";
static const char embed_help[] =
    "Usage: pgai vectorizer embed [OPTIONS] VECTORIZER TEXT\n"
    "\n"
    "  Print the embedding of TEXT, made with the provider and model of\n"
    "  VECTORIZER (its name or id), as a pgvector literal.\n"
    "\n"
    "Options:\n"
    "  -d, --db-url TEXT  The database URL  [env: PGAI_VECTORIZER_WORKER_DB_URL;\n"
    "                     default: " DEFAULT_DB_URL "]\n"
    "  --help             Show this message and exit.\n";

int cmd_embed(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"db-url", required_argument, NULL, 'd'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *db_url = NULL;
    int c;
    opterr = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, ":d:", longopts, NULL)) != -1) {
        switch (c) {
        case 'd': db_url = optarg; break;
        case 'h': fputs(embed_help, stdout); return 0;
        case ':': return cli_usage_error(embed_usage, "Option '%s' requires an argument.", argv[optind - 1]);
        default: return cli_unknown_option(embed_usage, longopts, argv[optind - 1], optopt);
        }
    }
    if (argc - optind != 2) return cli_usage_error(embed_usage, "Expected VECTORIZER and TEXT.");
    if (!db_url) db_url = cli_env("PGAI_VECTORIZER_WORKER_DB_URL");
    if (!db_url) db_url = DEFAULT_DB_URL;
    pgai_error err;
    if (db_url_check(db_url, &err) != PGAI_OK)
        return cli_usage_error(embed_usage, "Invalid value for '-d' / '--db-url': %s", err.message);
    /* standard output is for the vector alone: the .env's warnings go to stderr */
    cli_dotenv_report(NULL);
    float *vec;
    int dim;
    if (pgai_embed_query(db_url, argv[optind], argv[optind + 1], &vec, &dim, &err) != PGAI_OK) {
        fprintf(stderr, "Error: %s\n", err.message);
        return 1;
    }
    putchar('[');
    for (int i = 0; i < dim; i++) printf("%s%.9g", i ? "," : "", vec[i]);
    puts("]");
    free(vec);
    return 0;
}
