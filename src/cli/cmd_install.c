/* cmd_install: `pgai install [-d URL] [--strict]`. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "db/url.h"
#include "util/parse.h"

static const char install_usage[] = "Usage: pgai install [OPTIONS]\n";
static const char install_help[] =
    "Usage: pgai install [OPTIONS]\n"
    "\n"
    "  Install or upgrade the pgai schema (ai.*) in the database, in one\n"
    "  transaction. Installing the installed version again does nothing.\n"
    "\n"
    "Options:\n"
    "  -d, --db-url TEXT  The database URL to connect to  [env: PGAI_INSTALL_DB_URL;\n"
    "                     default: " DEFAULT_DB_URL "]\n"
    "  --strict           Fail if pgai is already installed at this version\n"
    "                     [env: PGAI_INSTALL_STRICT]\n"
    "  --help             Show this message and exit.\n";

int cmd_install(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"db-url", required_argument, NULL, 'd'},
        {"strict", no_argument, NULL, 's'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *db_url = NULL;
    int strict = -1;
    int c;
    opterr = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, ":d:", longopts, NULL)) != -1) {
        switch (c) {
        case 'd': db_url = optarg; break;
        case 's': strict = 1; break;
        case 'h': fputs(install_help, stdout); return 0;
        case ':': return cli_usage_error(install_usage, "Option '%s' requires an argument.", argv[optind - 1]);
        default: return cli_unknown_option(install_usage, longopts, argv[optind - 1], optopt);
        }
    }
    if (optind < argc) return cli_usage_error(install_usage, "Got unexpected extra argument (%s)", argv[optind]);
    if (!db_url) db_url = cli_env("PGAI_INSTALL_DB_URL");
    if (!db_url) db_url = DEFAULT_DB_URL;
    if (strict < 0) {
        const char *env = cli_env("PGAI_INSTALL_STRICT");
        strict = 0;
        if (env && parse_bool(env, &strict) != 0)
            return cli_usage_error(install_usage, "Invalid value for '--strict': '%s' is not a valid boolean.", env);
    }

    pgai_error err;
    if (db_url_check(db_url, &err) != PGAI_OK)
        return cli_usage_error(install_usage, "Invalid value for '-d' / '--db-url': %s", err.message);

    cli_log log = {.level = PGAI_LOG_INFO};
    cli_dotenv_report(&log);
    pgai_install_options opts = {.strict = strict, .log = cli_log_sink, .log_userdata = &log};
    int rc = pgai_install(db_url, &opts, &err);
    if (rc >= 0) return 0;
    fprintf(stderr, "Error: %s\n", err.message);
    return 1;
}
