/* blkfront.c: Xen blkif frontend for PV guests: the API, the device table and waiting
 * (the connection is in blkfront_xb.c, the data path in blkfront_io.c). */
#include "blkfront_priv.h"

#define CLOSE_WAIT_NS (5 * NSEC_PER_SEC) /* close: backend unmapping the ring */

static struct blkfront_dev devs[BLKFRONT_MAX_DEVICES];
static unsigned long watch_dropped; /* xenbus_watch_dropped() when last looked */

/* ---- device names ------------------------------------------------------------------------ */

/* Disk letters a..z, aa.. (bijective base 26) then an optional partition number. */
static int parse_disk(const char *s, unsigned long *disk, unsigned long *part)
{
    unsigned long v = 0;
    int n = 0;
    char *end;

    for (; s[n] >= 'a' && s[n] <= 'z'; n++) {
        if (n == 6)
            return -EINVAL;
        v = v * 26 + (unsigned long)(s[n] - 'a' + 1);
    }
    if (n == 0)
        return -EINVAL;
    *disk = v - 1;
    *part = 0;
    if (!s[n])
        return 0;
    if (s[n] < '1' || s[n] > '9')
        return -EINVAL;
    *part = strtoul(s + n, &end, 10);
    return *end || *part > 255 ? -EINVAL : 0;
}

/* A device number in decimal, or -EINVAL. */
static long parse_devnum(const char *s)
{
    char *end;
    unsigned long v = strtoul(s, &end, 10);

    return *end || v > 0x7fffffffUL ? -EINVAL : (long)v;
}

long blkfront_devid(const char *name)
{
    unsigned long disk, part;

    if (!name || !*name)
        return -EINVAL;
    if (name[0] >= '0' && name[0] <= '9')
        return parse_devnum(name);
    if (strncmp(name, "xvd", 3) == 0 && parse_disk(name + 3, &disk, &part) == 0) {
        if (disk < 16 && part < 16)
            return (long)(202UL << 8 | disk << 4 | part);
        return disk < (1UL << 20) ? (long)(1UL << 28 | disk << 8 | part) : -EINVAL;
    }
    if (strncmp(name, "hd", 2) == 0 && parse_disk(name + 2, &disk, &part) == 0 && disk < 4 &&
        part < 64)
        return (long)((disk < 2 ? 3UL : 22UL) << 8 | (disk & 1) << 6 | part);
    if (strncmp(name, "sd", 2) == 0 && parse_disk(name + 2, &disk, &part) == 0 && disk < 16 &&
        part < 16)
        return (long)(8UL << 8 | disk << 4 | part);
    return -EINVAL;
}

/* "xvda", "xvdb3", "xvdaa" for xvd numbers, else the number. */
static void devid_name(uint32_t devid, char *buf, size_t size)
{
    unsigned long disk, part;
    char rev[8], letters[8];
    int n = 0;

    if (devid >> 8 == 202) {
        disk = (devid >> 4) & 15;
        part = devid & 15;
    } else if (devid >> 28 == 1) {
        disk = (devid >> 8) & 0xfffff;
        part = devid & 255;
    } else {
        snprintf(buf, size, "%u", devid);
        return;
    }
    for (unsigned long v = disk + 1; v && n < 7; v = (v - 1) / 26)
        rev[n++] = (char)('a' + (v - 1) % 26);
    for (int i = 0; i < n; i++)
        letters[i] = rev[n - 1 - i];
    letters[n] = '\0';
    if (part)
        snprintf(buf, size, "xvd%s%lu", letters, part);
    else
        snprintf(buf, size, "xvd%s", letters);
}

/* ---- waiting ------------------------------------------------------------------------------- */

/*
 * Marks the open devices whose backend state watch fired, taking only their own events off
 * xenbus's queue (other users' events stay queued).  If the queue overflowed meanwhile, an
 * event of ours may be lost: every device re-reads its backend state.
 */
static void take_watch_events(void)
{
    unsigned long dropped = xenbus_watch_dropped();

    for (unsigned int i = 0; i < BLKFRONT_MAX_DEVICES; i++) {
        struct blkfront_dev *d = &devs[i];
        if (d->phase == PH_UNUSED)
            continue;
        if (bf_watch_fired(d))
            d->state_dirty = true;
        if (dropped != watch_dropped && !d->state_dirty) {
            d->state_dirty = true;
            d->st.lost_watch++;
        }
    }
    watch_dropped = dropped;
}

static bool wake_cond(void *arg)
{
    struct blkfront_dev *d = arg;

    if (d->phase == PH_CONNECTED && RING_HAS_UNCONSUMED_RESPONSES(&d->ring))
        return true;
    take_watch_events();
    return d->state_dirty;
}

static void service(struct blkfront_dev *d)
{
    uint64_t now;

    take_watch_events();
    now = pv_now_ns();
    if (d->phase != PH_CLOSED && now - d->state_read_ns >= STATE_POLL_NS &&
        (d->phase != PH_CONNECTED || (d->nbusy && now - d->progress_ns >= STATE_POLL_NS)))
        d->state_dirty = true;
    if (d->state_dirty && d->phase != PH_CLOSED)
        bf_handle_state(d);
    if (d->phase == PH_CONNECTED && !bf_consume(d))
        bf_lose(d, false);
    bf_kick(d);
}

