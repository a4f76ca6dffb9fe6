/* The two pieces of Check plumbing every unit-test program repeated: a
 * suite of one test case from a list of tests, and running suites. */
#ifndef MEMALOT_TEST_CHECK_SUITE_H
#define MEMALOT_TEST_CHECK_SUITE_H

#include <check.h>
#include <stddef.h>

#define TS_COUNT(array) (sizeof(array) / sizeof((array)[0]))

/* Suite `name` with one case `tcase` holding tests[0..count) in order;
 * timeout in seconds, 0 for TS_DEFAULT_TIMEOUT. */
/* Check's own default (4 s) failed a 100,000-key ptrmap test on a fresh
 * chroot while the host ran two CPU spinners: the tests are about answers,
 * not speed, so a loaded 2-core machine gets a minute. CK_DEFAULT_TIMEOUT
 * and CK_TIMEOUT_MULTIPLIER still apply on top. */
#define TS_DEFAULT_TIMEOUT 60

Suite *ts_suite(const char *name, const char *tcase, int timeout, const TTest *const *tests,
                size_t count);

/* Runs the suites (and frees them); returns how many tests failed. */
int ts_run(Suite *const *suites, size_t count);

/* The whole main of a program of one suite (see ts_suite): runs it and
 * returns the exit status, 1 when a test failed. */
int ts_main(const char *name, const char *tcase, int timeout, const TTest *const *tests,
            size_t count);

#endif
