/* Runs every format suite. */
#include <check.h>
#include <stdlib.h>

#include "check_suite.h"

Suite *roundtrip_suite(void);
Suite *damage_suite(void);
Suite *writer_rules_suite(void);
Suite *writer_fork_suite(void);
Suite *compact_suite(void);

int main(void)
{
    Suite *suites[] = {roundtrip_suite(), damage_suite(), writer_rules_suite(), writer_fork_suite(),
                       compact_suite()};
    int failed = ts_run(suites, TS_COUNT(suites));
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
