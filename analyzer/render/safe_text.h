/*
 * Strings from a dump are untrusted: a type name, dict key or preview may
 * hold terminal escapes, invalid UTF-8 or markup. These helpers make them
 * safe for each output (terminal, JSON, HTML) without losing what they say.
 */
#ifndef MEMALOT_CLI_SAFE_TEXT_H
#define MEMALOT_CLI_SAFE_TEXT_H

#include <stdio.h>

/* Writes text for a terminal: control bytes become \xNN, invalid UTF-8
 * bytes become \xNN, valid UTF-8 passes. NULL prints nothing. */
void cli_put_terminal(FILE *out, const char *text);

/* Writes text escaped for HTML element content and quoted attributes
 * (& < > " '), with control bytes and invalid UTF-8 replaced by U+FFFD. */
void cli_put_html(FILE *out, const char *text);

/* A malloc'd copy that is valid UTF-8 (invalid bytes become U+FFFD), for
 * jansson, which refuses invalid UTF-8. NULL on allocation failure. */
char *cli_utf8_repair(const char *text);

#endif /* MEMALOT_CLI_SAFE_TEXT_H */
