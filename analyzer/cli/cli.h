/*
 * Internal declarations shared by the memalot-analyze command line: exit
 * statuses and the table entry each subcommand exports. The shared prologue
 * (cli_command_run: option parsing, --help, the positional count) runs every
 * subcommand, so its help and its usage errors read the same everywhere;
 * each cmd_*.c keeps its options and help text next to what it does.
 */
#ifndef MEMALOT_CLI_H
#define MEMALOT_CLI_H

#include <stddef.h>

#include "args.h"
#include "memalot/format.h"

/* Exit statuses are part of the interface: CI jobs branch on them. */
enum {
    CLI_EXIT_OK = 0,    /* analysed, nothing found (or the command succeeded) */
    CLI_EXIT_LEAKS = 1, /* report found leak candidates (unless --exit-zero) */
    CLI_EXIT_ERROR = 2  /* bad usage or unreadable input; a message went to stderr */
};

/* Not an exit status: a command's run returns it when it filled `message`;
 * the prologue prints "memalot-analyze COMMAND: message" and exits 2. */
#define CLI_FAIL_MESSAGE (-1)

typedef struct {
    const char *name;        /* "report" */
    const char *summary;     /* one line for the overall usage */
    const char *usage;       /* after "usage: memalot-analyze " in --help */
    const char *description; /* --help's paragraph between usage and options */
    const cli_opt_spec *options;
    size_t option_count;
    /* Positional arguments accepted; outside the range the prologue says
     * "expected <positionals>, got N arguments". */
    size_t min_positionals, max_positionals;
    const char *positionals; /* "one FILE", "IN and OUT", ... */
    /* Runs the parsed command (--help and the count already handled);
     * returns an exit status or CLI_FAIL_MESSAGE. */
    int (*run)(const cli_args *args, char *message, size_t message_size);
} cli_command;

extern const cli_command cli_command_report, cli_command_info, cli_command_diff, cli_command_list,
    cli_command_paths, cli_command_redact;

/* The shared prologue: parses argv[1..argc) (argv[0] is the command's
 * name) against the command's options, prints --help or a usage error, and
 * otherwise runs it. Returns the exit status. */
int cli_command_run(const cli_command *command, int argc, char **argv);

/* "memalot-analyze: <what failed>" for a library call that returned status:
 * err's message, or the status's name when the library left it empty. */
void cli_print_failure(mlt_status status, const mlt_error *err);

/* The program name used in messages ("memalot-analyze"). */
#define CLI_PROGRAM "memalot-analyze"

#endif /* MEMALOT_CLI_H */
