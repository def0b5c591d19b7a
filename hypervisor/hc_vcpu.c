/* hc_vcpu.c: vcpu_op: bring-up, runstate, per-vCPU timers and vcpu_info placement. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <xen/compat.h>
#include <xen/vcpu.h>

#include "pvisord.h"

#define PV_CTX_SIZE sizeof(struct vcpu_guest_context)

static long vcpu_initialise(struct vcpu *v, struct vcpu *t, uint64_t arg)
{
    struct vcpu_guest_context *g = malloc(PV_CTX_SIZE);
    if (!g)
        return -ENOMEM;
    long r = copy_from_guest(v, g, arg, PV_CTX_SIZE) ? -EFAULT : 0;
    if (r == 0 && (t->initialised || t->ctx_pending))
        r = -EEXIST;
    if (r == 0) {
        struct pvctl_vcpu_ctx c = {.domid = v->d->domid, .vcpu = t->id, .mode = PVCTL_MODE_PV64};
        c.rip = g->user_regs.rip;
        c.rflags = g->user_regs.rflags;
        c.gpr[PVCTL_RSP] = g->user_regs.rsp;
        c.gpr[PVCTL_RSI] = g->user_regs.rsi;
        c.gpr[PVCTL_RDI] = g->user_regs.rdi;
        c.gpr[PVCTL_RAX] = g->user_regs.rax;
        c.gpr[PVCTL_RBX] = g->user_regs.rbx;
        c.gpr[PVCTL_RCX] = g->user_regs.rcx;
        c.gpr[PVCTL_RDX] = g->user_regs.rdx;
        c.gpr[PVCTL_RBP] = g->user_regs.rbp;
        c.cr3 = (uint64_t)g->ctrlreg[3]; /* xen_pfn_to_cr3 on x86-64 is pfn << 12 */
        c.fs_base = g->fs_base;
        c.gs_base = g->gs_base_kernel;
        if (!c.cr3 || !gmem_ptr(v->d, c.cr3 & ~0xfffULL, 4096))
            r = -EINVAL;
        else {
            t->event_callback = g->event_callback_eip;
            t->failsafe_callback = g->failsafe_callback_eip;
            pthread_mutex_lock(&v->d->lock);
            t->new_ctx = c;
            t->ctx_pending = true;
            pthread_mutex_unlock(&v->d->lock);
        }
    }
    free(g);
    return r;
}

static long vcpu_up(struct vcpu *t)
{
    if (!t->initialised && !t->ctx_pending)
        return -EINVAL;
    atomic_store(&t->online, true);
    vcpu_kick(t);
    return 0;
}

static long runstate(struct vcpu *v, struct vcpu *t, uint64_t arg)
{
    struct vcpu_runstate_info r = {0};
    r.state = atomic_load(&t->blocked) ? RUNSTATE_blocked
              : atomic_load(&t->online) ? RUNSTATE_running : RUNSTATE_offline;
    if (t == v)
        r.state = RUNSTATE_running;
    r.state_entry_time = now_ns();
    r.time[RUNSTATE_running] = __atomic_load_n(&t->cpu_time_ns, __ATOMIC_RELAXED);
    if (hc_compat(v)) {
        struct compat_vcpu_runstate_info c = {.state = r.state,
                                              .state_entry_time = r.state_entry_time};
        memcpy(c.time, r.time, sizeof c.time);
        return copy_to_guest(v, arg, &c, sizeof c) ? -EFAULT : 0;
    }
    return copy_to_guest(v, arg, &r, sizeof r) ? -EFAULT : 0;
}

