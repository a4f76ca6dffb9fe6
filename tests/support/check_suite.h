/* The two pieces of Check plumbing every unit-test program repeated: a
 * suite of one test case from a list of tests, and running suites. */
#ifndef MEMALOT_TEST_CHECK_SUITE_H
#define MEMALOT_TEST_CHECK_SUITE_H

#include <check.h>
#include <stddef.h>

#define TS_COUNT(array) (sizeof(array) / sizeof((array)[0]))

/* Suite `name` with one case `tcase` holding tests[0..count) in order;
 * timeout in seconds, 0 for Check's default. */
Suite *ts_suite(const char *name, const char *tcase, int timeout, const TTest *const *tests,
                size_t count);

/* Runs the suites (and frees them); returns how many tests failed. */
int ts_run(Suite *const *suites, size_t count);

/* The whole main of a program of one suite (see ts_suite): runs it and
 * returns the exit status, 1 when a test failed. */
int ts_main(const char *name, const char *tcase, int timeout, const TTest *const *tests,
            size_t count);

#endif
