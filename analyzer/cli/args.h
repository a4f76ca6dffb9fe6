/*
 * A small long-option parser for memalot-analyze.
 *
 * Accepts `--name value`, `--name=value`, flags (`--name`), repeatable
 * options, positionals anywhere, and `--` to end the options. Every error
 * names the option and what was expected, because the message is all a user
 * sees before exit status 2.
 */
#ifndef MEMALOT_CLI_ARGS_H
#define MEMALOT_CLI_ARGS_H

#include <stddef.h>
#include <stdint.h>

typedef enum {
    CLI_OPT_FLAG = 0,  /* no value */
    CLI_OPT_VALUE = 1, /* one value; given twice is an error */
    CLI_OPT_LIST = 2   /* one value per occurrence, repeatable */
} cli_opt_kind;

typedef struct {
    const char *name; /* long name without the dashes, e.g. "max-paths" */
    cli_opt_kind kind;
    const char *metavar; /* for usage text: "SECONDS", NULL for flags */
    const char *help;
    /* When set, --help appends " (default N)" with the value it returns, so
     * a default owned elsewhere (mla_options_init) is not copied here. */
    uint64_t (*default_value)(void);
} cli_opt_spec;

typedef struct {
    size_t count;        /* occurrences */
    const char **values; /* count entries for VALUE/LIST options */
} cli_opt_found;

typedef struct {
    const cli_opt_spec *specs;
    size_t spec_count;
    cli_opt_found *found;     /* spec_count entries, parallel to specs */
    const char **positionals; /* in order of appearance */
    size_t positional_count;
} cli_args;

/* Parses argv[first..argc). Returns 0, or -1 with message filled (and args
 * freed). `-h` is accepted as `--help` when the specs have a "help" flag. */
int cli_args_parse(cli_args *args, const cli_opt_spec *specs, size_t spec_count, int argc,
                   char **argv, int first, char *message, size_t message_size);
void cli_args_free(cli_args *args);

/* Occurrences of an option (0 when absent or unknown). */
size_t cli_args_count(const cli_args *args, const char *name);
/* The last value of an option, or NULL. */
const char *cli_args_value(const cli_args *args, const char *name);
/* Every value of a repeatable option; returns the count. */
size_t cli_args_values(const cli_args *args, const char *name, const char *const **values);

/* Prints the options table (for --help). */
void cli_args_print_options(const cli_opt_spec *specs, size_t spec_count, void *stream);

/* Number parsing with messages that name the option and the bad text. All
 * return 0 or -1 with message filled. */
int cli_parse_seconds(const char *option, const char *text, double *out, char *message,
                      size_t message_size);
int cli_parse_count(const char *option, const char *text, uint64_t *out, char *message,
                    size_t message_size);
/* An object address: 0x-prefixed hex or decimal. */
int cli_parse_address(const char *option, const char *text, uint64_t *out, char *message,
                      size_t message_size);

#endif /* MEMALOT_CLI_ARGS_H */
