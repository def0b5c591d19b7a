/* hypercall.c: the hypercall table, the hypercall page, multicall and the small PV hypercalls. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <xen/hvm/hvm_op.h>
#include <xen/physdev.h>

#include "pvisord.h"

#define NR_HYPERCALLS 64
#define STUB_SIZE     32

static const struct hc_entry hc_table[NR_HYPERCALLS] = {
    [__HYPERVISOR_set_trap_table] = {"set_trap_table", hc_set_trap_table, 0},
    [__HYPERVISOR_mmu_update] = {"mmu_update", hc_mmu_update, 0},
    [__HYPERVISOR_set_callbacks] = {"set_callbacks", hc_set_callbacks, 0},
    [__HYPERVISOR_memory_op] = {"memory_op", hc_memory_op, 0},
    [__HYPERVISOR_multicall] = {"multicall", hc_multicall, 0},
    [__HYPERVISOR_update_va_mapping] = {"update_va_mapping", hc_update_va_mapping, 0},
    [__HYPERVISOR_set_timer_op] = {"set_timer_op", hc_set_timer_op, 0},
    [__HYPERVISOR_xen_version] = {"xen_version", hc_xen_version, 0},
    [__HYPERVISOR_console_io] = {"console_io", hc_console_io, 0},
    [__HYPERVISOR_grant_table_op] = {"grant_table_op", hc_grant_table_op, 0},
    [__HYPERVISOR_vm_assist] = {"vm_assist", hc_vm_assist, 0},
    [__HYPERVISOR_iret] = {"iret", hc_iret, HCF_NOREG},
    [__HYPERVISOR_vcpu_op] = {"vcpu_op", hc_vcpu_op, 0},
    [__HYPERVISOR_mmuext_op] = {"mmuext_op", hc_mmuext_op, 0},
    [__HYPERVISOR_sched_op] = {"sched_op", hc_sched_op, 0},
    [__HYPERVISOR_callback_op] = {"callback_op", hc_callback_op, 0},
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

/* Stub N at N*32: `mov $N,%eax; out %eax,$port; ret`. The iret stub pushes rcx, r11, rax
 * first so that rsp points at Xen's struct iret_context, and never returns. */
int hypercall_page_init(struct domain *d, uint64_t gpfn)
{
    uint8_t *p = gmem_ptr(d, gpfn << PVISOR_PAGE_SHIFT, PVISOR_PAGE_SIZE);
    if (!p || gpfn >= d->ram_pages)
        return -EINVAL;
    memset(p, 0xcc, PVISOR_PAGE_SIZE);
    for (unsigned i = 0; i < PVISOR_PAGE_SIZE / STUB_SIZE; i++) {
        uint8_t *s = p + i * STUB_SIZE;
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

long hc_multicall(struct vcpu *v, const struct hc_args *a)
{
    uint64_t list = a->a[0];
    uint64_t nr = a->a[1];
    if (nr > 4096)
        return -EINVAL;
    for (uint64_t i = 0; i < nr; i++) {
        struct multicall_entry m;
        uint64_t at = list + i * sizeof m;
        if (copy_from_guest(v, &m, at, sizeof m))
            return -EFAULT;
        long r;
        if (m.op == __HYPERVISOR_multicall || m.op == __HYPERVISOR_iret) {
            r = -EINVAL; /* no nesting, no context switch from inside a batch */
        } else {
            struct hc_args sub = {{m.args[0], m.args[1], m.args[2], m.args[3], m.args[4], m.args[5]}};
            bool noreg = false;
            r = hypercall_dispatch(v, (unsigned)m.op, &sub, &noreg);
        }
        m.result = (xen_ulong_t)r;
        if (copy_to_guest(v, at + offsetof(struct multicall_entry, result), &m.result,
                          sizeof m.result))
            return -EFAULT;
    }
    return 0;
}

bool is_canonical(uint64_t va)
{
    return (uint64_t)((int64_t)(va << 16) >> 16) == va;
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
    const uint64_t known = (1ULL << VMASST_TYPE_4gb_segments) |
                           (1ULL << VMASST_TYPE_4gb_segments_notify) |
                           (1ULL << VMASST_TYPE_writable_pagetables) |
                           (1ULL << VMASST_TYPE_pae_extended_cr3) | (1ULL << VMASST_TYPE_m2p_strict) |
                           (1ULL << VMASST_TYPE_runstate_update_flag);
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

/* PV domains have no HVM parameters (Xen: -EINVAL); PVH support lives elsewhere. */
long hc_hvm_op(struct vcpu *v, const struct hc_args *a)
{
    switch (a->a[0]) {
    case HVMOP_set_param:
    case HVMOP_get_param:
        return -EINVAL;
    default:
        return -ENOSYS;
    }
}
