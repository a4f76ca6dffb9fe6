/* Runs every suite of the dumper's pure-C pieces. */
#include <stdlib.h>

#include "dumper_suites.h"

int main(void)
{
    SRunner *runner = srunner_create(child_memory_suite());
    srunner_add_suite(runner, sort_suite());
    srunner_add_suite(runner, bitmap_suite());
    srunner_add_suite(runner, ptrmap_suite());
    srunner_add_suite(runner, calllog_suite());
    srunner_run_all(runner, CK_NORMAL);
    int failed = srunner_ntests_failed(runner);
    srunner_free(runner);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
