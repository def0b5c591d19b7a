/* test_evtchn.c: Check suite for the event-channel state machine (pvisord's evtchn.c) without KVM.
 */
#include <check.h>
#include <errno.h>
#include <string.h>

#include "check_run.h"
#include "hv_fakes.h"

static struct domain *a, *b;

static void setup(void)
{
    a = fake_domain(1, 16, 2, 16, 1);
    b = fake_domain(2, 16, 1, 16, 1);
    fake_kicks = 0;
}

static void teardown(void)
{
    fake_domain_free(a);
    fake_domain_free(b);
}

static bool pending(struct domain *d, unsigned port)
{
    return evtchn_port_pending(d, port);
}

static uint32_t status_of(struct domain *d, unsigned port)
{
    struct evtchn_status st = {0};
    ck_assert_int_eq(evtchn_status(d, port, &st), 0);
    return st.status;
}

/* a allocates for b, b binds: returns a's port, *bp gets b's. */
static unsigned connect(unsigned *bp)
{
    unsigned ap;
    ck_assert_int_eq(evtchn_alloc_unbound(a, 2, &ap), 0);
    ck_assert_int_eq(evtchn_bind_interdomain(b, a, ap, bp), 0);
    return ap;
}

START_TEST(interdomain_lifecycle)
{
    unsigned bp, ap = connect(&bp);
    ck_assert_uint_eq(status_of(a, ap), EVTCHNSTAT_interdomain);
    ck_assert(pending(b, bp)); /* the new local end starts pending, as in Xen */
    domain_shinfo(b)->evtchn_pending[0] = 0;
    ck_assert_int_eq(evtchn_send(a, ap), 0);
    ck_assert(pending(b, bp));
    ck_assert_uint_eq(domain_shinfo(b)->vcpu_info[0].evtchn_upcall_pending, 1);
    ck_assert_int_eq(evtchn_close(b, bp), 0);
    ck_assert_uint_eq(status_of(a, ap), EVTCHNSTAT_unbound); /* peer falls back */
    ck_assert_uint_eq(status_of(b, bp), EVTCHNSTAT_closed);
    ck_assert_int_eq(evtchn_send(a, ap), 0); /* dropped */
    ck_assert_int_eq(evtchn_close(b, bp), -EINVAL);
}
END_TEST

START_TEST(bind_needs_an_unbound_port_for_us)
{
    unsigned p, q;
    ck_assert_int_eq(evtchn_alloc_unbound(a, 5, &p), 0); /* meant for domain 5 */
    ck_assert_int_eq(evtchn_bind_interdomain(b, a, p, &q), -EINVAL);
    ck_assert_int_eq(evtchn_bind_interdomain(b, a, 999, &q), -EINVAL);
    ck_assert_int_eq(evtchn_bind_interdomain(b, a, 0, &q), -EINVAL); /* port 0 is reserved */
}
END_TEST

START_TEST(mask_defers_the_upcall)
{
    unsigned bp, ap = connect(&bp);
    struct shared_info *s = domain_shinfo(b);
    memset(s->evtchn_pending, 0, sizeof s->evtchn_pending);
    s->vcpu_info[0].evtchn_upcall_pending = 0;
    s->vcpu_info[0].evtchn_pending_sel = 0;
    s->evtchn_mask[0] = 1UL << bp;
    evtchn_send(a, ap);
    ck_assert(pending(b, bp));
    ck_assert_uint_eq(s->vcpu_info[0].evtchn_upcall_pending, 0);
    unsigned kicks = fake_kicks;
    ck_assert_int_eq(evtchn_unmask(b, bp), 0);
    ck_assert_uint_eq(s->vcpu_info[0].evtchn_upcall_pending, 1);
    ck_assert_uint_gt(fake_kicks, kicks);
}
END_TEST

START_TEST(ports_run_out_with_enospc)
{
    unsigned p, n = 0;
    int r;
    while ((r = evtchn_alloc_unbound(b, 1, &p)) == 0)
        n++;
    ck_assert_int_eq(r, -ENOSPC);
    ck_assert_uint_eq(n, 15); /* 16 ports, 0 reserved */
    ck_assert_int_eq(evtchn_close(b, 3), 0);
    ck_assert_int_eq(evtchn_alloc_unbound(b, 1, &p), 0);
    ck_assert_uint_eq(p, 3);
}
END_TEST