/* How long the current phase may go without progress. */
static uint64_t stall_bound(const struct blkfront_dev *d)
{
    return d->phase == PH_CONNECTED ? d->io_ns : d->connect_ns;
}

/*
 * Services d and blocks between events until done(d, arg) or the deadline; with extend
 * the deadline moves on while requests complete or the handshake makes steps.
 */
static bool run_until(struct blkfront_dev *d, bool (*done)(struct blkfront_dev *, void *),
                      void *arg, uint64_t deadline, bool extend)
{
    for (;;) {
        service(d);
        if (done(d, arg))
            return true;
        uint64_t now = pv_now_ns();
        uint64_t dl = extend ? PV_MAX(deadline, d->progress_ns + stall_bound(d)) : deadline;
        if (now >= dl)
            return false;
        uint64_t slice = smp_processor_id() ? NSEC_PER_MSEC : STATE_POLL_NS;
        (void)pv_wait_until(wake_cond, d, PV_MIN(dl, now + slice));
    }
}

static bool open_done(struct blkfront_dev *d, void *arg)
{
    (void)arg;
    return d->phase == PH_CONNECTED || d->phase == PH_CLOSED || d->error;
}

static bool io_finished(struct blkfront_dev *d, void *arg)
{
    const struct blkfront_io *io = arg;
    return io->where == IO_DONE || io->where == IO_IDLE || d->phase == PH_CLOSED;
}

static bool have_done(struct blkfront_dev *d, void *arg)
{
    (void)arg;
    return d->done.head != NULL;
}

static bool all_idle(struct blkfront_dev *d, void *arg)
{
    (void)arg;
    return (d->nbusy == 0 && !d->queued.head) || d->phase == PH_CLOSED;
}

/* ---- the API ------------------------------------------------------------------------------- */

/* The first device under device/vbd. */
static long first_devid(void)
{
    char names[512];
    unsigned int n = 0;
    int rc = xenbus_directory(XBT_NIL, "device/vbd", names, sizeof(names), &n);

    if (rc < 0)
        return rc;
    if (n == 0)
        return -ENOENT;
    return parse_devnum(names);
}

static int dev_init(struct blkfront_dev *d, uint32_t devid, unsigned int index)
{
    memset(d, 0, sizeof(*d));
    d->owner = (uint8_t)(index + 1);
    d->published_order = -1;
    d->connect_ns = BLKFRONT_CONNECT_TIMEOUT_NS;
    d->io_ns = BLKFRONT_IO_TIMEOUT_NS;
    d->info.devid = devid;
    devid_name(devid, d->info.name, sizeof(d->info.name));
    snprintf(d->fe, sizeof(d->fe), "device/vbd/%u", devid);
    snprintf(d->token, sizeof(d->token), "blkfront/%u", devid);
    return bf_read_backend(d);
}

static void dev_free(struct blkfront_dev *d)
{
    bf_release(d);
    memset(d, 0, sizeof(*d));
}

int blkfront_open(const char *vdev, uint64_t timeout_ns, struct blkfront_dev **devp)
{
    struct blkfront_dev *d = NULL;
    int rc = xenbus_init();
    long devid;

    *devp = NULL;
    if (rc < 0)
        return rc;
    devid = vdev ? blkfront_devid(vdev) : first_devid();
    if (devid < 0)
        return (int)devid;
    for (unsigned int i = 0; i < BLKFRONT_MAX_DEVICES; i++) {
        if (devs[i].phase != PH_UNUSED && devs[i].info.devid == (uint32_t)devid)
            return -EBUSY;
        if (devs[i].phase == PH_UNUSED && !d)
            d = &devs[i];
    }
    if (!d)
        return -ENOSPC;
    bf_pool_setup();
    rc = dev_init(d, (uint32_t)devid, (unsigned int)(d - devs));
    if (rc == 0)
        rc = bf_watch(d, true);
    if (rc < 0) {
        memset(d, 0, sizeof(*d));
        return rc;
    }
    d->phase = PH_WAIT_INITWAIT;
    d->state_dirty = true;
    d->progress_ns = pv_now_ns();
    (void)run_until(d, open_done, NULL, pv_now_ns() + (timeout_ns ? timeout_ns : d->connect_ns),
                    false);
    if (d->phase == PH_CONNECTED) {
        d->error = 0;
        *devp = d;
        return 0;
    }
    rc = d->phase == PH_CLOSED ? -ENODEV : d->error ? d->error : -ETIMEDOUT;
    (void)bf_watch(d, false);
    if (d->published_order >= 0 && d->phase != PH_CLOSED)
        (void)bf_fe_state(d, XenbusStateInitialising); /* our ring is about to be revoked */
    dev_free(d);
    return rc;
}

