/* netfront.c: Xen netif frontend for PV and PVH guests: the API, the device table and
 * waiting (the connection is in netfront_xb.c, the data path in netfront_io.c). */
#include "netfront_priv.h"

#define CLOSE_WAIT_NS (5 * NSEC_PER_SEC) /* close: backend unmapping the rings */
#define VIF_TOKEN     "netfront/vifs"    /* watch for a vif to appear */

static struct netfront_dev devs[NETFRONT_MAX_DEVICES];
static unsigned long watch_dropped; /* xenbus_watch_dropped() when last looked */

/* ---- waiting ------------------------------------------------------------------------------- */

/* Marks the devices whose backend state watch fired (their own tokens only); after a
 * watch queue overflow every device re-reads its backend state. */
static void take_watch_events(void)
{
    unsigned long dropped = xenbus_watch_dropped();

    for (unsigned int i = 0; i < NETFRONT_MAX_DEVICES; i++) {
        struct netfront_dev *d = &devs[i];
        if (d->phase == NF_UNUSED)
            continue;
        if (nf_watch_fired(d))
            d->state_dirty = true;
        if (dropped != watch_dropped && !d->state_dirty) {
            d->state_dirty = true;
            d->st.lost_watch++;
        }
    }
    watch_dropped = dropped;
}

/* Work waiting for the caller (checked with events masked, before blocking): received
 * frames if it waits for them (d->wait_rx), tx responses while a sender waits for room. */
static bool rings_ready(struct netfront_dev *d)
{
    if (d->phase != NF_CONNECTED)
        return false;
    if (d->wait_rx && RING_HAS_UNCONSUMED_RESPONSES(&d->rx))
        return true;
    return d->tx_blocked && RING_HAS_UNCONSUMED_RESPONSES(&d->tx);
}

static bool wake_cond(void *arg)
{
    struct netfront_dev *d = arg;

    if (rings_ready(d))
        return true;
    take_watch_events();
    return d->state_dirty;
}

void nf_service(struct netfront_dev *d)
{
    uint64_t now;

    take_watch_events();
    now = pv_now_ns();
    if (d->phase != NF_CLOSED && d->phase != NF_CONNECTED &&
        now - d->state_read_ns >= NF_STATE_POLL)
        d->state_dirty = true; /* handshake steps are re-read even without a watch event */
    if (d->state_dirty && d->phase != NF_CLOSED)
        nf_handle_state(d);
    if (d->phase == NF_CONNECTED && !nf_tx_reap(d))
        nf_lose(d);
}

/* Arms the notifications the wait needs; true if there is work already. */
static bool arm(struct netfront_dev *d)
{
    int more = 0;

    if (d->phase != NF_CONNECTED)
        return false;
    if (d->wait_rx)
        RING_FINAL_CHECK_FOR_RESPONSES(&d->rx, more);
    if (d->tx_blocked && nf_tx_arm(d))
        more = 1;
    return more != 0;
}

/* Services d and blocks between events until done(d) or the deadline; with rx, returns
 * early (true) when received frames or tx room are there for the caller. */
static bool run_until(struct netfront_dev *d, bool (*done)(struct netfront_dev *),
                      uint64_t deadline, bool rx)
{
    d->wait_rx = rx && !(d->flags & NF_OPEN_NO_RX);
    for (;;) {
        nf_service(d);
        nf_tx_push(d);
        if (done(d))
            return true;
        if (rx && d->tx_freed) {
            d->tx_freed = false;
            return true;
        }
        if (arm(d)) {
            if (rx)
                return true;
            continue; /* tx responses while draining: reap them */
        }
        uint64_t now = pv_now_ns();
        if (now >= deadline)
            return false;
        uint64_t slice = smp_processor_id() ? NSEC_PER_MSEC : NF_STATE_POLL;
        if (pv_wait_until(wake_cond, d, PV_MIN(deadline, now + slice)) && rx && rings_ready(d))
            return true;
    }
}

