/* pvh.c: PVH vCPUs: CPUID leaves, hypercall MSR, hvm_op, vector upcalls, hlt, port I/O. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <xen/arch-x86/cpuid.h>
#include <xen/compat.h>
#include <xen/hvm/hvm_op.h>
#include <xen/hvm/params.h>

#include "pvisord.h"

#define XEN_LAST_LEAF    5 /* leaves base+0 .. base+5, as Xen 4.17 */
#define IO_REPORTS_MAX   8 /* unhandled port/MMIO accesses logged per domain */
#define CALLBACK_TYPE(v) ((unsigned)((v) >> 56))

/* ---- CPUID ------------------------------------------------------------------------------ */

/* Xen's hypervisor leaves for an HVM vCPU: signature, version, hypercall MSR, time, HVM
 * features (vCPU id, domid; no APIC virtualisation: there is no APIC), PV leaf (empty). */
static unsigned xen_leaves(struct vcpu *v, struct sub_cpuid_leaf *l)
{
    const uint32_t b = XEN_CPUID_FIRST_LEAF, khz = sub_tsc_khz();
    uint32_t mul = 0;
    int8_t shift = 0;
    tsc_scale(khz, &mul, &shift);
    unsigned n = 0;
    l[n++] = (struct sub_cpuid_leaf){b,
                                     0,
                                     b + XEN_LAST_LEAF,
                                     XEN_CPUID_SIGNATURE_EBX,
                                     XEN_CPUID_SIGNATURE_ECX,
                                     XEN_CPUID_SIGNATURE_EDX,
                                     false};
    l[n++] = (struct sub_cpuid_leaf){b + 1, 0,    (PVISOR_XEN_MAJOR << 16) | PVISOR_XEN_MINOR, 0, 0,
                                     0,     false};
    l[n++] = (struct sub_cpuid_leaf){b + 2, 0, 1, PVH_HCALL_MSR, 0, 0, false};
    l[n++] = (struct sub_cpuid_leaf){b + 3, 0, 0, 0, khz, 0, true}; /* native TSC, mode 0 */
    l[n++] = (struct sub_cpuid_leaf){b + 3, 1, 0, 0, mul, (uint32_t)(int32_t)shift, true};
    l[n++] = (struct sub_cpuid_leaf){b + 3, 2, khz, 0, 0, 0, true};
    l[n++] = (struct sub_cpuid_leaf){
        b + 4, 0,           XEN_HVM_CPUID_VCPU_ID_PRESENT | XEN_HVM_CPUID_DOMID_PRESENT,
        v->id, v->d->domid, 0,
        false};
    l[n++] = (struct sub_cpuid_leaf){b + 5, 0, 0, 0, 0, 0, false};
    return n;
}

int pvh_domain_init(struct domain *d)
{
    return sub_vm_trap_wrmsr(d->vm, PVH_HCALL_MSR);
}

int pvh_vcpu_init(struct vcpu *v)
{
    struct sub_cpuid_leaf l[8];
    v->pvh = true;
    return sub_vcpu_set_cpuid(v->sv, l, xen_leaves(v, l));
}

int pvh_apply_context(struct vcpu *v, const struct pvctl_vcpu_ctx *c)
{
    int r = sub_vcpu_set_flat32(v->sv);
    if (r < 0)
        return r;
    struct sub_regs *g = sub_vcpu_regs(v->sv);
    memset(g, 0, sizeof *g);
    g->rbx = c->gpr[PVCTL_RBX] & 0xffffffffULL; /* hvm_start_info */
    g->rsi = c->gpr[PVCTL_RSI] & 0xffffffffULL;
    g->rsp = c->gpr[PVCTL_RSP] & 0xffffffffULL;
    g->rip = c->rip & 0xffffffffULL;
    g->rflags = 0x2; /* IF clear */
    sub_vcpu_regs_dirty(v->sv);
    return 0;
}

/* ---- hypercalls -------------------------------------------------------------------------- */

/* Xen's two conventions: 64-bit code passes rdi rsi rdx r10 r8 r9, 32-bit code ebx ecx edx
 * esi edi ebp; which one is decided per call by the code segment (CS.L), not EFER.LMA. */
void pvh_hcall_args(struct vcpu *v, const struct sub_regs *r, struct hc_args *a)
{
    struct sub_mode m = {0};
    v->hc_compat = sub_vcpu_get_mode(v->sv, &m) == 0 && !m.cs_l;
    if (!v->hc_compat) {
        *a = (struct hc_args){{r->rdi, r->rsi, r->rdx, r->r10, r->r8, r->r9}};
        return;
    }
    const uint64_t lo = 0xffffffffULL;
    *a = (struct hc_args){
        {r->rbx & lo, r->rcx & lo, r->rdx & lo, r->rsi & lo, r->rdi & lo, r->rbp & lo}};
}

