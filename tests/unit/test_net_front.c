/* test_net_front.c: netfront's data path (guest-abi/runtime/netfront_io.c) on the host against
 * a simulated backend: tx slots and multi-slot frames, rx posting, reassembly and extra_info
 * slots, notification suppression, and hostile responses. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "check_run.h"
/* the guest runtime's headers declare the guest's main(const char *) */
#define main pvguest_main
#include "../../guest-abi/runtime/netfront_priv.h"
#undef main

/* ---- fakes of the runtime ----------------------------------------------------------------------
 */

static int next_ref = 100, notified, ended_busy;

int gnttab_grant_access(domid_t domid, unsigned long frame, bool readonly)
{
    (void)domid, (void)frame, (void)readonly;
    return next_ref++;
}

int gnttab_end_access(grant_ref_t ref)
{
    (void)ref;
    return ended_busy ? -EBUSY : 0;
}

int evtchn_send(evtchn_port_t port)
{
    (void)port;
    notified++;
    return 0;
}

int printk(const char *fmt, ...)
{
    (void)fmt;
    return 0;
}

/* ---- the simulated device and backend ----------------------------------------------------------
 */

static struct netfront_dev D;
static void *tx_page, *rx_page;
static netif_tx_back_ring_t btx;
static netif_rx_back_ring_t brx;

/* What the rx callback saw. */
static struct {
    int frames;
    size_t len;
    unsigned int flags;
    uint8_t data[NETFRONT_MAX_FRAME];
} got;

static void on_rx(void *arg, const uint8_t *frame, size_t len, unsigned int flags)
{
    (void)arg;
    got.frames++;
    got.len = len;
    got.flags = flags;
    memcpy(got.data, frame, len);
}

static void setup(void)
{
    memset(&D, 0, sizeof(D));
    memset(&got, 0, sizeof(got));
    notified = ended_busy = 0;
    D.index = 0;
    D.phase = NF_CONNECTED;
    D.info.max_frame = NETFRONT_MAX_FRAME;
    D.port_live = true;
    ck_assert(nf_pool_attach(&D));
    ck_assert_int_eq(nf_pool_grant(&D), 0);
    tx_page = aligned_alloc(4096, 4096);
    rx_page = aligned_alloc(4096, 4096);
    memset(tx_page, 0, 4096);
    memset(rx_page, 0, 4096);
    SHARED_RING_INIT((netif_tx_sring_t *)tx_page);
    SHARED_RING_INIT((netif_rx_sring_t *)rx_page);
    FRONT_RING_INIT(&D.tx, (netif_tx_sring_t *)tx_page, 4096);
    FRONT_RING_INIT(&D.rx, (netif_rx_sring_t *)rx_page, 4096);
    BACK_RING_INIT(&btx, (netif_tx_sring_t *)tx_page, 4096);
    BACK_RING_INIT(&brx, (netif_rx_sring_t *)rx_page, 4096);
    nf_rings_reset(&D);
}

static void teardown(void)
{
    nf_pool_revoke(&D);
    free(tx_page);
    free(rx_page);
}

/* The backend takes the next tx request. */
static netif_tx_request_t be_tx_take(void)
{
    netif_tx_request_t r;

    ck_assert(RING_HAS_UNCONSUMED_REQUESTS(&btx));
    RING_COPY_REQUEST(&btx, btx.req_cons, &r);
    btx.req_cons++;
    return r;
}

static void be_tx_answer(uint16_t id, int16_t status)
{
    netif_tx_response_t *rsp = RING_GET_RESPONSE(&btx, btx.rsp_prod_pvt);

    rsp->id = id;
    rsp->status = status;
    btx.rsp_prod_pvt++;
    RING_PUSH_RESPONSES(&btx);
}

/* The page behind tx grant ref. */
static const uint8_t *tx_data(grant_ref_t ref)
{
    for (unsigned int i = 0; i < NF_TX_SLOTS; i++)
        if (D.txb[i].ref == (int32_t)ref)
            return D.pages[i];
    ck_abort_msg("tx ref %u is not a buffer", ref);
    return NULL;
}

/* The backend takes the next rx request and fills its buffer: one response (flags, offset,
 * status); data (status bytes) goes into the page unless NULL.  Not pushed. */
