/* hypercall.c: the hypercall table, the hypercall page, multicall and the small PV hypercalls. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <xen/compat.h>
#include <xen/physdev.h>

#include "pvisord.h"

#define NR_HYPERCALLS 64
#define STUB_SIZE     32

static const struct hc_entry hc_table[NR_HYPERCALLS] = {
    [__HYPERVISOR_set_trap_table] = {"set_trap_table", hc_set_trap_table, HCF_PV},
    [__HYPERVISOR_mmu_update] = {"mmu_update", hc_mmu_update, HCF_PV},
    [__HYPERVISOR_set_callbacks] = {"set_callbacks", hc_set_callbacks, HCF_PV},
    [__HYPERVISOR_memory_op] = {"memory_op", hc_memory_op, 0},
    [__HYPERVISOR_multicall] = {"multicall", hc_multicall, 0},
    [__HYPERVISOR_update_va_mapping] = {"update_va_mapping", hc_update_va_mapping, HCF_PV},
    [__HYPERVISOR_set_timer_op] = {"set_timer_op", hc_set_timer_op, 0},
    [__HYPERVISOR_xen_version] = {"xen_version", hc_xen_version, 0},
    [__HYPERVISOR_console_io] = {"console_io", hc_console_io, 0},
    [__HYPERVISOR_grant_table_op] = {"grant_table_op", hc_grant_table_op, 0},
    [__HYPERVISOR_vm_assist] = {"vm_assist", hc_vm_assist, 0},
    [__HYPERVISOR_iret] = {"iret", hc_iret, HCF_NOREG | HCF_PV},
    [__HYPERVISOR_vcpu_op] = {"vcpu_op", hc_vcpu_op, 0},
    [__HYPERVISOR_mmuext_op] = {"mmuext_op", hc_mmuext_op, HCF_PV},
    [__HYPERVISOR_sched_op] = {"sched_op", hc_sched_op, 0},
    [__HYPERVISOR_callback_op] = {"callback_op", hc_callback_op, HCF_PV},
    [__HYPERVISOR_event_channel_op] = {"event_channel_op", hc_evtchn, 0},
    [__HYPERVISOR_physdev_op] = {"physdev_op", hc_physdev_op, 0},
    [__HYPERVISOR_hvm_op] = {"hvm_op", hc_hvm_op, 0},
    [__HYPERVISOR_sysctl] = {"sysctl", hc_priv_op, 0},
    [__HYPERVISOR_domctl] = {"domctl", hc_priv_op, 0},
};

long hypercall_dispatch(struct vcpu *v, unsigned nr, const struct hc_args *a, bool *noreg)
{
    if (nr >= NR_HYPERCALLS || !hc_table[nr].fn)
        return -ENOSYS;
    const struct hc_entry *e = &hc_table[nr];
    __atomic_fetch_add(&v->d->hc_count[nr], 1, __ATOMIC_RELAXED);
    if (e->flags & HCF_PRIV) /* guests are never privileged: dom0 is host user space */
        return -EPERM;
    if ((e->flags & HCF_PV) && v->pvh)
        return -ENOSYS;
    *noreg = (e->flags & HCF_NOREG) != 0;
    return e->fn(v, a);
}

/* Formats the non-zero per-hypercall counters as "name=count ..." into buf. */
void hypercall_counts(struct domain *d, char *buf, size_t size)
{
    size_t at = 0;
    buf[0] = 0;
    for (unsigned i = 0; i < NR_HYPERCALLS && at < size; i++)
        if (hc_table[i].name && d->hc_count[i])
            at += (size_t)snprintf(buf + at, size - at, " %s=%llu", hc_table[i].name,
                                   (unsigned long long)d->hc_count[i]);
}

/* Stub N at N*32: `mov $N,%eax; out %eax,$port; ret` (valid 32- and 64-bit code). For PV
 * the iret stub pushes rcx, r11, rax first so that rsp points at Xen's struct
 * iret_context, and never returns; PVH guests have no iret hypercall: ud2, as Xen. */
int hypercall_page_init(struct domain *d, uint64_t gpfn)
{
    uint8_t *p = gmem_ptr(d, gpfn << PVISOR_PAGE_SHIFT, PVISOR_PAGE_SIZE);
    if (!p || gpfn >= d->ram_pages)
        return -EINVAL;
    memset(p, 0xcc, PVISOR_PAGE_SIZE);
    for (unsigned i = 0; i < PVISOR_PAGE_SIZE / STUB_SIZE; i++) {
        uint8_t *s = p + i * STUB_SIZE;
        if (i == __HYPERVISOR_iret && d->type == PVCTL_TYPE_PVH) {
            s[0] = 0x0f, s[1] = 0x0b; /* ud2 */
            continue;
        }
        if (i == __HYPERVISOR_iret) {
            static const uint8_t push[] = {0x51, 0x41, 0x53, 0x50}; /* push rcx, r11, rax */
            memcpy(s, push, sizeof push);
            s += sizeof push;
        }
        s[0] = 0xb8; /* mov $i,%eax */
        memcpy(s + 1, &i, 4);
        s[5] = 0xe7; /* out %eax,$port */
        s[6] = SUB_HCALL_PORT;
        if (i != __HYPERVISOR_iret)
            s[7] = 0xc3; /* ret */
    }
    d->hypercall_page_gpfn = gpfn;
    return 0;
}

