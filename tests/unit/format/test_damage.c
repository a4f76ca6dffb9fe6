#include "format_test_util.h"
Suite *damage_suite(void);
Suite *damage_suite(void) { return suite_create("damage"); }
