/* pv.c: x86-64 PV specifics: Xen's event bounce frame, the iret hypercall and callback registration. */
#include <errno.h>

#include <xen/callback.h>

#include "pvisord.h"

#define RFLAGS_KEEP   0x00000cd5ULL /* CF PF AF ZF SF DF OF: what a guest may set */
#define PV_CS         0xe033ULL     /* FLAT_RING3_CS64 */
#define PV_SS         0xe02bULL     /* FLAT_RING3_SS64 */

/* Frame at callback entry, from rsp upwards: rcx, r11, rip, cs, rflags, rsp, ss. */
void pv_deliver_events(struct vcpu *v)
{
    struct vcpu_info *vi = vcpu_vinfo(v);
    if (!v->event_callback || !vi || !__atomic_load_n(&vi->evtchn_upcall_pending, __ATOMIC_ACQUIRE) ||
        __atomic_load_n(&vi->evtchn_upcall_mask, __ATOMIC_ACQUIRE))
        return;
    struct sub_regs *r = sub_vcpu_regs(v->sv);
    uint64_t sp = r->rsp & ~15ULL;
    uint64_t frame[7] = {r->rcx, r->r11, r->rip, PV_CS, (r->rflags & ~RFLAGS_IOPL) | RFLAGS_IF,
                         r->rsp, PV_SS};
    if (copy_to_guest(v, sp - sizeof frame, frame, sizeof frame) < 0) {
        vcpu_crash(v, "event delivery: the guest stack is not writable (bad rsp)");
        return;
    }
    __atomic_store_n(&vi->evtchn_upcall_mask, 1, __ATOMIC_RELEASE);
    r->rsp = sp - sizeof frame;
    r->rip = v->event_callback;
    sub_vcpu_regs_dirty(v->sv);
}

long hc_iret(struct vcpu *v, const struct hc_args *a)
{
    struct sub_regs *r = sub_vcpu_regs(v->sv);
    struct iret_context c;
    if (copy_from_guest(v, &c, r->rsp, sizeof c) < 0) {
        vcpu_crash(v, "iret: the iret context on the guest stack is unreadable");
        return 0;
    }
    r->rax = c.rax;
    r->r11 = c.r11;
    r->rcx = c.rcx;
    r->rip = c.rip;
    r->rsp = c.rsp;
    r->rflags = (c.rflags & RFLAGS_KEEP) | 0x2 | RFLAGS_IOPL | RFLAGS_IF;
    sub_vcpu_regs_dirty(v->sv);
    struct vcpu_info *vi = vcpu_vinfo(v);
    if (vi)
        __atomic_store_n(&vi->evtchn_upcall_mask, !(c.rflags & RFLAGS_IF), __ATOMIC_RELEASE);
    return 0;
}

static long set_callback(struct vcpu *v, unsigned type, uint64_t addr)
{
    if (!is_canonical(addr))
        return -EINVAL;
    switch (type) {
    case CALLBACKTYPE_event:
        v->event_callback = addr;
        return 0;
    case CALLBACKTYPE_failsafe:
        v->failsafe_callback = addr;
        return 0;
    case CALLBACKTYPE_syscall:
    case CALLBACKTYPE_syscall32:
    case CALLBACKTYPE_sysenter:
    case CALLBACKTYPE_nmi:
        return 0; /* accepted: guests here cannot use syscall, and get no NMIs */
    default:
        return -ENOSYS;
    }
}

long hc_set_callbacks(struct vcpu *v, const struct hc_args *a)
{
    v->event_callback = a->a[0];
    v->failsafe_callback = a->a[1];
    return 0;
}

long hc_callback_op(struct vcpu *v, const struct hc_args *a)
{
    if (a->a[0] == CALLBACKOP_register) {
        struct callback_register cb;
        if (copy_from_guest(v, &cb, a->a[1], sizeof cb))
            return -EFAULT;
        return set_callback(v, cb.type, cb.address);
    }
    if (a->a[0] == CALLBACKOP_unregister) {
        struct callback_unregister cb;
        if (copy_from_guest(v, &cb, a->a[1], sizeof cb))
            return -EFAULT;
        if (cb.type == CALLBACKTYPE_event || cb.type == CALLBACKTYPE_failsafe)
            return -EINVAL; /* as Xen: these cannot be unregistered */
        return set_callback(v, cb.type, 0);
    }
    return -ENOSYS;
}
