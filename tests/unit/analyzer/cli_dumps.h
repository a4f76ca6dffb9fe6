/*
 * The synthetic dump set (cli_synth.h) the CLI tests run memalot-analyze on:
 * written once into a fresh temporary directory before the suite, named by
 * file, and removed after it. Header-only like cli_run.h, since each test
 * program has its own set.
 */
#ifndef MEMALOT_TEST_CLI_DUMPS_H
#define MEMALOT_TEST_CLI_DUMPS_H

/* cli_run.h first: it sets the feature macros the system headers read. */
#include "cli_run.h"

#include "check_suite.h"
#include "cli_synth.h"

/* The directory holding the set; NULL until cli_dumps_make succeeds. */
static char *cli_dumps_dir;

/* Runs before the suite, where Check's asserts cannot report: returns 0, or
 * -1 after saying why on stderr. */
static inline int cli_dumps_make(void)
{
    char message[512];
    cli_dumps_dir = cli_temp_dir();
    if (!cli_dumps_dir || synth_write_set(cli_dumps_dir, message, sizeof message) != 0) {
        fprintf(stderr, "cannot write the synthetic dumps: %s\n",
                cli_dumps_dir ? message : "no temp dir");
        return -1;
    }
    return 0;
}

/* The path of `name` in the set; the caller frees it. */
static inline char *cli_dump(const char *name)
{
    return cli_join(cli_dumps_dir, name);
}

/* Writes the set, runs tests[0..count) as one suite, then removes the set
 * and the named extra files the tests left in it; the program's exit
 * status. */
static inline int cli_dumps_run(const char *suite_name, const char *tcase,
                                const TTest *const *tests, size_t count, const char *const *extra,
                                size_t extra_count)
{
    if (cli_dumps_make() != 0)
        return 1;
    int status = ts_main(suite_name, tcase, 120, tests, count);
    synth_remove_set(cli_dumps_dir, extra, extra_count);
    free(cli_dumps_dir);
    return status;
}

#endif /* MEMALOT_TEST_CLI_DUMPS_H */
