/* netfront_io.c: netfront's data path: persistently granted buffer pages, tx requests
 * (multi-slot frames), tx completions, rx buffers kept posted and rx reassembly. */
#include "netfront_priv.h"

#define TX_DISARMED   (1u << 31) /* rsp_event this far ahead: no tx notification */
#define RX_PUSH_EVERY 32         /* re-posted buffers published this often in a batch */

static uint8_t pool_mem[NETFRONT_MAX_DEVICES][NF_POOL_PAGES][PV_PAGE_SIZE]
    __attribute__((aligned(PV_PAGE_SIZE)));
static uint8_t frame_mem[NETFRONT_MAX_DEVICES][NETFRONT_MAX_FRAME];
static bool tainted[NETFRONT_MAX_DEVICES]; /* a page is still mapped by an old backend */

/* ---- the buffer pages ------------------------------------------------------------------------ */

static uint8_t *rx_page(struct netfront_dev *d, unsigned int slot)
{
    return d->pages[NF_TX_SLOTS + slot];
}

bool nf_pool_attach(struct netfront_dev *d)
{
    if (tainted[d->index])
        return false;
    d->pages = pool_mem[d->index];
    d->rx_frame = frame_mem[d->index];
    for (unsigned int i = 0; i < NF_TX_SLOTS; i++)
        d->txb[i].ref = NF_NO_REF;
    for (unsigned int j = 0; j < NF_RX_SLOTS; j++)
        d->rx_ref[j] = NF_NO_REF;
    return true;
}

/* Ends one grant; a page still in use taints the device slot's pool for good. */
static void revoke(struct netfront_dev *d, int32_t *ref)
{
    if (*ref != NF_NO_REF && gnttab_end_access((grant_ref_t)*ref) == -EBUSY)
        tainted[d->index] = true;
    *ref = NF_NO_REF;
}

void nf_pool_revoke(struct netfront_dev *d)
{
    if (!d->pages)
        return;
    for (unsigned int i = 0; i < NF_TX_SLOTS; i++)
        revoke(d, &d->txb[i].ref);
    for (unsigned int j = 0; j < NF_RX_SLOTS; j++)
        revoke(d, &d->rx_ref[j]);
}

static int grant(struct netfront_dev *d, int32_t *ref, unsigned int page, bool ro)
{
    if (*ref != NF_NO_REF)
        return 0;
    int rc = gnttab_grant_access(d->info.backend_id, pv_virt_to_mfn(d->pages[page]), ro);
    if (rc < 0)
        return rc;
    *ref = rc;
    return 0;
}

int nf_pool_grant(struct netfront_dev *d)
{
    int rc = 0;

    if (d->granted_to != d->info.backend_id)
        nf_pool_revoke(d); /* another backend domain: start over */
    if (tainted[d->index])
        return -EBUSY;
    d->granted_to = d->info.backend_id;
    for (unsigned int i = 0; rc == 0 && i < NF_TX_SLOTS; i++)
        rc = grant(d, &d->txb[i].ref, i, NF_TX_GRANT_RO);
    for (unsigned int j = 0; rc == 0 && j < NF_RX_SLOTS; j++)
        rc = grant(d, &d->rx_ref[j], NF_TX_SLOTS + j, false);
    return rc;
}

/* ---- rings ------------------------------------------------------------------------------------
 */

void nf_notify(struct netfront_dev *d)
{
    if (d->port_live) {
        (void)evtchn_send(d->port);
        d->st.notifies++;
    }
}

/* rx request at the next index: slot = index mod size, id = slot, that slot's page. */
static void rx_post(struct netfront_dev *d)
{
    unsigned int slot = d->rx.req_prod_pvt & (NF_RX_SLOTS - 1);
    netif_rx_request_t *req = RING_GET_REQUEST(&d->rx, d->rx.req_prod_pvt);

    req->id = (uint16_t)slot;
    req->pad = 0;
    req->gref = (grant_ref_t)d->rx_ref[slot];
    d->rx.req_prod_pvt++;
}

void nf_rings_reset(struct netfront_dev *d)
{
    d->tx_nfree = 0;
    for (unsigned int i = NF_TX_SLOTS; i-- > 0;) {
        d->txb[i].busy = false;
        d->tx_free[d->tx_nfree++] = (uint16_t)i;
    }
    d->tx_blocked = d->tx_freed = false;
    d->tx.sring->rsp_event = d->tx.rsp_cons + TX_DISARMED;
    d->rx_state = RX_START;
    if (d->flags & NF_OPEN_NO_RX)
        return;
    while (d->rx.req_prod_pvt != NF_RX_SLOTS)
        rx_post(d);
    RING_PUSH_REQUESTS(&d->rx); /* no port bound yet: the backend reads them at connect */
}

void nf_tx_forget(struct netfront_dev *d)
{
    for (unsigned int i = 0; i < NF_TX_SLOTS; i++) {
        if (d->txb[i].busy && d->txb[i].head)
            d->st.tx_errors++;
        d->txb[i].busy = false;
    }
    d->tx_nfree = 0;
}

