/*
 * A leak suspect's growth chart in the HTML report: the objects held at the
 * accumulation point and their bytes at each sampled image, against time
 * since the first image (or monitored calls under the call criterion).
 *
 * Objects and bytes get a panel each, stacked on one x axis, rather than two
 * y scales on one plot: for objects of one size the two lines would be the
 * same line, and one would hide the other. The warm-up is shaded because
 * nothing made in it counts, which is why the lines start flat.
 */
#include <math.h>

#include "html_internal.h"

#define CHART_WIDTH 470
#define CHART_LEFT 64
#define CHART_RIGHT 16
#define CHART_TOP 20
#define PANEL_HEIGHT 72
#define PANEL_GAP 28
#define CHART_BOTTOM 42
#define CHART_HEIGHT (CHART_TOP + 2 * PANEL_HEIGHT + PANEL_GAP + CHART_BOTTOM)
#define Y_TICKS 4
#define X_TICKS 6
#define WARMUP_LABEL_MIN_WIDTH 56 /* pixels of shaded warm-up that fit its label */

typedef struct {
    const mla_suspect *suspect;
    int by_calls;      /* x is monitored calls, not seconds */
    double x_span;     /* the last sampled x: the right edge */
    mlr_axis x_axis;   /* ticks only: the domain is 0 .. x_span */
    double warmup_end; /* x where the warm-up ends */
} chart_frame;

typedef struct {
    const char *title;
    const char *series_class;
    const char *color;
    double top_y; /* pixel row of the panel's top */
    mlr_axis y_axis;
    int bytes; /* 1: the bytes panel, 0: the objects panel */
} chart_panel;

static double point_x(const chart_frame *frame, const mla_growth_point *point)
{
    return frame->by_calls ? (double)point->calls : point->time;
}

static double point_y(const chart_panel *panel, const mla_growth_point *point)
{
    return panel->bytes ? (double)point->bytes : (double)point->count;
}

static double pixel_x(const chart_frame *frame, double x)
{
    return CHART_LEFT + (CHART_WIDTH - CHART_LEFT - CHART_RIGHT) * x / frame->x_span;
}

static double pixel_y(const chart_panel *panel, double y)
{
    return panel->top_y + PANEL_HEIGHT - PANEL_HEIGHT * y / panel->y_axis.top;
}

static chart_frame frame_of(const mla_report *report, const mla_suspect *suspect)
{
    chart_frame frame;
    frame.suspect = suspect;
    frame.by_calls = report->criterion.kind == MLT_CRITERION_CALLS;
    frame.x_span = 0;
    for (size_t i = 0; i < suspect->growth_count; i++)
        if (point_x(&frame, &suspect->growth[i]) > frame.x_span)
            frame.x_span = point_x(&frame, &suspect->growth[i]);
    if (!(frame.x_span > 0) || !isfinite(frame.x_span))
        frame.x_span = 1; /* one sample, all at 0 (or a hostile time): a point at the left */
    frame.x_axis = mlr_internal_axis_linear(frame.x_span, X_TICKS, frame.by_calls);
    frame.warmup_end = frame.by_calls ? (double)report->criterion.warmup_calls
                                      : report->criterion.warmup;
    return frame;
}

static void put_warmup(FILE *out, const chart_frame *frame, const chart_panel *panel)
{
    if (!(frame->warmup_end > 0))
        return;
    double end = frame->warmup_end < frame->x_span ? frame->warmup_end : frame->x_span;
    double width = pixel_x(frame, end) - CHART_LEFT;
    fprintf(out,
            "<rect class=\"warmup\" x=\"%d\" y=\"%.1f\" width=\"%.1f\" height=\"%d\">"
            "<title>warm-up: objects made in it are not candidates</title></rect>\n",
            CHART_LEFT, panel->top_y, width, PANEL_HEIGHT);
    if (!panel->bytes && width >= WARMUP_LABEL_MIN_WIDTH)
        fprintf(out, "<text class=\"warmup-label\" x=\"%.1f\" y=\"%.1f\">warm-up</text>\n",
                CHART_LEFT + 4.0, panel->top_y + 12);
}

static void put_y_ticks(FILE *out, const chart_panel *panel)
{
    const mlr_axis *axis = &panel->y_axis;
    for (int tick = 0; tick <= Y_TICKS && tick * axis->step <= axis->top * (1 + 1e-9); tick++) {
        double value = tick * axis->step, y = pixel_y(panel, value);
        fprintf(out,
                "<line class=\"grid\" x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\"/>"
                "<text class=\"tick y-tick\" x=\"%d\" y=\"%.1f\" text-anchor=\"end\">",
                CHART_LEFT, y, CHART_WIDTH - CHART_RIGHT, y, CHART_LEFT - 5, y + 4);
        mlr_internal_axis_label(out, axis, value);
        fputs("</text>\n", out);
    }
}

/* Vertical grid lines in every panel; the labels under the bottom one. */
static void put_x_ticks(FILE *out, const chart_frame *frame, const chart_panel *panel, int labels)
{
    const mlr_axis *axis = &frame->x_axis;
    double bottom = panel->top_y + PANEL_HEIGHT;
    for (int tick = 0; tick <= X_TICKS && tick * axis->step <= frame->x_span * (1 + 1e-9); tick++) {
        double x = pixel_x(frame, tick * axis->step);
        fprintf(out, "<line class=\"grid\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>\n", x,
                panel->top_y, x, bottom);
        if (!labels)
            continue;
        fprintf(out, "<text class=\"tick x-tick\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">", x,
                bottom + 15);
        mlr_internal_axis_label(out, axis, tick * axis->step);
        fputs("</text>\n", out);
    }
}

