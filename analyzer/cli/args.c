/*
 * Long-option parsing for memalot-analyze (see args.h). The parser only
 * records what it saw; meaning (numbers, conflicts) is checked by each
 * command, which knows the context for a useful message.
 */
#define _POSIX_C_SOURCE 200809L

#include "args.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const cli_opt_spec *find_spec(const cli_opt_spec *specs, size_t spec_count, const char *name,
                                     size_t name_length, size_t *index)
{
    for (size_t i = 0; i < spec_count; i++) {
        if (strlen(specs[i].name) == name_length &&
            strncmp(specs[i].name, name, name_length) == 0) {
            *index = i;
            return &specs[i];
        }
    }
    return NULL;
}

static int add_value(cli_opt_found *found, const char *value)
{
    const char **grown = realloc(found->values, (found->count + 1) * sizeof *grown);
    if (!grown)
        return -1;
    found->values = grown;
    found->values[found->count] = value;
    return 0;
}

static int fail(cli_args *args, char *message, size_t message_size, const char *format,
                const char *a, const char *b)
{
    snprintf(message, message_size, format, a, b);
    cli_args_free(args);
    return -1;
}

/* Handles one "--name[=value]" word; may consume the next word as its value. */
static int parse_option(cli_args *args, int argc, char **argv, int *position, char *message,
                        size_t message_size)
{
    const char *word = argv[*position];
    const char *name = word + 2;
    const char *equals = strchr(name, '=');
    size_t name_length = equals ? (size_t)(equals - name) : strlen(name);
    size_t index = 0;
    const cli_opt_spec *spec = find_spec(args->specs, args->spec_count, name, name_length, &index);
    if (!spec)
        return fail(args, message, message_size, "unknown option '%s'%s", word, " (see --help)");
    cli_opt_found *found = &args->found[index];
    if (spec->kind == CLI_OPT_FLAG) {
        if (equals)
            return fail(args, message, message_size, "option --%s takes no value (got '%s')",
                        spec->name, equals + 1);
        found->count++;
        return 0;
    }
    const char *value = NULL;
    if (equals) {
        value = equals + 1;
    } else if (*position + 1 < argc) {
        value = argv[++*position];
    } else {
        return fail(args, message, message_size, "option --%s needs a value (%s)", spec->name,
                    spec->metavar ? spec->metavar : "VALUE");
    }
    if (spec->kind == CLI_OPT_VALUE && found->count > 0)
        return fail(args, message, message_size,
                    "option --%s given more than once (second value '%s')", spec->name, value);
    if (add_value(found, value) != 0)
        return fail(args, message, message_size, "out of memory parsing --%s%s", spec->name, "");
    found->count++;
    return 0;
}

static int add_positional(cli_args *args, const char *word)
{
    const char **grown = realloc(args->positionals, (args->positional_count + 1) * sizeof *grown);
    if (!grown)
        return -1;
    args->positionals = grown;
    args->positionals[args->positional_count++] = word;
    return 0;
}

int cli_args_parse(cli_args *args, const cli_opt_spec *specs, size_t spec_count, int argc,
                   char **argv, int first, char *message, size_t message_size)
{
    memset(args, 0, sizeof *args);
    args->specs = specs;
    args->spec_count = spec_count;
    args->found = calloc(spec_count ? spec_count : 1, sizeof *args->found);
    if (!args->found)
        return fail(args, message, message_size, "out of memory%s%s", "", "");
    int options_ended = 0;
    for (int i = first; i < argc; i++) {
        const char *word = argv[i];
        size_t help_index = 0;
        if (!options_ended && strcmp(word, "--") == 0) {
            options_ended = 1;
        } else if (!options_ended && strcmp(word, "-h") == 0 &&
                   find_spec(specs, spec_count, "help", 4, &help_index)) {
            args->found[help_index].count++;
        } else if (!options_ended && strncmp(word, "--", 2) == 0) {
            if (parse_option(args, argc, argv, &i, message, message_size) != 0)
                return -1;
        } else if (!options_ended && word[0] == '-' && word[1] != '\0') {
            return fail(args, message, message_size,
                        "unknown option '%s' (options are long: --name%s)", word, "");
        } else if (add_positional(args, word) != 0) {
            return fail(args, message, message_size, "out of memory%s%s", "", "");
        }
    }
    return 0;
}