static bool open_done(struct netfront_dev *d)
{
    return d->phase == NF_CONNECTED || d->phase == NF_CLOSED || d->error;
}

static bool closed(struct netfront_dev *d)
{
    return d->phase == NF_CLOSED;
}

static bool tx_drained(struct netfront_dev *d)
{
    if (d->phase != NF_CONNECTED)
        return d->phase == NF_CLOSED;
    d->tx_blocked = true; /* keeps tx notifications armed while draining */
    return d->tx.rsp_cons == d->tx.req_prod_pvt;
}

/* ---- the API ------------------------------------------------------------------------------- */

/* The lowest-numbered device under device/vif (names that are not numbers are skipped). */
static long first_devid(void)
{
    char names[512], *end;
    unsigned int n = 0;
    long best = -ENOENT;
    int rc = xenbus_directory(XBT_NIL, "device/vif", names, sizeof(names), &n);

    if (rc < 0)
        return rc;
    for (const char *p = names; n--; p += strlen(p) + 1) {
        unsigned long v = strtoul(p, &end, 10);
        if (!*end && end != p && v <= 0x7fffffffUL && (best < 0 || (long)v < best))
            best = (long)v;
    }
    return best;
}

/* The vif to open, devid (< 0: the first under device/vif); a vif not there yet (being
 * attached) is waited for until deadline, through a watch on device/vif. */
static long find_vif(int devid, uint64_t deadline)
{
    char path[48], buf[8];
    bool watching = false;
    long id;

    for (;;) {
        if (devid >= 0) {
            snprintf(path, sizeof(path), "device/vif/%d/backend", devid);
            int rc = xenbus_read(XBT_NIL, path, buf, sizeof(buf));
            id = rc > 0 ? devid : rc == 0 ? -ENOENT : rc;
        } else {
            id = first_devid();
        }
        uint64_t now = pv_now_ns();
        if (id != -ENOENT || now >= deadline)
            break;
        if (!watching)
            watching = xenbus_watch("device/vif", VIF_TOKEN) == 0;
        (void)xenbus_read_watch_token(VIF_TOKEN, buf, sizeof(buf),
                                      PV_MIN(deadline, now + NF_STATE_POLL));
    }
    if (watching) {
        (void)xenbus_unwatch("device/vif", VIF_TOKEN);
        while (xenbus_read_watch_token(VIF_TOKEN, buf, sizeof(buf), XENBUS_NO_WAIT) == 0)
            ;
    }
    return id;
}

static int dev_init(struct netfront_dev *d, uint32_t devid, unsigned int flags)
{
    uint8_t index = (uint8_t)(d - devs);

    memset(d, 0, sizeof(*d));
    d->index = index;
    d->flags = flags;
    d->info.devid = devid;
    d->granted_to = DOMID_INVALID;
    snprintf(d->fe, sizeof(d->fe), "device/vif/%u", devid);
    snprintf(d->token, sizeof(d->token), "netfront/%u", devid);
    if (!nf_pool_attach(d))
        return -ENOSPC;
    return nf_read_frontend(d);
}

static void dev_free(struct netfront_dev *d)
{
    nf_release(d);
    memset(d, 0, sizeof(*d));
}

/* A free table slot for devid: 0, -EBUSY (open already) or -ENOSPC. */
static int slot_for(uint32_t devid, struct netfront_dev **dp)
{
    *dp = NULL;
    for (unsigned int i = 0; i < NETFRONT_MAX_DEVICES; i++) {
        if (devs[i].phase != NF_UNUSED && devs[i].info.devid == devid)
            return -EBUSY;
        if (devs[i].phase == NF_UNUSED && !*dp)
            *dp = &devs[i];
    }
    return *dp ? 0 : -ENOSPC;
}

