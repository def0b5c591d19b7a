/*
 * nethostile.c: a hostile netif frontend for netback's security tests; it connects with
 * netfront and then misbehaves on purpose (netfront_priv.h gives it the rings).
 *
 * Command line: mode=noread|badtx|flood [vif=DEVID] [timeout=S]
 *   noread  connects without ever posting an rx buffer or taking a response, and sends
 *           nothing ("nethostile: up mode=noread", then idles).
 *   badtx   puts malformed tx requests on the ring, one attack at a time, and prints what
 *           the backend answered:  nethostile: badtx <attack>: <outcome>
 *           where outcome is the response statuses ("error", "dropped", "okay", "status N",
 *           several joined by ','), "no-response" (nothing within 2 s) or "disconnected"
 *           (the backend left Connected).  A valid frame is sent before and after the
 *           attacks that keep the ring ("valid: okay" expected); the last attack pushes
 *           req_prod more than a ring ahead.  Then "nethostile: done", and it idles.
 *   flood   sends broadcast frames of the MTU's size as fast as the ring takes them, never
 *           taking rx; prints "nethostile: flood N frames" every second.
 * Idling services control/shutdown only (xl shutdown works, xl destroy always does).
 */
#include <xen/io/netif.h>
#include "../runtime/netfront_priv.h"

#define ANSWER_NS  (2 * NSEC_PER_SEC)
#define ETH_P_TEST 0x88b5 /* IEEE local experimental */
#define OUT_MAX    160

static struct netfront_dev *dev;

static PV_NORETURN void idle(void)
{
    for (;;)
        xenbus_sleep_ns(NSEC_PER_SEC);
}

/* A broadcast test frame of len bytes at p. */
static void test_frame(uint8_t *p, size_t len)
{
    memset(p, 0, len);
    memset(p, 0xff, 6);
    memcpy(p + 6, dev->info.mac, 6);
    p[12] = ETH_P_TEST >> 8;
    p[13] = ETH_P_TEST & 0xff;
    for (size_t i = NETFRONT_ETH_HLEN; i < len; i++)
        p[i] = (uint8_t)i;
}

/* ---- badtx
 * ---------------------------------------------------------------------------------------- */

/* Writes one raw tx request at the private producer index. */
static void put(grant_ref_t gref, uint16_t offset, uint16_t flags, uint16_t size)
{
    netif_tx_request_t *r = RING_GET_REQUEST(&dev->tx, dev->tx.req_prod_pvt);
    uint16_t id = (uint16_t)(dev->tx.req_prod_pvt & (NF_TX_SLOTS - 1));

    *r = (netif_tx_request_t){
        .gref = gref, .offset = offset, .flags = flags, .id = id, .size = size};
    dev->tx.req_prod_pvt++;
}

static grant_ref_t good_ref(unsigned int page)
{
    return (grant_ref_t)dev->txb[page].ref;
}

static const char *status_name(int16_t st, char *buf)
{
    switch (st) {
    case NETIF_RSP_OKAY:
        return "okay";
    case NETIF_RSP_ERROR:
        return "error";
    case NETIF_RSP_DROPPED:
        return "dropped";
    case NETIF_RSP_NULL:
        return "null";
    default:
        snprintf(buf, 16, "status %d", st);
        return buf;
    }
}

static bool backend_connected(void)
{
    char path[200], val[8] = "";

    snprintf(path, sizeof(path), "%s/state", dev->be);
    return xenbus_read(XBT_NIL, path, val, sizeof(val)) > 0 &&
           strtoul(val, NULL, 10) == XenbusStateConnected;
}

/* Publishes what was put (push: else the caller set req_prod itself and the whole answer
 * time is watched), waits for one response per request, prints the outcome. */
static void run(const char *name, bool push)
{
    unsigned int want = push ? dev->tx.req_prod_pvt - dev->tx.rsp_cons : ~0u, got = 0, n = 0;
    uint64_t deadline = pv_now_ns() + ANSWER_NS, next_state = 0;
    char out[OUT_MAX] = "", st[16];

    if (push)
        RING_PUSH_REQUESTS(&dev->tx);
    nf_notify(dev);
    while (got < want && pv_now_ns() < deadline) {
        RING_IDX rp = READ_ONCE(dev->tx.sring->rsp_prod);
        xen_rmb();
        for (; dev->tx.rsp_cons != rp && got < want; got++, dev->tx.rsp_cons++) {
            netif_tx_response_t r;
            RING_COPY_RESPONSE(&dev->tx, dev->tx.rsp_cons, &r);
            if (n < OUT_MAX - 20)
                n += (unsigned int)snprintf(out + n, OUT_MAX - n, "%s%s", n ? "," : "",
                                            status_name(r.status, st));
        }
        if (pv_now_ns() >= next_state) {
            if (!backend_connected()) {
                printk("nethostile: badtx %s: disconnected\n", name);
                return;
            }
            next_state = pv_now_ns() + 250 * NSEC_PER_MSEC;
        }
        pv_sleep_ns(10 * NSEC_PER_MSEC);
    }
    printk("nethostile: badtx %s: %s\n", name, got ? out : "no-response");
    dev->tx.rsp_cons = dev->tx.req_prod_pvt; /* what did not come never will */
}

