/* xenbus.c: netback's driver ops for the backend core: a vif's MAC, MTU and bridge or TAP
 * device (InitWait), the frontend's rings and features (connect), teardown, counters. */
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "netback.h"

#define DEFAULT_BRIDGE "xenbr0"
#define MTU_MIN        68
#define MTU_MAX        (NB_MAX_FRAME - NB_ETH_HLEN - 4)

static struct vif *vif_of(struct be_dev *d)
{
    return (struct vif *)d;
}

/* The vif's settings from its backend directory (written by the toolstack). */
static int read_config(struct vif *v, char *type, size_t tlen, char *tapname, size_t nlen,
                       char *msg, size_t len)
{
    struct be_dev *d = &v->d;
    char *mac = be_read(d, d->be, "mac"), *br = be_read(d, d->be, "bridge");
    char *ty = be_read(d, d->be, "type"), *name = be_read(d, d->be, "vifname");
    long long mtu = be_read_num(d, d->be, "mtu", 1500);
    int rc = 0;

    snprintf(v->bridge, sizeof(v->bridge), "%s", br && br[0] ? br : DEFAULT_BRIDGE);
    snprintf(type, tlen, "%s", ty && ty[0] ? ty : "vif");
    if (name && name[0])
        snprintf(tapname, nlen, "%s", name);
    else
        snprintf(tapname, nlen, "vif%u.%u", d->domid, d->devid);
    if (nb_mac_parse(mac, v->mac) < 0 || (v->mac[0] & 1))
        rc = -EINVAL,
        snprintf(msg, len, "mac '%s' is not a unicast xx:xx:xx:xx:xx:xx address", mac ? mac : "");
    else if (mtu < MTU_MIN || mtu > MTU_MAX)
        rc = -EINVAL,
        snprintf(msg, len, "mtu %lld is out of range (%d..%u)", mtu, MTU_MIN, MTU_MAX);
    else if (strcmp(type, "vif") != 0 && strcmp(type, "tap") != 0)
        rc = -EINVAL, snprintf(msg, len, "type '%s' is not supported (vif or tap)", type);
    else if (strlen(tapname) >= IFNAMSIZ)
        rc = -EINVAL,
        snprintf(msg, len, "vifname '%s' is longer than %d characters", tapname, IFNAMSIZ - 1);
    v->mtu = (unsigned)mtu;
    free(mac);
    free(br);
    free(ty);
    free(name);
    return rc;
}

static void publish(struct be_dev *d)
{
    be_write(d, "feature-sg", "1");
    be_write(d, "feature-rx-copy", "1");
    be_write(d, "feature-rx-flip", "0");
    be_write(d, "feature-persistent", "%d", N.o.no_persistent ? 0 : 1);
}

static int vif_init(struct be_dev *d, char *msg, size_t len)
{
    struct vif *v = vif_of(d);
    char type[16], tapname[64];
    bool host_br;
    int rc;

    v->tap_fd = -1;
    if ((rc = read_config(v, type, sizeof(type), tapname, sizeof(tapname), msg, len)) < 0)
        return rc;
    host_br = tap_host_bridge(v->bridge);
    if (host_br || strcmp(type, "tap") == 0) {
        v->tap_fd = tap_open(tapname, v->mtu, host_br ? v->bridge : NULL, msg, len);
        if (v->tap_fd < 0)
            return v->tap_fd;
    }
    dp_lock();
    rc = dp_plug(v, v->mac, v->mtu, v->bridge, v->tap_fd, tapname, &v->st, &v->port, msg, len);
    dp_unlock();
    if (rc < 0)
        return rc;  /* dp_plug closed nothing: release() closes the TAP */
    v->tap_fd = -1; /* the port owns it now */
    publish(d);
    be_log(&N.core, "vif %u/%u: mac %02x:%02x:%02x:%02x:%02x:%02x mtu %u on %s%s%s", d->domid,
           d->devid, v->mac[0], v->mac[1], v->mac[2], v->mac[3], v->mac[4], v->mac[5], v->mtu,
           v->port->tap_fd >= 0 ? "TAP " : "switch ", v->port->tap_fd >= 0 ? tapname : v->bridge,
           host_br ? " (host bridge)" : "");
    return 0;
}