/* Parameters a guest may read of itself (Xen's hvm_allow_get_param). */
static bool guest_may_read(uint32_t idx)
{
    switch (idx) {
    case HVM_PARAM_CALLBACK_IRQ:
    case HVM_PARAM_STORE_PFN:
    case HVM_PARAM_STORE_EVTCHN:
    case HVM_PARAM_CONSOLE_PFN:
    case HVM_PARAM_CONSOLE_EVTCHN:
    case HVM_PARAM_VM86_TSS:
    case HVM_PARAM_VM86_TSS_SIZED:
    case HVM_PARAM_ACPI_IOPORTS_LOCATION:
    case HVM_PARAM_VM_GENERATION_ID_ADDR:
    case HVM_PARAM_ALTP2M:
    case HVM_PARAM_X87_FIP_WIDTH:
        return true;
    default:
        return false;
    }
}

/* Parameters a guest may set on itself (Xen's hvm_allow_set_param); deprecated -EPERM. */
static bool guest_may_write(uint32_t idx)
{
    switch (idx) {
    case HVM_PARAM_CALLBACK_IRQ:
    case HVM_PARAM_VM86_TSS:
    case HVM_PARAM_VM86_TSS_SIZED:
    case HVM_PARAM_ACPI_IOPORTS_LOCATION:
    case HVM_PARAM_VM_GENERATION_ID_ADDR:
    case HVM_PARAM_STORE_EVTCHN:
    case HVM_PARAM_CONSOLE_EVTCHN:
    case HVM_PARAM_X87_FIP_WIDTH:
        return true;
    default:
        return false;
    }
}

static void kick_all(struct domain *d)
{
    for (unsigned i = 0; i < d->max_vcpus; i++)
        if (d->vcpus[i])
            vcpu_kick(d->vcpus[i]);
}

static long set_param(struct vcpu *v, uint32_t idx, uint64_t val)
{
    struct domain *d = v->d;
    if (!guest_may_write(idx))
        return -EPERM;
    if (idx == HVM_PARAM_X87_FIP_WIDTH && val != 0 && val != 4 && val != 8)
        return -EINVAL;
    pthread_mutex_lock(&d->lock);
    d->params[idx] = val;
    bool relayout = idx == HVM_PARAM_CALLBACK_IRQ && d->shinfo_compat != hc_compat(v);
    if (idx == HVM_PARAM_CALLBACK_IRQ)
        d->shinfo_compat = hc_compat(v); /* Xen latches the shared_info layout here */
    pthread_mutex_unlock(&d->lock);
    if (relayout)
        domain_update_wallclock(d);
    if (idx == HVM_PARAM_CALLBACK_IRQ)
        kick_all(d); /* pending upcalls may now be deliverable */
    return 0;
}

/* get/set_param: xen_hvm_param has the same layout for 32- and 64-bit callers. */
static long hvm_param(struct vcpu *v, unsigned op, uint64_t arg)
{
    struct xen_hvm_param p;
    _Static_assert(sizeof p == sizeof(struct compat_xen_hvm_param), "same layout");
    if (copy_from_guest(v, &p, arg, sizeof p))
        return -EFAULT;
    if (p.domid != DOMID_SELF && p.domid != v->d->domid)
        return -EPERM; /* only dom0 may touch another domain's, through the socket */
    if (v->d->type != PVCTL_TYPE_PVH || p.index >= HVM_NR_PARAMS)
        return -EINVAL;
    if (op == HVMOP_set_param)
        return set_param(v, p.index, p.value);
    if (!guest_may_read(p.index))
        return -EPERM;
    p.value = v->d->params[p.index];
    return copy_to_guest(v, arg, &p, sizeof p) ? -EFAULT : 0;
}

long hc_hvm_op(struct vcpu *v, const struct hc_args *a)
{
    switch (a->a[0]) {
    case HVMOP_set_param:
    case HVMOP_get_param:
        return hvm_param(v, (unsigned)a->a[0], a->a[1]);
    case HVMOP_get_time: {
        if (v->d->type != PVCTL_TYPE_PVH)
            return -ENOSYS;
        struct xen_hvm_get_time t = {.now = now_ns()};
        return copy_to_guest(v, a->a[1], &t, sizeof t) ? -EFAULT : 0;
    }
    case HVMOP_flush_tlbs:
        if (v->d->type != PVCTL_TYPE_PVH)
            return -ENOSYS;
        return a->a[1] ? -EINVAL : 0; /* guest page-table stores are coherent here */
    default:
        return -ENOSYS;
    }
}

/* ---- events ------------------------------------------------------------------------------- */

/* The registered callback vector, or -1 (GSI and PCI INTx callbacks need an interrupt
 * controller, which these domains do not have: they are recorded but never raised). */
static int callback_vector(struct domain *d)
{
    uint64_t via = __atomic_load_n(&d->params[HVM_PARAM_CALLBACK_IRQ], __ATOMIC_ACQUIRE);
    if (CALLBACK_TYPE(via) != HVM_PARAM_CALLBACK_TYPE_VECTOR || (via & 0xff) < 0x10)
        return -1;
    return (int)(via & 0xff);
}

