/* evtchn.c: selftest of event channels: loopback interdomain, IPIs, VIRQs, errors. */
#include "st.h"

#define WAIT_NS (2 * NSEC_PER_SEC)

domid_t st_domid = DOMID_SELF;

/* Deliveries per port, and where the last one ran. */
static volatile unsigned int hits[EVTCHN_2L_NR_CHANNELS];
static volatile unsigned int last_cpu;

static void count_handler(evtchn_port_t port, void *arg)
{
    hits[port]++;
    last_cpu = smp_processor_id();
}

static long status_of(evtchn_port_t port, struct evtchn_status *st)
{
    memset(st, 0xff, sizeof(*st));
    st->dom = DOMID_SELF;
    st->port = port;
    return HYPERVISOR_event_channel_op(EVTCHNOP_status, st);
}

static long send_raw(evtchn_port_t port)
{
    struct evtchn_send op = {.port = port};
    return HYPERVISOR_event_channel_op(EVTCHNOP_send, &op);
}

static long close_raw(evtchn_port_t port)
{
    struct evtchn_close op = {.port = port};
    return HYPERVISOR_event_channel_op(EVTCHNOP_close, &op);
}

struct counter_wait {
    volatile unsigned int *ctr;
    unsigned int before;
};

static bool counter_moved(void *arg)
{
    struct counter_wait *w = arg;
    return *w->ctr != w->before;
}

/* Blocks until *ctr differs from before (at most WAIT_NS). */
static void wait_counter(volatile unsigned int *ctr, unsigned int before)
{
    struct counter_wait w = {ctr, before};
    (void)pv_wait_until(counter_moved, &w, pv_now_ns() + WAIT_NS);
}

/* Sends on `from` and checks that the handler of `to` runs exactly once. */
static void check_delivery(evtchn_port_t from, evtchn_port_t to, const char *what)
{
    unsigned int before = hits[to];
    st_eq(send_raw(from), 0, "send on port %u (%s)", from, what);
    wait_counter(&hits[to], before);
    st_eq(hits[to] - before, 1, "port %u handler ran once (%s)", to, what);
}

/* Unbound + interdomain loopback pair within this domain. */
static void st_loopback(void)
{
    struct evtchn_status st;
    int a = evtchn_alloc_unbound(DOMID_SELF, count_handler, NULL);
    if (!st_ok(a > 0, a, "a port > 0", "alloc_unbound for DOMID_SELF"))
        return;
    st_eq(status_of(a, &st), 0, "status of the unbound port");
    st_eq(st.status, EVTCHNSTAT_unbound, "status says unbound");
    st_eq(st.vcpu, 0, "unbound port notifies vcpu 0");
    st_ok(st.u.unbound.dom < DOMID_FIRST_RESERVED, st.u.unbound.dom, "our real domain id",
          "unbound.dom names us");
    st_domid = st.u.unbound.dom;
    st_eq(send_raw(a), 0, "send on an unbound port is dropped silently");

    int b = evtchn_bind_interdomain(DOMID_SELF, a, count_handler, NULL);
    if (!st_ok(b > 0 && b != a, b, "a new port", "bind_interdomain to our own unbound port"))
        return;
    st_eq(status_of(b, &st), 0, "status of the interdomain port");
    st_eq(st.status, EVTCHNSTAT_interdomain, "status says interdomain");
    st_eq(st.u.interdomain.dom, st_domid, "interdomain.dom is us");
    st_eq(st.u.interdomain.port, a, "interdomain.port is the peer");
    st_eq(status_of(a, &st), 0, "status of the formerly unbound end");
    st_eq(st.status, EVTCHNSTAT_interdomain, "peer end is interdomain too");
    st_eq(st.u.interdomain.port, b, "peer end points back");

    check_delivery(b, a, "loopback b -> a");
    check_delivery(a, b, "loopback a -> b");

    /* Masked: stays pending, no upcall; EVTCHNOP_unmask delivers it. */
    unsigned int before = hits[a];
    evtchn_mask(a);
    st_eq(send_raw(b), 0, "send to a masked port");
    pv_sleep_ns(5 * NSEC_PER_MSEC);
    st_eq(hits[a] - before, 0, "masked port was not delivered");
    st_ok(evtchn_is_pending(a), 0, "pending bit set", "masked port is pending");
    struct evtchn_unmask um = {.port = a};
    st_eq(HYPERVISOR_event_channel_op(EVTCHNOP_unmask, &um), 0, "EVTCHNOP_unmask");
    wait_counter(&hits[a], before);
    st_eq(hits[a] - before, 1, "unmask delivered the pending event");

    st_eq(evtchn_bind_vcpu(b, 0), 0, "bind_vcpu of an interdomain port to vcpu 0");
    st_eq(evtchn_bind_vcpu(b, 4096), -ENOENT, "bind_vcpu to a vcpu we do not have");

    st_eq(evtchn_close(b), 0, "close the interdomain port");
    st_eq(status_of(b, &st), 0, "status of the closed port");
    st_eq(st.status, EVTCHNSTAT_closed, "closed port says closed");
    st_eq(status_of(a, &st), 0, "status of the peer after close");
    st_eq(st.status, EVTCHNSTAT_unbound, "peer fell back to unbound");
    st_eq(close_raw(b), -EINVAL, "close of a closed port");
    st_eq(send_raw(b), -EINVAL, "send on a closed port");
    st_eq(evtchn_close(a), 0, "close the unbound port");
}

