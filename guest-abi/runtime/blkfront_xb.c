/* blkfront_xb.c: blkfront's connection: xenstore handshake, shared ring and event channel,
 * backend state changes, reconnection and detach. */
#include <xen/io/protocols.h>
#include "blkfront_priv.h"

#define REPUBLISH_NS    (10 * NSEC_PER_SEC) /* backend still InitWait after we published */
#define RELEASE_WAIT_NS (2 * NSEC_PER_SEC)  /* detach: backend unmapping the ring */

int bf_fe_state(struct blkfront_dev *d, enum xenbus_state s)
{
    return xenbus_write_ulong(XBT_NIL, d->fe, "state", (unsigned long)s);
}

int bf_read_backend(struct blkfront_dev *d)
{
    return xenbus_read_backend(d->fe, d->be, sizeof(d->be), &d->info.backend_id);
}

int bf_watch(struct blkfront_dev *d, bool on)
{
    return xenbus_watch_state(d->be, d->token, on);
}

bool bf_watch_fired(struct blkfront_dev *d)
{
    return xenbus_watch_fired(d->token);
}

/* ---- the shared ring ----------------------------------------------------------------------- */

static uint8_t *alloc_contig(unsigned int n)
{
    for (int tries = 0; tries < 2; tries++) {
        uint8_t *first = pv_alloc_page(), *prev = first;
        unsigned int i = 1;
        for (; first && i < n; i++) {
            uint8_t *p = pv_alloc_page();
            if (!p)
                return NULL;
            if (p != prev + PV_PAGE_SIZE)
                break; /* another vCPU allocated meanwhile: start over */
            prev = p;
        }
        if (!first)
            return NULL;
        if (i == n)
            return first;
    }
    return NULL;
}

static void ring_event(evtchn_port_t port, void *arg)
{
    (void)port;
    ((struct blkfront_dev *)arg)->st.events++;
}

/* Keeps a revoked ring set for reuse if it is bigger than the one kept (else it is lost). */
static void keep_spare(struct blkfront_dev *d, uint8_t *va, unsigned int order)
{
    if (!d->spare_va || d->spare_order < order) {
        d->spare_va = va;
        d->spare_order = order;
    }
}

/* Revokes the ring (a set the backend still maps is leaked) and closes the port. */
static void ring_teardown(struct blkfront_dev *d)
{
    if (d->port_live)
        (void)evtchn_close(d->port);
    d->port_live = false;
    if (!d->ring_va)
        return;
    unsigned int n = 1u << d->ring_order;
    bool leak = false;
    for (unsigned int i = 0; i < n; i++)
        leak |= gnttab_end_access(d->ring_ref[i]) == -EBUSY;
    if (leak)
        d->st.leaked_pages += 1u << d->ring_alloc_order;
    else
        keep_spare(d, d->ring_va, d->ring_alloc_order);
    d->ring_va = NULL;
}

/* Takes a ring set of at least 2^order pages: the spare one, or new contiguous pages. */
static uint8_t *ring_pages(struct blkfront_dev *d, unsigned int order)
{
    uint8_t *va = d->spare_va;

    if (va && d->spare_order >= order) {
        d->ring_alloc_order = d->spare_order;
        d->spare_va = NULL;
        memset(va, 0, (size_t)PV_PAGE_SIZE << order);
        return va;
    }
    d->ring_alloc_order = order;
    return alloc_contig(1u << order);
}

/* Fresh (or revoked and reused) pages for a ring of 2^order pages, granted, and a port. */
static int ring_setup(struct blkfront_dev *d, unsigned int order)
{
    unsigned int n = 1u << order, granted = 0;
    uint8_t *va = ring_pages(d, order);
    int rc = va ? 0 : -ENOMEM;

    for (; rc == 0 && granted < n; granted++) {
        int ref = gnttab_grant_access(d->info.backend_id,
                                      pv_virt_to_mfn(va + granted * PV_PAGE_SIZE), false);
        if (ref < 0) {
            rc = ref;
            break;
        }
        d->ring_ref[granted] = (grant_ref_t)ref;
    }
    if (rc == 0)
        rc = evtchn_alloc_unbound(d->info.backend_id, ring_event, d);
    if (rc < 0) {
        while (granted)
            (void)gnttab_end_access(d->ring_ref[--granted]); /* never shown to anyone */
        if (va)
            keep_spare(d, va, d->ring_alloc_order);
        return rc;
    }
    d->ring_va = va;
    d->ring_order = order;
    d->port = (evtchn_port_t)rc;
    d->port_live = true;
    blkif_sring_t *s = (blkif_sring_t *)va;
    SHARED_RING_INIT(s);
    FRONT_RING_INIT(&d->ring, s, (size_t)n * PV_PAGE_SIZE);
    return 0;
}

