/* xenbus.c: blkback's driver ops for the backend core: opening the image and publishing its
 * features (InitWait), reading the frontend's ring keys (connect), teardown, counters. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xen/io/xenbus.h>

#include <pvisor/sandbox.h>

#include "blkback.h"

static struct vbd *vbd_of(struct be_dev *d)
{
    return (struct vbd *)d;
}

static void publish(struct be_dev *d, const struct blk_image *img)
{
    char *dt = be_read(d, d->be, "device-type");
    unsigned info =
        (img->readonly ? VDISK_READONLY : 0) | (dt && strcmp(dt, "cdrom") == 0 ? VDISK_CDROM : 0);

    free(dt);
    be_write(d, "feature-flush-cache", "1");
    be_write(d, "feature-discard", "%d", img->discard ? 1 : 0);
    if (img->discard) {
        be_write(d, "discard-granularity", "%u", img->phys_sector);
        be_write(d, "discard-alignment", "0");
        be_write(d, "discard-secure", "0");
    }
    be_write(d, "feature-persistent", "%d", B.o.no_persistent ? 0 : 1);
    be_write(d, "feature-max-indirect-segments", "%u", B.o.max_indirect);
    be_write(d, "max-ring-page-order", "%u", B.o.max_ring_order);
    be_write(d, "sectors", "%llu", (unsigned long long)img->sectors);
    be_write(d, "sector-size", "%u", BLK_SECTOR);
    be_write(d, "physical-sector-size", "%u", img->phys_sector);
    be_write(d, "info", "%u", info);
}

/* Opens the image and publishes its features. */
static int vbd_init(struct be_dev *d, char *msg, size_t len)
{
    struct vbd *v = vbd_of(d);
    char *params = be_read(d, d->be, "params"), *mode = be_read(d, d->be, "mode");
    int rc = -EINVAL;

    v->img.fd = v->img.fd_direct = -1;
    if (!params || !params[0])
        snprintf(msg, len, "no params (image path) in %s", d->be);
    else
        rc = blk_image_open(&v->img, params, mode && mode[0] == 'w', msg, len);
    free(params);
    free(mode);
    if (rc < 0)
        return rc;
    publish(d, &v->img);
    be_log(&B.core, "vbd %u/%u: serving %s (%llu sectors, %s%s)", d->domid, d->devid, d->be,
           (unsigned long long)v->img.sectors, v->img.readonly ? "read-only" : "read-write",
           v->img.fd_direct >= 0 ? ", O_DIRECT" : "");
    return 0;
}

static int read_ring(struct be_dev *d, struct conn_params *p, char *msg, size_t len)
{
    long long order = be_read_num(d, d->fe, "ring-page-order", -1);
    char *proto;
    char key[32];

    if (order > (long long)B.o.max_ring_order)
        return snprintf(msg, len, "ring-page-order %lld exceeds max-ring-page-order %u", order,
                        B.o.max_ring_order),
               -EINVAL;
    p->ring_order = order < 0 ? 0 : (unsigned)order;
    for (unsigned i = 0; i < 1u << p->ring_order; i++) {
        if (order < 0)
            snprintf(key, sizeof(key), "ring-ref");
        else
            snprintf(key, sizeof(key), "ring-ref%u", i);
        long long ref = be_read_num(d, d->fe, key, -1);
        if (ref < 0 || ref > UINT32_MAX)
            return snprintf(msg, len, "%s/%s is missing or not a number", d->fe, key), -EINVAL;
        p->ring_refs[i] = (uint32_t)ref;
    }
    long long port = be_read_num(d, d->fe, "event-channel", -1);
    if (port <= 0 || port > UINT32_MAX)
        return snprintf(msg, len, "%s/event-channel is missing or not a port", d->fe), -EINVAL;
    p->evtchn = (uint32_t)port;
    proto = be_read(d, d->fe, "protocol");
    int rc = blk_proto_parse(proto, &p->proto);
    if (rc < 0)
        snprintf(msg, len, "unknown protocol '%s' (x86_64-abi or x86_32-abi)", proto);
    free(proto);
    p->persistent = !B.o.no_persistent && be_read_num(d, d->fe, "feature-persistent", 0) == 1;
    p->domid = d->domid;
    return rc;
}

static int vbd_connect(struct be_dev *d, char *msg, size_t len)
{
    struct vbd *v = vbd_of(d);
    struct conn_params p;
    int rc = read_ring(d, &p, msg, len);

    if (rc == 0)
        rc = conn_start(v, &p, &v->conn, msg, len);
    if (rc < 0)
        return rc;
    be_log(&B.core, "vbd %u/%u: connected (%u ring page(s), %s%s)", d->domid, d->devid,
           1u << p.ring_order, p.proto == BLK_PROTO_32 ? "x86_32-abi" : "x86_64-abi",
           p.persistent ? ", persistent grants" : "");
    return 0;
}

static void vbd_disconnect(struct be_dev *d)
{
    struct vbd *v = vbd_of(d);

    conn_stop(v->conn);
    v->conn = NULL;
}

static void vbd_release(struct be_dev *d)
{
    blk_image_close(&vbd_of(d)->img);
}

static unsigned long long ld(atomic_ullong *a)
{
    return atomic_load(a);
}

static void vbd_stats(FILE *f, struct be_dev *d)
{
    struct blk_stats *s = &vbd_of(d)->st;

    fprintf(f,
            " read=%llu write=%llu flush=%llu discard=%llu indirect=%llu bytes_read=%llu "
            "bytes_written=%llu errors=%llu bad_requests=%llu pgrants=%llu grant_copies=%llu "
            "notifies=%llu connects=%llu",
            ld(&s->reqs[BLKIF_OP_READ]), ld(&s->reqs[BLKIF_OP_WRITE]),
            ld(&s->reqs[BLKIF_OP_FLUSH_DISKCACHE]), ld(&s->reqs[BLKIF_OP_DISCARD]),
            ld(&s->reqs[BLKIF_OP_INDIRECT]), ld(&s->bytes_read), ld(&s->bytes_written),
            ld(&s->errors), ld(&s->bad_requests), ld(&s->pgrants), ld(&s->grant_copies),
            ld(&s->notifies), ld(&s->connects));
}

/* Set up and detached, before any worker thread: confine the process (docs/security.md).
 * Without io_uring, its system calls are not allowed either. */
static int vbd_start(struct backend *b)
{
    const struct sandbox_policy *p = B.o.no_uring ? &sandbox_blkback_sync : &sandbox_blkback;
    char msg[256];
    int rc = dom0_sandbox(B.o.no_sandbox ? NULL : p, msg, sizeof(msg));

    be_log(b, "%s", msg);
    if (rc < 0)
        return rc;
    be_log(b,
           "serving vbds (run directory %s; io_uring %s, O_DIRECT %s, persistent grants %s, "
           "rings up to %u pages, %u indirect segments)",
           b->rundir, B.o.no_uring ? "off" : "on", B.o.no_direct ? "off" : "when possible",
           B.o.no_persistent ? "off" : "on", 1u << B.o.max_ring_order, B.o.max_indirect);
    return 0;
}

const struct be_ops vbd_ops = {
    .dev_size = sizeof(struct vbd),
    .init = vbd_init,
    .connect = vbd_connect,
    .disconnect = vbd_disconnect,
    .release = vbd_release,
    .stats = vbd_stats,
    .start = vbd_start,
};