static void be_rx_fill(uint16_t flags, uint16_t offset, int16_t status, const uint8_t *data)
{
    netif_rx_request_t req;

    ck_assert(RING_HAS_UNCONSUMED_REQUESTS(&brx));
    RING_COPY_REQUEST(&brx, brx.req_cons, &req);
    brx.req_cons++;
    ck_assert_uint_eq(req.gref, (uint32_t)D.rx_ref[req.id]);
    if (data && status > 0)
        memcpy(D.pages[NF_TX_SLOTS + req.id] + offset, data, (size_t)status);
    netif_rx_response_t *rsp = RING_GET_RESPONSE(&brx, brx.rsp_prod_pvt);
    *rsp = (netif_rx_response_t){.id = req.id, .offset = offset, .flags = flags, .status = status};
    brx.rsp_prod_pvt++;
}

/* An extra_info slot in the next response (its request is used up). */
static void be_rx_extra(uint8_t type, uint8_t eflags)
{
    netif_rx_request_t req;

    RING_COPY_REQUEST(&brx, brx.req_cons, &req);
    brx.req_cons++;
    netif_extra_info_t *ex = (netif_extra_info_t *)RING_GET_RESPONSE(&brx, brx.rsp_prod_pvt);
    memset(ex, 0, sizeof(*ex));
    ex->type = type;
    ex->flags = eflags;
    brx.rsp_prod_pvt++;
}

static void be_rx_push(void)
{
    RING_PUSH_RESPONSES(&brx);
}

/* netfront_send without netfront.c. */
static int send(const void *f, size_t len)
{
    int rc = netfront_queue(&D, f, len);

    if (rc == 0)
        nf_tx_push(&D);
    return rc;
}

static void pattern(uint8_t *p, size_t n, unsigned int seed)
{
    for (size_t i = 0; i < n; i++)
        p[i] = (uint8_t)(i * 13 + seed);
}

/* ---- tx -----------------------------------------------------------------------------------------
 */

START_TEST(tx_one_slot)
{
    uint8_t f[60];

    pattern(f, sizeof(f), 1);
    ck_assert_int_eq(netfront_queue(&D, f, sizeof(f)), 0);
    ck_assert_uint_eq(D.tx.sring->req_prod, 0); /* queued, not published */
    D.tx.sring->req_event = 1;                  /* the backend sleeps: wants a notify */
    nf_tx_push(&D);
    ck_assert_int_eq(notified, 1);
    netif_tx_request_t r = be_tx_take();
    ck_assert_uint_eq(r.size, 60);
    ck_assert_uint_eq(r.offset, 0);
    ck_assert_uint_eq(r.flags, 0);
    ck_assert_int_eq(memcmp(tx_data(r.gref), f, 60), 0);
    ck_assert(D.txb[r.id].busy);
    be_tx_answer(r.id, NETIF_RSP_OKAY);
    ck_assert(nf_tx_reap(&D));
    ck_assert(!D.txb[r.id].busy);
    ck_assert_uint_eq(D.tx_nfree, NF_TX_SLOTS);
    ck_assert_uint_eq(D.st.tx_packets, 1);
    ck_assert_uint_eq(D.st.tx_bytes, 60);
    ck_assert_uint_eq(D.st.tx_errors, 0);
    /* a second frame while the backend is busy (req_event behind): no notify */
    ck_assert_int_eq(send(f, sizeof(f)), 0);
    ck_assert_int_eq(notified, 1);
}
END_TEST

START_TEST(tx_multi_slot)
{
    static uint8_t f[9000];

    pattern(f, sizeof(f), 2);
    ck_assert_int_eq(netfront_queue(&D, f, sizeof(f)), 0);
    nf_tx_push(&D);
    netif_tx_request_t r[3];
    for (int i = 0; i < 3; i++)
        r[i] = be_tx_take();
    ck_assert(!RING_HAS_UNCONSUMED_REQUESTS(&btx));
    ck_assert_uint_eq(r[0].size, 9000); /* the first slot carries the frame's length */
    ck_assert_uint_eq(r[1].size, 4096);
    ck_assert_uint_eq(r[2].size, 9000 - 8192);
    ck_assert_uint_eq(r[0].flags, NETTXF_more_data);
    ck_assert_uint_eq(r[1].flags, NETTXF_more_data);
    ck_assert_uint_eq(r[2].flags, 0);
    ck_assert_int_eq(memcmp(tx_data(r[0].gref), f, 4096), 0);
    ck_assert_int_eq(memcmp(tx_data(r[1].gref), f + 4096, 4096), 0);
    ck_assert_int_eq(memcmp(tx_data(r[2].gref), f + 8192, 808), 0);
    ck_assert(D.txb[r[0].id].head && !D.txb[r[1].id].head);
    be_tx_answer(r[0].id, NETIF_RSP_ERROR);
    be_tx_answer(r[1].id, NETIF_RSP_ERROR);
    be_tx_answer(r[2].id, NETIF_RSP_ERROR);
    ck_assert(nf_tx_reap(&D));
    ck_assert_uint_eq(D.st.tx_errors, 1); /* once per frame */
    ck_assert_uint_eq(D.tx_nfree, NF_TX_SLOTS);
}
END_TEST

