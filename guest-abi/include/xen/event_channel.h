/* event_channel.h: Xen 4.17 event channels: EVTCHNOP_* arguments, 2-level and FIFO ABIs. */
#ifndef PVISOR_XEN_EVENT_CHANNEL_H
#define PVISOR_XEN_EVENT_CHANNEL_H

#include "xen.h"

/* HYPERVISOR_event_channel_op(cmd, arg) commands; arg points at the struct named below. */
#define EVTCHNOP_bind_interdomain 0 /* evtchn_bind_interdomain */
#define EVTCHNOP_bind_virq 1        /* evtchn_bind_virq */
#define EVTCHNOP_bind_pirq 2        /* evtchn_bind_pirq */
#define EVTCHNOP_close 3            /* evtchn_close */
#define EVTCHNOP_send 4             /* evtchn_send */
#define EVTCHNOP_status 5           /* evtchn_status */
#define EVTCHNOP_alloc_unbound 6    /* evtchn_alloc_unbound */
#define EVTCHNOP_bind_ipi 7         /* evtchn_bind_ipi */
#define EVTCHNOP_bind_vcpu 8        /* evtchn_bind_vcpu */
#define EVTCHNOP_unmask 9           /* evtchn_unmask */
#define EVTCHNOP_reset 10           /* evtchn_reset */
#define EVTCHNOP_init_control 11    /* evtchn_init_control (FIFO ABI) */
#define EVTCHNOP_expand_array 12    /* evtchn_expand_array (FIFO ABI) */
#define EVTCHNOP_set_priority 13    /* evtchn_set_priority (FIFO ABI) */
#ifdef __XEN__
#define EVTCHNOP_reset_cont 14
#endif

#ifndef __ASSEMBLY__
typedef uint32_t evtchn_port_t;
DEFINE_XEN_GUEST_HANDLE(evtchn_port_t);

/* Allocate a port in dom that remote_dom may later bind to; OUT: port. */
struct evtchn_alloc_unbound {
    domid_t dom, remote_dom;
    evtchn_port_t port;
};
typedef struct evtchn_alloc_unbound evtchn_alloc_unbound_t;

/* Connect a new local port to remote_dom's unbound remote_port; OUT: local_port. */
struct evtchn_bind_interdomain {
    domid_t remote_dom;
    evtchn_port_t remote_port;
    evtchn_port_t local_port;
};
typedef struct evtchn_bind_interdomain evtchn_bind_interdomain_t;

/* Bind VIRQ_* virq on vcpu to a new port; OUT: port. */
struct evtchn_bind_virq {
    uint32_t virq;
    uint32_t vcpu;
    evtchn_port_t port;
};
typedef struct evtchn_bind_virq evtchn_bind_virq_t;

/* Bind a physical IRQ; OUT: port. */
struct evtchn_bind_pirq {
    uint32_t pirq;
#define BIND_PIRQ__WILL_SHARE 1
    uint32_t flags;
    evtchn_port_t port;
};
typedef struct evtchn_bind_pirq evtchn_bind_pirq_t;

/* Allocate an inter-vCPU notification port delivered to vcpu; OUT: port. */
struct evtchn_bind_ipi {
    uint32_t vcpu;
    evtchn_port_t port;
};
typedef struct evtchn_bind_ipi evtchn_bind_ipi_t;

/* Close a port (an interdomain peer's end becomes unbound). */
struct evtchn_close {
    evtchn_port_t port;
};
typedef struct evtchn_close evtchn_close_t;

/* Notify the other end of port. */
struct evtchn_send {
    evtchn_port_t port;
};
typedef struct evtchn_send evtchn_send_t;

/* Query a port of dom (DOMID_SELF or, privileged, any domain). */
struct evtchn_status {
    domid_t dom;
    evtchn_port_t port;
#define EVTCHNSTAT_closed 0      /* free */
#define EVTCHNSTAT_unbound 1     /* waiting for a remote bind */
#define EVTCHNSTAT_interdomain 2 /* connected to another domain */
#define EVTCHNSTAT_pirq 3        /* bound to a physical IRQ */
#define EVTCHNSTAT_virq 4        /* bound to a VIRQ */
#define EVTCHNSTAT_ipi 5         /* bound to an IPI */
    uint32_t status; /* OUT: EVTCHNSTAT_* */
    uint32_t vcpu;   /* OUT: notified vCPU */
    union {
        struct {
            domid_t dom;
        } unbound;
        struct {
            domid_t dom;
            evtchn_port_t port;
        } interdomain;
        uint32_t pirq;
        uint32_t virq;
    } u;
};
typedef struct evtchn_status evtchn_status_t;

