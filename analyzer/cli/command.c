/* The prologue every subcommand shares, and its failure message (see cli.h). */
#include <stdio.h>

#include "cli.h"

static void print_help(const cli_command *command, FILE *out)
{
    fprintf(out, "usage: %s %s\n\n%s\n\noptions:\n", CLI_PROGRAM, command->usage,
            command->description);
    cli_args_print_options(command->options, command->option_count, out);
}

static int usage_error(const cli_command *command, const char *message)
{
    fprintf(stderr, "%s %s: %s\n", CLI_PROGRAM, command->name, message);
    return CLI_EXIT_ERROR;
}

void cli_print_failure(mlt_status status, const mlt_error *err)
{
    fprintf(stderr, "%s: %s\n", CLI_PROGRAM,
            err->message[0] ? err->message : mlt_status_name(status));
}

int cli_command_run(const cli_command *command, int argc, char **argv)
{
    cli_args args;
    char message[512];
    if (cli_args_parse(&args, command->options, command->option_count, argc, argv, 1, message,
                       sizeof message) != 0)
        return usage_error(command, message);
    int status;
    if (cli_args_count(&args, "help")) {
        print_help(command, stdout);
        status = CLI_EXIT_OK;
    } else if (args.positional_count < command->min_positionals ||
               args.positional_count > command->max_positionals) {
        snprintf(message, sizeof message, "expected %s, got %zu arguments", command->positionals,
                 args.positional_count);
        status = usage_error(command, message);
    } else {
        message[0] = '\0';
        status = command->run(&args, message, sizeof message);
        if (status == CLI_FAIL_MESSAGE)
            status = usage_error(command, message);
    }
    cli_args_free(&args);
    return status;
}
