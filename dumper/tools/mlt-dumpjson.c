/* mlt-dumpjson: prints the images of a memalot dump file as JSON lines, for
 * tests and for eyeballing a dump. One line per image header, object (with
 * its edges), root and preview:
 *
 *   {"image":0,"has_base":0,"base":0,"identity":"alloc-hook","trigger":"manual",...}
 *   {"o":12,"a":140..,"t":"builtins.list","s":72,"r":2,"f":5,"e":[[13,"index",0],...]}
 *   {"root":"module-global","o":12,"name":"x","ctx":"__main__","tid":0,"depth":0}
 *   {"preview":12,"kind":1,"v":"text","trunc":0}
 *
 * preceded by one line for the file header:
 *
 *   {"file":{"producer":"memalot 0.1.0","python_version":"3.12.1",...,"argv":[...]}}
 *
 * Usage: mlt-dumpjson FILE [IMAGE]   (IMAGE: only that image index) */
#include "memalot/format.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void put_json_string(const char *s, size_t n)
{
    putchar('"');
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\') {
            printf("\\%c", c);
        } else if (c < 0x20 || c == 0x7F) {
            printf("\\u%04x", c);
        } else if (c >= 0x80) {
            /* Bytes as code points: keeps the output valid JSON for any input;
             * tests compare ASCII text. */
            printf("\\u%04x", c);
        } else {
            putchar(c);
        }
    }
    putchar('"');
}

static void put_string_id(const mlt_image *img, uint64_t id)
{
    size_t len = 0;
    const char *s = mlt_image_string(img, (uint32_t)id, &len);
    if (s == NULL) {
        printf("null");
    } else {
        put_json_string(s, len);
    }
}

static void put_label(const mlt_image *img, const mlt_edge *e)
{
    if (mlt_label_has_string_id(e->label_kind)) {
        put_string_id(img, e->label);
    } else if (e->label_kind == MLT_LABEL_INDEX || e->label_kind == MLT_LABEL_KEY_OBJ) {
        printf("%" PRIu64, e->label);
    } else {
        printf("null");
    }
}

static void put_field(const char *name, const char *value, int comma)
{
    printf("%s\"%s\":", comma ? "," : "", name);
    if (value != NULL) {
        put_json_string(value, strlen(value));
    } else {
        printf("null");
    }
}

static void print_file_info(const mlt_file_info *fi)
{
    printf("{\"file\":{\"format_major\":%u,\"format_minor\":%u", fi->format_major,
           fi->format_minor);
    put_field("producer", fi->producer, 1);
    put_field("python_version", fi->python_version, 1);
    put_field("python_implementation", fi->python_implementation, 1);
    put_field("python_build", fi->python_build, 1);
    put_field("platform", fi->platform, 1);
    printf(",\"python_hexversion\":%" PRIu64 ",\"gc_preheader_size\":%u,\"pointer_size\":%u"
           ",\"byte_order\":%d,\"pid\":%" PRIu64 ",\"run_id\":%" PRIu64
           ",\"argv_withheld\":%d,\"start_time\":%.6f,\"argv\":[",
           fi->python_hexversion, fi->gc_preheader_size, fi->pointer_size, (int)fi->byte_order,
           fi->pid, fi->run_id, fi->argv_withheld, fi->start_time);
    for (uint32_t i = 0; i < fi->argc && fi->argv != NULL; i++) {
        if (i > 0) {
            putchar(',');
        }
        put_json_string(fi->argv[i], strlen(fi->argv[i]));
    }
    printf("]}}\n");
}

static int print_header(const mlt_image *img, size_t index)
{
    const mlt_image_info *info = mlt_image_get_info(img);
    printf("{\"image\":%" PRIu64 ",\"index\":%zu,\"has_base\":%d,\"base\":%" PRIu64
           ",\"identity\":\"%s\",\"trigger\":\"%s\",\"call_counter\":%" PRIu64
           ",\"objects\":%" PRIu64 ",\"edges\":%" PRIu64 ",\"roots\":%" PRIu64 ",\"types\":%" PRIu64
           ",\"pause_ns\":%" PRIu64 ",\"pid\":%" PRIu64 ",\"run_id\":%" PRIu64
           ",\"criterion\":%d,\"kind\":%u,\"function\":",
           info->sequence, index, info->has_base, info->base_sequence,
           mlt_identity_source_name(info->identity), mlt_trigger_name(info->trigger),
           info->call_counter, info->object_count, info->edge_count, info->root_count,
           info->type_count, info->pause_ns, info->pid, info->run_id, (int)info->criterion.kind,
           (unsigned)info->kind);
    if (info->function != NULL) {
        put_json_string(info->function, strlen(info->function));
    } else {
        printf("null");
    }
    printf("}\n");
    return 0;
}

