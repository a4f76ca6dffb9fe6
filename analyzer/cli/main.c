/*
 * memalot-analyze: entry point. Dispatches through the table of subcommands
 * (cli.h), prints the overall usage, and keeps the exit-status contract (see
 * cli.h and docs/cli.md). A first argument that is a file means `report FILE`.
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"

/* In the order the overall usage lists them. */
static const cli_command *const commands[] = {
    &cli_command_report, &cli_command_info,  &cli_command_diff,
    &cli_command_list,   &cli_command_paths, &cli_command_redact,
};
#define COMMAND_COUNT (sizeof commands / sizeof commands[0])

static void print_usage(FILE *out)
{
    fprintf(out, "usage: %s COMMAND [ARGS]\n       %s FILE [report options]\n\ncommands:\n",
            CLI_PROGRAM, CLI_PROGRAM);
    for (size_t i = 0; i < COMMAND_COUNT; i++)
        fprintf(out, "  %-8s %s\n", commands[i]->name, commands[i]->summary);
    fprintf(out,
            "\n'%s COMMAND --help' describes a command's options.\n"
            "Exit status: 0 success (no leaks), 1 leaks found, 2 usage or input error.\n",
            CLI_PROGRAM);
}

/* A word that names an existing path, or looks like one, is a dump for
 * `report`; anything else is a mistyped command and deserves that message. */
static int looks_like_file(const char *word)
{
    struct stat info;
    return stat(word, &info) == 0 || strchr(word, '/') || strchr(word, '.');
}

/* A full disk or a closed pipe must not look like success to a CI job. */
static int finish(int status)
{
    if (fflush(stdout) != 0 || ferror(stdout)) {
        fprintf(stderr, "%s: writing the output failed: %s\n", CLI_PROGRAM, strerror(errno));
        return CLI_EXIT_ERROR;
    }
    return status;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        print_usage(stderr);
        return CLI_EXIT_ERROR;
    }
    const char *first = argv[1];
    if (strcmp(first, "--help") == 0 || strcmp(first, "-h") == 0 || strcmp(first, "help") == 0) {
        print_usage(stdout);
        return CLI_EXIT_OK;
    }
    if (strcmp(first, "--version") == 0) {
        printf("%s %s\n", CLI_PROGRAM, MEMALOT_VERSION);
        return CLI_EXIT_OK;
    }
    for (size_t i = 0; i < COMMAND_COUNT; i++)
        if (strcmp(first, commands[i]->name) == 0)
            return finish(cli_command_run(commands[i], argc - 1, argv + 1));
    if (first[0] == '-' || looks_like_file(first)) {
        /* `memalot-analyze [OPTIONS] FILE ...` is `report`: argv[0] stands in for its name. */
        return finish(cli_command_run(&cli_command_report, argc, argv));
    }
    fprintf(stderr, "%s: unknown command '%s'\n\n", CLI_PROGRAM, first);
    print_usage(stderr);
    return CLI_EXIT_ERROR;
}
