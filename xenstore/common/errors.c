/* errors.c: errno <-> xenstore error-name table shared by xenstored and libpvxs. */
#include <errno.h>
#include <string.h>

#include "errors.h"

struct err_name {
    int err;
    const char *name;
};

/* Xen's list (order irrelevant here), plus EQUOTA as oxenstored sends it. */
static const struct err_name err_names[] = {
    {EINVAL, "EINVAL"},   {EACCES, "EACCES"}, {EEXIST, "EEXIST"},       {EISDIR, "EISDIR"},
    {ENOENT, "ENOENT"},   {ENOMEM, "ENOMEM"}, {ENOSPC, "ENOSPC"},       {EIO, "EIO"},
    {ENOTEMPTY, "ENOTEMPTY"}, {ENOSYS, "ENOSYS"}, {EROFS, "EROFS"},     {EBUSY, "EBUSY"},
    {EAGAIN, "EAGAIN"},   {EISCONN, "EISCONN"}, {E2BIG, "E2BIG"},       {EPERM, "EPERM"},
    {EQUOTA_ERRNO, "EQUOTA"},
};

const char *xs_errno_to_name(int err)
{
    for (unsigned i = 0; i < sizeof(err_names) / sizeof(err_names[0]); i++)
        if (err_names[i].err == err)
            return err_names[i].name;
    return "EINVAL";
}

int xs_name_to_errno(const char *name, unsigned len)
{
    while (len > 0 && name[len - 1] == '\0')
        len--;
    for (unsigned i = 0; i < sizeof(err_names) / sizeof(err_names[0]); i++)
        if (strlen(err_names[i].name) == len && memcmp(err_names[i].name, name, len) == 0)
            return err_names[i].err;
    return EINVAL;
}
