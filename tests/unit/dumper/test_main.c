/* Runs every suite of the dumper's pure-C pieces. */
#include <stdlib.h>

#include "dumper_suites.h"
#include "check_suite.h"

int main(void)
{
    Suite *suites[] = {child_memory_suite(), sort_suite(),    bitmap_suite(),
                       ptrmap_suite(),       calllog_suite(), static_ranges_suite()};
    int failed = ts_run(suites, TS_COUNT(suites));
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