START_TEST(tx_sizes)
{
    static uint8_t f[NETFRONT_MAX_FRAME + 1];

    ck_assert_int_eq(netfront_queue(&D, f, 13), -EMSGSIZE);
    ck_assert_int_eq(netfront_queue(&D, f, NETFRONT_MAX_FRAME + 1), -EMSGSIZE);
    ck_assert_int_eq(netfront_queue(&D, f, NETFRONT_MAX_FRAME), 0);
    ck_assert_uint_eq(D.tx.req_prod_pvt, 16); /* 65535 bytes: 16 slots */
    D.info.max_frame = PV_PAGE_SIZE;          /* no feature-sg */
    ck_assert_int_eq(netfront_queue(&D, f, PV_PAGE_SIZE + 1), -EMSGSIZE);
    D.phase = NF_WAIT_CONNECTED;
    ck_assert_int_eq(netfront_queue(&D, f, 60), -EAGAIN);
    D.phase = NF_CLOSED;
    ck_assert_int_eq(netfront_queue(&D, f, 60), -ENODEV);
}
END_TEST

START_TEST(tx_full_then_room)
{
    uint8_t f[100] = {0};
    int n = 0;

    while (netfront_queue(&D, f, sizeof(f)) == 0)
        n++;
    ck_assert_int_eq(n, NF_TX_SLOTS);
    ck_assert(D.tx_blocked);
    ck_assert_uint_eq(D.st.tx_full, 1);
    nf_tx_push(&D);
    /* the sender waits: tx notifications armed */
    ck_assert(!nf_tx_arm(&D));
    ck_assert_uint_eq(D.tx.sring->rsp_event, D.tx.rsp_cons + 1);
    netif_tx_request_t r = be_tx_take();
    be_tx_answer(r.id, NETIF_RSP_OKAY);
    ck_assert(nf_tx_reap(&D));
    ck_assert(D.tx_freed);
    ck_assert_int_eq(netfront_queue(&D, f, sizeof(f)), 0);
    ck_assert(!D.tx_blocked);
    /* a 3-slot frame does not fit the one free slot... */
    static uint8_t big[9000];
    r = be_tx_take();
    be_tx_answer(r.id, NETIF_RSP_OKAY);
    ck_assert_int_eq(netfront_queue(&D, big, sizeof(big)), -EAGAIN);
    /* ...and not being blocked, reaping disarms tx notifications */
    D.tx_blocked = false;
    ck_assert(nf_tx_reap(&D));
    ck_assert_uint_ne(D.tx.sring->rsp_event, D.tx.rsp_cons + 1);
}
END_TEST

START_TEST(tx_hostile_responses)
{
    uint8_t f[60] = {0};

    ck_assert_int_eq(send(f, sizeof(f)), 0);
    netif_tx_request_t r = be_tx_take();
    be_tx_answer(999, NETIF_RSP_OKAY); /* unknown id */
    be_tx_answer(r.id, NETIF_RSP_OKAY);
    be_tx_answer(r.id, NETIF_RSP_OKAY); /* duplicate (and beyond the request) */
    ck_assert(!nf_tx_reap(&D));         /* three responses for one request: broken */
    D.tx.sring->rsp_prod = D.tx.rsp_cons + 1;
    ck_assert(nf_tx_reap(&D));
    ck_assert_uint_eq(D.st.bad_responses, 2);
}
END_TEST

START_TEST(tx_forget_counts_losses)
{
    static uint8_t f[5000];

    ck_assert_int_eq(netfront_queue(&D, f, sizeof(f)), 0);
    ck_assert_int_eq(netfront_queue(&D, f, 60), 0);
    nf_tx_forget(&D);
    ck_assert_uint_eq(D.st.tx_errors, 2);
    nf_rings_reset(&D); /* what a reconnection does after new rings */
    ck_assert_uint_eq(D.tx_nfree, NF_TX_SLOTS);
}
END_TEST

/* ---- rx -----------------------------------------------------------------------------------------
 */