static int read_ring(struct be_dev *d, struct conn_params *cp, char *msg, size_t len)
{
    long long tx = be_read_num(d, d->fe, "tx-ring-ref", -1);
    long long rx = be_read_num(d, d->fe, "rx-ring-ref", -1);
    long long port = be_read_num(d, d->fe, "event-channel", -1);

    if (tx < 0 || tx > UINT32_MAX || rx < 0 || rx > UINT32_MAX)
        return snprintf(msg, len, "%s/tx-ring-ref or rx-ring-ref is missing or not a number",
                        d->fe),
               -EINVAL;
    if (port <= 0 || port > UINT32_MAX)
        return snprintf(msg, len,
                        "%s/event-channel is missing or not a port (split event channels "
                        "are not offered)",
                        d->fe),
               -EINVAL;
    if (be_read_num(d, d->fe, "request-rx-copy", 0) != 1)
        return snprintf(msg, len,
                        "the frontend does not request rx-copy (page flipping is not "
                        "supported)"),
               -EINVAL;
    if (be_read_num(d, d->fe, "feature-rx-notify", 0) != 1)
        return snprintf(msg, len, "the frontend does not offer feature-rx-notify (required)"),
               -EINVAL;
    if (be_read_num(d, d->fe, "multi-queue-num-queues", 1) > 1)
        return snprintf(msg, len, "multi-queue-num-queues > 1: netback offers one queue"), -EINVAL;
    *cp = (struct conn_params){.tx_ref = (uint32_t)tx,
                               .rx_ref = (uint32_t)rx,
                               .evtchn = (uint32_t)port,
                               .sg = be_read_num(d, d->fe, "feature-sg", 0) == 1,
                               .rx_notify = true,
                               .persistent = be_read_num(d, d->fe, "feature-persistent", 0) == 1};
    return 0;
}

static int vif_connect(struct be_dev *d, char *msg, size_t len)
{
    struct vif *v = vif_of(d);
    struct conn_params cp;
    int rc = read_ring(d, &cp, msg, len);

    if (rc < 0)
        return rc;
    dp_lock();
    rc = dp_connect(v->port, d->domid, &cp, msg, len);
    dp_unlock();
    if (rc == 0)
        be_log(&N.core, "vif %u/%u: connected (%s%s)", d->domid, d->devid,
               cp.sg ? "scatter-gather" : "single-slot frames",
               v->port->persistent ? ", persistent grants" : ", grant copy");
    return rc;
}

static void vif_disconnect(struct be_dev *d)
{
    dp_lock();
    dp_disconnect(vif_of(d)->port);
    dp_unlock();
}

static void vif_release(struct be_dev *d)
{
    struct vif *v = vif_of(d);

    if (v->port) {
        dp_lock();
        dp_unplug(v->port);
        dp_unlock();
        v->port = NULL;
    }
    if (v->tap_fd >= 0)
        close(v->tap_fd);
}

static unsigned long long ld(atomic_ullong *a)
{
    return atomic_load(a);
}

static void vif_stats(FILE *f, struct be_dev *d)
{
    struct vif *v = vif_of(d);
    struct nb_stats *s = &v->st;

    fprintf(f,
            " mac=%02x:%02x:%02x:%02x:%02x:%02x bridge=%s tx_packets=%llu tx_bytes=%llu "
            "tx_errors=%llu tx_dropped=%llu rx_packets=%llu rx_bytes=%llu rx_dropped=%llu "
            "rx_errors=%llu rxq_bytes=%llu rxq_peak=%llu rxq_max=%u pgrants=%llu "
            "grant_copies=%llu notifies=%llu events=%llu connects=%llu",
            v->mac[0], v->mac[1], v->mac[2], v->mac[3], v->mac[4], v->mac[5], v->bridge,
            ld(&s->tx_packets), ld(&s->tx_bytes), ld(&s->tx_errors), ld(&s->tx_dropped),
            ld(&s->rx_packets), ld(&s->rx_bytes), ld(&s->rx_dropped), ld(&s->rx_errors),
            ld(&s->rxq_bytes), ld(&s->rxq_peak), N.o.queue_bytes, ld(&s->pgrants),
            ld(&s->grant_copies), ld(&s->notifies), ld(&s->events), ld(&s->connects));
    if (v->port && v->port->tap_fd >= 0)
        fprintf(f, " tap=%s", v->port->tapname);
}

static int vif_start(struct backend *b)
{
    int rc = dp_start(&N.o, b->rundir);

    if (rc < 0) {
        be_log(b, "cannot start the data path: %s", strerror(-rc));
        return rc;
    }
    be_log(b, "serving vifs (run directory %s; persistent grants %s, receive queues of %u bytes)",
           b->rundir, N.o.no_persistent ? "off" : "on", N.o.queue_bytes);
    return 0;
}

static void vif_stop(struct backend *b)
{
    (void)b;
    dp_stop();
}

const struct be_ops vif_ops = {
    .dev_size = sizeof(struct vif),
    .init = vif_init,
    .connect = vif_connect,
    .disconnect = vif_disconnect,
    .release = vif_release,
    .stats = vif_stats,
    .start = vif_start,
    .stop = vif_stop,
};