int nf_open(int devid, uint64_t timeout_ns, unsigned int flags, struct netfront_dev **devp)
{
    uint64_t deadline = pv_now_ns() + (timeout_ns ? timeout_ns : NETFRONT_CONNECT_TIMEOUT_NS);
    struct netfront_dev *d;
    int rc = xenbus_init();
    long id;

    *devp = NULL;
    if (rc < 0)
        return rc;
    id = find_vif(devid, deadline);
    if (id < 0)
        return (int)id;
    rc = slot_for((uint32_t)id, &d);
    if (rc == 0)
        rc = dev_init(d, (uint32_t)id, flags);
    if (rc == 0)
        rc = nf_watch(d, true);
    if (rc < 0) {
        if (d)
            memset(d, 0, sizeof(*d));
        return rc;
    }
    d->phase = NF_WAIT_INITWAIT;
    d->state_dirty = true;
    (void)run_until(d, open_done, deadline, false);
    if (d->phase == NF_CONNECTED) {
        d->error = 0;
        *devp = d;
        return 0;
    }
    rc = d->phase == NF_CLOSED ? -ENODEV : d->error ? d->error : -ETIMEDOUT;
    (void)nf_watch(d, false);
    if (d->phase == NF_WAIT_CONNECTED)
        (void)nf_fe_state(d, XenbusStateInitialising); /* our rings are about to be revoked */
    dev_free(d);
    return rc;
}

int netfront_open(int devid, uint64_t timeout_ns, struct netfront_dev **devp)
{
    return nf_open(devid, timeout_ns, 0, devp);
}

int netfront_close(struct netfront_dev *d)
{
    int rc = 0;

    if (d->phase != NF_CLOSED) {
        nf_tx_push(d);
        (void)nf_fe_state(d, XenbusStateClosing);
        if (!nf_rings_wait_released(d, CLOSE_WAIT_NS))
            rc = -ETIMEDOUT;
        nf_disconnect(d);
    }
    dev_free(d);
    return rc;
}

int netfront_info(struct netfront_dev *d, struct netfront_info *info)
{
    *info = d->info;
    return d->phase == NF_CLOSED ? -ENODEV : 0;
}

void netfront_stats(struct netfront_dev *d, struct netfront_stats *st)
{
    *st = d->st;
}

int netfront_flush(struct netfront_dev *d)
{
    if (d->phase == NF_CLOSED)
        return -ENODEV;
    nf_tx_push(d);
    return 0;
}

int netfront_send(struct netfront_dev *d, const void *frame, size_t len)
{
    int rc = netfront_queue(d, frame, len);

    if (rc == 0)
        nf_tx_push(d);
    return rc;
}

int netfront_send_batch(struct netfront_dev *d, const struct netfront_buf *bufs, unsigned int n)
{
    unsigned int done = 0;
    int rc = 0;

    for (; done < n; done++) {
        rc = netfront_queue(d, bufs[done].data, bufs[done].len);
        if (rc < 0)
            break;
    }
    nf_tx_push(d);
    return done ? (int)done : rc;
}

int netfront_poll(struct netfront_dev *d, unsigned int max, netfront_rx_fn fn, void *arg)
{
    int got;

    if (d->in_poll)
        return -EBUSY;
    nf_service(d);
    d->in_poll = true;
    got = nf_rx_take(d, max, fn, arg);
    d->in_poll = false;
    if (got == -EIO) {
        nf_lose(d);
        got = 0;
    }
    nf_tx_push(d);
    return d->phase == NF_CLOSED ? -ENODEV : got;
}

int netfront_drain(struct netfront_dev *d, uint64_t timeout_ns)
{
    bool done = run_until(d, tx_drained, pv_now_ns() + timeout_ns, false);

    d->tx_blocked = d->tx_freed = false;
    if (d->phase == NF_CLOSED)
        return -ENODEV;
    return done ? 0 : -ETIMEDOUT;
}

int netfront_wait(struct netfront_dev *d, uint64_t timeout_ns)
{
    if (d->in_poll)
        return -EBUSY;
    bool woke = run_until(d, closed, pv_now_ns() + timeout_ns, true);
    if (d->phase == NF_CLOSED)
        return -ENODEV;
    return woke ? 1 : 0;
}