/* ---- tx -----------------------------------------------------------------------------------------
 */

static unsigned int tx_room(const struct netfront_dev *d)
{
    return PV_MIN((unsigned int)RING_FREE_REQUESTS(&d->tx), d->tx_nfree);
}

static void tx_response(struct netfront_dev *d, const netif_tx_response_t *r)
{
    struct nf_txbuf *b = r->id < NF_TX_SLOTS ? &d->txb[r->id] : NULL;

    if (!b || !b->busy) {
        d->st.bad_responses++; /* unknown or duplicate id */
        return;
    }
    b->busy = false;
    d->tx_free[d->tx_nfree++] = r->id;
    if (r->status != NETIF_RSP_OKAY && r->status != NETIF_RSP_NULL && b->head)
        d->st.tx_errors++;
}

bool nf_tx_reap(struct netfront_dev *d)
{
    if (d->phase != NF_CONNECTED)
        return true;
    RING_IDX rp = READ_ONCE(d->tx.sring->rsp_prod);
    xen_rmb();
    if (rp - d->tx.rsp_cons > d->tx.req_prod_pvt - d->tx.rsp_cons) {
        printk("netfront: vif %u: tx response index %u beyond requests (%u)\n", d->info.devid, rp,
               d->tx.req_prod_pvt);
        d->st.bad_responses++;
        return false;
    }
    if (d->tx.rsp_cons != rp && d->tx_blocked)
        d->tx_freed = true;
    while (d->tx.rsp_cons != rp) {
        netif_tx_response_t r;
        RING_COPY_RESPONSE(&d->tx, d->tx.rsp_cons, &r);
        d->tx.rsp_cons++;
        tx_response(d, &r);
    }
    if (!d->tx_blocked)
        d->tx.sring->rsp_event = d->tx.rsp_cons + TX_DISARMED;
    return true;
}

bool nf_tx_arm(struct netfront_dev *d)
{
    int more;

    if (d->phase != NF_CONNECTED)
        return false;
    RING_FINAL_CHECK_FOR_RESPONSES(&d->tx, more);
    return more != 0;
}

void nf_tx_push(struct netfront_dev *d)
{
    bool notify;

    if (d->phase != NF_CONNECTED || d->tx.req_prod_pvt == d->tx.sring->req_prod)
        return;
    RING_PUSH_REQUESTS_AND_CHECK_NOTIFY(&d->tx, notify);
    if (notify)
        nf_notify(d);
}

/* One slot of a frame: chunk n bytes at data into a free buffer. */
static void tx_slot(struct netfront_dev *d, const uint8_t *data, size_t n, size_t total, bool head,
                    bool more)
{
    uint16_t id = d->tx_free[--d->tx_nfree];
    netif_tx_request_t *req = RING_GET_REQUEST(&d->tx, d->tx.req_prod_pvt);

    memcpy(d->pages[id], data, n);
    d->txb[id].busy = true;
    d->txb[id].head = head;
    req->gref = (grant_ref_t)d->txb[id].ref;
    req->offset = 0;
    req->flags = more ? NETTXF_more_data : 0;
    req->id = id;
    req->size = (uint16_t)(head ? total : n); /* the first slot carries the frame's length */
    d->tx.req_prod_pvt++;
}

int netfront_queue(struct netfront_dev *d, const void *frame, size_t len)
{
    unsigned int slots = (unsigned int)((len + PV_PAGE_SIZE - 1) / PV_PAGE_SIZE);
    const uint8_t *p = frame;

    if (d->phase == NF_CLOSED)
        return -ENODEV;
    if (len < NETFRONT_ETH_HLEN || len > d->info.max_frame)
        return -EMSGSIZE;
    if (d->phase != NF_CONNECTED)
        return -EAGAIN;
    if (tx_room(d) < slots && (!nf_tx_reap(d) || tx_room(d) < slots)) {
        d->tx_blocked = true;
        d->tx_freed = false; /* wake the sender for responses still to come */
        d->st.tx_full++;
        return -EAGAIN;
    }
    for (size_t off = 0; off < len; off += PV_PAGE_SIZE) {
        size_t n = PV_MIN(len - off, (size_t)PV_PAGE_SIZE);
        tx_slot(d, p + off, n, len, off == 0, off + n < len);
    }
    d->tx_blocked = d->tx_freed = false;
    d->st.tx_packets++;
    d->st.tx_bytes += len;
    return 0;
}

/* ---- rx -----------------------------------------------------------------------------------------
 */

/* A data slot of the current frame: checked, then copied out of its buffer. */
static void rx_data(struct netfront_dev *d, unsigned int slot, const netif_rx_response_t *r)
{
    if (r->id != slot || r->status < 0 ||
        (unsigned int)r->offset + (unsigned int)r->status > PV_PAGE_SIZE) {
        d->rx_bad = true; /* wrong buffer, the backend's error, or beyond the page */
        return;
    }
    if (++d->rx_slots > NF_MAX_RX_SLOT || d->rx_len + (unsigned int)r->status > NETFRONT_MAX_FRAME)
        d->rx_bad = true;
    if (d->rx_bad)
        return;
    memcpy(d->rx_frame + d->rx_len, rx_page(d, slot) + r->offset, (size_t)r->status);
    d->rx_len += (unsigned int)r->status;
}

