/* Short stable names for enums, used in messages and by the analyzer's output. */
#include <string.h>

#include "internal.h"

#define NAME_COUNT(names) (sizeof(names) / sizeof(names)[0])

/* names[index], or "unknown" for an index past the table or a hole in it. */
static const char *name_at(const char *const *names, size_t count, unsigned index)
{
    return index < count && names[index] ? names[index] : "unknown";
}

/* Indexed by mlt_trigger; the names the dumper's API and the reports use. */
static const char *const TRIGGER_NAMES[] = {
    [MLT_TRIGGER_UNKNOWN] = "unknown",
    [MLT_TRIGGER_PERIODIC] = "periodic",
    [MLT_TRIGGER_CALL_START] = "call-start",
    [MLT_TRIGGER_CALL_END] = "call-end",
    [MLT_TRIGGER_MANUAL] = "manual",
    [MLT_TRIGGER_SIGNAL] = "signal",
    [MLT_TRIGGER_EXIT] = "exit",
    [MLT_TRIGGER_WARMUP_END] = "warmup-end",
};
_Static_assert(NAME_COUNT(TRIGGER_NAMES) == MLT_TRIGGER_LAST + 1, "a name for every trigger");

/* Indexed by mlt_criterion_kind. */
static const char *const CRITERION_KIND_NAMES[] = {
    [MLT_CRITERION_NONE] = "none",
    [MLT_CRITERION_TIME] = "time",
    [MLT_CRITERION_CALLS] = "calls",
};
_Static_assert(NAME_COUNT(CRITERION_KIND_NAMES) == MLT_CRITERION_LAST + 1,
               "a name for every criterion kind");

/* Index of `name` among names[first..last], or -1. */
static int find_name(const char *const *names, int first, int last, const char *name)
{
    for (int i = first; name && i <= last; i++)
        if (strcmp(names[i], name) == 0)
            return i;
    return -1;
}

const char *mlt_trigger_name(mlt_trigger trigger)
{
    return name_at(TRIGGER_NAMES, NAME_COUNT(TRIGGER_NAMES), (unsigned)trigger);
}

int mlt_trigger_from_name(const char *name, mlt_trigger *out)
{
    int found = find_name(TRIGGER_NAMES, MLT_TRIGGER_PERIODIC, MLT_TRIGGER_LAST, name);
    if (found < 0)
        return 0;
    *out = (mlt_trigger)found;
    return 1;
}

/* "none" rather than "unknown" past the table: a criterion the reader does
 * not know is no criterion to the analysis. */
const char *mlt_criterion_kind_name(mlt_criterion_kind kind)
{
    unsigned index = (unsigned)kind;
    return index < NAME_COUNT(CRITERION_KIND_NAMES) ? CRITERION_KIND_NAMES[index] : "none";
}

int mlt_criterion_kind_from_name(const char *name, mlt_criterion_kind *out)
{
    int found = find_name(CRITERION_KIND_NAMES, MLT_CRITERION_TIME, MLT_CRITERION_LAST, name);
    if (found < 0)
        return 0;
    *out = (mlt_criterion_kind)found;
    return 1;
}

static const char *const ROOT_KIND_NAMES[MLT_ROOT_COUNT_] = {
    [MLT_ROOT_MODULE_GLOBAL] = "module-global",
    [MLT_ROOT_FRAME_LOCAL] = "frame-local",
    [MLT_ROOT_MODULE] = "module",
    [MLT_ROOT_THREAD] = "thread",
    [MLT_ROOT_SYS] = "sys",
    [MLT_ROOT_EXTERNAL] = "external",
    [MLT_ROOT_OTHER] = "other",
};

const char *mlt_root_kind_name(mlt_root_kind kind)
{
    return name_at(ROOT_KIND_NAMES, NAME_COUNT(ROOT_KIND_NAMES), (unsigned)kind);
}

static const char *const LABEL_KIND_NAMES[MLT_LABEL_COUNT_] = {
    [MLT_LABEL_NONE] = "none",       [MLT_LABEL_ATTR] = "attr",       [MLT_LABEL_INDEX] = "index",
    [MLT_LABEL_KEY_STR] = "key-str", [MLT_LABEL_KEY_OBJ] = "key-obj", [MLT_LABEL_CELL] = "cell",
    [MLT_LABEL_LOCAL] = "local",     [MLT_LABEL_OTHER] = "other",
};

const char *mlt_label_kind_name(mlt_label_kind kind)
{
    return name_at(LABEL_KIND_NAMES, NAME_COUNT(LABEL_KIND_NAMES), (unsigned)kind);
}

static const char *const IDENTITY_SOURCE_NAMES[] = {
    [MLT_IDENTITY_NONE] = "none",
    [MLT_IDENTITY_REFTRACER] = "reftracer",
    [MLT_IDENTITY_ALLOC_HOOK] = "alloc-hook",
};

const char *mlt_identity_source_name(mlt_identity_source source)
{
    return name_at(IDENTITY_SOURCE_NAMES, NAME_COUNT(IDENTITY_SOURCE_NAMES), (unsigned)source);
}

const char *mlt_stream_name(unsigned id)
{
    switch (id) {
    case MLT_S_STRINGS: return "STRINGS";
    case MLT_S_TYPES: return "TYPES";
    case MLT_S_OBJ_ADDR: return "OBJ_ADDR";
    case MLT_S_OBJ_TYPE: return "OBJ_TYPE";
    case MLT_S_OBJ_SIZE: return "OBJ_SIZE";
    case MLT_S_OBJ_REFCNT: return "OBJ_REFCNT";
    case MLT_S_OBJ_FLAGS: return "OBJ_FLAGS";
    case MLT_S_OBJ_EDGES: return "OBJ_EDGES";
    case MLT_S_EDGE_TARGET: return "EDGE_TARGET";
    case MLT_S_EDGE_LABEL: return "EDGE_LABEL";
    case MLT_S_ROOTS: return "ROOTS";
    case MLT_S_PREVIEWS: return "PREVIEWS";
    default: return id < MLT_S_CRITICAL_LIMIT ? "unknown-critical" : "unknown-ancillary";
    }
}

int mlt_stream_known(unsigned id)
{
    return (id >= MLT_S_STRINGS && id <= MLT_S_LAST_KNOWN_CRITICAL) || id == MLT_S_PREVIEWS;
}