static bool ring_in_use(const struct blkfront_dev *d)
{
    for (unsigned int i = 0; d->ring_va && i < (1u << d->ring_order); i++)
        if (gnttab_in_use(d->ring_ref[i]))
            return true;
    return false;
}

bool bf_ring_wait_released(const struct blkfront_dev *d, uint64_t ns)
{
    uint64_t deadline = pv_now_ns() + ns;

    while (ring_in_use(d)) {
        if (pv_now_ns() >= deadline)
            return false;
        pv_sleep_ns(10 * NSEC_PER_MSEC);
    }
    return true;
}

void bf_release(struct blkfront_dev *d)
{
    ring_teardown(d);
    bf_pool_release(d);
}

/* ---- the handshake ------------------------------------------------------------------------- */

/* Ring keys of an earlier handshake (a smaller ring must not leave stale refs behind). */
static void forget_keys(struct blkfront_dev *d, xenbus_transaction_t t)
{
    char key[24];

    if (d->published_order == 0)
        xenbus_rm_at(t, d->fe, "ring-ref");
    if (d->published_order <= 0)
        return;
    xenbus_rm_at(t, d->fe, "ring-page-order");
    for (unsigned int i = 0; i < (1u << d->published_order); i++) {
        snprintf(key, sizeof(key), "ring-ref%u", i);
        xenbus_rm_at(t, d->fe, key);
    }
}

/* Publishes ring, port and state Initialised in one transaction. */
static int write_keys(xenbus_transaction_t t, void *arg)
{
    struct blkfront_dev *d = arg;
    char key[24];
    int rc = 0;

    forget_keys(d, t);
    if (d->ring_order == 0) {
        rc = xenbus_write_ulong(t, d->fe, "ring-ref", d->ring_ref[0]);
    } else {
        rc = xenbus_write_ulong(t, d->fe, "ring-page-order", d->ring_order);
        for (unsigned int i = 0; rc == 0 && i < (1u << d->ring_order); i++) {
            snprintf(key, sizeof(key), "ring-ref%u", i);
            rc = xenbus_write_ulong(t, d->fe, key, d->ring_ref[i]);
        }
    }
    if (rc == 0)
        rc = xenbus_write_ulong(t, d->fe, "event-channel", d->port);
    if (rc == 0)
        rc = xenbus_write_at(t, d->fe, "protocol", XEN_IO_PROTO_ABI_NATIVE);
    if (rc == 0)
        rc = xenbus_write_at(t, d->fe, "feature-persistent", "1");
    if (rc == 0)
        rc = xenbus_write_ulong(t, d->fe, "state", XenbusStateInitialised);
    return rc;
}

/* Backend InitWait: ring, port, keys. */
static void publish(struct blkfront_dev *d)
{
    unsigned long order = xenbus_read_ulong_def(d->be, "max-ring-page-order", 0);
    int rc = ring_setup(d, (unsigned int)PV_MIN(order, (unsigned long)MAX_RING_ORDER));

    if (rc == 0)
        rc = xenbus_transact(write_keys, d);
    if (rc < 0) {
        printk("blkfront: %s: cannot publish the ring: %s\n", d->info.name, gnttab_strerror(rc));
        ring_teardown(d);
        d->error = rc;
        return;
    }
    d->published_order = (int)d->ring_order;
    d->phase = PH_WAIT_CONNECTED;
    d->published_ns = d->progress_ns = pv_now_ns();
}

static int read_info(struct blkfront_dev *d)
{
    struct blkfront_info *in = &d->info;
    unsigned long v;
    char mode[4] = "";
    int rc = xenbus_read_ulong(d->be, "sectors", &v);

    if (rc < 0)
        return rc;
    in->sectors = v;
    in->sector_size = (uint32_t)xenbus_read_ulong_def(d->be, "sector-size", BLKFRONT_SECTOR);
    if (in->sector_size < BLKFRONT_SECTOR || in->sector_size > PV_PAGE_SIZE ||
        (in->sector_size & (in->sector_size - 1)))
        return -EINVAL;
    in->physical_sector_size =
        (uint32_t)xenbus_read_ulong_def(d->be, "physical-sector-size", in->sector_size);
    in->vdisk_info = (uint32_t)xenbus_read_ulong_def(d->be, "info", 0);
    (void)xenbus_read_at(d->be, "mode", mode, sizeof(mode));
    in->read_only = (in->vdisk_info & VDISK_READONLY) || mode[0] == 'r';
    in->flush = xenbus_read_ulong_def(d->be, "feature-flush-cache", 0) == 1;
    in->discard = xenbus_read_ulong_def(d->be, "feature-discard", 0) == 1;
    in->discard_granularity = (uint32_t)xenbus_read_ulong_def(d->be, "discard-granularity", 0);
    in->discard_alignment = (uint32_t)xenbus_read_ulong_def(d->be, "discard-alignment", 0);
    in->persistent = xenbus_read_ulong_def(d->be, "feature-persistent", 0) == 1;
    v = xenbus_read_ulong_def(d->be, "feature-max-indirect-segments", 0);
    in->indirect_segments = v > DIRECT_SEGS ? (unsigned int)PV_MIN(v, (unsigned long)MAX_SEGS) : 0;
    in->max_segments = in->indirect_segments ? in->indirect_segments : DIRECT_SEGS;
    in->ring_pages = 1u << d->ring_order;
    in->ring_slots = RING_SIZE(&d->ring);
    return 0;
}

