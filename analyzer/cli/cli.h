/*
 * Internal declarations shared by the memalot-analyze command line: exit
 * statuses and the entry point of each subcommand. Each cmd_*.c parses its own
 * options so that its help and its errors stay next to what it does.
 */
#ifndef MEMALOT_CLI_H
#define MEMALOT_CLI_H

/* Exit statuses are part of the interface: CI jobs branch on them. */
enum {
    CLI_EXIT_OK = 0,    /* analysed, nothing found (or the command succeeded) */
    CLI_EXIT_LEAKS = 1, /* report found leak candidates (unless --exit-zero) */
    CLI_EXIT_ERROR = 2  /* bad usage or unreadable input; a message went to stderr */
};

/* Every subcommand takes the arguments after its name (argv[0] is the
 * subcommand name) and returns an exit status. */
int cli_cmd_info(int argc, char **argv);
int cli_cmd_report(int argc, char **argv);
int cli_cmd_diff(int argc, char **argv);
int cli_cmd_list(int argc, char **argv);
int cli_cmd_paths(int argc, char **argv);
int cli_cmd_redact(int argc, char **argv);

/* The program name used in messages ("memalot-analyze"). */
#define CLI_PROGRAM "memalot-analyze"

#endif /* MEMALOT_CLI_H */