/* Move delivery of port to vcpu. */
struct evtchn_bind_vcpu {
    evtchn_port_t port;
    uint32_t vcpu;
};
typedef struct evtchn_bind_vcpu evtchn_bind_vcpu_t;

/* Clear the mask bit of port and deliver it if it is pending. */
struct evtchn_unmask {
    evtchn_port_t port;
};
typedef struct evtchn_unmask evtchn_unmask_t;

/* Close every port of dom. */
struct evtchn_reset {
    domid_t dom;
};
typedef struct evtchn_reset evtchn_reset_t;

/* Switch to the FIFO ABI: register vcpu's control block at control_gfn + offset. */
struct evtchn_init_control {
    uint64_t control_gfn;
    uint32_t offset;
    uint32_t vcpu;
    uint8_t link_bits; /* OUT */
    uint8_t _pad[7];
};
typedef struct evtchn_init_control evtchn_init_control_t;

/* FIFO ABI: add one page of event words. */
struct evtchn_expand_array {
    uint64_t array_gfn;
};
typedef struct evtchn_expand_array evtchn_expand_array_t;

/* FIFO ABI: set a port's queue priority. */
struct evtchn_set_priority {
    evtchn_port_t port;
    uint32_t priority;
};
typedef struct evtchn_set_priority evtchn_set_priority_t;

/* Argument of the old event_channel_op_compat hypercall (16). */
struct evtchn_op {
    uint32_t cmd;
    union {
        evtchn_alloc_unbound_t alloc_unbound;
        evtchn_bind_interdomain_t bind_interdomain;
        evtchn_bind_virq_t bind_virq;
        evtchn_bind_pirq_t bind_pirq;
        evtchn_bind_ipi_t bind_ipi;
        evtchn_close_t close;
        evtchn_send_t send;
        evtchn_status_t status;
        evtchn_bind_vcpu_t bind_vcpu;
        evtchn_unmask_t unmask;
    } u;
};
typedef struct evtchn_op evtchn_op_t;
DEFINE_XEN_GUEST_HANDLE(evtchn_op_t);

/* Ports available with the 2-level ABI (4096 on x86_64, 1024 on x86_32). */
#define EVTCHN_2L_NR_CHANNELS (sizeof(xen_ulong_t) * sizeof(xen_ulong_t) * 64)

/* FIFO ABI: 0 is the most urgent priority. */
#define EVTCHN_FIFO_PRIORITY_MAX 0
#define EVTCHN_FIFO_PRIORITY_DEFAULT 7
#define EVTCHN_FIFO_PRIORITY_MIN 15
#define EVTCHN_FIFO_MAX_QUEUES (EVTCHN_FIFO_PRIORITY_MIN + 1)

/* FIFO event word: state bits at the top, link to the next queued port below. */
typedef uint32_t event_word_t;
#define EVTCHN_FIFO_PENDING 31
#define EVTCHN_FIFO_MASKED 30
#define EVTCHN_FIFO_LINKED 29
#define EVTCHN_FIFO_BUSY 28
#define EVTCHN_FIFO_LINK_BITS 17
#define EVTCHN_FIFO_LINK_MASK ((1 << EVTCHN_FIFO_LINK_BITS) - 1)
#define EVTCHN_FIFO_NR_CHANNELS (1 << EVTCHN_FIFO_LINK_BITS)

/* FIFO ABI per-vCPU control block. */
struct evtchn_fifo_control_block {
    uint32_t ready; /* bit q set: queue q is not empty */
    uint32_t _rsvd;
    uint32_t head[EVTCHN_FIFO_MAX_QUEUES];
};
typedef struct evtchn_fifo_control_block evtchn_fifo_control_block_t;
#endif /* !__ASSEMBLY__ */

#endif /* PVISOR_XEN_EVENT_CHANNEL_H */