START_TEST(rx_posted)
{
    ck_assert_uint_eq(D.rx.sring->req_prod, NF_RX_SLOTS);
    for (unsigned int i = 0; i < NF_RX_SLOTS; i++) {
        netif_rx_request_t *r = RING_GET_REQUEST(&D.rx, i);
        ck_assert_uint_eq(r->id, i);
        ck_assert_uint_eq(r->gref, (uint32_t)D.rx_ref[i]);
    }
}
END_TEST

START_TEST(rx_one_frame)
{
    uint8_t f[100];

    pattern(f, sizeof(f), 3);
    be_rx_fill(NETRXF_csum_blank, 10, sizeof(f), f);
    be_rx_push();
    D.rx.sring->req_event = NF_RX_SLOTS + 1; /* the backend wants to hear of new buffers */
    ck_assert_int_eq(nf_rx_take(&D, 0, on_rx, NULL), 1);
    ck_assert_int_eq(got.frames, 1);
    ck_assert_uint_eq(got.len, 100);
    ck_assert_uint_eq(got.flags, NETFRONT_RX_CSUM_BLANK);
    ck_assert_int_eq(memcmp(got.data, f, 100), 0);
    /* re-posted at once, same slot, notified; rsp_event re-armed */
    ck_assert_uint_eq(D.rx.sring->req_prod, NF_RX_SLOTS + 1);
    ck_assert_uint_eq(RING_GET_REQUEST(&D.rx, NF_RX_SLOTS)->id, 0);
    ck_assert_int_eq(notified, 1);
    ck_assert_uint_eq(D.rx.sring->rsp_event, D.rx.rsp_cons + 1);
    ck_assert_uint_eq(D.st.rx_packets, 1);
    ck_assert_uint_eq(D.st.rx_bytes, 100);
    /* without a callback: dropped and counted */
    be_rx_fill(0, 0, 60, f);
    be_rx_push();
    ck_assert_int_eq(nf_rx_take(&D, 0, NULL, NULL), 0);
    ck_assert_uint_eq(D.st.rx_drops, 1);
    ck_assert_int_eq(notified, 1); /* the backend did not ask again */
}
END_TEST

START_TEST(rx_multi_slot_and_extras)
{
    static uint8_t f[9000];

    pattern(f, sizeof(f), 4);
    be_rx_fill(NETRXF_more_data | NETRXF_extra_info, 0, 4096, f);
    be_rx_extra(XEN_NETIF_EXTRA_TYPE_GSO, XEN_NETIF_EXTRA_FLAG_MORE);
    be_rx_extra(XEN_NETIF_EXTRA_TYPE_HASH, 0);
    be_rx_fill(NETRXF_more_data, 0, 4096, f + 4096);
    be_rx_push();
    ck_assert_int_eq(nf_rx_take(&D, 0, on_rx, NULL), 0);      /* incomplete so far */
    ck_assert_uint_eq(D.rx.sring->req_prod, NF_RX_SLOTS + 4); /* every slot re-posted */
    be_rx_fill(0, 100, 808, f + 8192);
    be_rx_push();
    ck_assert_int_eq(nf_rx_take(&D, 0, on_rx, NULL), 1);
    ck_assert_uint_eq(got.len, 9000);
    ck_assert_int_eq(memcmp(got.data, f, 9000), 0);
    ck_assert_uint_eq(D.st.rx_errors, 0);
}
END_TEST

/* A bad frame is dropped and counted; the next good one arrives intact. */
static void bad_then_good(void (*make_bad)(void))
{
    uint8_t f[64];

    pattern(f, sizeof(f), 5);
    memset(&got, 0, sizeof(got));
    uint64_t errors = D.st.rx_errors;
    make_bad();
    be_rx_fill(0, 0, sizeof(f), f);
    be_rx_push();
    ck_assert_int_eq(nf_rx_take(&D, 0, on_rx, NULL), 1);
    ck_assert_uint_eq(D.st.rx_errors, errors + 1);
    ck_assert_int_eq(got.frames, 1);
    ck_assert_uint_eq(got.len, 64);
    ck_assert_int_eq(memcmp(got.data, f, 64), 0);
}

static void bad_status(void)
{
    be_rx_fill(0, 0, NETIF_RSP_ERROR, NULL);
}

static void bad_offset(void)
{
    be_rx_fill(0, 4000, 200, NULL);
}

static void too_short(void)
{
    be_rx_fill(0, 0, 13, NULL);
}

