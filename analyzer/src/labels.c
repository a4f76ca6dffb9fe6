/* Text for path steps and roots, as users read them in reports:
 * ".attr", "[3]", "['key']", "[<key builtins.int>]", "<cell x>", and
 * "pkg.mod.name" / "function:name (thread N)" for roots. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "analysis_internal.h"

#define MLA_KEY_MAX_CHARS 40

/* Length of the UTF-8 sequence that starts with byte c (1 for stray bytes). */
static size_t utf8_length(unsigned char c)
{
    if (c >= 0xF0 && c < 0xF8)
        return 4;
    if (c >= 0xE0)
        return c < 0xF0 ? 3 : 1;
    if (c >= 0xC0)
        return 2;
    return 1;
}

static void append_escaped_char(mla_sbuf *out, unsigned char c, char quote)
{
    switch (c) {
    case '\n': mla_sbuf_puts(out, "\\n"); return;
    case '\r': mla_sbuf_puts(out, "\\r"); return;
    case '\t': mla_sbuf_puts(out, "\\t"); return;
    case '\\': mla_sbuf_puts(out, "\\\\"); return;
    default: break;
    }
    if (c == (unsigned char)quote) {
        char pair[2] = {'\\', quote};
        mla_sbuf_append(out, pair, 2);
    } else if (c < 0x20 || c == 0x7f) {
        mla_sbuf_printf(out, "\\x%02x", c);
    } else {
        mla_sbuf_append(out, (const char *)&c, 1);
    }
}

/* 'text' with Python-style escapes, cut after max_chars characters with "…". */
void mla_render_quoted(mla_sbuf *out, const char *text, size_t length, size_t max_chars)
{
    mla_sbuf_puts(out, "'");
    size_t chars = 0, i = 0;
    while (i < length && chars < max_chars) {
        unsigned char c = (unsigned char)text[i];
        size_t n = utf8_length(c);
        if (n > 1 && i + n <= length) {
            mla_sbuf_append(out, text + i, n);
            i += n;
        } else {
            append_escaped_char(out, c, '\'');
            i++;
        }
        chars++;
    }
    if (i < length)
        mla_sbuf_puts(out, "\xE2\x80\xA6"); /* … */
    mla_sbuf_puts(out, "'");
}

static void append_string(mla_sbuf *out, const mla_graph *graph, uint32_t id)
{
    size_t length;
    const char *text = mla_strtab_get(&graph->strings, id, &length);
    if (text)
        mla_sbuf_append(out, text, length);
    else
        mla_sbuf_puts(out, "?");
}

static const char *type_name(const mla_graph *graph, const mla_typereg *reg, uint32_t node)
{
    uint32_t t = graph->type[node];
    return t < reg->count ? reg->names[t] : "?";
}

static void render_key_object(mla_sbuf *out, const mla_graph *graph, const mla_typereg *reg,
                              uint32_t key, const mla_previews *previews)
{
    int truncated = 0;
    const char *preview = previews ? mla_previews_find(previews, key, &truncated) : NULL;
    if (key >= graph->node_count) {
        mla_sbuf_puts(out, "[<key ?>]");
    } else if (preview) {
        mla_sbuf_printf(out, "[%s]", preview);
    } else {
        mla_sbuf_printf(out, "[<key %s>]", type_name(graph, reg, key));
    }
}

/* A label that names a string: the text, dressed as the kind says. */
static void render_string_label(mla_sbuf *out, const mla_graph *graph, uint32_t kind, uint32_t id)
{
    size_t length;
    const char *text = mla_strtab_get(&graph->strings, id, &length);
    if (kind == MLT_LABEL_KEY_STR) {
        mla_sbuf_puts(out, "[");
        mla_render_quoted(out, text ? text : "?", text ? length : 1, MLA_KEY_MAX_CHARS);
        mla_sbuf_puts(out, "]");
        return;
    }
    mla_sbuf_puts(out, kind == MLT_LABEL_ATTR ? "." : kind == MLT_LABEL_CELL ? "<cell " : "");
    append_string(out, graph, id);
    if (kind == MLT_LABEL_CELL)
        mla_sbuf_puts(out, ">");
}

void mla_render_edge(mla_sbuf *out, const mla_graph *graph, const mla_typereg *reg, uint32_t edge,
                     const mla_previews *previews)
{
    uint32_t kind = graph->edge_kind[edge];
    uint32_t label = graph->edge_label[edge];
    if (mlt_label_has_string_id(kind)) {
        render_string_label(out, graph, kind, label);
    } else if (kind == MLT_LABEL_INDEX) {
        mla_sbuf_printf(out, "[%" PRIu32 "]", label);
    } else if (kind == MLT_LABEL_KEY_OBJ) {
        render_key_object(out, graph, reg, label, previews);
    } else {
        mla_sbuf_printf(out, "\xE2\x86\x92 %s", type_name(graph, reg, graph->edge_target[edge]));
    }
}

static mla_root_kind render_record(mla_sbuf *out, const mla_graph *graph, const mlt_root *root)
{
    int has_name = root->name != MLT_NO_STRING;
    int has_context = root->context != MLT_NO_STRING;
    switch (root->kind) {
    case MLT_ROOT_MODULE_GLOBAL:
        if (has_context) {
            append_string(out, graph, root->context);
            mla_sbuf_puts(out, ".");
        }
        append_string(out, graph, root->name);
        return MLA_ROOT_MODULE_GLOBAL;
    case MLT_ROOT_FRAME_LOCAL:
        if (has_context)
            append_string(out, graph, root->context);
        mla_sbuf_puts(out, ":");
        append_string(out, graph, root->name);
        mla_sbuf_printf(out, " (thread %" PRIu64 ")", root->thread_id);
        return MLA_ROOT_FRAME_LOCAL;
    case MLT_ROOT_EXTERNAL:
        mla_sbuf_puts(out, "held outside the visible heap");
        return MLA_ROOT_EXTERNAL;
    case MLT_ROOT_MODULE:
        mla_sbuf_puts(out, "module ");
        append_string(out, graph, has_name ? root->name : root->context);
        return MLA_ROOT_OTHER;
    case MLT_ROOT_THREAD:
        if (has_name)
            append_string(out, graph, root->name);
        else
            mla_sbuf_puts(out, "thread");
        if (root->thread_id)
            mla_sbuf_printf(out, " (thread %" PRIu64 ")", root->thread_id);
        return MLA_ROOT_OTHER;
    default:
        if (has_context && has_name) {
            append_string(out, graph, root->context);
            mla_sbuf_puts(out, ".");
        }
        if (has_name || has_context)
            append_string(out, graph, has_name ? root->name : root->context);
        else
            mla_sbuf_puts(out, mlt_root_kind_name(root->kind));
        return MLA_ROOT_OTHER;
    }
}

mla_root_kind mla_render_root(mla_sbuf *out, const mla_graph *graph, const mla_bfs *bfs,
                              uint32_t node)
{
    switch (bfs->super_kind[node]) {
    case MLA_SUPER_RECORD: return render_record(out, graph, &graph->roots[bfs->root_record[node]]);
    case MLA_SUPER_EXTERNAL:
        mla_sbuf_puts(out, "held outside the visible heap");
        return MLA_ROOT_EXTERNAL;
    default: mla_sbuf_puts(out, "unreachable from the recorded roots"); return MLA_ROOT_OTHER;
    }
}

const char *mla_root_kind_prefix(mla_root_kind kind)
{
    switch (kind) {
    case MLA_ROOT_MODULE_GLOBAL: return "module global ";
    case MLA_ROOT_FRAME_LOCAL: return "frame local ";
    default: return "";
    }
}