/* The frame is complete: delivered (1) or counted as bad or dropped (0). */
static int rx_finish(struct netfront_dev *d, netfront_rx_fn fn, void *arg)
{
    d->rx_state = RX_START;
    if (d->rx_bad || d->rx_len < NETFRONT_ETH_HLEN) {
        d->st.rx_errors++;
        return 0;
    }
    if (!fn) {
        d->st.rx_drops++;
        return 0;
    }
    d->st.rx_packets++;
    d->st.rx_bytes += d->rx_len;
    fn(arg, d->rx_frame, d->rx_len, d->rx_flags);
    return 1;
}

static void rx_first(struct netfront_dev *d, const netif_rx_response_t *r)
{
    d->rx_len = d->rx_slots = d->rx_extras = 0;
    d->rx_bad = false;
    d->rx_more = (r->flags & NETRXF_more_data) != 0;
    d->rx_flags = ((r->flags & NETRXF_csum_blank) ? NETFRONT_RX_CSUM_BLANK : 0) |
                  ((r->flags & NETRXF_data_validated) ? NETFRONT_RX_DATA_VALIDATED : 0);
}

/* One response at ring index idx; returns frames delivered (0 or 1). */
static int rx_response(struct netfront_dev *d, RING_IDX idx, const netif_rx_response_t *r,
                       netfront_rx_fn fn, void *arg)
{
    unsigned int slot = idx & (NF_RX_SLOTS - 1);
    netif_extra_info_t ex;

    switch (d->rx_state) {
    case RX_EXTRA: /* an extra_info slot (its buffer was used up): skipped */
        memcpy(&ex, r, sizeof(ex));
        if (++d->rx_extras > NF_MAX_EXTRAS)
            d->rx_bad = true;
        if (ex.flags & XEN_NETIF_EXTRA_FLAG_MORE)
            return 0;
        d->rx_state = d->rx_more ? RX_MORE : RX_START;
        return d->rx_more ? 0 : rx_finish(d, fn, arg);
    case RX_START:
        rx_first(d, r);
        rx_data(d, slot, r);
        break;
    default: /* RX_MORE */
        rx_data(d, slot, r);
        if (r->flags & NETRXF_extra_info)
            d->rx_bad = true; /* extras follow only the first slot: skipped, frame dropped */
        break;
    }
    if (r->flags & NETRXF_extra_info) {
        d->rx_more = (r->flags & NETRXF_more_data) != 0;
        d->rx_state = RX_EXTRA;
        return 0;
    }
    if (r->flags & NETRXF_more_data) {
        d->rx_state = RX_MORE;
        return 0;
    }
    return rx_finish(d, fn, arg);
}

static void rx_push(struct netfront_dev *d)
{
    bool notify;

    if (d->rx.req_prod_pvt == d->rx.sring->req_prod)
        return;
    RING_PUSH_REQUESTS_AND_CHECK_NOTIFY(&d->rx, notify);
    if (notify)
        nf_notify(d);
}

/* Takes responses up to rp (or the budget: false); each slot's buffer is re-posted at once. */
static bool rx_batch(struct netfront_dev *d, RING_IDX rp, unsigned int max, netfront_rx_fn fn,
                     void *arg, int *got)
{
    while (d->rx.rsp_cons != rp && (!max || (unsigned int)*got < max)) {
        netif_rx_response_t r;
        RING_IDX idx = d->rx.rsp_cons;
        RING_COPY_RESPONSE(&d->rx, idx, &r);
        d->rx.rsp_cons++;
        *got += rx_response(d, idx, &r, fn, arg);
        rx_post(d);
        if ((d->rx.req_prod_pvt & (RX_PUSH_EVERY - 1)) == 0)
            rx_push(d); /* a long batch: the backend may refill meanwhile */
    }
    return d->rx.rsp_cons == rp;
}

int nf_rx_take(struct netfront_dev *d, unsigned int max, netfront_rx_fn fn, void *arg)
{
    int got = 0, more = 0;

    if (d->phase != NF_CONNECTED || (d->flags & NF_OPEN_NO_RX))
        return 0;
    do {
        RING_IDX rp = READ_ONCE(d->rx.sring->rsp_prod);
        xen_rmb();
        if (rp - d->rx.rsp_cons > d->rx.req_prod_pvt - d->rx.rsp_cons) {
            printk("netfront: vif %u: rx response index %u beyond requests (%u)\n", d->info.devid,
                   rp, d->rx.req_prod_pvt);
            d->st.bad_responses++;
            return -EIO;
        }
        if (!rx_batch(d, rp, max, fn, arg, &got))
            break; /* budget used up: the rest stays for the next call */
        RING_FINAL_CHECK_FOR_RESPONSES(&d->rx, more);
    } while (more);
    rx_push(d);
    return got;
}
