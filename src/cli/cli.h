/*
 * cli: the `pgai` command. main.c dispatches to one function per
 * sub-command; each parses its own options (command line first, then its
 * PGAI_* environment variables, then pgai's defaults) and calls the library.
 *
 * Exit codes follow pgai's click CLI: 0 success, 1 failure, 2 usage error.
 */
#ifndef PGAI_CLI_H
#define PGAI_CLI_H

#include <getopt.h>
#include <stdio.h>

#include "pgai/pgai.h"

#define EXIT_USAGE 2
#define DEFAULT_DB_URL "postgres://postgres@localhost:5432/postgres"

int cmd_install(int argc, char **argv);
int cmd_worker(int argc, char **argv);
int cmd_embed(int argc, char **argv);

/* Reports a usage error the way click does and returns EXIT_USAGE. */
int cli_usage_error(const char *usage, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* getopt_long's '?': "No such option", with the nearest option of longopts
 * when one is near enough to be a typo, or "does not take a value". arg is
 * the argument as given, short_opt getopt's optopt. Returns EXIT_USAGE. */
int cli_unknown_option(const char *usage, const struct option *longopts, const char *arg, int short_opt);

/* Returns the value of an environment variable, or NULL when unset or empty (as click does). */
const char *cli_env(const char *name);

/* The log sink of the command: pgai's console lines on stdout (or JSON lines). */
typedef struct cli_log {
    pgai_log_level level;
    int json;
    FILE *out; /* NULL: stdout */
} cli_log;
void cli_log_sink(void *userdata, pgai_log_level level, const char *event, const char *fields);

/* Logs what loading the .env had to say (once; later calls do nothing). NULL:
 * only its warnings, on stderr. */
void cli_dotenv_report(const cli_log *log);

#endif