/* One multicall entry in the caller's layout: its op and arguments (native widths). */
static int mc_read(struct vcpu *v, uint64_t at, uint64_t *op, struct hc_args *args)
{
    if (hc_compat(v)) {
        struct compat_multicall_entry c;
        if (copy_from_guest(v, &c, at, sizeof c))
            return -EFAULT;
        *op = c.op;
        for (unsigned i = 0; i < 6; i++)
            args->a[i] = c.args[i];
        return 0;
    }
    struct multicall_entry m;
    if (copy_from_guest(v, &m, at, sizeof m))
        return -EFAULT;
    *op = m.op;
    for (unsigned i = 0; i < 6; i++)
        args->a[i] = m.args[i];
    return 0;
}

static int mc_result(struct vcpu *v, uint64_t at, long r)
{
    if (hc_compat(v)) {
        compat_ulong_t res = (compat_ulong_t)r;
        return copy_to_guest(v, at + offsetof(struct compat_multicall_entry, result), &res,
                             sizeof res);
    }
    xen_ulong_t res = (xen_ulong_t)r;
    return copy_to_guest(v, at + offsetof(struct multicall_entry, result), &res, sizeof res);
}

long hc_multicall(struct vcpu *v, const struct hc_args *a)
{
    uint64_t list = a->a[0];
    uint64_t nr = a->a[1];
    size_t esize =
        hc_compat(v) ? sizeof(struct compat_multicall_entry) : sizeof(struct multicall_entry);
    if (nr > 4096)
        return -EINVAL;
    for (uint64_t i = 0; i < nr; i++) {
        uint64_t at = list + i * esize, op;
        struct hc_args sub;
        if (hc_preempted(v))
            return -EINTR;
        if (mc_read(v, at, &op, &sub))
            return -EFAULT;
        long r;
        if (op == __HYPERVISOR_multicall || op == __HYPERVISOR_iret) {
            r = -EINVAL; /* no nesting, no context switch from inside a batch */
        } else {
            bool noreg = false;
            r = op > UINT32_MAX ? -ENOSYS : hypercall_dispatch(v, (unsigned)op, &sub, &noreg);
        }
        if (mc_result(v, at, r))
            return -EFAULT;
    }
    return 0;
}

/* Checked and recorded: on this substrate an exception ends the domain with a report. */
long hc_set_trap_table(struct vcpu *v, const struct hc_args *a)
{
    uint64_t list = a->a[0];
    if (!list) {
        v->trap_table_gva = 0;
        return 0;
    }
    for (unsigned i = 0; i < 256; i++) {
        struct trap_info t;
        if (copy_from_guest(v, &t, list + i * sizeof t, sizeof t))
            return -EFAULT;
        if (t.address == 0)
            break;
        if (!is_canonical(t.address))
            return -EINVAL;
    }
    v->trap_table_gva = list;
    return 0;
}

long hc_vm_assist(struct vcpu *v, const struct hc_args *a)
{
    unsigned cmd = (unsigned)a->a[0], type = (unsigned)a->a[1];
    const uint64_t pv =
        (1ULL << VMASST_TYPE_4gb_segments) | (1ULL << VMASST_TYPE_4gb_segments_notify) |
        (1ULL << VMASST_TYPE_writable_pagetables) | (1ULL << VMASST_TYPE_pae_extended_cr3) |
        (1ULL << VMASST_TYPE_m2p_strict) | (1ULL << VMASST_TYPE_runstate_update_flag);
    const uint64_t known = v->pvh ? 1ULL << VMASST_TYPE_runstate_update_flag : pv; /* Xen's masks */
    if (type >= 64 || !(known & (1ULL << type)))
        return -EINVAL;
    if (cmd == VMASST_CMD_enable)
        v->d->vm_assist |= 1ULL << type;
    else if (cmd == VMASST_CMD_disable)
        v->d->vm_assist &= ~(1ULL << type);
    else
        return -ENOSYS;
    return 0;
}

long hc_physdev_op(struct vcpu *v, const struct hc_args *a)
{
    switch (a->a[0]) {
    case PHYSDEVOP_set_iopl:
    case PHYSDEVOP_set_iobitmap:
        return 0; /* I/O privilege changes nothing: domUs have no ports */
    default:
        return -ENOSYS;
    }
}

/* sysctl/domctl: Xen checks the interface version before privilege. Dom0 is host user
 * space here (control socket), so a guest always ends at -EPERM. */
long hc_priv_op(struct vcpu *v, const struct hc_args *a)
{
    uint32_t head[2];
    if (copy_from_guest(v, head, a->a[0], sizeof head))
        return -EFAULT;
    if (head[1] != PVISOR_SYSCTL_DOMCTL_VERSION)
        return -EACCES;
    return -EPERM;
}
