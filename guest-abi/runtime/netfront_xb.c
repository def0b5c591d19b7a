/* netfront_xb.c: netfront's connection: xenstore handshake, tx/rx rings and event channel,
 * backend state changes, reconnection and detach. */
#include <pvguest/netproto.h>
#include "netfront_priv.h"

#define REPUBLISH_NS    (10 * NSEC_PER_SEC)   /* backend still InitWait after we published */
#define RELEASE_WAIT_NS (2 * NSEC_PER_SEC)    /* detach: backend unmapping the rings */
#define RESTATE_NS      (200 * NSEC_PER_MSEC) /* Initialising shown before republishing */
#define MIN_MTU         68

int nf_fe_state(struct netfront_dev *d, enum xenbus_state s)
{
    return xenbus_write_ulong(XBT_NIL, d->fe, "state", (unsigned long)s);
}

void netfront_format_mac(const uint8_t mac[6], char *buf)
{
    snprintf(buf, 18, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2], mac[3], mac[4],
             mac[5]);
}

int nf_read_frontend(struct netfront_dev *d)
{
    char mac[24];
    int rc = xenbus_read_backend(d->fe, d->be, sizeof(d->be), &d->info.backend_id);

    if (rc < 0)
        return rc;
    rc = xenbus_read_at(d->fe, "mac", mac, sizeof(mac));
    if (rc < 0)
        return rc;
    if (!np_parse_mac(mac, d->info.mac) || (d->info.mac[0] & 1)) {
        printk("netfront: vif %u: bad mac \"%s\"\n", d->info.devid, mac);
        return -EINVAL;
    }
    return 0;
}

int nf_watch(struct netfront_dev *d, bool on)
{
    return xenbus_watch_state(d->be, d->token, on);
}

bool nf_watch_fired(struct netfront_dev *d)
{
    return xenbus_watch_fired(d->token);
}

/* ---- rings and port ------------------------------------------------------------------------ */

static void ring_event(evtchn_port_t port, void *arg)
{
    (void)port;
    ((struct netfront_dev *)arg)->st.events++;
}

/* Revokes a ring page's grant; a page the backend still maps is forgotten (leaked). */
static void ring_page_drop(void **page, grant_ref_t ref)
{
    if (*page && gnttab_end_access(ref) == -EBUSY)
        *page = NULL;
}

/* Revokes both rings and closes the port. */
static void rings_teardown(struct netfront_dev *d)
{
    if (d->port_live)
        (void)evtchn_close(d->port);
    d->port_live = false;
    if (!d->rings_live)
        return;
    ring_page_drop(&d->tx_page, d->tx_ring_ref);
    ring_page_drop(&d->rx_page, d->rx_ring_ref);
    d->rings_live = false;
}

/* A zeroed ring page granted to the backend: the kept one, or a new one. */
static int ring_page(struct netfront_dev *d, void **page, grant_ref_t *ref)
{
    if (!*page)
        *page = pv_alloc_page();
    if (!*page)
        return -ENOMEM;
    memset(*page, 0, PV_PAGE_SIZE);
    int rc = gnttab_grant_access(d->info.backend_id, pv_virt_to_mfn(*page), false);
    if (rc < 0)
        return rc;
    *ref = (grant_ref_t)rc;
    return 0;
}

/* Both rings granted and initialised (rx buffers posted), and a port. */
static int rings_setup(struct netfront_dev *d)
{
    int rc = ring_page(d, &d->tx_page, &d->tx_ring_ref);

    if (rc < 0)
        return rc;
    rc = ring_page(d, &d->rx_page, &d->rx_ring_ref);
    if (rc < 0) {
        (void)gnttab_end_access(d->tx_ring_ref); /* never shown to anyone */
        return rc;
    }
    d->rings_live = true;
    rc = evtchn_alloc_unbound(d->info.backend_id, ring_event, d);
    if (rc < 0) {
        rings_teardown(d);
        return rc;
    }
    d->port = (evtchn_port_t)rc;
    d->port_live = true;
    netif_tx_sring_t *ts = d->tx_page;
    netif_rx_sring_t *rs = d->rx_page;
    SHARED_RING_INIT(ts);
    SHARED_RING_INIT(rs);
    FRONT_RING_INIT(&d->tx, ts, PV_PAGE_SIZE);
    FRONT_RING_INIT(&d->rx, rs, PV_PAGE_SIZE);
    nf_rings_reset(d);
    return 0;
}

static bool rings_in_use(const struct netfront_dev *d)
{
    return d->rings_live && (gnttab_in_use(d->tx_ring_ref) || gnttab_in_use(d->rx_ring_ref));
}

bool nf_rings_wait_released(const struct netfront_dev *d, uint64_t ns)
{
    uint64_t deadline = pv_now_ns() + ns;

    while (rings_in_use(d)) {
        if (pv_now_ns() >= deadline)
            return false;
        pv_sleep_ns(10 * NSEC_PER_MSEC);
    }
    return true;
}

/* ---- the handshake ------------------------------------------------------------------------- */

