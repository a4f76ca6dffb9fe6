/* libFuzzer target for the whole analysis path: any bytes given as a dump
 * file go through mla_analyze_file (the dump's own criterion, a criterion
 * under which everything qualifies, and --each), every renderer the CLI
 * uses (text with colors, JSON, HTML), the per-type census of `diff`, the
 * retainer paths of `paths`, and `redact`, whose output must read back. A
 * hostile dump must give an error or a
 * report, never a crash, a hang, a sanitizer report or an allocation the
 * bytes do not justify. */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <jansson.h>
#include <xxhash.h>

#include "memalot/analysis.h"
#include "memalot/redact.h"
#include "memalot/render.h"
#include "memalot/render_json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void render_all(const mla_report_set *set, int each)
{
    size_t count = mla_report_set_count(set);
    const mla_report *reports[64];
    if (count > sizeof reports / sizeof reports[0])
        count = sizeof reports / sizeof reports[0];
    for (size_t i = 0; i < count; i++)
        reports[i] = mla_report_set_get(set, i);
    FILE *sink = fopen("/dev/null", "w");
    if (!sink)
        return;
    mlr_text_style style = {.color = each, .utf8 = !each};
    mlr_render_text(sink, reports, count, each, &style);
    json_t *document = mlr_render_json(reports, count, each);
    if (document) {
        (void)mlr_json_dump(document, sink);
        json_decref(document);
    }
    (void)mlr_render_html(sink, reports, count, each);
    fclose(sink);
}

/* An address the report names, so `paths` looks at an object that exists. */
static uint64_t some_address(const mla_report_set *set)
{
    const mla_report *report = mla_report_set_count(set) ? mla_report_set_get(set, 0) : NULL;
    if (report && report->leak_count && report->leaks[0].example_count)
        return report->leaks[0].examples[0].address;
    if (report && report->cluster_count)
        return report->clusters[0].example_address;
    return 0;
}

static void analyze(const char *path, const mla_options *options)
{
    mla_report_set *set;
    mlt_error err;
    if (mla_analyze_file(path, options, &set, &err) != MLT_OK)
        return;
    render_all(set, options->each);
    uint64_t address = some_address(set);
    mla_report_set_free(set);
    if (!address)
        return;
    mla_object_info *info;
    if (mla_object_paths(path, -1, address, 4, 16, &info, &err) == MLT_OK)
        mla_object_info_free(info);
}

/* redact rewrites what it reads: whatever it accepts must come out as a
 * dump the reader accepts whole. */
static void redact(const char *path, int hash_names)
{
    char out[64];
    snprintf(out, sizeof out, "/tmp/mla-fuzz-redact-%ld.mlt", (long)getpid());
    mlt_redact_options options = {.hash_names = hash_names};
    mlt_error err;
    if (mlt_redact(path, out, &options, &err) == MLT_OK) {
        mla_census *c;
        if (mla_type_census(out, -1, &c, &err) != MLT_OK)
            __builtin_trap();
        mla_census_free(c);
    }
    unlink(out);
}

static void census(const char *path)
{
    mla_census *c;
    mlt_error err;
    if (mla_type_census(path, 0, &c, &err) == MLT_OK)
        mla_census_free(c);
}

static uint32_t get_u32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void put_u64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

/* Walks one image from `at` and rewrites its image_len and checksum to match
 * its bytes; returns the offset after it, or 0 when the framing is broken. */
static size_t seal_image(uint8_t *bytes, size_t size, size_t at)
{
    if (size - at < 8 || memcmp(bytes + at, "MIMG", 4))
        return 0;
    size_t pos = at + 8 + get_u32(bytes + at + 4);
    while (pos <= size - 8 && !memcmp(bytes + pos, "MBLK", 4)) {
        if (size - pos < 16)
            return 0;
        pos += 16 + (size_t)get_u32(bytes + pos + 12);
    }
    if (pos > size - 8 || memcmp(bytes + pos, "MEND", 4))
        return 0;
    pos += 8 + (size_t)get_u32(bytes + pos + 4);
    if (pos > size || size - pos < 16)
        return 0;
    put_u64(bytes + pos, pos + 16 - at);
    put_u64(bytes + pos + 8, XXH3_64bits(bytes + at, pos + 8 - at));
    return pos + 16;
}

/* The analysis always verifies checksums (the CLI has no way to skip them),
 * so without this nearly every mutation would stop at the first checksum and
 * the analysis would never see the mutated records. */
static void seal(uint8_t *bytes, size_t size)
{
    if (size < 24)
        return;
    size_t meta_len = get_u32(bytes + 12);
    if (meta_len > size - 24)
        return;
    put_u64(bytes + 16 + meta_len, XXH3_64bits(bytes, 16 + meta_len));
    for (size_t at = 24 + meta_len; at && at < size;)
        at = seal_image(bytes, size, at);
}

int LLVMFuzzerTestOneInput(const uint8_t *input, size_t size)
{
    uint8_t *data = malloc(size ? size : 1);
    if (!data)
        return 0;
    memcpy(data, input, size);
    seal(data, size);
    int fd = memfd_create("mla-fuzz", MFD_CLOEXEC);
    if (fd < 0) {
        free(data);
        return 0;
    }
    size_t done = 0;
    while (done < size) {
        ssize_t n = write(fd, data + done, size - done);
        if (n <= 0)
            break;
        done += (size_t)n;
    }
    char path[64];
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);

    mla_options options;
    mla_options_init(&options);
    analyze(path, &options);
    /* Everything qualifies: exercises paths, shapes and dominators. */
    options.criterion.kind = MLT_CRITERION_TIME;
    options.criterion.lifetime = 0.0;
    options.criterion.warmup = 0.0;
    options.max_object_details = 8;
    analyze(path, &options);
    mla_options_init(&options);
    options.each = 1;
    analyze(path, &options);
    census(path);
    redact(path, size & 1);
    close(fd);
    free(data);
    return 0;
}
