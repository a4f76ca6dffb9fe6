/* See check_suite.h. */
#include "check_suite.h"

Suite *ts_suite(const char *name, const char *tcase, int timeout, const TTest *const *tests,
                size_t count)
{
    Suite *s = suite_create(name);
    TCase *tc = tcase_create(tcase);
    tcase_set_timeout(tc, timeout > 0 ? timeout : TS_DEFAULT_TIMEOUT);
    for (size_t i = 0; i < count; i++)
        tcase_add_test(tc, tests[i]);
    suite_add_tcase(s, tc);
    return s;
}

int ts_run(Suite *const *suites, size_t count)
{
    SRunner *runner = srunner_create(suites[0]);
    for (size_t i = 1; i < count; i++)
        srunner_add_suite(runner, suites[i]);
    srunner_run_all(runner, CK_NORMAL);
    int failed = srunner_ntests_failed(runner);
    srunner_free(runner);
    return failed;
}

int ts_main(const char *name, const char *tcase, int timeout, const TTest *const *tests,
            size_t count)
{
    Suite *suites[] = {ts_suite(name, tcase, timeout, tests, count)};
    return ts_run(suites, TS_COUNT(suites)) ? 1 : 0;
}