/* Backend Connected: details, then our own Connected; reissues follow in kick(). */
static void connect(struct blkfront_dev *d)
{
    int rc = read_info(d);

    if (rc == 0)
        rc = bf_fe_state(d, XenbusStateConnected);
    if (rc < 0) {
        printk("blkfront: %s: cannot connect: %s\n", d->info.name, gnttab_strerror(rc));
        d->error = rc;
        return;
    }
    d->phase = PH_CONNECTED;
    d->progress_ns = pv_now_ns();
    if (d->was_connected)
        printk("blkfront: %s: reconnected (ring %u page(s), %u requests to reissue)\n",
               d->info.name, d->info.ring_pages, d->nbusy);
    d->was_connected = true;
}

/* ---- state changes ------------------------------------------------------------------------- */

void bf_lose(struct blkfront_dev *d, bool drain)
{
    if (d->phase == PH_CONNECTED) {
        if (drain)
            (void)bf_consume(d); /* responses the old backend managed to write */
        d->st.reconnects++;
        printk("blkfront: %s: backend left Connected: reconnecting (%u requests in flight)\n",
               d->info.name, d->nbusy);
    }
    ring_teardown(d);
    for (unsigned int i = 0; i < NR_SHADOW; i++)
        if (d->sh[i].where == SH_RING)
            d->sh[i].where = SH_REISSUE;
    bf_pool_scrub(d);
    (void)bf_fe_state(d, XenbusStateInitialising);
    d->asked_reconnect = true; /* that is the request a Closed backend waits for */
    d->phase = PH_WAIT_INITWAIT;
    d->progress_ns = pv_now_ns();
}

void bf_disconnect(struct blkfront_dev *d, int rc)
{
    bf_fail_all(d, rc);
    bf_release(d);
    (void)bf_fe_state(d, XenbusStateClosed);
    (void)bf_watch(d, false);
    d->phase = PH_CLOSED;
}

/* The toolstack detaches the disk (backend Closing, online = 0). */
static void detach(struct blkfront_dev *d)
{
    printk("blkfront: %s: backend closing (online = 0): detaching\n", d->info.name);
    if (d->phase == PH_CONNECTED)
        (void)bf_consume(d);
    (void)bf_fe_state(d, XenbusStateClosing);
    (void)bf_ring_wait_released(d, RELEASE_WAIT_NS);
    if (d->phase == PH_CONNECTED)
        (void)bf_consume(d);
    bf_disconnect(d, -ENODEV);
}

void bf_handle_state(struct blkfront_dev *d)
{
    int st = xenbus_read_state(d->be);
    uint64_t now = pv_now_ns();

    d->state_dirty = false;
    d->state_read_ns = now;
    if (st < 0)
        return; /* xenstore trouble: look again later */
    if ((st == XenbusStateClosing || st == XenbusStateClosed) && xenbus_dev_offline(d->be)) {
        detach(d);
        return;
    }
    if (d->phase == PH_CONNECTED && st != XenbusStateConnected)
        bf_lose(d, true);
    if (d->phase == PH_WAIT_CONNECTED) {
        if (st == XenbusStateConnected) {
            connect(d);
            return;
        }
        if (st == XenbusStateInitWait && now - d->published_ns < REPUBLISH_NS)
            return;
        bf_lose(d, false);
    }
    if (st == XenbusStateInitWait) {
        publish(d);
    } else if (st == XenbusStateClosed && !d->asked_reconnect) {
        (void)bf_fe_state(d, XenbusStateInitialising); /* Xen's "prepare for reconnect" */
        d->asked_reconnect = true;
    }
    if (st != XenbusStateClosed)
        d->asked_reconnect = false;
}
