/* errors.h: mapping between errno values and the xenstore wire's error names. */
#ifndef PVXS_ERRORS_H
#define PVXS_ERRORS_H

/*
 * The wire carries errors as names ("EINVAL"). Quota hits travel as "EQUOTA", which
 * has no errno of its own: inside pvisor it is EDQUOT.
 */
#define EQUOTA_ERRNO EDQUOT

/* Name for a positive errno; unknown values map to "EINVAL" (never NULL). */
const char *xs_errno_to_name(int err);

/* errno for a wire name (no NUL required within len); unknown names give EINVAL. */
int xs_name_to_errno(const char *name, unsigned len);

#endif
