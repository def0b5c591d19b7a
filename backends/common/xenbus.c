/* xenbus.c: the backends' xenstore side: finding devices, the xenbus handshake with each
 * frontend, teardown, xenstore reconnection. */
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

#include "core.h"

#define TOKEN_ROOT    "be-root"
#define TOKEN_RELEASE "be-release"
#define TOKEN_FE      "be-fe:" /* + domid:devid */

/* ---- xenstore helpers --------------------------------------------------------------------- */

char *be_read(struct be_dev *d, const char *dir, const char *key)
{
    char path[192];

    snprintf(path, sizeof(path), "%s/%s", dir, key);
    return d->owner->xs ? xs_read(d->owner->xs, XBT_NULL, path, NULL) : NULL;
}

long long be_read_num(struct be_dev *d, const char *dir, const char *key, long long def)
{
    char *v = be_read(d, dir, key), *end;
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

void be_write(struct be_dev *d, const char *key, const char *fmt, ...)
{
    struct backend *b = d->owner;
    char path[192], val[256];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(val, sizeof(val), fmt, ap);
    va_end(ap);
    snprintf(path, sizeof(path), "%s/%s", d->be, key);
    if (b->xs && !xs_write(b->xs, XBT_NULL, path, val, (unsigned)strlen(val)))
        be_log(b, "%s %u/%u: cannot write %s: %s", b->kind, d->domid, d->devid, path,
               strerror(errno));
}

void be_hotplug_error(struct be_dev *d, const char *msg)
{
    be_write(d, "hotplug-error", "%s", msg);
    be_write(d, "hotplug-status", "error");
}

static void set_state(struct be_dev *d, int state)
{
    be_write(d, "state", "%d", state);
}

/* ---- the device list ---------------------------------------------------------------------- */

static struct be_dev *dev_find(struct backend *b, uint32_t domid, uint32_t devid)
{
    for (struct be_dev *d = b->devs; d; d = d->next)
        if (d->domid == domid && d->devid == devid)
            return d;
    return NULL;
}

static void watch_fe(struct be_dev *d, bool on)
{
    struct backend *b = d->owner;
    char path[192], token[48];

    if (!b->xs || d->fe_watched == on || !d->fe[0])
        return;
    snprintf(path, sizeof(path), "%s/state", d->fe);
    snprintf(token, sizeof(token), TOKEN_FE "%u:%u", d->domid, d->devid);
    if (!on)
        xs_unwatch(b->xs, path, token); /* gone with the frontend's directory is fine */
    else if (!xs_watch(b->xs, path, token)) {
        be_log(b, "%s %u/%u: cannot watch %s: %s", b->kind, d->domid, d->devid, path,
               strerror(errno));
        return;
    }
    d->fe_watched = on;
}

static void disconnect(struct be_dev *d)
{
    struct backend *b = d->owner;

    if (!d->connected)
        return;
    b->ops->disconnect(d);
    d->connected = false;
    be_log(b, "%s %u/%u: disconnected", b->kind, d->domid, d->devid);
}

static void dev_free(struct be_dev *d)
{
    struct backend *b = d->owner;
    struct be_dev **pp = &b->devs;

    disconnect(d);
    watch_fe(d, false);
    if (b->ops->release && d->phase != BE_NEW)
        b->ops->release(d);
    while (*pp != d)
        pp = &(*pp)->next;
    *pp = d->next;
    free(d);
}

static struct be_dev *dev_new(struct backend *b, uint32_t domid, uint32_t devid)
{
    struct be_dev *d = calloc(1, b->ops->dev_size);

    if (!d)
        return NULL;
    d->owner = b;
    d->domid = domid;
    d->devid = devid;
    snprintf(d->be, sizeof(d->be), "%s/%u/%u", b->root, domid, devid);
    d->next = b->devs;
    b->devs = d;
    return d;
}

/* ---- set-up (InitWait) -------------------------------------------------------------------- */

static void dev_fail(struct be_dev *d, const char *msg)
{
    d->phase = BE_FAILED;
    snprintf(d->why, sizeof(d->why), "%s", msg);
    be_log(d->owner, "%s %u/%u: %s", d->owner->kind, d->domid, d->devid, msg);
    be_hotplug_error(d, msg);
}

/* Reads the frontend path, lets the driver set up and publishes InitWait. */
static void dev_init(struct be_dev *d, int bstate)
{
    struct backend *b = d->owner;
    char *fe = be_read(d, d->be, "frontend");
    char prefix[48], msg[320] = "";
    int rc = -EINVAL;

    snprintf(prefix, sizeof(prefix), "/local/domain/%u/", d->domid);
    if (!fe || strncmp(fe, prefix, strlen(prefix)) != 0 || strlen(fe) >= sizeof(d->fe))
        snprintf(msg, sizeof(msg), "frontend path '%s' is not under %s", fe ? fe : "", prefix);
    else
        rc = 0;
    if (rc == 0)
        snprintf(d->fe, sizeof(d->fe), "%s", fe);
    free(fe);
    d->phase = BE_INITWAIT; /* from here on, ops->release is due */
    if (rc == 0)
        rc = b->ops->init(d, msg, sizeof(msg));
    if (rc < 0) {
        dev_fail(d, msg);
        return;
    }
    /* A backend left Initialised/Connected by an earlier process: the frontend must redo
     * the handshake (its ring state died with that process). */
    d->stale = bstate >= XenbusStateInitialised && bstate <= XenbusStateConnected;
    be_write(d, "hotplug-status", "connected");
    set_state(d, XenbusStateInitWait);
    watch_fe(d, true);
    if (d->stale)
        be_log(b, "%s %u/%u: waiting for its frontend to reconnect", b->kind, d->domid, d->devid);
}

static void dev_connect(struct be_dev *d)
{
    struct backend *b = d->owner;
    char msg[320] = "";
    int rc = b->ops->connect(d, msg, sizeof(msg));

    if (rc < 0) {
        snprintf(d->why, sizeof(d->why), "%s", msg);
        be_log(b, "%s %u/%u: cannot connect: %s", b->kind, d->domid, d->devid, msg);
        return; /* stays in InitWait: the frontend may write better values */
    }
    d->connected = true;
    d->phase = BE_CONNECTED;
    d->why[0] = '\0';
    set_state(d, XenbusStateConnected);
}

/* ---- the state machine -------------------------------------------------------------------- */

static void go_closed(struct be_dev *d, int bstate)
{
    disconnect(d);
    d->phase = BE_CLOSED;
    if (bstate != XenbusStateClosed)
        set_state(d, XenbusStateClosed);
}

static void restart_handshake(struct be_dev *d)
{
    disconnect(d);
    d->broken = false; /* the features published at InitWait still stand */
    set_state(d, XenbusStateInitWait);
    d->phase = BE_INITWAIT;
}

static void on_frontend(struct be_dev *d, int fstate, int bstate, int online)
{
    switch (fstate) {
    case XenbusStateInitialised:
    case XenbusStateConnected:
        if (d->phase == BE_INITWAIT && !d->stale && !d->broken)
            dev_connect(d);
        break;
    case XenbusStateClosing:
        disconnect(d);
        if (bstate != XenbusStateClosing && bstate != XenbusStateClosed)
            set_state(d, XenbusStateClosing);
        break;
    case XenbusStateClosed:
        d->broken = false;
        go_closed(d, bstate);
        break;
    case XenbusStateInitialising: /* the frontend starts over (a new driver instance) */
        if ((d->phase == BE_CLOSED || d->connected) && online != 0)
            restart_handshake(d);
        break;
    case -1: /* the frontend's directory is gone (domain dying) */
        disconnect(d);
        break;
    default:
        break;
    }
}

static void dev_update(struct be_dev *d)
{
    struct backend *b = d->owner;
    int bstate = (int)be_read_num(d, d->be, "state", -1);
    int fstate, online;

    if (bstate < 0) { /* the toolstack removed the device */
        be_log(b, "%s %u/%u: removed", b->kind, d->domid, d->devid);
        dev_free(d);
        return;
    }
    if (d->phase == BE_NEW) {
        dev_init(d, bstate);
        bstate = XenbusStateInitWait; /* what dev_init() wrote, unless it failed */
    }
    if (d->phase == BE_FAILED)
        return;
    fstate = (int)be_read_num(d, d->fe, "state", -1);
    online = (int)be_read_num(d, d->be, "online", 1);
    if (fstate != XenbusStateConnected)
        d->stale = false;
    if (online == 0 && bstate >= XenbusStateClosing) { /* xl *-detach */
        if (!d->connected || fstate == XenbusStateClosing || fstate == XenbusStateClosed ||
            fstate < 0)
            go_closed(d, bstate);
        return;
    }
    on_frontend(d, fstate, bstate, online);
}

/* ---- discovery ---------------------------------------------------------------------------- */

static char **list(struct backend *b, const char *path, unsigned *n)
{
    char **l = b->xs ? xs_directory(b->xs, XBT_NULL, path, n) : NULL;

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

/* Finds new devices, and updates every known one (removing those that are gone). */
static void scan(struct backend *b)
{
    char **doms, **devs, path[96];
    unsigned nd, nv;
    uint32_t domid, devid;

    doms = list(b, b->root, &nd);
    for (unsigned i = 0; i < nd; i++) {
        if (!parse_u32(doms[i], &domid))
            continue;
        snprintf(path, sizeof(path), "%s/%u", b->root, domid);
        devs = list(b, path, &nv);
        for (unsigned j = 0; j < nv; j++)
            if (parse_u32(devs[j], &devid) && !dev_find(b, domid, devid) &&
                !dev_new(b, domid, devid))
                be_log(b, "out of memory for %s %u/%u", b->kind, domid, devid);
        free(devs);
    }
    free(doms);
    for (struct be_dev *d = b->devs, *next; d; d = next) {
        next = d->next;
        dev_update(d);
    }
}

/* A watch fired on path: update the device it concerns, or rescan. */
static void on_path(struct backend *b, const char *path)
{
    size_t n = strlen(b->root);
    uint32_t domid, devid;
    struct be_dev *d;
    int used = 0;

    if (strncmp(path, b->root, n) == 0 &&
        sscanf(path + n, "/%u/%u%n", &domid, &devid, &used) == 2 && used > 0 &&
        (path[n + (size_t)used] == '/' || path[n + (size_t)used] == '\0') &&
        (d = dev_find(b, domid, devid)) != NULL) {
        dev_update(d);
        return;
    }
    scan(b);
}

static void on_release(struct backend *b)
{
    struct pvctl *c;
    struct pvctl_dominfo info;

    if (pvctl_open(b->rundir, &c) < 0)
        return;
    for (struct be_dev *d = b->devs; d; d = d->next)
        if (d->connected && pvctl_domain_getinfo(c, d->domid, &info) == -ESRCH) {
            be_log(b, "%s %u/%u: domain %u is gone", b->kind, d->domid, d->devid, d->domid);
            disconnect(d);
        }
    pvctl_close(c);
}

void xb_events(struct backend *b)
{
    char **w;

    while (b->xs && (w = xs_check_watch(b->xs)) != NULL) {
        const char *tok = w[XS_WATCH_TOKEN];
        uint32_t domid, devid;
        struct be_dev *d;

        if (strcmp(tok, TOKEN_ROOT) == 0)
            on_path(b, w[XS_WATCH_PATH]);
        else if (strcmp(tok, TOKEN_RELEASE) == 0)
            on_release(b);
        else if (sscanf(tok, TOKEN_FE "%u:%u", &domid, &devid) == 2 &&
                 (d = dev_find(b, domid, devid)) != NULL)
            dev_update(d);
        free(w);
    }
    if (b->xs && errno != EAGAIN)
        xb_lost(b);
}

void xb_worker_wakeup(struct backend *b)
{
    for (struct be_dev *d = b->devs; d; d = d->next) {
        if (!atomic_exchange(&d->worker_failed, false))
            continue;
        disconnect(d);
        d->broken = true;
        d->phase = BE_CLOSED;
        set_state(d, XenbusStateClosing);
    }
}

/* ---- the connection to xenstored ---------------------------------------------------------- */

void xb_lost(struct backend *b)
{
    if (!b->xs)
        return;
    be_log(b, "lost the connection to xenstored; retrying every second (connected devices "
              "keep working)");
    epoll_ctl(b->epfd, EPOLL_CTL_DEL, xs_fileno(b->xs), NULL);
    xs_close(b->xs);
    b->xs = NULL;
    for (struct be_dev *d = b->devs; d; d = d->next)
        d->fe_watched = false;
    b->next_xs_try_ms = dom0_now_ms() + 1000;
}

int xb_connect(struct backend *b)
{
    struct epoll_event ev = {.events = EPOLLIN, .data.u32 = EV_XS};
    int fd;

    b->next_xs_try_ms = dom0_now_ms() + 1000;
    b->xs = xs_open(0);
    if (!b->xs)
        return -errno;
    if ((fd = xs_fileno(b->xs)) < 0 || epoll_ctl(b->epfd, EPOLL_CTL_ADD, fd, &ev) < 0 ||
        !xs_watch(b->xs, b->root, TOKEN_ROOT) ||
        !xs_watch(b->xs, "@releaseDomain", TOKEN_RELEASE)) {
        int rc = -errno;

        be_log(b, "xenstored: cannot set up watches: %s", strerror(errno));
        xb_lost(b);
        return rc;
    }
    for (struct be_dev *d = b->devs; d; d = d->next)
        if (d->phase != BE_FAILED && d->phase != BE_NEW)
            watch_fe(d, true);
    scan(b);
    return 0;
}

void xb_release_all(struct backend *b)
{
    while (b->devs)
        dev_free(b->devs);
}
