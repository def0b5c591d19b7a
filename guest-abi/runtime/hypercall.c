/* hypercall.c: run-time numbered hypercalls and errno names for diagnostics. */
#include <pvguest/errno.h>
#include <pvguest/hypercall.h>

long pv_hypercall_raw(unsigned int nr, unsigned long a1, unsigned long a2, unsigned long a3,
                      unsigned long a4, unsigned long a5)
{
    if (nr >= sizeof(hypercall_page) / 32 || nr == __HYPERVISOR_iret)
        return -EINVAL;
    register long res __asm__("rax");
    register unsigned long r1 __asm__("rdi") = a1;
    register unsigned long r2 __asm__("rsi") = a2;
    register unsigned long r3 __asm__("rdx") = a3;
    register unsigned long r4 __asm__("r10") = a4;
    register unsigned long r5 __asm__("r8") = a5;
    void *entry = hypercall_page + nr * 32;
    __asm__ __volatile__("call *%[entry]"
                         : "=r"(res), "+r"(r1), "+r"(r2), "+r"(r3), "+r"(r4), "+r"(r5)
                         : [entry] "r"(entry)
                         : "memory", "rcx", "r11");
    return res;
}

static const char *const errno_names[] = {
    [EPERM] = "EPERM",
    [ENOENT] = "ENOENT",
    [ESRCH] = "ESRCH",
    [EINTR] = "EINTR",
    [EIO] = "EIO",
    [ENXIO] = "ENXIO",
    [E2BIG] = "E2BIG",
    [EBADF] = "EBADF",
    [EAGAIN] = "EAGAIN",
    [ENOMEM] = "ENOMEM",
    [EACCES] = "EACCES",
    [EFAULT] = "EFAULT",
    [EBUSY] = "EBUSY",
    [EEXIST] = "EEXIST",
    [ENODEV] = "ENODEV",
    [EINVAL] = "EINVAL",
    [ENOSPC] = "ENOSPC",
    [ERANGE] = "ERANGE",
    [ENOSYS] = "ENOSYS",
    [ENODATA] = "ENODATA",
    [ETIME] = "ETIME",
    [EOVERFLOW] = "EOVERFLOW",
    [EMSGSIZE] = "EMSGSIZE",
    [EOPNOTSUPP] = "EOPNOTSUPP",
    [EADDRINUSE] = "EADDRINUSE",
    [ENETUNREACH] = "ENETUNREACH",
    [ENOBUFS] = "ENOBUFS",
    [ETIMEDOUT] = "ETIMEDOUT",
    [EHOSTUNREACH] = "EHOSTUNREACH",
    [EALREADY] = "EALREADY",
    [EINPROGRESS] = "EINPROGRESS",
};

const char *pv_errno_name(int err)
{
    if (err <= 0 || (unsigned int)err >= ARRAY_SIZE(errno_names))
        return NULL;
    return errno_names[err];
}