int blkfront_close(struct blkfront_dev *d)
{
    int rc = 0;

    if (d->phase != PH_CLOSED) {
        (void)run_until(d, all_idle, NULL, pv_now_ns() + d->io_ns, true);
        (void)bf_fe_state(d, XenbusStateClosing);
        if (!bf_ring_wait_released(d, CLOSE_WAIT_NS))
            rc = -ETIMEDOUT;
        bf_disconnect(d, -ENODEV);
    }
    /* everything outstanding is on the done list now: hand it back idle */
    for (struct blkfront_io *io = d->done.head, *next; io; io = next) {
        next = io->next;
        io->next = NULL;
        io->where = IO_IDLE;
    }
    dev_free(d);
    return rc;
}

int blkfront_info(struct blkfront_dev *d, struct blkfront_info *info)
{
    *info = d->info;
    return d->phase == PH_CLOSED ? -ENODEV : 0;
}

void blkfront_stats(struct blkfront_dev *d, struct blkfront_stats *st)
{
    *st = d->st;
}

void blkfront_set_timeouts(struct blkfront_dev *d, uint64_t connect_ns, uint64_t io_ns)
{
    if (connect_ns)
        d->connect_ns = connect_ns;
    if (io_ns)
        d->io_ns = io_ns;
}

static int check_io(const struct blkfront_dev *d, const struct blkfront_io *io)
{
    uint64_t align = d->info.sector_size / BLKFRONT_SECTOR;

    if (d->phase == PH_CLOSED)
        return -ENODEV;
    if (io->where != IO_IDLE)
        return -EBUSY;
    switch (io->op) {
    case BLKFRONT_FLUSH:
        return d->info.flush ? 0 : -EOPNOTSUPP;
    case BLKFRONT_DISCARD:
        if (!d->info.discard)
            return -EOPNOTSUPP;
        break;
    case BLKFRONT_READ:
    case BLKFRONT_WRITE:
        if (!io->buf)
            return -EINVAL;
        break;
    default:
        return -EINVAL;
    }
    if (!io->nsectors || io->sector > d->info.sectors ||
        io->nsectors > d->info.sectors - io->sector || (io->sector | io->nsectors) % align)
        return -EINVAL;
    return 0;
}

int blkfront_submit(struct blkfront_dev *d, struct blkfront_io *io)
{
    int rc = check_io(d, io);

    if (rc < 0)
        return rc;
    io->done = false;
    io->rc = io->status = 0;
    io->issued = 0;
    io->inflight = 0;
    bf_io_queue(d, io);
    bf_kick(d);
    return 0;
}

/* io's result once it finished (handed back if it is on the done list). */
static int io_result(struct blkfront_dev *d, struct blkfront_io *io)
{
    if (io->where == IO_DONE)
        bf_io_release(d, io);
    return io->rc;
}

struct blkfront_io *blkfront_poll(struct blkfront_dev *d, uint64_t wait_ns)
{
    (void)run_until(d, have_done, NULL, pv_now_ns() + wait_ns, false);
    return d->done.head ? bf_io_release(d, d->done.head) : NULL;
}

int blkfront_wait(struct blkfront_dev *d, struct blkfront_io *io, uint64_t timeout_ns)
{
    (void)run_until(d, io_finished, io, pv_now_ns() + timeout_ns, false);
    if (io->where == IO_QUEUED || io->where == IO_RUNNING)
        return -ETIMEDOUT;
    return io_result(d, io);
}

void blkfront_cancel(struct blkfront_dev *d, struct blkfront_io *io)
{
    if (io->where != IO_IDLE)
        (void)bf_io_release(d, io);
}

unsigned int blkfront_pending(struct blkfront_dev *d)
{
    return d->nios;
}

int blkfront_service(struct blkfront_dev *d)
{
    service(d);
    return d->phase == PH_CLOSED ? -ENODEV : 0;
}

int blkfront_do(struct blkfront_dev *d, struct blkfront_io *io)
{
    int rc = blkfront_submit(d, io);

    if (rc < 0)
        return rc;
    if (!run_until(d, io_finished, io, pv_now_ns() + stall_bound(d), true)) {
        blkfront_cancel(d, io);
        io->rc = -ETIMEDOUT;
        return -ETIMEDOUT;
    }
    return io_result(d, io);
}

static int sync_io(struct blkfront_dev *d, enum blkfront_op op, uint64_t sector, void *buf,
                   uint64_t nsectors)
{
    struct blkfront_io io = {.op = op, .sector = sector, .nsectors = nsectors, .buf = buf};
    return blkfront_do(d, &io);
}

int blkfront_read(struct blkfront_dev *d, uint64_t sector, void *buf, uint64_t nsectors)
{
    return sync_io(d, BLKFRONT_READ, sector, buf, nsectors);
}

int blkfront_write(struct blkfront_dev *d, uint64_t sector, const void *buf, uint64_t nsectors)
{
    return sync_io(d, BLKFRONT_WRITE, sector, (void *)(uintptr_t)buf, nsectors);
}

int blkfront_flush(struct blkfront_dev *d)
{
    return sync_io(d, BLKFRONT_FLUSH, 0, NULL, 0);
}

int blkfront_discard(struct blkfront_dev *d, uint64_t sector, uint64_t nsectors)
{
    return sync_io(d, BLKFRONT_DISCARD, sector, NULL, nsectors);
}
