/* Escaping untrusted dump strings per output (safe_text.h; terminal: memalot/render.h). */
#include "memalot/render.h"
#include "safe_text.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Length of the valid UTF-8 sequence starting at s (1-4), or 0 if invalid.
 * Rejects overlongs, surrogates and code points above U+10FFFF. */
static size_t utf8_sequence_length(const unsigned char *s)
{
    unsigned char c = s[0];
    if (c < 0x80)
        return 1;
    size_t length;
    uint32_t code;
    if ((c & 0xE0) == 0xC0) {
        length = 2;
        code = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
        length = 3;
        code = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
        length = 4;
        code = c & 0x07;
    } else {
        return 0;
    }
    for (size_t i = 1; i < length; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        code = (code << 6) | (s[i] & 0x3F);
    }
    static const uint32_t minimum[5] = {0, 0, 0x80, 0x800, 0x10000};
    if (code < minimum[length] || code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF))
        return 0;
    return length;
}

/* Bidirectional overrides and isolates (U+202A-U+202E, U+2066-U+2069) can
 * make a terminal show text in another order than it is ("Trojan Source"). */
static int is_bidi_control(const unsigned char *s, size_t length)
{
    return length == 3 && s[0] == 0xE2 &&
           ((s[1] == 0x80 && s[2] >= 0xAA && s[2] <= 0xAE) ||
            (s[1] == 0x81 && s[2] >= 0xA6 && s[2] <= 0xA9));
}

void mlr_put_terminal(FILE *out, const char *text)
{
    if (!text)
        return;
    const unsigned char *s = (const unsigned char *)text;
    while (*s) {
        size_t length = utf8_sequence_length(s);
        if (length == 0 || (length == 1 && (*s < 0x20 || *s == 0x7F)) ||
            (length == 2 && s[0] == 0xC2 && s[1] < 0xA0)) { /* C1 controls too */
            fprintf(out, "\\x%02x", *s);
            s++;
            continue;
        }
        if (is_bidi_control(s, length)) {
            unsigned code = (s[0] & 0x0Fu) << 12 | (s[1] & 0x3Fu) << 6 | (s[2] & 0x3Fu);
            fprintf(out, "\\u%04x", code);
            s += length;
            continue;
        }
        fwrite(s, 1, length, out);
        s += length;
    }
}

void mlr_internal_put_html(FILE *out, const char *text)
{
    if (!text)
        return;
    const unsigned char *s = (const unsigned char *)text;
    while (*s) {
        size_t length = utf8_sequence_length(s);
        if (length == 0 || (length == 1 && *s < 0x20 && *s != '\t' && *s != '\n')) {
            fputs("\xEF\xBF\xBD", out);
            s++;
            continue;
        }
        switch (*s) {
        case '&': fputs("&amp;", out); break;
        case '<': fputs("&lt;", out); break;
        case '>': fputs("&gt;", out); break;
        case '"': fputs("&quot;", out); break;
        case '\'': fputs("&#39;", out); break;
        default: fwrite(s, 1, length, out); break;
        }
        s += length;
    }
}

char *mlr_internal_utf8_repair(const char *text)
{
    size_t input_length = strlen(text);
    /* Worst case every byte becomes the 3-byte U+FFFD. */
    char *copy = malloc(input_length * 3 + 1);
    if (!copy)
        return NULL;
    const unsigned char *s = (const unsigned char *)text;
    size_t used = 0;
    while (*s) {
        size_t length = utf8_sequence_length(s);
        if (length == 0) {
            memcpy(copy + used, "\xEF\xBF\xBD", 3);
            used += 3;
            s++;
            continue;
        }
        memcpy(copy + used, s, length);
        used += length;
        s += length;
    }
    copy[used] = '\0';
    return copy;
}
