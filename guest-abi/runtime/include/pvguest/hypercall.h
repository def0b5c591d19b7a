/*
 * hypercall.h: HYPERVISOR_* wrappers that call through the hypercall page (Xen x86-64
 * PV convention: `call hypercall_page + nr * 32`, arguments in rdi rsi rdx r10 r8,
 * result in rax; rcx, r11 and all five argument registers may be clobbered, as a debug
 * build of Xen does).
 */
#ifndef PVGUEST_HYPERCALL_H
#define PVGUEST_HYPERCALL_H

#include <xen/xen.h>
#include <pvguest/lib.h>

/* Filled by the domain builder (XEN_ELFNOTE_HYPERCALL_PAGE); defined in head.S. */
extern char hypercall_page[4096];

#define PV_HC_ASM "call hypercall_page + %c[off]"

#define _hypercall0(name)                                                                          \
    ({                                                                                             \
        register long __res __asm__("rax");                                                        \
        __asm__ __volatile__(PV_HC_ASM                                                             \
                             : "=r"(__res)                                                         \
                             : [off] "i"(__HYPERVISOR_##name * 32)                                 \
                             : "rdi", "rsi", "rdx", "r10", "r8", "memory", "rcx", "r11");          \
        __res;                                                                                     \
    })

#define _hypercall1(name, a1)                                                                      \
    ({                                                                                             \
        register long __res __asm__("rax");                                                        \
        register long __a1 __asm__("rdi") = (long)(a1);                                            \
        __asm__ __volatile__(PV_HC_ASM                                                             \
                             : "=r"(__res), "+r"(__a1)                                             \
                             : [off] "i"(__HYPERVISOR_##name * 32)                                 \
                             : "rsi", "rdx", "r10", "r8", "memory", "rcx", "r11");                 \
        __res;                                                                                     \
    })

#define _hypercall2(name, a1, a2)                                                                  \
    ({                                                                                             \
        register long __res __asm__("rax");                                                        \
        register long __a1 __asm__("rdi") = (long)(a1);                                            \
        register long __a2 __asm__("rsi") = (long)(a2);                                            \
        __asm__ __volatile__(PV_HC_ASM                                                             \
                             : "=r"(__res), "+r"(__a1), "+r"(__a2)                                 \
                             : [off] "i"(__HYPERVISOR_##name * 32)                                 \
                             : "rdx", "r10", "r8", "memory", "rcx", "r11");                        \
        __res;                                                                                     \
    })

#define _hypercall3(name, a1, a2, a3)                                                              \
    ({                                                                                             \
        register long __res __asm__("rax");                                                        \
        register long __a1 __asm__("rdi") = (long)(a1);                                            \
        register long __a2 __asm__("rsi") = (long)(a2);                                            \
        register long __a3 __asm__("rdx") = (long)(a3);                                            \
        __asm__ __volatile__(PV_HC_ASM                                                             \
                             : "=r"(__res), "+r"(__a1), "+r"(__a2), "+r"(__a3)                     \
                             : [off] "i"(__HYPERVISOR_##name * 32)                                 \
                             : "r10", "r8", "memory", "rcx", "r11");                               \
        __res;                                                                                     \
    })

#define _hypercall4(name, a1, a2, a3, a4)                                                          \
    ({                                                                                             \
        register long __res __asm__("rax");                                                        \
        register long __a1 __asm__("rdi") = (long)(a1);                                            \
        register long __a2 __asm__("rsi") = (long)(a2);                                            \
        register long __a3 __asm__("rdx") = (long)(a3);                                            \
        register long __a4 __asm__("r10") = (long)(a4);                                            \
        __asm__ __volatile__(PV_HC_ASM                                                             \
                             : "=r"(__res), "+r"(__a1), "+r"(__a2), "+r"(__a3), "+r"(__a4)         \
                             : [off] "i"(__HYPERVISOR_##name * 32)                                 \
                             : "r8", "memory", "rcx", "r11");                                      \
        __res;                                                                                     \
    })

#define _hypercall5(name, a1, a2, a3, a4, a5)                                                      \
    ({                                                                                             \
        register long __res __asm__("rax");                                                        \
        register long __a1 __asm__("rdi") = (long)(a1);                                            \
        register long __a2 __asm__("rsi") = (long)(a2);                                            \
        register long __a3 __asm__("rdx") = (long)(a3);                                            \
        register long __a4 __asm__("r10") = (long)(a4);                                            \
        register long __a5 __asm__("r8") = (long)(a5);                                             \
        __asm__ __volatile__(PV_HC_ASM                                                             \
                             : "=r"(__res), "+r"(__a1), "+r"(__a2), "+r"(__a3), "+r"(__a4),        \
                               "+r"(__a5)                                                          \
                             : [off] "i"(__HYPERVISOR_##name * 32)                                 \
                             : "memory", "rcx", "r11");                                            \
        __res;                                                                                     \
    })

/*
 * Every wrapper returns what the hypervisor put in rax: >= 0 on success (a count or a
 * value for some calls), a negative Xen errno (-EINVAL, -ENOSYS, ...) on failure.
 * Pointers are guest virtual addresses.  Safe to call from any vCPU and from event
 * handlers.
 */
static inline long HYPERVISOR_set_trap_table(const struct trap_info *table)
{
    return _hypercall1(set_trap_table, table);
}

static inline long HYPERVISOR_mmu_update(mmu_update_t *req, unsigned int count,
                                         unsigned int *success_count, domid_t domid)
{
    return _hypercall4(mmu_update, req, count, success_count, domid);
}

static inline long HYPERVISOR_set_callbacks(unsigned long event_address,
                                            unsigned long failsafe_address,
                                            unsigned long syscall_address)
{
    return _hypercall3(set_callbacks, event_address, failsafe_address, syscall_address);
}

static inline long HYPERVISOR_memory_op(unsigned int cmd, void *arg)
{
    return _hypercall2(memory_op, cmd, arg);
}

static inline long HYPERVISOR_multicall(multicall_entry_t *calls, unsigned int nr_calls)
{
    return _hypercall2(multicall, calls, nr_calls);
}

static inline long HYPERVISOR_update_va_mapping(unsigned long va, uint64_t new_pte,
                                                unsigned long flags)
{
    return _hypercall3(update_va_mapping, va, new_pte, flags);
}

/* timeout: absolute system time in ns (0 cancels the timer). */
static inline long HYPERVISOR_set_timer_op(uint64_t timeout)
{
    return _hypercall1(set_timer_op, timeout);
}

static inline long HYPERVISOR_xen_version(int cmd, void *arg)
{
    return _hypercall2(xen_version, cmd, arg);
}

static inline long HYPERVISOR_console_io(int cmd, unsigned int count, const char *buf)
{
    return _hypercall3(console_io, cmd, count, buf);
}

static inline long HYPERVISOR_grant_table_op(unsigned int cmd, void *uop, unsigned int count)
{
    return _hypercall3(grant_table_op, cmd, uop, count);
}

static inline long HYPERVISOR_vm_assist(unsigned int cmd, unsigned int type)
{
    return _hypercall2(vm_assist, cmd, type);
}

static inline long HYPERVISOR_vcpu_op(int cmd, unsigned int vcpuid, void *extra_args)
{
    return _hypercall3(vcpu_op, cmd, vcpuid, extra_args);
}

static inline long HYPERVISOR_mmuext_op(struct mmuext_op *op, unsigned int count,
                                        unsigned int *success_count, domid_t domid)
{
    return _hypercall4(mmuext_op, op, count, success_count, domid);
}

static inline long HYPERVISOR_sched_op(int cmd, void *arg)
{
    return _hypercall2(sched_op, cmd, arg);
}

static inline long HYPERVISOR_callback_op(int cmd, const void *arg)
{
    return _hypercall2(callback_op, cmd, arg);
}

static inline long HYPERVISOR_event_channel_op(int cmd, void *arg)
{
    return _hypercall2(event_channel_op, cmd, arg);
}

static inline long HYPERVISOR_physdev_op(int cmd, void *arg)
{
    return _hypercall2(physdev_op, cmd, arg);
}

static inline long HYPERVISOR_hvm_op(int op, void *arg)
{
    return _hypercall2(hvm_op, op, arg);
}

static inline long HYPERVISOR_sysctl(void *op)
{
    return _hypercall1(sysctl, op);
}

static inline long HYPERVISOR_domctl(void *op)
{
    return _hypercall1(domctl, op);
}

/*
 * Calls hypercall slot nr (0..127) of the page with five arguments, for callers that
 * choose the number at run time (tests of unknown numbers).  Never use it for iret.
 * Returns -EINVAL-like -22 without calling anything if nr is outside the page.
 */
long pv_hypercall_raw(unsigned int nr, unsigned long a1, unsigned long a2, unsigned long a3,
                      unsigned long a4, unsigned long a5);

#endif /* PVGUEST_HYPERCALL_H */
