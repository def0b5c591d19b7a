/* errors.h: mapping between errno values and the xenstore wire's error names. */
#ifndef PVXS_ERRORS_H
#define PVXS_ERRORS_H

#include <errno.h>
#include <string.h>

/*
 * The wire carries errors as names ("EINVAL"). Quota hits travel as "EQUOTA", which
 * has no errno of its own: inside pvisor it is EDQUOT.
 */
#define EQUOTA_ERRNO EDQUOT

struct xs_err_name {
    int err;
    const char *name;
};

/* Xen's list (order irrelevant here), plus EQUOTA as oxenstored sends it. */
static inline const struct xs_err_name *xs_err_names(unsigned *n)
{
    static const struct xs_err_name t[] = {
        {EINVAL, "EINVAL"},       {EACCES, "EACCES"},   {EEXIST, "EEXIST"}, {EISDIR, "EISDIR"},
        {ENOENT, "ENOENT"},       {ENOMEM, "ENOMEM"},   {ENOSPC, "ENOSPC"}, {EIO, "EIO"},
        {ENOTEMPTY, "ENOTEMPTY"}, {ENOSYS, "ENOSYS"},   {EROFS, "EROFS"},   {EBUSY, "EBUSY"},
        {EAGAIN, "EAGAIN"},       {EISCONN, "EISCONN"}, {E2BIG, "E2BIG"},   {EPERM, "EPERM"},
        {EQUOTA_ERRNO, "EQUOTA"},
    };

    *n = sizeof(t) / sizeof(t[0]);
    return t;
}

/* Name for a positive errno; unknown values map to "EINVAL" (never NULL). */
static inline const char *xs_errno_to_name(int err)
{
    unsigned n;
    const struct xs_err_name *t = xs_err_names(&n);

    for (unsigned i = 0; i < n; i++)
        if (t[i].err == err)
            return t[i].name;
    return "EINVAL";
}

/* errno for a wire name (trailing NULs within len ignored); unknown names give EINVAL. */
static inline int xs_name_to_errno(const char *name, unsigned len)
{
    unsigned n;
    const struct xs_err_name *t = xs_err_names(&n);

    while (len > 0 && name[len - 1] == '\0')
        len--;
    for (unsigned i = 0; i < n; i++)
        if (strlen(t[i].name) == len && memcmp(t[i].name, name, len) == 0)
            return t[i].err;
    return EINVAL;
}

#endif
