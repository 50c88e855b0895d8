/* main: `pgai` entry point; dispatches to the sub-commands. */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "util/buf.h"
#include "cli/dotenv.h"
#include "cli/log_render.h"
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

/* "pgai vectorizer worker" from "Usage: pgai vectorizer worker [OPTIONS]...\n". */
static void command_path(const char *usage, char *out, size_t n)
{
    const char *p = strncmp(usage, "Usage: ", 7) == 0 ? usage + 7 : usage;
    size_t len = strcspn(p, "[\n");
    while (len && p[len - 1] == ' ') len--;
    snprintf(out, n, "%.*s", (int)len, p);
}

int cli_usage_error(const char *usage, const char *fmt, ...)
{
    char cmd[128];
    command_path(usage, cmd, sizeof(cmd));
    va_list ap;
    fputs(usage, stderr);
    fprintf(stderr, "Try '%s --help' for help.\n\nError: ", cmd);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    return EXIT_USAGE;
}

/* Edit distance, a swap of two neighbours counting as one edit (optimal string alignment). */
static size_t edit_distance(const char *a, size_t na, const char *b, size_t nb)
{
    enum { MAX = 64 };
    if (na >= MAX || nb >= MAX) return (size_t)-1; /* no option is that long */
    size_t d[MAX][MAX];
    for (size_t i = 0; i <= na; i++) d[i][0] = i;
    for (size_t j = 0; j <= nb; j++) d[0][j] = j;
    for (size_t i = 1; i <= na; i++)
        for (size_t j = 1; j <= nb; j++) {
            size_t best = d[i - 1][j - 1] + (a[i - 1] != b[j - 1]);
            if (d[i - 1][j] + 1 < best) best = d[i - 1][j] + 1;
            if (d[i][j - 1] + 1 < best) best = d[i][j - 1] + 1;
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] && d[i - 2][j - 2] + 1 < best)
                best = d[i - 2][j - 2] + 1;
            d[i][j] = best;
        }
    return d[na][nb];
}

int cli_unknown_option(const char *usage, const struct option *longopts, const char *arg, int short_opt)
{
    if (!arg || strncmp(arg, "--", 2) != 0) {
        if (short_opt > 0 && short_opt < 128) return cli_usage_error(usage, "No such option: -%c", short_opt);
        return cli_usage_error(usage, "No such option: %s", arg ? arg : "");
    }
    /* the name only: a value after '=' may be a URL with a password */
    const char *name = arg + 2;
    size_t n = strcspn(name, "=");
    for (const struct option *lo = longopts; lo->name; lo++)
        if (strlen(lo->name) == n && strncmp(lo->name, name, n) == 0 && lo->has_arg == no_argument)
            return cli_usage_error(usage, "Option '--%s' does not take a value.", lo->name);
    /* an abbreviation of several options (getopt_long takes an unambiguous one) */
    char also[256] = "";
    size_t o = 0;
    for (const struct option *lo = longopts; lo->name; lo++)
        if (n && strncmp(lo->name, name, n) == 0 && o < sizeof(also))
            o += (size_t)snprintf(also + o, sizeof(also) - o, "%s--%s", o ? " or " : "", lo->name);
    if (also[0]) return cli_usage_error(usage, "No such option: --%.*s (did you mean %s?)", (int)n, name, also);
    /* a typo: the nearest option, if it is near enough to be what was meant */
    const char *best = NULL;
    size_t best_d = (size_t)-1;
    for (const struct option *lo = longopts; lo->name; lo++) {
        size_t d = edit_distance(name, n, lo->name, strlen(lo->name));
        if (d < best_d) best_d = d, best = lo->name;
    }
    if (best && best_d <= (n <= 4 ? 1u : 2u))
        return cli_usage_error(usage, "No such option: --%.*s (did you mean --%s?)", (int)n, name, best);
    return cli_usage_error(usage, "No such option: --%.*s", (int)n, name);
}

void cli_log_sink(void *userdata, pgai_log_level level, const char *event, const char *fields)
{
    const cli_log *cfg = userdata;
    if (level < cfg->level) return;
    FILE *out = cfg->out ? cfg->out : stdout;
    buf line;
    buf_init(&line, LOG_LINE_MAX);
    int rc = cfg->json ? log_render_json(&line, time(NULL), level, event, fields)
                       : log_render_text(&line, time(NULL), level, event, fields);
    if (rc == 0) {
        fwrite(line.data, 1, line.len, out);
        fflush(out);
    }
    buf_free(&line);
}