static void valid(void)
{
    test_frame(dev->pages[0], 60);
    put(good_ref(0), 0, 0, 60);
    run("valid", true);
}

/* A grant reference that names no grant of ours (taken and given back). */
static grant_ref_t ungranted_ref(void)
{
    int ref = gnttab_grant_access(dev->info.backend_id, pv_virt_to_mfn(dev->pages[1]), true);

    if (ref < 0)
        return 0x7ffffff0u;
    (void)gnttab_end_access((grant_ref_t)ref);
    return (grant_ref_t)ref;
}

static void chain(unsigned int slots, uint16_t first, uint16_t each)
{
    for (unsigned int i = 0; i < slots; i++)
        put(good_ref(i % 8), 0, i + 1 < slots ? NETTXF_more_data : 0, i ? each : first);
}

static void attacks(void)
{
    test_frame(dev->pages[0], PV_PAGE_SIZE);
    put(0x7ffffff0u, 0, 0, 60);
    run("bad-gref", true);
    put(ungranted_ref(), 0, 0, 60);
    run("ungranted-gref", true);
    put(good_ref(0), 0, 0, 0);
    run("size-0", true);
    put(good_ref(0), 0, 0, 0xffff);
    run("size-65535", true);
    put(good_ref(0), 4000, 0, 200);
    run("offset-beyond-page", true);
    chain(XEN_NETIF_NR_SLOTS_MIN + 2, (XEN_NETIF_NR_SLOTS_MIN + 2) * 64, 64);
    run("chain-too-long", true);
    chain(2, 100, 500);
    run("first-smaller", true);
    chain(17, 0xffff, PV_PAGE_SIZE);
    run("chain-over-65535", true);
    put(good_ref(0), 0, NETTXF_extra_info, 60);
    netif_extra_info_t *ex = (netif_extra_info_t *)RING_GET_REQUEST(&dev->tx, dev->tx.req_prod_pvt);
    *ex = (netif_extra_info_t){.type = 0xff, .flags = 0};
    dev->tx.req_prod_pvt++;
    run("bad-extra", true);
}

static void badtx(void)
{
    valid();
    attacks();
    valid();
    /* the last: an index more than a ring ahead of the responses */
    dev->tx.sring->req_prod = dev->tx.req_prod_pvt + NF_TX_SLOTS + 5;
    run("prod-jump", false);
}

/* ---- flood
 * ---------------------------------------------------------------------------------------- */

static PV_NORETURN void flood(void)
{
    static uint8_t frame[NETFRONT_MAX_FRAME];
    size_t len = dev->info.mtu + NETFRONT_ETH_HLEN;
    uint64_t sent = 0, next = pv_now_ns() + NSEC_PER_SEC;

    test_frame(frame, len);
    for (;;) {
        if (netfront_queue(dev, frame, len) == 0) {
            sent++;
            if (sent % 32)
                continue;
        }
        (void)netfront_flush(dev);
        if (pv_now_ns() >= next) {
            printk("nethostile: flood %llu frames\n", (unsigned long long)sent);
            next += NSEC_PER_SEC;
            if (xenbus_shutdown_pending())
                (void)xenbus_shutdown_poll();
        }
        if (netfront_wait(dev, 100 * NSEC_PER_MSEC) < 0) {
            printk("nethostile: the vif was detached\n");
            idle();
        }
    }
}

int main(const char *cmdline)
{
    char mode[16] = "";
    int vif = (int)pv_cmdline_ulong(cmdline, "vif", (unsigned long)-1);
    uint64_t timeout = pv_cmdline_ulong(cmdline, "timeout", 30) * NSEC_PER_SEC;
    bool noread, is_flood;

    (void)pv_cmdline_get(cmdline, "mode", mode, sizeof(mode));
    noread = strcmp(mode, "noread") == 0;
    is_flood = strcmp(mode, "flood") == 0;
    if (!noread && !is_flood && strcmp(mode, "badtx") != 0) {
        printk("nethostile: error: mode=noread|badtx|flood\n");
        return 0;
    }
    (void)xenbus_shutdown_watch();
    int rc = nf_open(vif, timeout, noread || is_flood ? NF_OPEN_NO_RX : 0, &dev);
    if (rc < 0) {
        printk("nethostile: error: cannot open the vif: %s\n", pv_errno_name(-rc));
        return 0;
    }
    printk("nethostile: up mode=%s\n", mode);
    if (is_flood)
        flood();
    if (!noread) {
        badtx();
        printk("nethostile: done\n");
    }
    idle();
}