static void st_ipi(void)
{
    struct evtchn_status st;
    int p = evtchn_bind_ipi(0, count_handler, NULL);
    if (!st_ok(p > 0, p, "a port > 0", "bind_ipi on vcpu 0"))
        return;
    st_eq(status_of(p, &st), 0, "status of the IPI port");
    st_eq(st.status, EVTCHNSTAT_ipi, "status says ipi");
    st_eq(st.vcpu, 0, "IPI port notifies vcpu 0");
    last_cpu = 99;
    check_delivery(p, p, "IPI to ourselves");
    st_eq(last_cpu, 0, "IPI handler ran on vcpu 0");
    st_eq(evtchn_bind_vcpu(p, 0), -EINVAL, "bind_vcpu of an IPI port");
    st_eq(evtchn_close(p), 0, "close the IPI port");
    st_eq(evtchn_bind_ipi(4096, count_handler, NULL), -ENOENT, "bind_ipi to a vcpu we do not have");
}

static void st_virq(void)
{
    struct evtchn_status st;
    evtchn_port_t tp = pv_timer_port();
    st_eq(status_of(tp, &st), 0, "status of the VIRQ_TIMER port");
    st_eq(st.status, EVTCHNSTAT_virq, "status says virq");
    st_eq(st.u.virq, VIRQ_TIMER, "status names VIRQ_TIMER");
    st_eq(st.vcpu, 0, "VIRQ_TIMER port notifies vcpu 0");
    st_eq(evtchn_bind_virq(VIRQ_TIMER, 0, NULL, NULL), -EEXIST, "bind_virq VIRQ_TIMER twice");
    st_eq(evtchn_bind_virq(NR_VIRQS + 8, 0, NULL, NULL), -EINVAL, "bind_virq of virq %d",
          NR_VIRQS + 8);
    st_eq(evtchn_bind_virq(VIRQ_TIMER, 4096, NULL, NULL), -ENOENT,
          "bind_virq on a vcpu we do not have");
    st_eq(evtchn_bind_vcpu(tp, 0), -EINVAL, "bind_vcpu of a per-vcpu VIRQ port");
}

static void st_errors(void)
{
    struct evtchn_status st;
    st_eq(send_raw(4000), -EINVAL, "send on a free port");
    st_eq(send_raw(100000), -EINVAL, "send on a port beyond the ABI's range");
    st_eq(status_of(100000, &st), -EINVAL, "status of a port beyond the range");
    st_eq(status_of(0, &st), 0, "status of reserved port 0");
    st_eq(st.status, EVTCHNSTAT_closed, "port 0 reads as closed");
    st_eq(close_raw(0), -EINVAL, "close of reserved port 0");
    st_eq(HYPERVISOR_event_channel_op(99, &st), -ENOSYS, "event_channel_op unknown command 99");
}

void st_evtchn(void)
{
    st_loopback();
    st_ipi();
    st_virq();
    st_errors();
}
