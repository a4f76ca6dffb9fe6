/* analyze_bench: times mla_analyze_file on a dump and prints throughput and
 * memory, so the analyzer's speed targets are measured, not asserted.
 *
 *   analyze_bench FILE [--skip-retained] [--each] [--lifetime S]
 *
 * Prints wall time per phase (from the progress callback), objects per
 * second over all images, peak RSS (getrusage) and bytes of peak RSS per
 * object of the largest image, then the top findings so a run also shows
 * that the planted leak was found. */
#define _POSIX_C_SOURCE 200809L

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "memalot/analysis.h"

typedef struct {
    double start, start_cpu;
    double last, last_cpu;
    char phase[32];
} timing;

static double clock_seconds(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static double now(void)
{
    return clock_seconds(CLOCK_MONOTONIC);
}
static double cpu(void)
{
    return clock_seconds(CLOCK_PROCESS_CPUTIME_ID);
}

/* CPU time is printed next to wall time because the machine is shared: the
 * CPU figure is what the analyzer itself costs. */
static void print_phase(timing *t, double at, double at_cpu)
{
    struct rusage usage;
    getrusage(RUSAGE_SELF, &usage);
    if (t->phase[0])
        printf("  phase %-11s %8.3f s wall %8.3f s cpu, peak RSS so far %7.1f MiB\n", t->phase,
               at - t->last, at_cpu - t->last_cpu, (double)usage.ru_maxrss / 1024.0);
}

static void on_progress(void *context, const char *phase, double fraction)
{
    timing *t = context;
    (void)fraction;
    if (strcmp(phase, t->phase) == 0)
        return;
    double at = now(), at_cpu = cpu();
    print_phase(t, at, at_cpu);
    snprintf(t->phase, sizeof t->phase, "%s", phase);
    t->last = at;
    t->last_cpu = at_cpu;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: analyze_bench FILE [--skip-retained] [--each] [--lifetime S]\n");
        return 2;
    }
    mla_options options;
    mla_options_init(&options);
    for (int i = 2; i < argc; i++) {
        if (!strcmp(argv[i], "--skip-retained"))
            options.skip_retained = 1;
        else if (!strcmp(argv[i], "--each"))
            options.each = 1;
        else if (!strcmp(argv[i], "--lifetime") && i + 1 < argc) {
            options.criterion.kind = MLT_CRITERION_TIME;
            options.criterion.lifetime = strtod(argv[++i], NULL);
            options.criterion.warmup = 0.0;
            options.warmup_defaulted = 0;
        }
    }
    timing t = {now(), cpu(), now(), cpu(), ""};
    options.progress = on_progress;
    options.progress_context = &t;
    mla_report_set *set = NULL;
    mlt_error err;
    mlt_status st = mla_analyze_file(argv[1], &options, &set, &err);
    double end = now(), end_cpu = cpu();
    print_phase(&t, end, end_cpu);
    if (st != MLT_OK) {
        fprintf(stderr, "analyze_bench: %s\n", err.message);
        return 1;
    }
    const mla_report *r = mla_report_set_get(set, mla_report_set_count(set) - 1);
    uint64_t total = 0, largest = 0, edges = 0;
    for (size_t i = 0; i < r->image_count; i++) {
        total += r->images[i].objects;
        edges += r->images[i].edges;
        if (r->images[i].objects > largest)
            largest = r->images[i].objects;
    }
    struct rusage usage;
    getrusage(RUSAGE_SELF, &usage);
    double peak = (double)usage.ru_maxrss * 1024.0;
    double seconds = end - t.start;
    printf("file            %s\n", argv[1]);
    printf("images          %zu (%" PRIu64 " objects, %" PRIu64 " edges in all)\n", r->image_count,
           total, edges);
    double cpu_seconds = end_cpu - t.start_cpu;
    printf("time            %.3f s wall, %.3f s cpu\n", seconds, cpu_seconds);
    printf("objects/second  %.0f (wall), %.0f (cpu)\n", (double)total / seconds,
           (double)total / cpu_seconds);
    printf("peak RSS        %.1f MiB\n", peak / (1024.0 * 1024.0));
    printf("bytes/object    %.1f (peak RSS / objects of the largest image)\n",
           peak / (double)largest);
    printf("candidates      %" PRIu64 " (%" PRIu64 " bytes shallow, %" PRIu64 " retained)\n",
           r->candidate_count, r->candidate_shallow_bytes, r->candidate_retained_bytes);
    for (size_t i = 0; i < r->leak_count && i < 3; i++)
        printf("  type    %-24s %10" PRIu64 " objects %12" PRIu64 " retained\n", r->leaks[i].type,
               r->leaks[i].count, r->leaks[i].retained_bytes);
    for (size_t i = 0; i < r->cluster_count && i < 3; i++)
        printf("  cluster %8" PRIu64 " x %s\n", r->clusters[i].count, r->clusters[i].shape);
    for (size_t i = 0; i < r->warning_count; i++)
        printf("  warning %s\n", r->warnings[i]);
    mla_report_set_free(set);
    return 0;
}