static long register_vcpu_info(struct vcpu *v, struct vcpu *t, uint64_t arg)
{
    struct vcpu_register_vcpu_info info;
    if (copy_from_guest(v, &info, arg, sizeof info))
        return -EFAULT;
    /* Aligned: the 64-bit pending selector is updated atomically (Xen, too, refuses an
     * offset not aligned for the layout; pvisor asks 8 bytes for both layouts). */
    if (info.offset > PVISOR_PAGE_SIZE - sizeof(struct vcpu_info) || (info.offset & 7) ||
        t->vcpu_info_gpa)
        return -EINVAL;
    if (info.mfn >= v->d->ram_pages)
        return -EINVAL;
    uint64_t gpa = (info.mfn << PVISOR_PAGE_SHIFT) + info.offset;
    struct vcpu_info *old = vcpu_vinfo(t), *new = gmem_ptr(v->d, gpa, sizeof *new);
    if (!new)
        return -EINVAL;
    memcpy(new, old, sizeof *new);
    t->vcpu_info_gpa = gpa;
    __atomic_store_n(&new->evtchn_upcall_pending, 1, __ATOMIC_SEQ_CST); /* as Xen: rescan */
    if (v->d->shinfo_compat) /* a 32-bit selector after the two flag bytes */
        ((struct compat_vcpu_info *)new)->evtchn_pending_sel = ~0u;
    else
        new->evtchn_pending_sel = ~0UL;
    vcpu_update_time(t);
    return 0;
}

static long timers(struct vcpu *v, struct vcpu *t, unsigned cmd, uint64_t arg)
{
    if (cmd == VCPUOP_stop_periodic_timer) {
        t->periodic_period = 0;
        return 0;
    }
    if (cmd == VCPUOP_stop_singleshot_timer) {
        if (t != v)
            return -EINVAL;
        t->timer_deadline = 0;
        return 0;
    }
    if (cmd == VCPUOP_set_periodic_timer) {
        struct vcpu_set_periodic_timer p;
        if (copy_from_guest(v, &p, arg, sizeof p))
            return -EFAULT;
        if (p.period_ns < 1000000ULL)
            return -EINVAL;
        t->periodic_period = p.period_ns;
        t->periodic_next = now_ns() + p.period_ns;
        vcpu_kick(t);
        return 0;
    }
    struct vcpu_set_singleshot_timer s = {0};
    if (t != v)
        return -EINVAL;
    /* the compat layout is the same minus its tail padding */
    _Static_assert(offsetof(struct compat_vcpu_set_singleshot_timer, flags) ==
                       offsetof(struct vcpu_set_singleshot_timer, flags),
                   "singleshot layouts");
    if (copy_from_guest(v, &s, arg,
                        hc_compat(v) ? sizeof(struct compat_vcpu_set_singleshot_timer) : sizeof s))
        return -EFAULT;
    if ((s.flags & VCPU_SSHOTTMR_future) && s.timeout_abs_ns < now_ns())
        return -ETIME;
    t->timer_deadline = s.timeout_abs_ns ? s.timeout_abs_ns : 1;
    return 0;
}

long hc_vcpu_op(struct vcpu *v, const struct hc_args *a)
{
    unsigned cmd = (unsigned)a->a[0];
    uint64_t id = a->a[1], arg = a->a[2];
    if (id >= v->d->max_vcpus || !v->d->vcpus[id])
        return -ENOENT;
    struct vcpu *t = v->d->vcpus[id];
    switch (cmd) {
    case VCPUOP_initialise:
        if (!v->pvh)
            return vcpu_initialise(v, t, arg);
        /* PVH takes a vcpu_hvm_context: not offered yet, but a started vCPU is -EEXIST */
        return t->initialised || t->ctx_pending ? -EEXIST : -ENOSYS;
    case VCPUOP_up:
        return vcpu_up(t);
    case VCPUOP_down:
        atomic_store(&t->online, false);
        vcpu_kick(t);
        return 0;
    case VCPUOP_is_up:
        return atomic_load(&t->online) ? 1 : 0;
    case VCPUOP_get_runstate_info:
        return runstate(v, t, arg);
    case VCPUOP_register_runstate_memory_area:
        return -ENOSYS; /* runstate areas are not offered */
    case VCPUOP_register_vcpu_info:
        return register_vcpu_info(v, t, arg);
    case VCPUOP_set_periodic_timer:
    case VCPUOP_stop_periodic_timer:
    case VCPUOP_set_singleshot_timer:
    case VCPUOP_stop_singleshot_timer:
        return timers(v, t, cmd, arg);
    case VCPUOP_get_physid:
        return -EINVAL;
    default:
        return -ENOSYS;
    }
}