void cli_args_free(cli_args *args)
{
    if (!args)
        return;
    if (args->found) {
        for (size_t i = 0; i < args->spec_count; i++)
            free(args->found[i].values);
        free(args->found);
    }
    free(args->positionals);
    memset(args, 0, sizeof *args);
}

static const cli_opt_found *lookup(const cli_args *args, const char *name)
{
    size_t index = 0;
    if (!args->found || !find_spec(args->specs, args->spec_count, name, strlen(name), &index))
        return NULL;
    return &args->found[index];
}

size_t cli_args_count(const cli_args *args, const char *name)
{
    const cli_opt_found *found = lookup(args, name);
    return found ? found->count : 0;
}

const char *cli_args_value(const cli_args *args, const char *name)
{
    const cli_opt_found *found = lookup(args, name);
    if (!found || found->count == 0 || !found->values)
        return NULL;
    return found->values[found->count - 1];
}

size_t cli_args_values(const cli_args *args, const char *name, const char *const **values)
{
    const cli_opt_found *found = lookup(args, name);
    *values = found ? found->values : NULL;
    return found && found->values ? found->count : 0;
}

void cli_args_print_options(const cli_opt_spec *specs, size_t spec_count, void *stream)
{
    FILE *out = stream;
    for (size_t i = 0; i < spec_count; i++) {
        char left[64];
        if (specs[i].metavar)
            snprintf(left, sizeof left, "--%s %s", specs[i].name, specs[i].metavar);
        else
            snprintf(left, sizeof left, "--%s", specs[i].name);
        fprintf(out, "  %-28s %s", left, specs[i].help);
        if (specs[i].default_value)
            fprintf(out, " (default %llu)", (unsigned long long)specs[i].default_value());
        fprintf(out, "%s\n", specs[i].kind == CLI_OPT_LIST ? " (repeatable)" : "");
    }
}

int cli_parse_seconds(const char *option, const char *text, double *out, char *message,
                      size_t message_size)
{
    char *end = NULL;
    errno = 0;
    double value = strtod(text, &end);
    if (text[0] == '\0' || *end != '\0' || errno != 0 || !isfinite(value) || value < 0) {
        snprintf(message, message_size,
                 "option --%s: '%s' is not a number of seconds (expected e.g. 60 or 0.5)", option,
                 text);
        return -1;
    }
    *out = value;
    return 0;
}

static int parse_unsigned(const char *text, int base, uint64_t *out)
{
    char *end = NULL;
    if (text[0] == '\0' || text[0] == '-' || text[0] == '+')
        return -1;
    errno = 0;
    unsigned long long value = strtoull(text, &end, base);
    if (*end != '\0' || errno != 0)
        return -1;
    *out = (uint64_t)value;
    return 0;
}

int cli_parse_count(const char *option, const char *text, uint64_t *out, char *message,
                    size_t message_size)
{
    if (parse_unsigned(text, 10, out) != 0) {
        snprintf(message, message_size,
                 "option --%s: '%s' is not a whole number (expected 0, 1, 2, ...)", option, text);
        return -1;
    }
    return 0;
}

int cli_parse_address(const char *option, const char *text, uint64_t *out, char *message,
                      size_t message_size)
{
    int hex = text[0] == '0' && (text[1] == 'x' || text[1] == 'X');
    if (parse_unsigned(hex ? text + 2 : text, hex ? 16 : 10, out) != 0) {
        snprintf(message, message_size,
                 "option --%s: '%s' is not an address (expected hex like 0x7f3a10 or decimal)",
                 option, text);
        return -1;
    }
    return 0;
}
