/*
 * One example object in the HTML report: what it is (type, size, age,
 * value) and its shortest retainer paths, written as the text report writes
 * them so the two can be compared line by line.
 */
#include "memalot/render.h"
#include "html_internal.h"
#include "safe_text.h"

void mlr_internal_html_size(FILE *out, uint64_t bytes)
{
    char text[MLR_FMT_SIZE_MAX];
    fputs(mlr_fmt_size(bytes, text, sizeof text), out);
}

void mlr_internal_html_code(FILE *out, const char *text)
{
    fputs("<code>", out);
    mlr_internal_put_html(out, text);
    fputs("</code>", out);
}

static void put_path(FILE *out, const mla_path *path)
{
    fputs("<li><code>", out);
    mlr_internal_put_html(out, path->root);
    mlr_internal_put_steps(out, path, " &#8594; ", "&#8230;", mlr_internal_put_html);
    fputs("</code></li>\n", out);
}

static void put_identity(FILE *out, const mla_example *example)
{
    char age[MLR_FMT_TIME_MAX];
    fprintf(out, "<span class=\"what\">0x%llx ", (unsigned long long)example->address);
    mlr_internal_html_code(out, example->type);
    fputs(", ", out);
    mlr_internal_html_size(out, example->shallow_bytes);
    fprintf(out, ", age &#8805; %s", mlr_fmt_duration(example->age_seconds, age, sizeof age));
    if (example->age_calls >= 0)
        fprintf(out, " / %lld call%s", (long long)example->age_calls,
                example->age_calls == 1 ? "" : "s");
    if (example->identity_approximate)
        fputs(", identity approximate", out);
    if (example->undated)
        fputs(", undated", out);
    if (example->preview) { /* rendered by the analysis: quoted, ellipsis when cut */
        fputs(", value ", out);
        mlr_internal_html_code(out, example->preview);
    }
    fputs("</span>\n", out);
}

void mlr_internal_html_example(FILE *out, const mla_example *example)
{
    fputs("<div class=\"example\">", out);
    put_identity(out, example);
    if (example->path_count == 0) {
        fputs("<p class=\"no-path\">(no retainer path found)</p>\n</div>\n", out);
        return;
    }
    fputs("<ol class=\"paths\">\n", out);
    for (size_t i = 0; i < example->path_count; i++)
        put_path(out, &example->paths[i]);
    fputs("</ol>\n</div>\n", out);
}
