/* The suites test_main.c runs. */
#ifndef MEMALOT_TEST_DUMPER_SUITES_H
#define MEMALOT_TEST_DUMPER_SUITES_H

#include <check.h>

Suite *child_memory_suite(void);
Suite *sort_suite(void);
Suite *bitmap_suite(void);
Suite *ptrmap_suite(void);
Suite *calllog_suite(void);
Suite *static_ranges_suite(void);

#endif