static void wrong_id(void)
{
    be_rx_fill(0, 0, 60, NULL);
    RING_GET_RESPONSE(&brx, brx.rsp_prod_pvt - 1)->id ^= 1;
}

static void too_many_slots(void)
{
    for (int i = 0; i < NF_MAX_RX_SLOT + 1; i++)
        be_rx_fill(NETRXF_more_data, 0, 100, NULL);
    be_rx_fill(0, 0, 100, NULL);
}

static void too_long(void)
{
    for (int i = 0; i < 16; i++)
        be_rx_fill(NETRXF_more_data, 0, 4096, NULL);
    be_rx_fill(0, 0, 200, NULL); /* 65736 bytes */
}

static void too_many_extras(void)
{
    be_rx_fill(NETRXF_extra_info, 0, 60, NULL);
    for (int i = 0; i < NF_MAX_EXTRAS; i++)
        be_rx_extra(XEN_NETIF_EXTRA_TYPE_GSO, XEN_NETIF_EXTRA_FLAG_MORE);
    be_rx_extra(XEN_NETIF_EXTRA_TYPE_GSO, 0);
}

static void extra_in_the_middle(void)
{
    be_rx_fill(NETRXF_more_data, 0, 60, NULL);
    be_rx_fill(NETRXF_extra_info, 0, 60, NULL);
    be_rx_extra(XEN_NETIF_EXTRA_TYPE_GSO, 0); /* still skipped as an extra slot */
}

START_TEST(rx_hostile_frames)
{
    void (*bad[])(void) = {bad_status,     bad_offset, too_short,       wrong_id,
                           too_many_slots, too_long,   too_many_extras, extra_in_the_middle};

    /* many rounds: the ring wraps and every slot is re-posted correctly */
    for (int round = 0; round < 100; round++)
        for (unsigned int i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
            bad_then_good(bad[i]);
    ck_assert_uint_eq(D.rx.req_prod_pvt - D.rx.rsp_cons, NF_RX_SLOTS);
}
END_TEST

START_TEST(rx_budget_and_broken_index)
{
    uint8_t f[60] = {0};

    for (int i = 0; i < 3; i++)
        be_rx_fill(0, 0, sizeof(f), f);
    be_rx_push();
    ck_assert_int_eq(nf_rx_take(&D, 1, on_rx, NULL), 1);
    ck_assert(RING_HAS_UNCONSUMED_RESPONSES(&D.rx));
    ck_assert_int_eq(nf_rx_take(&D, 0, on_rx, NULL), 2);
    D.rx.sring->rsp_prod = D.rx.rsp_cons + NF_RX_SLOTS + 1;
    ck_assert_int_eq(nf_rx_take(&D, 0, on_rx, NULL), -EIO);
}
END_TEST

START_TEST(no_rx_mode)
{
    teardown();
    setup();
    D.flags = NF_OPEN_NO_RX;
    D.rx.req_prod_pvt = D.rx.rsp_cons = 0;
    D.rx.sring->req_prod = 0;
    nf_rings_reset(&D);
    ck_assert_uint_eq(D.rx.sring->req_prod, 0);
    ck_assert_int_eq(nf_rx_take(&D, 0, on_rx, NULL), 0);
}
END_TEST

START_TEST(busy_pages_taint_the_pool)
{
    ended_busy = 1;
    nf_pool_revoke(&D);
    ended_busy = 0;
    struct netfront_dev other = {.index = 0};
    ck_assert(!nf_pool_attach(&other)); /* never reused while the backend may write them */
}
END_TEST

static Suite *net_front_suite(void)
{
    Suite *s = suite_create("net_front");
    TCase *t = tcase_create("data path");

    tcase_add_checked_fixture(t, setup, teardown);
    tcase_add_test(t, tx_one_slot);
    tcase_add_test(t, tx_multi_slot);
    tcase_add_test(t, tx_sizes);
    tcase_add_test(t, tx_full_then_room);
    tcase_add_test(t, tx_hostile_responses);
    tcase_add_test(t, tx_forget_counts_losses);
    tcase_add_test(t, rx_posted);
    tcase_add_test(t, rx_one_frame);
    tcase_add_test(t, rx_multi_slot_and_extras);
    tcase_add_test(t, rx_hostile_frames);
    tcase_add_test(t, rx_budget_and_broken_index);
    tcase_add_test(t, no_rx_mode);
    tcase_add_test(t, busy_pages_taint_the_pool); /* last: taints the pool of slot 0 */
    suite_add_tcase(s, t);
    return s;
}

int main(void)
{
    return check_run(net_front_suite(), true);
}
