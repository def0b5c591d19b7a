/* check_run.h: the main() of every Check suite: run a suite, report, exit status. */
#ifndef PVISOR_CHECK_RUN_H
#define PVISOR_CHECK_RUN_H

#include <check.h>
#include <stdbool.h>

/* Runs every test of s (CK_ENV verbosity), frees it and returns EXIT_SUCCESS when none
 * failed, else EXIT_FAILURE. fork = false runs tests in-process (for pure table checks)
 * unless CK_FORK is set in the environment. The unit-test Makefile macro links this. */
int check_run(Suite *s, bool fork);

#endif
