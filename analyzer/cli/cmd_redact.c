/*
 * memalot-analyze redact IN OUT [--hash-names]: a copy of a dump that is
 * safer to share (no argv, no value previews, str dict keys hashed; with
 * --hash-names every other name too). The rewriting is the format
 * library's (memalot/redact.h); this file is its command line.
 */
#define _POSIX_C_SOURCE 200809L

#include <stdio.h>

#include "args.h"
#include "cli.h"
#include "memalot/redact.h"

static const cli_opt_spec redact_options[] = {
    {"hash-names", CLI_OPT_FLAG, NULL,
     "also hash type, module, attribute, local and root names (builtins.* stay readable)", NULL},
    {"help", CLI_OPT_FLAG, NULL, "show this help", NULL},
};
#define REDACT_OPTION_COUNT (sizeof redact_options / sizeof redact_options[0])

/* The copy leaves a torn tail out; say so, as info does. */
static void warn_torn_tail(const char *path)
{
    mlt_reader_options options = {.skip_checksums = 1};
    mlt_reader *reader;
    mlt_error err;
    if (mlt_reader_open(path, &options, &reader, &err) != MLT_OK)
        return;
    const mlt_error *tail = mlt_reader_tail_error(reader);
    if (tail)
        fprintf(stderr,
                "%s redact: warning: the damaged or torn tail at offset %llu was left "
                "out: %s\n",
                CLI_PROGRAM, (unsigned long long)tail->offset, tail->message);
    mlt_reader_close(reader);
}

static int run(const cli_args *args, char *message, size_t message_size)
{
    mlt_redact_options options = {.hash_names = cli_args_count(args, "hash-names") > 0};
    mlt_error err;
    if (mlt_redact(args->positionals[0], args->positionals[1], &options, &err) != MLT_OK) {
        snprintf(message, message_size, "%s", err.message);
        return CLI_FAIL_MESSAGE;
    }
    warn_torn_tail(args->positionals[0]);
    return CLI_EXIT_OK;
}

const cli_command cli_command_redact = {
    .name = "redact",
    .summary = "write a copy without argv, previews and dict keys, to share",
    .usage = "redact IN OUT [--hash-names]",
    .description =
        "Writes OUT (mode 0600) as a copy of the dump IN without argv and without value\n"
        "previews, with str dict keys replaced by stable hashes (\"h:\" + 12 hex digits,\n"
        "the same text always gives the same hash, so redacted dumps of one program still\n"
        "correlate). Addresses, sizes, the object graph and times are kept. A torn tail\n"
        "is left out; an image that does not decode fails the command.",
    .options = redact_options,
    .option_count = REDACT_OPTION_COUNT,
    .min_positionals = 2,
    .max_positionals = 2,
    .positionals = "IN and OUT",
    .run = run,
};
