/* xenbus.c: blkback's xenstore side: finding vbds, the xenbus handshake with each frontend,
 * teardown. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include <pvisor/daemon.h>
#include <pvisor/pvctl.h>
#include <pvisor/xs.h>

#include <xen/io/xenbus.h>

#include "blkback.h"

#define BE_ROOT       "/local/domain/0/backend/vbd"
#define TOKEN_ROOT    "blk-root"
#define TOKEN_RELEASE "blk-release"
#define TOKEN_FE      "blk-fe:" /* + domid:devid */

/* ---- xenstore helpers --------------------------------------------------------------------- */

static char *rd(const char *dir, const char *key)
{
    char path[192];

    snprintf(path, sizeof(path), "%s/%s", dir, key);
    return B.xs ? xs_read(B.xs, XBT_NULL, path, NULL) : NULL;
}

/* The unsigned number at dir/key, or def when it is missing or not a number. */
static long long rd_num(const char *dir, const char *key, long long def)
{
    char *v = rd(dir, key), *end;
    long long n;

    if (!v)
        return def;
    errno = 0;
    n = strtoll(v, &end, 10);
    if (errno || end == v || *end || n < 0)
        n = def;
    free(v);
    return n;
}

static void be_write(struct vbd *v, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void be_write(struct vbd *v, const char *key, const char *fmt, ...)
{
    char path[192], val[256];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(val, sizeof(val), fmt, ap);
    va_end(ap);
    snprintf(path, sizeof(path), "%s/%s", v->be, key);
    if (B.xs && !xs_write(B.xs, XBT_NULL, path, val, (unsigned)strlen(val)))
        blk_log("vbd %u/%u: cannot write %s: %s", v->domid, v->devid, path, strerror(errno));
}

static void set_state(struct vbd *v, int state)
{
    be_write(v, "state", "%d", state);
}

/* ---- the vbd list ------------------------------------------------------------------------- */

static struct vbd *vbd_find(uint32_t domid, uint32_t devid)
{
    for (struct vbd *v = B.vbds; v; v = v->next)
        if (v->domid == domid && v->devid == devid)
            return v;
    return NULL;
}

static void watch_fe(struct vbd *v, bool on)
{
    char path[192], token[48];

    if (!B.xs || v->fe_watched == on || !v->fe[0])
        return;
    snprintf(path, sizeof(path), "%s/state", v->fe);
    snprintf(token, sizeof(token), TOKEN_FE "%u:%u", v->domid, v->devid);
    if (!on)
        xs_unwatch(B.xs, path, token); /* gone with the frontend's directory is fine */
    else if (!xs_watch(B.xs, path, token)) {
        blk_log("vbd %u/%u: cannot watch %s: %s", v->domid, v->devid, path, strerror(errno));
        return;
    }
    v->fe_watched = on;
}

static void disconnect(struct vbd *v)
{
    if (!v->conn)
        return;
    conn_stop(v->conn);
    v->conn = NULL;
    blk_log("vbd %u/%u: disconnected", v->domid, v->devid);
}

static void vbd_free(struct vbd *v)
{
    struct vbd **pp = &B.vbds;

    disconnect(v);
    watch_fe(v, false);
    blk_image_close(&v->img);
    while (*pp != v)
        pp = &(*pp)->next;
    *pp = v->next;
    free(v);
}

static struct vbd *vbd_new(uint32_t domid, uint32_t devid)
{
    struct vbd *v = calloc(1, sizeof(*v));

    if (!v)
        return NULL;
    v->domid = domid;
    v->devid = devid;
    v->img.fd = v->img.fd_direct = -1;
    snprintf(v->be, sizeof(v->be), BE_ROOT "/%u/%u", domid, devid);
    v->next = B.vbds;
    B.vbds = v;
    return v;
}

/* ---- set-up: image and features (InitWait) -------------------------------------------------- */

static void publish(struct vbd *v)
{
    const struct blk_image *img = &v->img;
    char *dt = rd(v->be, "device-type");
    unsigned info =
        (img->readonly ? VDISK_READONLY : 0) | (dt && strcmp(dt, "cdrom") == 0 ? VDISK_CDROM : 0);

    free(dt);
    be_write(v, "feature-flush-cache", "1");
    be_write(v, "feature-discard", "%d", img->discard ? 1 : 0);
    if (img->discard) {
        be_write(v, "discard-granularity", "%u", img->phys_sector);
        be_write(v, "discard-alignment", "0");
        be_write(v, "discard-secure", "0");
    }
    be_write(v, "feature-persistent", "%d", B.o.no_persistent ? 0 : 1);
    be_write(v, "feature-max-indirect-segments", "%u", B.o.max_indirect);
    be_write(v, "max-ring-page-order", "%u", B.o.max_ring_order);
    be_write(v, "sectors", "%llu", (unsigned long long)img->sectors);
    be_write(v, "sector-size", "%u", BLK_SECTOR);
    be_write(v, "physical-sector-size", "%u", img->phys_sector);
    be_write(v, "info", "%u", info);
    be_write(v, "hotplug-status", "connected");
}

/* Reads the frontend path, opens the image and publishes InitWait. */
static void vbd_init(struct vbd *v, int bstate)
{
    char *fe = rd(v->be, "frontend"), *params = rd(v->be, "params"), *mode = rd(v->be, "mode");
    char prefix[48], msg[320] = "";
    int rc = -EINVAL;

    snprintf(prefix, sizeof(prefix), "/local/domain/%u/", v->domid);
    if (!fe || strncmp(fe, prefix, strlen(prefix)) != 0 || strlen(fe) >= sizeof(v->fe))
        snprintf(msg, sizeof(msg), "frontend path '%s' is not under %s", fe ? fe : "", prefix);
    else if (!params || !params[0])
        snprintf(msg, sizeof(msg), "no params (image path) in %s", v->be);
    else
        rc = blk_image_open(&v->img, params, mode && mode[0] == 'w', msg, sizeof(msg));
    if (rc == 0)
        snprintf(v->fe, sizeof(v->fe), "%s", fe);
    free(fe);
    free(params);
    free(mode);
    if (rc < 0) {
        v->phase = VBD_FAILED;
        snprintf(v->why, sizeof(v->why), "%s", msg);
        blk_log("vbd %u/%u: %s", v->domid, v->devid, msg);
        be_write(v, "hotplug-error", "%s", msg);
        be_write(v, "hotplug-status", "error");
        return;
    }
    /* A backend left Initialised/Connected by an earlier blkback: the frontend must redo
     * the handshake (its ring state died with that process). */
    v->stale = bstate >= XenbusStateInitialised && bstate <= XenbusStateConnected;
    publish(v);
    set_state(v, XenbusStateInitWait);
    v->phase = VBD_INITWAIT;
    watch_fe(v, true);
    blk_log("vbd %u/%u: serving %s (%llu sectors, %s%s)%s", v->domid, v->devid, v->be,
            (unsigned long long)v->img.sectors, v->img.readonly ? "read-only" : "read-write",
            v->img.fd_direct >= 0 ? ", O_DIRECT" : "",
            v->stale ? "; waiting for its frontend to reconnect" : "");
}

/* ---- connecting ------------------------------------------------------------------------------ */

static int read_ring(struct vbd *v, struct conn_params *p, char *msg, size_t len)
{
    long long order = rd_num(v->fe, "ring-page-order", 0);
    char *proto;
    char key[32];

    if (order > (long long)B.o.max_ring_order)
        return snprintf(msg, len, "ring-page-order %lld exceeds max-ring-page-order %u", order,
                        B.o.max_ring_order),
               -EINVAL;
    p->ring_order = (unsigned)order;
    for (unsigned i = 0; i < 1u << p->ring_order; i++) {
        if (order == 0 && !rd(v->fe, "ring-page-order"))
            snprintf(key, sizeof(key), "ring-ref");
        else
            snprintf(key, sizeof(key), "ring-ref%u", i);
        long long ref = rd_num(v->fe, key, -1);
        if (ref < 0 || ref > UINT32_MAX)
            return snprintf(msg, len, "%s/%s is missing or not a number", v->fe, key), -EINVAL;
        p->ring_refs[i] = (uint32_t)ref;
    }
    long long port = rd_num(v->fe, "event-channel", -1);
    if (port <= 0 || port > UINT32_MAX)
        return snprintf(msg, len, "%s/event-channel is missing or not a port", v->fe), -EINVAL;
    p->evtchn = (uint32_t)port;
    proto = rd(v->fe, "protocol");
    int rc = blk_proto_parse(proto, &p->proto);
    if (rc < 0)
        snprintf(msg, len, "unknown protocol '%s' (x86_64-abi or x86_32-abi)", proto);
    free(proto);
    p->persistent = !B.o.no_persistent && rd_num(v->fe, "feature-persistent", 0) == 1;
    p->domid = v->domid;
    return rc;
}

static void connect(struct vbd *v)
{
    struct conn_params p;
    char msg[320] = "";
    int rc = read_ring(v, &p, msg, sizeof(msg));

    if (rc == 0)
        rc = conn_start(v, &p, &v->conn, msg, sizeof(msg));
    if (rc < 0) {
        snprintf(v->why, sizeof(v->why), "%s", msg);
        blk_log("vbd %u/%u: cannot connect: %s", v->domid, v->devid, msg);
        return; /* stays in InitWait: the frontend may write better values */
    }
    v->phase = VBD_CONNECTED;
    v->why[0] = '\0';
    set_state(v, XenbusStateConnected);
    blk_log("vbd %u/%u: connected (%u ring page(s), %s%s)", v->domid, v->devid, 1u << p.ring_order,
            p.proto == BLK_PROTO_32 ? "x86_32-abi" : "x86_64-abi",
            p.persistent ? ", persistent grants" : "");
}

/* ---- the state machine -------------------------------------------------------------------------
 */

static void go_closed(struct vbd *v, int bstate)
{
    disconnect(v);
    v->phase = VBD_CLOSED;
    if (bstate != XenbusStateClosed)
        set_state(v, XenbusStateClosed);
}

static void restart_handshake(struct vbd *v)
{
    disconnect(v);
    v->broken = false; /* the features published at InitWait still stand */
    set_state(v, XenbusStateInitWait);
    v->phase = VBD_INITWAIT;
}

static void on_frontend(struct vbd *v, int fstate, int bstate, int online)
{
    switch (fstate) {
    case XenbusStateInitialised:
    case XenbusStateConnected:
        if (v->phase == VBD_INITWAIT && !v->stale && !v->broken)
            connect(v);
        break;
    case XenbusStateClosing:
        disconnect(v);
        if (bstate != XenbusStateClosing && bstate != XenbusStateClosed)
            set_state(v, XenbusStateClosing);
        break;
    case XenbusStateClosed:
        v->broken = false;
        go_closed(v, bstate);
        break;
    case XenbusStateInitialising: /* the frontend starts over (a new driver instance) */
        if ((v->phase == VBD_CLOSED || v->conn) && online != 0)
            restart_handshake(v);
        break;
    case -1: /* the frontend's directory is gone (domain dying) */
        disconnect(v);
        break;
    default:
        break;
    }
}

static void vbd_update(struct vbd *v)
{
    int bstate = (int)rd_num(v->be, "state", -1);
    int fstate, online;

    if (bstate < 0) { /* the toolstack removed the device */
        blk_log("vbd %u/%u: removed", v->domid, v->devid);
        vbd_free(v);
        return;
    }
    if (v->phase == VBD_NEW) {
        vbd_init(v, bstate);
        bstate = XenbusStateInitWait; /* what vbd_init() wrote, unless it failed */
    }
    if (v->phase == VBD_FAILED)
        return;
    fstate = (int)rd_num(v->fe, "state", -1);
    online = (int)rd_num(v->be, "online", 1);
    if (fstate != XenbusStateConnected)
        v->stale = false;
    if (online == 0 && bstate >= XenbusStateClosing) { /* xl block-detach */
        if (!v->conn || fstate == XenbusStateClosing || fstate == XenbusStateClosed || fstate < 0)
            go_closed(v, bstate);
        return;
    }
    on_frontend(v, fstate, bstate, online);
}

/* ---- discovery
 * ----------------------------------------------------------------------------------- */

static char **list(const char *path, unsigned *n)
{
    char **l = B.xs ? xs_directory(B.xs, XBT_NULL, path, n) : NULL;

    if (!l)
        *n = 0;
    return l;
}

static bool parse_u32(const char *s, uint32_t *out)
{
    char *end;
    unsigned long v;

    errno = 0;
    v = strtoul(s, &end, 10);
    if (errno || end == s || *end || v > UINT32_MAX)
        return false;
    *out = (uint32_t)v;
    return true;
}

/* Finds new vbds, and updates every known one (removing those that are gone). */
static void scan(void)
{
    char **doms, **devs, path[96];
    unsigned nd, nv;
    uint32_t domid, devid;

    doms = list(BE_ROOT, &nd);
    for (unsigned i = 0; i < nd; i++) {
        if (!parse_u32(doms[i], &domid))
            continue;
        snprintf(path, sizeof(path), BE_ROOT "/%u", domid);
        devs = list(path, &nv);
        for (unsigned j = 0; j < nv; j++)
            if (parse_u32(devs[j], &devid) && !vbd_find(domid, devid) && !vbd_new(domid, devid))
                blk_log("out of memory for vbd %u/%u", domid, devid);
        free(devs);
    }
    free(doms);
    for (struct vbd *v = B.vbds, *next; v; v = next) {
        next = v->next;
        vbd_update(v);
    }
}

/* A watch fired on path: update the vbd it concerns, or rescan. */
static void on_path(const char *path)
{
    uint32_t domid, devid;
    struct vbd *v;
    int used = 0;

    if (sscanf(path, BE_ROOT "/%u/%u%n", &domid, &devid, &used) == 2 && used > 0 &&
        (path[used] == '/' || path[used] == '\0') && (v = vbd_find(domid, devid)) != NULL) {
        vbd_update(v);
        return;
    }
    scan();
}

static void on_release(void)
{
    struct pvctl *c;
    struct pvctl_dominfo info;

    if (pvctl_open(B.o.rundir, &c) < 0)
        return;
    for (struct vbd *v = B.vbds; v; v = v->next)
        if (v->conn && pvctl_domain_getinfo(c, v->domid, &info) == -ESRCH) {
            blk_log("vbd %u/%u: domain %u is gone", v->domid, v->devid, v->domid);
            disconnect(v);
        }
    pvctl_close(c);
}

void xb_events(void)
{
    char **w;

    while (B.xs && (w = xs_check_watch(B.xs)) != NULL) {
        const char *tok = w[XS_WATCH_TOKEN];
        uint32_t domid, devid;
        struct vbd *v;

        if (strcmp(tok, TOKEN_ROOT) == 0)
            on_path(w[XS_WATCH_PATH]);
        else if (strcmp(tok, TOKEN_RELEASE) == 0)
            on_release();
        else if (sscanf(tok, TOKEN_FE "%u:%u", &domid, &devid) == 2 &&
                 (v = vbd_find(domid, devid)) != NULL)
            vbd_update(v);
        free(w);
    }
    if (B.xs && errno != EAGAIN)
        xb_lost();
}

void xb_worker_wakeup(void)
{
    for (struct vbd *v = B.vbds; v; v = v->next) {
        if (!atomic_exchange(&v->worker_failed, false))
            continue;
        disconnect(v);
        v->broken = true;
        v->phase = VBD_CLOSED;
        set_state(v, XenbusStateClosing);
    }
}

/* ---- the connection to xenstored
 * ----------------------------------------------------------------- */

void xb_lost(void)
{
    if (!B.xs)
        return;
    blk_log("lost the connection to xenstored; retrying every second (connected rings keep "
            "working)");
    epoll_ctl(B.epfd, EPOLL_CTL_DEL, xs_fileno(B.xs), NULL);
    xs_close(B.xs);
    B.xs = NULL;
    for (struct vbd *v = B.vbds; v; v = v->next)
        v->fe_watched = false;
    B.next_xs_try_ms = dom0_now_ms() + 1000;
}

int xb_connect(void)
{
    struct epoll_event ev = {.events = EPOLLIN, .data.u32 = 1};
    int fd;

    B.next_xs_try_ms = dom0_now_ms() + 1000;
    B.xs = xs_open(0);
    if (!B.xs)
        return -errno;
    if ((fd = xs_fileno(B.xs)) < 0 || epoll_ctl(B.epfd, EPOLL_CTL_ADD, fd, &ev) < 0 ||
        !xs_watch(B.xs, BE_ROOT, TOKEN_ROOT) || !xs_watch(B.xs, "@releaseDomain", TOKEN_RELEASE)) {
        int rc = -errno;

        blk_log("xenstored: cannot set up watches: %s", strerror(errno));
        xb_lost();
        return rc;
    }
    for (struct vbd *v = B.vbds; v; v = v->next)
        if (v->phase != VBD_FAILED && v->phase != VBD_NEW)
            watch_fe(v, true);
    scan();
    return 0;
}

void xb_release_all(void)
{
    while (B.vbds)
        vbd_free(B.vbds);
}
