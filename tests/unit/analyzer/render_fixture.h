/*
 * A hand-built report for the renderer tests: two leaking types (one with a
 * hostile name), three images, two clusters, examples with paths and a
 * preview holding a terminal escape. Header-only (static) because each
 * test_*.c is its own program.
 */
#ifndef MEMALOT_TEST_RENDER_FIXTURE_H
#define MEMALOT_TEST_RENDER_FIXTURE_H

#include <string.h>

#include "memalot/analysis.h"

#define FIXTURE_EVIL "<script>alert(\"x\")</script>"

static const char *const fixture_argv[] = {"app.py"};
static const mlt_file_info fixture_file = {1,
                                           0,
                                           "memalot 0.1.0",
                                           "3.12.1",
                                           0x030C01F0,
                                           "cpython",
                                           "3.12.1 (main)",
                                           16,
                                           "linux-x86_64",
                                           8,
                                           MLT_BYTE_ORDER_LITTLE,
                                           777,
                                           0xfedcba9876543210ull,
                                           0,
                                           1,
                                           fixture_argv,
                                           1700000000.0,
                                           0,
                                           0,
                                           0};

static const mla_image_summary fixture_images[3] = {
    {0, 0, 1700000010.0, 10.0, MLT_TRIGGER_PERIODIC, 0, NULL, 5000, 9000, 40000},
    {1, 1, 1700000020.0, 20.0, MLT_TRIGGER_CALL_END, 12, "app.handle", 6000, 11000, 48000},
    {2, 2, 1700000030.0, 30.0, MLT_TRIGGER_EXIT, 20, NULL, 7000, 13000, 56000}};

static const uint64_t fixture_growth_request[3] = {0, 400, 1000};
static const uint64_t fixture_growth_evil[3] = {10, 20, 40};

static const char *const fixture_edges[] = {".items", "[3]"};
static const char *const fixture_edge_types[] = {"builtins.list", "app.Request"};
static const char *const fixture_evil_edges[] = {"['<b>key</b>']"};
static const char *const fixture_evil_types[] = {FIXTURE_EVIL};

static const mla_path fixture_request_paths[2] = {
    {MLA_ROOT_MODULE_GLOBAL, "app.cache", 2, fixture_edges, fixture_edge_types, 0, "builtins.dict",
     0x1000},
    {MLA_ROOT_FRAME_LOCAL, "app.main:pending (thread 1)", 1, fixture_edges + 1,
     fixture_edge_types + 1, 1, "builtins.list", 0x2000}};
static const mla_path fixture_evil_paths[1] = {
    {MLA_ROOT_OTHER, "sys.modules", 1, fixture_evil_edges, fixture_evil_types, 0, NULL, 0}};

static const mla_example fixture_request_examples[1] = {
    {0x7f0000001000ull, "app.Request", 48, 4096, 20.5, 12, 3, 0, "'\x1b[31mred\x1b[0m\xe2\x80\xa6'",
     1, 2, fixture_request_paths, 0, 0}};
static const mla_example fixture_evil_examples[1] = {{0x7f0000009000ull, FIXTURE_EVIL, 32, 32, 10.0,
                                                      -1, -1, 1, NULL, 0, 1, fixture_evil_paths, 1,
                                                      0}};

static const mla_type_leak fixture_leaks[2] = {
    {"app.Request", 1000, 48000, 4096000, fixture_growth_request, 1, fixture_request_examples},
    {FIXTURE_EVIL, 40, 1280, 1280, fixture_growth_evil, 1, fixture_evil_examples}};

static const mla_cluster fixture_clusters[2] = {
    {0, "module global app.cache -> .items -> [*] -> app.Request", "app.Request", 1000, 48000,
     4096000, 0x7f0000001000ull},
    {1, "sys.modules -> ['<b>key</b>'] -> " FIXTURE_EVIL, FIXTURE_EVIL, 40, 1280, 1280,
     0x7f0000009000ull}};

static const char *const fixture_warnings[] = {"identities of 3 objects are approximate"};

static const mla_suspect_type fixture_request_suspect_types[1] = {{"app.Request", 1000, 48000}};
static const mla_suspect_type fixture_evil_suspect_types[1] = {{FIXTURE_EVIL, 40, 1280}};
static const mla_growth_point fixture_request_trend[3] = {
    {0, 0.0, 0, 0, 0}, {1, 10.0, 0, 400, 19200}, {2, 20.0, 0, 1000, 48000}};
static const mla_growth_point fixture_evil_trend[3] = {
    {0, 0.0, 0, 40, 1280}, {1, 10.0, 0, 40, 1280}, {2, 20.0, 0, 40, 1280}};

/* One growing suspect at app.cache's items, one stable one without a point. */
static const mla_suspect fixture_suspects[2] = {{0,
                                                 MLA_TREND_GROWING,
                                                 "module global app.cache -> .items",
                                                 "builtins.list",
                                                 0x7f0000000100ull,
                                                 1,
                                                 NULL,
                                                 1000,
                                                 48000,
                                                 4096000,
                                                 25,
                                                 1,
                                                 fixture_request_suspect_types,
                                                 3,
                                                 fixture_request_trend,
                                                 600,
                                                 28800,
                                                 60.0,
                                                 2880.0,
                                                 1,
                                                 NULL,
                                                 1,
                                                 fixture_request_examples},
                                                {1,
                                                 MLA_TREND_STABLE,
                                                 NULL,
                                                 NULL,
                                                 0,
                                                 0,
                                                 "sys.modules -> ['<b>key</b>'] -> " FIXTURE_EVIL,
                                                 40,
                                                 1280,
                                                 1280,
                                                 0,
                                                 1,
                                                 fixture_evil_suspect_types,
                                                 3,
                                                 fixture_evil_trend,
                                                 0,
                                                 0,
                                                 0.0,
                                                 0.0,
                                                 1,
                                                 NULL,
                                                 1,
                                                 fixture_evil_examples}};

static const mla_import_state fixture_imports[1] = {{"urllib.parse", 1204, 150000}};

static inline mla_report fixture_report(void)
{
    mla_report report;
    memset(&report, 0, sizeof report);
    report.path = "/dumps/app.mlt";
    report.file = &fixture_file;
    report.criterion.kind = MLT_CRITERION_TIME;
    report.criterion.lifetime = 5;
    report.criterion.warmup = 5;
    report.criterion_source = "options";
    report.evaluated_image = 2;
    report.image_count = 3;
    report.file_image_count = 3;
    report.images = fixture_images;
    report.candidate_count = 1040;
    report.candidate_shallow_bytes = 49280;
    report.candidate_retained_bytes = 4097280;
    report.leak_count = 2;
    report.leaks = fixture_leaks;
    report.cluster_count = 2;
    report.clusters = fixture_clusters;
    report.warning_count = 1;
    report.warnings = fixture_warnings;
    report.suspect_count = 2;
    report.suspects = fixture_suspects;
    report.growing_count = 1;
    report.undated_count = 25;
    report.import_state_count = 1;
    report.import_states = fixture_imports;
    return report;
}

/* The same run with nothing found. */
static inline mla_report fixture_clean_report(void)
{
    mla_report report = fixture_report();
    report.candidate_count = report.candidate_shallow_bytes = report.candidate_retained_bytes = 0;
    report.leak_count = report.cluster_count = report.warning_count = 0;
    report.suspect_count = report.growing_count = report.import_state_count = 0;
    report.undated_count = 0;
    return report;
}

#endif /* MEMALOT_TEST_RENDER_FIXTURE_H */
