/* Short stable names for enums, used in messages and by the analyzer's output. */
#include "internal.h"

const char *mlt_trigger_name(mlt_trigger trigger) {
    switch (trigger) {
    case MLT_TRIGGER_UNKNOWN: return "unknown";
    case MLT_TRIGGER_PERIODIC: return "periodic";
    case MLT_TRIGGER_CALL_START: return "call-start";
    case MLT_TRIGGER_CALL_END: return "call-end";
    case MLT_TRIGGER_MANUAL: return "manual";
    case MLT_TRIGGER_SIGNAL: return "signal";
    case MLT_TRIGGER_EXIT: return "exit";
    }
    return "unknown";
}

const char *mlt_root_kind_name(mlt_root_kind kind) {
    switch (kind) {
    case MLT_ROOT_MODULE_GLOBAL: return "module-global";
    case MLT_ROOT_FRAME_LOCAL: return "frame-local";
    case MLT_ROOT_MODULE: return "module";
    case MLT_ROOT_THREAD: return "thread";
    case MLT_ROOT_SYS: return "sys";
    case MLT_ROOT_EXTERNAL: return "external";
    case MLT_ROOT_OTHER: return "other";
    case MLT_ROOT_COUNT_: break;
    }
    return "unknown";
}

const char *mlt_label_kind_name(mlt_label_kind kind) {
    switch (kind) {
    case MLT_LABEL_NONE: return "none";
    case MLT_LABEL_ATTR: return "attr";
    case MLT_LABEL_INDEX: return "index";
    case MLT_LABEL_KEY_STR: return "key-str";
    case MLT_LABEL_KEY_OBJ: return "key-obj";
    case MLT_LABEL_CELL: return "cell";
    case MLT_LABEL_LOCAL: return "local";
    case MLT_LABEL_OTHER: return "other";
    case MLT_LABEL_COUNT_: break;
    }
    return "unknown";
}

const char *mlt_identity_source_name(mlt_identity_source source) {
    switch (source) {
    case MLT_IDENTITY_NONE: return "none";
    case MLT_IDENTITY_REFTRACER: return "reftracer";
    case MLT_IDENTITY_ALLOC_HOOK: return "alloc-hook";
    }
    return "unknown";
}

const char *mlt_stream_name(unsigned id) {
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

int mlt_stream_known(unsigned id) {
    return (id >= MLT_S_STRINGS && id <= MLT_S_LAST_KNOWN_CRITICAL) || id == MLT_S_PREVIEWS;
}
