/* Runs every hostile-input suite. */
#include <check.h>
#include <stdlib.h>

Suite *bombs_suite(void);
Suite *references_suite(void);
Suite *cycles_suite(void);
Suite *runs_suite(void);
Suite *cli_suite(void);
Suite *redact_suite(void);

int main(void)
{
    SRunner *runner = srunner_create(bombs_suite());
    srunner_add_suite(runner, references_suite());
    srunner_add_suite(runner, cycles_suite());
    srunner_add_suite(runner, runs_suite());
    srunner_add_suite(runner, cli_suite());
    srunner_add_suite(runner, redact_suite());
    srunner_run_all(runner, CK_NORMAL);
    int failed = srunner_ntests_failed(runner);
    srunner_free(runner);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
