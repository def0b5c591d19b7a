/* check_run.c: the shared main() body of the Check unit suites. */
#include <stdlib.h>

#include "check_run.h"

int check_run(Suite *s, bool fork)
{
    SRunner *sr = srunner_create(s);
    if (!fork && !getenv("CK_FORK"))
        srunner_set_fork_status(sr, CK_NOFORK);
    srunner_run_all(sr, CK_ENV);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