START_TEST(virq_and_ipi)
{
    unsigned p, q;
    ck_assert_int_eq(evtchn_bind_virq(a, VIRQ_TIMER, 1, &p), 0);
    ck_assert_int_eq(evtchn_bind_virq(a, VIRQ_TIMER, 1, &q), -EEXIST);
    ck_assert_int_eq(evtchn_bind_virq(a, VIRQ_DEBUG + 100, 0, &q), -EINVAL);
    ck_assert_int_eq(evtchn_bind_virq(a, VIRQ_CONSOLE, 1, &q), -EINVAL); /* global: vCPU 0 */
    ck_assert_int_eq(evtchn_bind_virq(a, VIRQ_TIMER, 5, &q), -ENOENT);
    ck_assert_uint_eq(status_of(a, p), EVTCHNSTAT_virq);
    ck_assert_int_eq(evtchn_bind_ipi(a, 0, &q), 0);
    ck_assert_int_eq(evtchn_send(a, q), 0);
    ck_assert(pending(a, q));
    ck_assert_int_eq(evtchn_bind_vcpu(a, p, 0), -EINVAL); /* per-vCPU virq stays */
    ck_assert_int_eq(evtchn_reset(a), 0);
    ck_assert_uint_eq(status_of(a, p), EVTCHNSTAT_closed);
    ck_assert_uint_eq(status_of(a, q), EVTCHNSTAT_closed);
}
END_TEST

/* A global VIRQ has one port per domain, also after bind_vcpu moved it off vCPU 0 (a second
 * bind used to succeed, and moving that one orphaned the first port). */
START_TEST(global_virq_binds_once)
{
    unsigned p, q;
    ck_assert_int_eq(evtchn_bind_virq(a, VIRQ_CONSOLE, 0, &p), 0);
    ck_assert_int_eq(evtchn_bind_vcpu(a, p, 1), 0);
    ck_assert_int_eq(evtchn_bind_virq(a, VIRQ_CONSOLE, 0, &q), -EEXIST);
    ck_assert_uint_eq(a->virq_port[1][VIRQ_CONSOLE], p);
    ck_assert_int_eq(evtchn_close(a, p), 0);
    ck_assert_uint_eq(a->virq_port[1][VIRQ_CONSOLE], 0);
    ck_assert_int_eq(evtchn_bind_virq(a, VIRQ_CONSOLE, 0, &q), 0);
}
END_TEST

START_TEST(dom0_end_is_owned_by_a_handle)
{
    struct dom0_evq *q = (struct dom0_evq *)(uintptr_t)0x1000; /* opaque to evtchn.c */
    unsigned gp, d0p;
    ck_assert_int_eq(evtchn_alloc_unbound(a, 0, &gp), 0);
    fake_dom0_deliveries = 0;
    ck_assert_int_eq(evtchn_dom0_bind(q, a, gp, &d0p), 0);
    ck_assert_uint_eq(fake_dom0_deliveries, 1); /* starts pending */
    ck_assert(evtchn_dom0_owned(q, d0p));
    ck_assert(!evtchn_dom0_owned((struct dom0_evq *)(uintptr_t)0x2000, d0p));
    ck_assert_int_eq(evtchn_send(a, gp), 0);
    ck_assert_int_eq(fake_dom0_port, (int)d0p);
    ck_assert_uint_eq(fake_dom0_deliveries, 2);
    struct domain *d0 = domain_get_any(0);
    domain_shinfo(a)->evtchn_pending[0] = 0;
    ck_assert_int_eq(evtchn_send(d0, d0p), 0);
    ck_assert(pending(a, gp));
    evtchn_dom0_release(q);
    ck_assert(!evtchn_dom0_owned(q, d0p));
    ck_assert_uint_eq(status_of(a, gp), EVTCHNSTAT_unbound);
    unsigned again;
    ck_assert_int_eq(evtchn_dom0_bind(q, a, gp, &again), 0); /* rebind after a restart */
    evtchn_dom0_release(q);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("evtchn");
    TCase *t = tcase_create("ports");
    tcase_add_checked_fixture(t, setup, teardown);
    tcase_add_test(t, interdomain_lifecycle);
    tcase_add_test(t, bind_needs_an_unbound_port_for_us);
    tcase_add_test(t, mask_defers_the_upcall);
    tcase_add_test(t, ports_run_out_with_enospc);
    tcase_add_test(t, virq_and_ipi);
    tcase_add_test(t, global_virq_binds_once);
    tcase_add_test(t, dom0_end_is_owned_by_a_handle);
    suite_add_tcase(s, t);
    return s;
}

int main(void)
{
    return check_run(suite(), true);
}
