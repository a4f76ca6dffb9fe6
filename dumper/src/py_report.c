/*
 * report(): the console reports of start_leak_monitoring and @leak_monitor.
 *
 * It runs the same analysis library and text renderer as memalot-analyze on
 * the dump file just written, so the console and the CLI give the same
 * findings for the same dumps. Everything after argument parsing runs with
 * the GIL released: the program's threads go on while the report is built.
 */
#define _POSIX_C_SOURCE 200809L

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compat.h"
#include "memalot/analysis.h"
#include "py_bindings.h"
#include "memalot/render.h"

#define REPORT_MAX_FILTERS 64

typedef struct {
    char *items[REPORT_MAX_FILTERS];
    size_t count;
} filter_list;

static void filter_list_free(filter_list *list)
{
    for (size_t i = 0; i < list->count; i++)
        free(list->items[i]);
    list->count = 0;
}

/* Copies a sequence of str into C strings, so the analysis can run without
 * the GIL. Returns 0, or -1 with a Python exception set. */
static int filter_list_from(PyObject *sequence, const char *name, filter_list *out)
{
    out->count = 0;
    if (sequence == NULL || sequence == Py_None)
        return 0;
    PyObject *fast = PySequence_Fast(sequence, name);
    if (fast == NULL)
        return -1;
    Py_ssize_t n = PySequence_Fast_GET_SIZE(fast);
    if (n > REPORT_MAX_FILTERS) {
        PyErr_Format(PyExc_ValueError, "%s: at most %d type-name filters", name,
                     REPORT_MAX_FILTERS);
        Py_DECREF(fast);
        return -1;
    }
    for (Py_ssize_t i = 0; i < n; i++) {
        const char *text = PyUnicode_AsUTF8(PySequence_Fast_GET_ITEM(fast, i));
        if (text == NULL || (out->items[out->count] = strdup(text)) == NULL) {
            if (text != NULL)
                PyErr_NoMemory();
            filter_list_free(out);
            Py_DECREF(fast);
            return -1;
        }
        out->count++;
    }
    Py_DECREF(fast);
    return 0;
}

typedef struct {
    char *text; /* rendered report (malloc'd), NULL on error */
    size_t length;
    uint64_t candidates;
    uint32_t evaluated_image;
    mlt_error error;
} report_outcome;

/* The newest report of the set: with `each` (newest_only) it lists only the
 * objects that first met the criterion at the newest image, as memalot's
 * console does. */
static void render_newest(const mla_report_set *set, int color, report_outcome *outcome)
{
    size_t count = mla_report_set_count(set);
    if (count == 0) {
        outcome->text = strdup("");
        return;
    }
    const mla_report *report = mla_report_set_get(set, count - 1);
    outcome->candidates = report->candidate_count;
    outcome->evaluated_image = report->evaluated_image;
    FILE *out = open_memstream(&outcome->text, &outcome->length);
    if (out == NULL)
        return;
    mlr_text_style style = {color, color};
    mlr_render_text(out, &report, 1, 0, &style);
    fclose(out);
}

static void analyze_and_render(const char *path, const mla_options *options, int color,
                               report_outcome *outcome)
{
    mla_report_set *set = NULL;
    if (mla_analyze_file(path, options, &set, &outcome->error) != MLT_OK)
        return;
    render_newest(set, color, outcome);
    if (outcome->text == NULL) {
        outcome->error.code = MLT_ERR_NOMEM;
        snprintf(outcome->error.message, sizeof outcome->error.message,
                 "%s: out of memory while rendering the report", path);
    }
    mla_report_set_free(set);
}

static PyObject *outcome_to_dict(const report_outcome *outcome)
{
    if (outcome->text == NULL)
        return Py_BuildValue("{s:s}", "error", outcome->error.message);
    /* The renderer escapes dump strings, but decode leniently anyway: a
     * report must never raise into the program. */
    PyObject *text = PyUnicode_DecodeUTF8(outcome->text, (Py_ssize_t)outcome->length, "replace");
    if (text == NULL)
        return NULL;
    return Py_BuildValue("{s:N,s:K,s:I}", "text", text, "candidates",
                         (unsigned long long)outcome->candidates, "image",
                         (unsigned int)outcome->evaluated_image);
}

/* None (or absent) keeps mla_options_init's default; an int is taken as the
 * "I" format takes it, without overflow checking (the package checks it). */
static int max_details_from(PyObject *value, uint32_t *out)
{
    if (value == NULL || value == Py_None)
        return 0;
    unsigned long details = PyLong_AsUnsignedLongMask(value);
    if (details == (unsigned long)-1 && PyErr_Occurred())
        return -1;
    *out = (uint32_t)details;
    return 0;
}

int mld_add_analysis_defaults(PyObject *module)
{
    mla_options defaults;
    mla_options_init(&defaults);
    PyObject *dict = Py_BuildValue("{s:I,s:I,s:I}", "max_object_details",
                                   (unsigned int)defaults.max_object_details, "max_paths",
                                   (unsigned int)defaults.max_paths, "max_path_length",
                                   (unsigned int)defaults.max_path_length);
    if (dict == NULL || PyModule_AddObject(module, "ANALYSIS_DEFAULTS", dict) != 0) {
        Py_XDECREF(dict);
        return -1;
    }
    return 0;
}

PyObject *mld_py_report(PyObject *self, PyObject *args, PyObject *kwargs)
{
    (void)self;
    static char *keywords[] = {"path",  "each", "include", "exclude", "max_object_details",
                               "color", NULL};
    const char *path = NULL;
    int each = 1, color = 0;
    PyObject *include_obj = NULL, *exclude_obj = NULL, *max_details_obj = NULL;
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "s|$pOOOp", keywords, &path, &each, &include_obj,
                                     &exclude_obj, &max_details_obj, &color))
        return NULL;
    mla_options options;
    mla_options_init(&options);
    if (max_details_from(max_details_obj, &options.max_object_details) < 0)
        return NULL;
    filter_list include = {0}, exclude = {0};
    if (filter_list_from(include_obj, "included_type_names", &include) < 0)
        return NULL;
    if (filter_list_from(exclude_obj, "excluded_type_names", &exclude) < 0) {
        filter_list_free(&include);
        return NULL;
    }
    char *path_copy = strdup(path);
    if (path_copy == NULL) {
        filter_list_free(&include);
        filter_list_free(&exclude);
        return PyErr_NoMemory();
    }
    /* The console prints the newest image's new candidates only, so it reads
     * just the images they depend on: the same work at every image however
     * long the run, where re-reading the whole file grows without bound. */
    options.newest_only = each;
    options.include = (const char *const *)include.items;
    options.include_count = include.count;
    options.exclude = (const char *const *)exclude.items;
    options.exclude_count = exclude.count;
    report_outcome outcome = {0};

    Py_BEGIN_ALLOW_THREADS analyze_and_render(path_copy, &options, color, &outcome);
    Py_END_ALLOW_THREADS

        PyObject *result = outcome_to_dict(&outcome);
    free(outcome.text);
    free(path_copy);
    filter_list_free(&include);
    filter_list_free(&exclude);
    return result;
}