static void put_axes(FILE *out, const chart_panel *panel)
{
    double bottom = panel->top_y + PANEL_HEIGHT;
    fprintf(out,
            "<line class=\"axis\" x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\"/>"
            "<line class=\"axis\" x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\"/>\n"
            "<text class=\"panel-title\" x=\"%d\" y=\"%.1f\" fill=\"%s\">%s</text>\n",
            CHART_LEFT, panel->top_y, CHART_LEFT, bottom, CHART_LEFT, bottom,
            CHART_WIDTH - CHART_RIGHT, bottom, CHART_LEFT, panel->top_y - 7, panel->color,
            panel->title);
}

/* The line and a marker per sampled image, so sparse samples show as such. */
static void put_series(FILE *out, const chart_frame *frame, const chart_panel *panel)
{
    const mla_suspect *suspect = frame->suspect;
    fprintf(out, "<polyline class=\"%s\" stroke=\"%s\" data-suspect=\"%u\" points=\"",
            panel->series_class, panel->color, suspect->id + 1);
    for (size_t i = 0; i < suspect->growth_count; i++)
        fprintf(out, "%s%.1f,%.1f", i ? " " : "",
                pixel_x(frame, point_x(frame, &suspect->growth[i])),
                pixel_y(panel, point_y(panel, &suspect->growth[i])));
    fputs("\"/>\n", out);
    for (size_t i = 0; i < suspect->growth_count; i++) {
        const mla_growth_point *point = &suspect->growth[i];
        fprintf(out, "<circle class=\"marker\" fill=\"%s\" cx=\"%.1f\" cy=\"%.1f\" r=\"2.5\">",
                panel->color, pixel_x(frame, point_x(frame, point)),
                pixel_y(panel, point_y(panel, point)));
        if (frame->by_calls)
            fprintf(out, "<title>image %u, after %llu calls: ", point->image,
                    (unsigned long long)point->calls);
        else
            fprintf(out, "<title>image %u, %.2f s: ", point->image, point->time);
        if (panel->bytes)
            mlr_internal_html_size(out, point->bytes);
        else
            fprintf(out, "%llu objects", (unsigned long long)point->count);
        fputs("</title></circle>\n", out);
    }
}

static void put_panel(FILE *out, const chart_frame *frame, const chart_panel *panel, int last)
{
    put_warmup(out, frame, panel);
    put_y_ticks(out, panel);
    put_x_ticks(out, frame, panel, last);
    put_axes(out, panel);
    put_series(out, frame, panel);
}

static void highest_values(const mla_suspect *suspect, uint64_t *count, uint64_t *bytes)
{
    *count = *bytes = 0;
    for (size_t i = 0; i < suspect->growth_count; i++) {
        if (suspect->growth[i].count > *count)
            *count = suspect->growth[i].count;
        if (suspect->growth[i].bytes > *bytes)
            *bytes = suspect->growth[i].bytes;
    }
}

const char *mlr_internal_html_unmeasured(int each)
{
    return each ? "a report per image (--each) measures no trend"
                : "no accumulation point to follow";
}

static void put_no_chart(FILE *out, const mla_suspect *suspect, int each)
{
    fprintf(out, "<p class=\"no-chart\" data-suspect=\"%u\">Growth not measured (%s).</p>\n",
            suspect->id + 1, mlr_internal_html_unmeasured(each));
}

void mlr_internal_html_suspect_chart(FILE *out, const mla_report *report,
                                     const mla_suspect *suspect, int each)
{
    if (suspect->growth_count == 0) {
        put_no_chart(out, suspect, each);
        return;
    }
    chart_frame frame = frame_of(report, suspect);
    uint64_t count, bytes;
    highest_values(suspect, &count, &bytes);
    chart_panel objects = {"objects held",
                           "count-line",
                           MLR_HTML_COUNT_COLOR,
                           CHART_TOP,
                           mlr_internal_axis_linear((double)count, Y_TICKS, 1),
                           0};
    chart_panel sizes = {"bytes held (shallow)",
                         "bytes-line",
                         MLR_HTML_BYTES_COLOR,
                         CHART_TOP + PANEL_HEIGHT + PANEL_GAP,
                         mlr_internal_axis_bytes(bytes, Y_TICKS),
                         1};
    const char *x_title = frame.by_calls ? "monitored calls completed"
                                         : "seconds since the first image";
    fprintf(out,
            "<svg class=\"suspect-chart\" data-suspect=\"%u\" data-x=\"%s\" "
            "xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
            "viewBox=\"0 0 %d %d\" role=\"img\" aria-label=\"objects and bytes held by suspect "
            "#%u against %s\">\n",
            suspect->id + 1, frame.by_calls ? "calls" : "seconds", CHART_WIDTH, CHART_HEIGHT,
            CHART_WIDTH, CHART_HEIGHT, suspect->id + 1, x_title);
    put_panel(out, &frame, &objects, 0);
    put_panel(out, &frame, &sizes, 1);
    fprintf(out,
            "<text class=\"axis-title\" x=\"%d\" y=\"%d\" text-anchor=\"middle\">%s</text>\n"
            "</svg>\n",
            (CHART_LEFT + CHART_WIDTH - CHART_RIGHT) / 2, CHART_HEIGHT - 6, x_title);
}
