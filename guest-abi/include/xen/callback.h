/* callback.h: Xen 4.17 callback_op: registering PV event, failsafe, syscall and NMI entries. */
#ifndef PVISOR_XEN_CALLBACK_H
#define PVISOR_XEN_CALLBACK_H

#include "xen.h"

/* Callback kinds. */
#define CALLBACKTYPE_event 0               /* event upcall */
#define CALLBACKTYPE_failsafe 1            /* bad segment on return to the guest */
#define CALLBACKTYPE_syscall 2             /* x86_64 only */
#define CALLBACKTYPE_sysenter_deprecated 3 /* x86_32 only */
#define CALLBACKTYPE_nmi 4
#define CALLBACKTYPE_sysenter 5            /* 32-bit sysenter */
#define CALLBACKTYPE_syscall32 7           /* 32-bit syscall from a 64-bit guest's user */

/* Mask events (set evtchn_upcall_mask) when entering this callback. */
#define _CALLBACKF_mask_events 0
#define CALLBACKF_mask_events (1U << _CALLBACKF_mask_events)

#define CALLBACKOP_register 0   /* arg: callback_register */
#define CALLBACKOP_unregister 1 /* arg: callback_unregister */

#ifndef __ASSEMBLY__
struct callback_register {
    uint16_t type;  /* CALLBACKTYPE_* */
    uint16_t flags; /* CALLBACKF_* */
    xen_callback_t address;
};
typedef struct callback_register callback_register_t;
DEFINE_XEN_GUEST_HANDLE(callback_register_t);

struct callback_unregister {
    uint16_t type;
    uint16_t _unused;
};
typedef struct callback_unregister callback_unregister_t;
DEFINE_XEN_GUEST_HANDLE(callback_unregister_t);
#endif

#if __XEN_INTERFACE_VERSION__ < 0x00030207
#undef CALLBACKTYPE_sysenter
#define CALLBACKTYPE_sysenter CALLBACKTYPE_sysenter_deprecated
#endif

#endif /* PVISOR_XEN_CALLBACK_H */