static void print_version(void)
{
    printf("pgai, version %s (pgai in C %s, compatible with pgai %s)\n", pgai_library_version(), pgai_version(),
           pgai_compatible_version());
}

/*
 * What loading the .env had to say. It is kept until the command has set up
 * its log (the .env may choose the log's format and level), then logged;
 * commands that have no log get the warnings on stderr.
 */
#define DOTENV_MAX_MESSAGES 16
typedef struct dotenv_message {
    pgai_log_level level;
    char event[64];
    char fields[2048];
} dotenv_message;
static dotenv_message dotenv_messages[DOTENV_MAX_MESSAGES];
static int n_dotenv_messages, dotenv_reported;

static void keep_dotenv_message(void *userdata, pgai_log_level level, const char *event, const char *fields)
{
    if (n_dotenv_messages == DOTENV_MAX_MESSAGES) return; /* a file that bad says enough in 16 lines */
    dotenv_message *m = &dotenv_messages[n_dotenv_messages++];
    m->level = level;
    snprintf(m->event, sizeof(m->event), "%s", event);
    snprintf(m->fields, sizeof(m->fields), "%s", fields);
}

static const logger dotenv_log = {keep_dotenv_message, NULL, PGAI_LOG_DEBUG};

static void dotenv_refused(void *ud, const char *path, const char *why)
{
    log_warn(&dotenv_log, "not loading a .env file", "path='%s' reason='%s'", path, why);
}

static void dotenv_bad_line(void *ud, size_t line, const char *msg)
{
    log_warn(&dotenv_log, "skipped a line of the .env file that could not be parsed", "path='%s' line=%zu",
             (const char *)ud, line);
}

/*
 * Like pgai, load the first .env found from the current directory upwards;
 * variables already set in the environment win. Unlike pgai, only a .env
 * that no other user could have put there or changed (dotenv_find_trusted:
 * the worker's API keys go wherever OPENAI_BASE_URL says). A broken .env is
 * reported, never fatal: its good lines still apply.
 */
static void load_dotenv(void)
{
    char path[4096], err[512];
    int fd;
    if (dotenv_find_trusted(NULL, path, sizeof(path), &fd, dotenv_refused, NULL) != 0 || fd < 0) return;
    if (dotenv_load_fd(fd, path, dotenv_setenv_no_override, dotenv_bad_line, path, err, sizeof(err)) != 0)
        log_warn(&dotenv_log, "the .env file could not be loaded", "path='%s' error='%s'", path, err);
    else
        log_info(&dotenv_log, "loaded environment variables from a .env file", "path='%s'", path);
    close(fd);
}

void cli_dotenv_report(const cli_log *log)
{
    if (dotenv_reported) return;
    dotenv_reported = 1;
    cli_log warnings = {.level = PGAI_LOG_WARNING, .out = stderr};
    if (!log) log = &warnings;
    for (int i = 0; i < n_dotenv_messages; i++)
        cli_log_sink((void *)log, dotenv_messages[i].level, dotenv_messages[i].event, dotenv_messages[i].fields);
}

static int dispatch(int argc, char **argv)
{
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
        /* pgai has it; we do not (yet): say so rather than "no such command" */
        if (strcmp(argv[2], "download-models") == 0)
            return cli_usage_error("Usage: pgai vectorizer [OPTIONS] COMMAND [ARGS]...\n",
                                   "'pgai vectorizer download-models' is pgai's, not implemented in pgai in C "
                                   "(it downloads the models of pgai's document parsers, which this version lacks).");
        return cli_usage_error("Usage: pgai vectorizer [OPTIONS] COMMAND [ARGS]...\n", "No such command '%s'.", argv[2]);
    }
    if (strcmp(cmd, "semantic-catalog") == 0)
        return cli_usage_error("Usage: pgai [OPTIONS] COMMAND [ARGS]...\n",
                               "'pgai semantic-catalog' is pgai's, not implemented in pgai in C.");
    return cli_usage_error("Usage: pgai [OPTIONS] COMMAND [ARGS]...\n", "No such command '%s'.", cmd);
}

int main(int argc, char **argv)
{
    load_dotenv();
    int rc = dispatch(argc, argv);
    cli_dotenv_report(NULL); /* a command that logged nothing (--help, a usage error) */
    return rc;
}
