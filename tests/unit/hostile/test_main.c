/* Runs every hostile-input suite. */
#include <check.h>
#include <stdlib.h>

#include "check_suite.h"

Suite *bombs_suite(void);
Suite *references_suite(void);
Suite *cycles_suite(void);
Suite *runs_suite(void);
Suite *cli_suite(void);
Suite *redact_suite(void);

int main(void)
{
    Suite *suites[] = {bombs_suite(), references_suite(), cycles_suite(),
                       runs_suite(),  cli_suite(),        redact_suite()};
    int failed = ts_run(suites, TS_COUNT(suites));
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
