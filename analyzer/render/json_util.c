/*
 * JSON building blocks shared by every --json output: safe strings, 64-bit
 * ids as hex, the file header, and writing a document.
 */
#include <math.h>
#include <stdlib.h>

#include "memalot/render_json.h"
#include "safe_text.h"

json_t *mlr_json_string(const char *text)
{
    if (!text)
        return json_null();
    json_t *value = json_string(text);
    if (value)
        return value;
    /* jansson refuses invalid UTF-8: keep what can be said, mark the rest. */
    char *repaired = mlr_internal_utf8_repair(text);
    value = repaired ? json_string(repaired) : NULL;
    free(repaired);
    return value ? value : json_null();
}

json_t *mlr_json_real(double value)
{
    return isfinite(value) ? json_real(value) : json_null();
}

json_t *mlr_json_hex(uint64_t value)
{
    char text[24];
    snprintf(text, sizeof text, "0x%llx", (unsigned long long)value);
    return json_string(text);
}

static json_t *argv_json(const mlt_file_info *file)
{
    if (file->argv_withheld || !file->argv)
        return json_null();
    json_t *array = json_array();
    for (uint32_t i = 0; array && i < file->argc; i++)
        json_array_append_new(array, mlr_json_string(file->argv[i]));
    return array;
}

json_t *mlr_file_info_json(const mlt_file_info *file, const char *path)
{
    char version[32];
    snprintf(version, sizeof version, "%u.%u", file->format_major, file->format_minor);
    json_t *json = json_pack(
        "{s:o, s:s, s:o, s:o, s:I, s:o, s:o, s:o, s:I, s:s, s:I, s:o, s:b, s:o, "
        "s:o}",
        "path", mlr_json_string(path), "format_version", version, "producer",
        mlr_json_string(file->producer), "python_version", mlr_json_string(file->python_version),
        "python_hexversion", (json_int_t)file->python_hexversion, "python_implementation",
        mlr_json_string(file->python_implementation), "python_build",
        mlr_json_string(file->python_build), "platform", mlr_json_string(file->platform),
        "pointer_size", (json_int_t)file->pointer_size, "byte_order",
        file->byte_order == MLT_BYTE_ORDER_BIG ? "big" : "little", "pid", (json_int_t)file->pid,
        "run_id", mlr_json_hex(file->run_id), "argv_withheld", file->argv_withheld ? 1 : 0, "argv",
        argv_json(file), "start_time", mlr_json_real(file->start_time));
    if (json && file->launch_id != 0) { /* lineage, when the writer recorded it */
        json_object_set_new(json, "parent_pid", json_integer((json_int_t)file->parent_pid));
        json_object_set_new(json, "parent_run_id", mlr_json_hex(file->parent_run_id));
        json_object_set_new(json, "launch_id", mlr_json_hex(file->launch_id));
    }
    return json;
}

int mlr_json_dump(json_t *document, FILE *out)
{
    if (!document)
        return -1;
    if (json_dumpf(document, out, JSON_INDENT(2) | JSON_ENSURE_ASCII | JSON_REAL_PRECISION(17)) !=
        0)
        return -1;
    fputc('\n', out);
    return ferror(out) ? -1 : 0;
}
