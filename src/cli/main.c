/* main: `pgai` entry point; dispatches to the sub-commands. */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"
#include "util/buf.h"
#include "util/dotenv.h"
#include "util/log.h"

static const char main_usage[] =
    "Usage: pgai [OPTIONS] COMMAND [ARGS]...\n"
    "\n"
    "  pgai in C: keep pgvector embeddings in sync with your PostgreSQL rows.\n"
    "\n"
    "Options:\n"
    "  --version  Show the version and exit.\n"
    "  --help     Show this message and exit.\n"
    "\n"
    "Commands:\n"
    "  install     Install or upgrade the pgai schema in the database.\n"
    "  vectorizer  Run the vectorizer worker (pgai vectorizer worker --help).\n";

const char *cli_env(const char *name)
{
    const char *v = getenv(name);
    return (v && *v) ? v : NULL;
}

int cli_usage_error(const char *usage, const char *fmt, ...)
{
    va_list ap;
    fputs(usage, stderr);
    fputs("Try 'pgai --help' for help.\n\nError: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    return EXIT_USAGE;
}

void cli_log_sink(void *userdata, pgai_log_level level, const char *event, const char *fields)
{
    const cli_log *cfg = userdata;
    if (level < cfg->level) return;
    buf line;
    buf_init(&line, 0);
    int rc = cfg->json ? log_render_json(&line, time(NULL), level, event, fields)
                       : log_render_text(&line, time(NULL), level, event, fields);
    if (rc == 0) {
        fwrite(line.data, 1, line.len, stdout);
        fflush(stdout);
    }
    buf_free(&line);
}

static void print_version(void)
{
    printf("pgai, version %s (pgai in C %s, compatible with pgai %s)\n", pgai_library_version(), pgai_version(),
           pgai_compatible_version());
}

/*
 * Like pgai, load the first .env found from the current directory upwards;
 * variables already set in the environment win. A broken .env is reported,
 * never fatal: its good lines still apply.
 */
static void load_dotenv(void)
{
    char path[4096], err[256];
    if (dotenv_find(NULL, path, sizeof(path)) != 0 || !path[0]) return;
    if (dotenv_load_file(path, dotenv_setenv_no_override, NULL, err, sizeof(err)) != 0)
        fprintf(stderr, "Warning: %s: %s\n", path, err);
}

int main(int argc, char **argv)
{
    load_dotenv();
    if (argc < 2) {
        fputs(main_usage, stdout);
        return 0;
    }
    const char *cmd = argv[1];
    if (strcmp(cmd, "--version") == 0) {
        print_version();
        return 0;
    }
    if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0) {
        fputs(main_usage, stdout);
        return 0;
    }
    if (strcmp(cmd, "install") == 0) return cmd_install(argc - 1, argv + 1);
    if (strcmp(cmd, "vectorizer") == 0) {
        if (argc >= 3 && strcmp(argv[2], "worker") == 0) return cmd_worker(argc - 2, argv + 2);
        if (argc >= 3 && strcmp(argv[2], "embed") == 0) return cmd_embed(argc - 2, argv + 2);
        if (argc >= 3 && strcmp(argv[2], "--version") == 0) {
            print_version();
            return 0;
        }
        if (argc < 3 || strcmp(argv[2], "--help") == 0) {
            fputs("Usage: pgai vectorizer [OPTIONS] COMMAND [ARGS]...\n\nCommands:\n"
                  "  worker  Run the vectorizer worker.\n"
                  "  embed   Print the embedding of a text made with a vectorizer's provider.\n",
                  stdout);
            return 0;
        }
        return cli_usage_error("Usage: pgai vectorizer [OPTIONS] COMMAND [ARGS]...\n", "No such command '%s'.", argv[2]);
    }
    return cli_usage_error("Usage: pgai [OPTIONS] COMMAND [ARGS]...\n", "No such command '%s'.", cmd);
}
