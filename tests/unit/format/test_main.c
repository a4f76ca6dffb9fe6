/* Runs every format suite. */
#include <check.h>
#include <stdlib.h>

Suite *roundtrip_suite(void);
Suite *damage_suite(void);
Suite *writer_rules_suite(void);
Suite *writer_fork_suite(void);
Suite *compact_suite(void);

int main(void) {
    SRunner *runner = srunner_create(roundtrip_suite());
    srunner_add_suite(runner, damage_suite());
    srunner_add_suite(runner, writer_rules_suite());
    srunner_add_suite(runner, writer_fork_suite());
    srunner_add_suite(runner, compact_suite());
    srunner_run_all(runner, CK_NORMAL);
    int failed = srunner_ntests_failed(runner);
    srunner_free(runner);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