static int print_objects(mlt_image *img, mlt_error *err)
{
    mlt_object o;
    mlt_edge edges[512];
    uint64_t index = 0;
    int rc;
    while ((rc = mlt_image_next_object(img, &o, err)) == 1) {
        const mlt_type *t = mlt_image_type(img, o.type);
        printf("{\"o\":%" PRIu64 ",\"a\":%" PRIu64 ",\"t\":", index++, o.address);
        if (t != NULL) {
            put_string_id(img, t->name);
        } else {
            printf("null");
        }
        printf(",\"s\":%" PRIu64 ",\"r\":%" PRIu64 ",\"f\":%u,\"e\":[", o.size, o.refcount,
               (unsigned)o.flags);
        long n;
        int first = 1;
        while ((n = mlt_image_read_edges(img, edges, 512, err)) > 0) {
            for (long i = 0; i < n; i++) {
                printf("%s[%u,\"%s\",", first ? "" : ",", edges[i].target,
                       mlt_label_kind_name((mlt_label_kind)edges[i].label_kind));
                put_label(img, &edges[i]);
                putchar(']');
                first = 0;
            }
        }
        printf("]}\n");
        if (n < 0) {
            return -1;
        }
    }
    return rc;
}

static int print_roots(mlt_image *img, mlt_error *err)
{
    mlt_root r;
    int rc;
    while ((rc = mlt_image_next_root(img, &r, err)) == 1) {
        printf("{\"root\":\"%s\",\"o\":%u,\"name\":", mlt_root_kind_name(r.kind), r.object);
        put_string_id(img, r.name);
        printf(",\"ctx\":");
        put_string_id(img, r.context);
        printf(",\"tid\":%" PRIu64 ",\"depth\":%u}\n", r.thread_id, r.depth);
    }
    return rc;
}

static int print_previews(mlt_image *img, mlt_error *err)
{
    mlt_preview p;
    int rc;
    while ((rc = mlt_image_next_preview(img, &p, err)) == 1) {
        printf("{\"preview\":%u,\"kind\":%d,\"v\":", p.object, (int)p.kind);
        put_json_string((const char *)p.data, p.length);
        printf(",\"trunc\":%d}\n", p.truncated);
    }
    return rc;
}

static int print_image(mlt_reader *r, size_t index)
{
    mlt_error err;
    memset(&err, 0, sizeof(err));
    mlt_image *img = NULL;
    if (mlt_image_open(r, index, &img, &err) != MLT_OK) {
        fprintf(stderr, "mlt-dumpjson: image %zu: %s\n", index, err.message);
        return -1;
    }
    print_header(img, index);
    int rc = print_objects(img, &err);
    if (rc >= 0) {
        rc = print_roots(img, &err);
    }
    if (rc >= 0) {
        rc = print_previews(img, &err);
    }
    if (rc < 0) {
        fprintf(stderr, "mlt-dumpjson: image %zu: %s\n", index, err.message);
    }
    mlt_image_close(img);
    return rc < 0 ? -1 : 0;
}

int main(int argc, char **argv)
{
    if (argc < 2 || argc > 3) {
        fprintf(stderr, "usage: mlt-dumpjson FILE [IMAGE]\n");
        return 2;
    }
    mlt_error err;
    memset(&err, 0, sizeof(err));
    mlt_reader *r = NULL;
    if (mlt_reader_open(argv[1], NULL, &r, &err) != MLT_OK) {
        fprintf(stderr, "mlt-dumpjson: %s\n", err.message);
        return 1;
    }
    print_file_info(mlt_reader_file_info(r));
    size_t count = mlt_reader_image_count(r);
    size_t only = argc == 3 ? (size_t)strtoull(argv[2], NULL, 10) : SIZE_MAX;
    int status = 0;
    for (size_t i = 0; i < count; i++) {
        if ((only == SIZE_MAX || only == i) && print_image(r, i) != 0) {
            status = 1;
        }
    }
    if (mlt_reader_tail_error(r) != NULL) {
        fprintf(stderr, "mlt-dumpjson: %s\n", mlt_reader_tail_error(r)->message);
        status = 1;
    }
    mlt_reader_close(r);
    return status;
}
