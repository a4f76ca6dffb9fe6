#include "format_test_util.h"
Suite *writer_rules_suite(void);
Suite *writer_rules_suite(void) { return suite_create("writer_rules"); }