/* Publishes rings, port, features and state Connected in one transaction. */
static int write_keys(xenbus_transaction_t t, void *arg)
{
    struct netfront_dev *d = arg;
    static const char *const ones[] = {"request-rx-copy", "feature-rx-notify", "feature-sg",
                                       "feature-no-csum-offload", "feature-persistent"};
    int rc = xenbus_write_ulong(t, d->fe, "tx-ring-ref", d->tx_ring_ref);

    if (rc == 0)
        rc = xenbus_write_ulong(t, d->fe, "rx-ring-ref", d->rx_ring_ref);
    if (rc == 0)
        rc = xenbus_write_ulong(t, d->fe, "event-channel", d->port);
    for (unsigned int i = 0; rc == 0 && i < ARRAY_SIZE(ones); i++)
        rc = xenbus_write_at(t, d->fe, ones[i], "1");
    if (rc == 0)
        rc = xenbus_write_ulong(t, d->fe, "state", XenbusStateConnected);
    return rc;
}

/* The backend's mtu and features (written before its InitWait). */
static int read_backend(struct netfront_dev *d)
{
    struct netfront_info *in = &d->info;
    unsigned long mtu = xenbus_read_ulong_def(d->be, "mtu", NETFRONT_DEFAULT_MTU);

    if (xenbus_read_ulong_def(d->be, "feature-rx-copy", 0) != 1) {
        printk("netfront: vif %u: the backend does not offer feature-rx-copy\n", in->devid);
        return -EOPNOTSUPP;
    }
    in->sg = xenbus_read_ulong_def(d->be, "feature-sg", 0) == 1;
    in->persistent = xenbus_read_ulong_def(d->be, "feature-persistent", 0) == 1;
    in->max_frame = in->sg ? NETFRONT_MAX_FRAME : PV_PAGE_SIZE;
    if (mtu < MIN_MTU || mtu > NETFRONT_MAX_FRAME)
        mtu = NETFRONT_DEFAULT_MTU;
    in->mtu = (unsigned int)PV_MIN(mtu, (unsigned long)in->max_frame - NETFRONT_ETH_HLEN);
    in->tx_slots = NF_TX_SLOTS;
    in->rx_slots = NF_RX_SLOTS;
    return 0;
}

/* Backend InitWait: features, buffers, rings, port, keys. */
static void publish(struct netfront_dev *d)
{
    int rc = read_backend(d);

    if (rc == 0)
        rc = nf_pool_grant(d);
    if (rc == 0)
        rc = rings_setup(d);
    if (rc == 0)
        rc = xenbus_transact(write_keys, d);
    if (rc < 0) {
        printk("netfront: vif %u: cannot publish the rings: %s\n", d->info.devid,
               gnttab_strerror(rc));
        rings_teardown(d);
        d->error = rc;
        return;
    }
    d->phase = NF_WAIT_CONNECTED;
    d->published_ns = pv_now_ns();
}

/* Backend Connected: our side has been Connected since publish(). */
static void connect(struct netfront_dev *d)
{
    d->phase = NF_CONNECTED;
    nf_notify(d); /* as Linux's netfront: the backend looks at the rx buffers */
    if (d->was_connected)
        printk("netfront: vif %u: reconnected\n", d->info.devid);
    d->was_connected = true;
}

/* ---- state changes ------------------------------------------------------------------------- */

void nf_lose(struct netfront_dev *d)
{
    bool published = d->phase == NF_CONNECTED || d->phase == NF_WAIT_CONNECTED;

    if (d->phase == NF_CONNECTED) {
        d->st.reconnects++;
        printk("netfront: vif %u: backend left Connected: reconnecting\n", d->info.devid);
    }
    nf_tx_forget(d);
    rings_teardown(d);
    (void)nf_fe_state(d, XenbusStateInitialising);
    /* A restarted backend tells our new handshake from the one its predecessor saw only by
     * reading Initialising in between: leave it there a moment before the next Connected. */
    if (published)
        pv_sleep_ns(RESTATE_NS);
    d->asked_reconnect = true; /* that is the request a Closed backend waits for */
    d->phase = NF_WAIT_INITWAIT;
}

void nf_release(struct netfront_dev *d)
{
    nf_tx_forget(d);
    rings_teardown(d);
    nf_pool_revoke(d);
}

void nf_disconnect(struct netfront_dev *d)
{
    nf_release(d);
    (void)nf_fe_state(d, XenbusStateClosed);
    (void)nf_watch(d, false);
    d->phase = NF_CLOSED;
}

/* The toolstack detaches the vif (backend Closing, online = 0). */
static void detach(struct netfront_dev *d)
{
    printk("netfront: vif %u: backend closing (online = 0): detaching\n", d->info.devid);
    (void)nf_fe_state(d, XenbusStateClosing);
    (void)nf_rings_wait_released(d, RELEASE_WAIT_NS);
    nf_disconnect(d);
}

void nf_handle_state(struct netfront_dev *d)
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
    if (d->phase == NF_CONNECTED && st != XenbusStateConnected)
        nf_lose(d);
    if (d->phase == NF_WAIT_CONNECTED) {
        if (st == XenbusStateConnected) {
            connect(d);
            return;
        }
        if (st == XenbusStateInitWait && now - d->published_ns < REPUBLISH_NS)
            return;
        nf_lose(d);
    }
    if (st == XenbusStateInitWait) {
        publish(d);
    } else if (st == XenbusStateClosed && !d->asked_reconnect) {
        (void)nf_fe_state(d, XenbusStateInitialising); /* Xen's "prepare for reconnect" */
        d->asked_reconnect = true;
    }
    if (st != XenbusStateClosed)
        d->asked_reconnect = false;
}