/* Xen's rule for the callback vector: raised while upcall_pending is set (level), the
 * guest's upcall mask playing no part; taken when interrupts are enabled. */
static bool upcall_due(struct vcpu *v)
{
    return callback_vector(v->d) >= 0 && vcpu_events_pending(v);
}

void pvh_deliver_events(struct vcpu *v)
{
    if (!upcall_due(v)) {
        sub_vcpu_request_irq_window(v->sv, false);
        return;
    }
    if (!sub_vcpu_irq_ready(v->sv)) {
        sub_vcpu_request_irq_window(v->sv, true);
        return;
    }
    sub_vcpu_request_irq_window(v->sv, false);
    if (sub_vcpu_inject_irq(v->sv, (uint8_t)callback_vector(v->d)) < 0)
        sub_vcpu_request_irq_window(v->sv, true);
}

/* ---- exits ----------------------------------------------------------------------------- */

static bool must_return(struct vcpu *v)
{
    return !domain_running(v->d) || !atomic_load(&v->online);
}

/* Xen's hvm_vcpu_down: the vCPU goes offline; the last one powers the domain off. */
static void vcpu_down(struct vcpu *v)
{
    struct domain *d = v->d;
    atomic_store(&v->online, false);
    unsigned online = 0;
    for (unsigned i = 0; i < d->max_vcpus; i++)
        if (d->vcpus[i] && atomic_load(&d->vcpus[i]->online))
            online++;
    domlog(d, "vcpu %u halted with interrupts disabled: offline%s", v->id,
           online ? "" : "; all vcpus offline: powering off");
    if (!online)
        domain_shutdown(d, SHUTDOWN_poweroff);
}

/* hlt: blocks until an upcall can be delivered (or a timer makes one), as Xen's hvm_hlt. */
static void pvh_hlt(struct vcpu *v)
{
    if (!(sub_vcpu_regs(v->sv)->rflags & RFLAGS_IF)) {
        vcpu_down(v);
        return;
    }
    atomic_store(&v->blocked, true);
    for (;;) {
        vcpu_check_timers(v);
        if (upcall_due(v) || must_return(v))
            break;
        vcpu_wait(v, vcpu_next_deadline(v, 0));
    }
    atomic_store(&v->blocked, false);
}

/* WRMSR of the hypercall MSR: value = guest-physical page address | page index (0). */
static void pvh_wrmsr(struct vcpu *v, uint64_t msr, uint64_t val)
{
    int r = -EINVAL;
    if (msr == PVH_HCALL_MSR && !(val & (PVISOR_PAGE_SIZE - 1)))
        r = hypercall_page_init(v->d, val >> PVISOR_PAGE_SHIFT);
    if (r < 0)
        domlog(v->d, "vcpu %u: wrmsr %#llx <- %#llx refused (#GP)", v->id, (unsigned long long)msr,
               (unsigned long long)val);
    sub_vcpu_msr_done(v->sv, r < 0);
}

static void report_access(struct vcpu *v, const char *what, uint64_t where, bool write)
{
    if (atomic_fetch_add(&v->d->io_reports, 1) < IO_REPORTS_MAX)
        domlog(v->d,
               "vcpu %u: %s %s %#llx: nothing there (reads give all ones, writes are "
               "dropped, as Xen without a device model)",
               v->id, write ? "write to" : "read from", what, (unsigned long long)where);
}

/* Port 0xe9 is Xen's debug console; every other port reads all ones and drops writes. */
static void pvh_port_io(struct vcpu *v, const struct sub_exit *e)
{
    if (e->port == PVH_DEBUG_PORT && e->io_out) {
        pthread_mutex_lock(&v->d->lock);
        for (uint32_t i = 0; i < e->len; i += e->io_size) /* the low byte of each item */
            domain_console_write(v->d, (const char *)e->buf + i, 1);
        pthread_mutex_unlock(&v->d->lock);
        return;
    }
    if (!e->io_out)
        memset(e->buf, 0xff, e->len);
    report_access(v, "port", e->port, e->io_out);
}

static void pvh_mmio(struct vcpu *v, const struct sub_exit *e)
{
    if (!e->mmio_write)
        memset(e->buf, 0xff, e->len);
    report_access(v, "guest-physical address", e->addr, e->mmio_write);
}

void pvh_handle_exit(struct vcpu *v, const struct sub_exit *e)
{
    switch (e->kind) {
    case SUB_EXIT_HLT:
        pvh_hlt(v);
        break;
    case SUB_EXIT_WRMSR:
        pvh_wrmsr(v, e->addr, e->data);
        break;
    case SUB_EXIT_IO:
        pvh_port_io(v, e);
        break;
    case SUB_EXIT_MMIO:
        pvh_mmio(v, e);
        break;
    default: /* SUB_EXIT_IRQ_WINDOW: the next entry injects */
        break;
    }
}
