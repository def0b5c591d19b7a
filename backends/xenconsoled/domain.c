/* domain.c: xenconsoled's domains: discovery (xenstore watches, pvisord's list), connecting a
 * console ring, disconnecting, forgetting. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <unistd.h>

#include <pvisor/evtchn.h>
#include <pvisor/fmem.h>
#include <pvisor/xs.h>

#include <xen/hvm/params.h>

#include "xenconsoled.h"

#define TOKEN_INTRODUCE "xcd-introduce"
#define TOKEN_RELEASE   "xcd-release"
#define TOKEN_CONSOLE   "xcd-console-" /* + domid */
#define XS_RETRY_MS     1000

struct cdom *dom_find(uint32_t domid)
{
    for (struct cdom *d = X.doms; d; d = d->next)
        if (d->domid == domid)
            return d;
    return NULL;
}

const char *dom_state_name(const struct cdom *d)
{
    static const char *const names[] = {[CD_WAITING] = "waiting",
                                        [CD_LIVE] = "live",
                                        [CD_BROKEN] = "disconnected",
                                        [CD_GONE] = "gone"};
    return names[d->state];
}

/* ---- xenstore -------------------------------------------------------------------------- */

static void console_path(const struct cdom *d, const char *key, char *buf, size_t len)
{
    snprintf(buf, len, "/local/domain/%u/console%s%s", d->domid, key ? "/" : "", key ? key : "");
}

static void watch_domain(struct cdom *d, bool on)
{
    char path[96], token[48];

    if (!X.xs || d->watching == on)
        return;
    console_path(d, NULL, path, sizeof(path));
    snprintf(token, sizeof(token), TOKEN_CONSOLE "%u", d->domid);
    if (on ? xs_watch(X.xs, path, token) : xs_unwatch(X.xs, path, token))
        d->watching = on;
    else if (on)
        xcd_log("domain %u: cannot watch %s: %s", d->domid, path, strerror(errno));
    else
        d->watching = false;
}

static void publish_tty(struct cdom *d, bool on)
{
    char path[96];

    if (!X.xs)
        return;
    console_path(d, "tty", path, sizeof(path));
    if (on ? !xs_write(X.xs, XBT_NULL, path, d->tty, (unsigned)strlen(d->tty))
           : !xs_rm(X.xs, XBT_NULL, path) && errno != ENOENT)
        xcd_debug("domain %u: %s %s: %s", d->domid, on ? "write" : "remove", path, strerror(errno));
}

void xs_lost(void)
{
    if (!X.xs)
        return;
    xcd_log("lost the connection to xenstored; retrying every %d s", XS_RETRY_MS / 1000);
    xcd_epoll_set(xs_fileno(X.xs), EPOLLIN, 0, &X.xs_tag);
    xs_close(X.xs);
    X.xs = NULL;
    for (struct cdom *d = X.doms; d; d = d->next)
        d->watching = false;
    X.next_xs_try_ms = xcd_now_ms() + XS_RETRY_MS;
}

void xs_try_connect(void)
{
    static bool warned;
    int fd;

    X.next_xs_try_ms = xcd_now_ms() + XS_RETRY_MS;
    X.xs = xs_open(0);
    if (!X.xs) {
        if (!warned)
            xcd_log("xenstored is not reachable at %s (%s): consoles work, but tty paths are not "
                    "published and new domains are found by polling; retrying",
                    xs_daemon_socket(), strerror(errno));
        warned = true;
        return;
    }
    X.xs_tag = (struct xcd_tag){TAG_XS, NULL};
    if ((fd = xs_fileno(X.xs)) < 0 || xcd_epoll_set(fd, 0, EPOLLIN, &X.xs_tag) < 0 ||
        !xs_watch(X.xs, "@introduceDomain", TOKEN_INTRODUCE) ||
        !xs_watch(X.xs, "@releaseDomain", TOKEN_RELEASE)) {
        xcd_log("xenstored: cannot set up watches: %s", strerror(errno));
        xs_lost();
        return;
    }
    if (warned)
        xcd_log("connected to xenstored");
    warned = false;
    for (struct cdom *d = X.doms; d; d = d->next) {
        watch_domain(d, d->state == CD_WAITING || d->state == CD_LIVE);
        if (d->state == CD_LIVE)
            publish_tty(d, true);
    }
}

void xs_handle_events(void)
{
    char **w;

    while (X.xs && (w = xs_check_watch(X.xs)) != NULL) {
        const char *tok = w[XS_WATCH_TOKEN];

        if (strcmp(tok, TOKEN_INTRODUCE) == 0 || strcmp(tok, TOKEN_RELEASE) == 0) {
            dom_scan();
        } else if (strncmp(tok, TOKEN_CONSOLE, strlen(TOKEN_CONSOLE)) == 0) {
            struct cdom *d = dom_find((uint32_t)strtoul(tok + strlen(TOKEN_CONSOLE), NULL, 10));

            if (d && d->state == CD_WAITING)
                dom_try_connect(d);
        }
        free(w);
    }
    if (X.xs && errno != EAGAIN)
        xs_lost();
}

/* ---- connecting ------------------------------------------------------------------------- */

static bool xs_read_u64(const struct cdom *d, const char *key, uint64_t *v)
{
    char path[96], *val, *end;
    unsigned len;

    if (!X.xs)
        return false;
    console_path(d, key, path, sizeof(path));
    val = xs_read(X.xs, XBT_NULL, path, &len);
    if (!val)
        return false;
    errno = 0;
    *v = strtoull(val, &end, 10);
    bool ok = !errno && end != val && *end == '\0';
    free(val);
    return ok;
}

/* ring-ref and port from xenstore (as xl writes them), else the domain's HVM params. */
static int find_ring(struct cdom *d, uint64_t *pfn, uint64_t *port)
{
    int rc;

    if (xs_read_u64(d, "ring-ref", pfn) && xs_read_u64(d, "port", port) && *port)
        return 0;
    rc = pvctl_domain_get_param(X.ctl, d->domid, HVM_PARAM_CONSOLE_PFN, pfn);
    if (rc == 0)
        rc = pvctl_domain_get_param(X.ctl, d->domid, HVM_PARAM_CONSOLE_EVTCHN, port);
    if (rc == 0 && (!*pfn || !*port))
        rc = -EAGAIN; /* the builder has not got that far */
    return rc;
}

static void set_broken(struct cdom *d, const char *fmt, va_list ap)
{
    vsnprintf(d->why, sizeof(d->why), fmt, ap);
    d->state = CD_BROKEN;
    watch_domain(d, false);
}

static void broken(struct cdom *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void broken(struct cdom *d, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    set_broken(d, fmt, ap);
    va_end(ap);
    xcd_log("domain %u (%s): %s", d->domid, d->name, d->why);
}

static void unbind(struct cdom *d)
{
    if (d->local_port) {
        pvevtchn_unbind(X.evt, d->local_port);
        d->local_port = 0;
    }
    if (d->intf) {
        pvfmem_unmap(X.fmem, d->intf, 1);
        d->intf = NULL;
    }
}

void dom_try_connect(struct cdom *d)
{
    uint64_t pfn = 0, port = 0, limit = 0;
    int err = 0, rc;

    if (d->state != CD_WAITING)
        return;
    rc = find_ring(d, &pfn, &port);
    if (rc == -EAGAIN || rc == -ESRCH)
        return; /* not ready yet, or already gone: the next event or scan decides */
    if (rc < 0 || port > UINT32_MAX) {
        broken(d, "cannot find the console ring: %s", rc < 0 ? pvctl_strerror(rc) : "bad port");
        return;
    }
    d->intf = pvfmem_map(X.fmem, d->domid, PROT_READ | PROT_WRITE, 1, &pfn, NULL, &err);
    if (!d->intf) {
        broken(d, "cannot map console frame %llu: %s", (unsigned long long)pfn,
               pvctl_strerror(err));
        return;
    }
    rc = pvevtchn_bind_interdomain(X.evt, d->domid, (uint32_t)port, &d->local_port);
    if (rc < 0) {
        d->local_port = 0;
        unbind(d);
        broken(d, "cannot bind console event channel %llu: %s", (unsigned long long)port,
               pvctl_strerror(rc));
        return;
    }
    d->ring_pfn = pfn;
    d->remote_port = (uint32_t)port;
    /* Start from the indexes on the page (a previous xenconsoled may have consumed). */
    d->out_cons = __atomic_load_n(&d->intf->out_cons, __ATOMIC_RELAXED);
    d->in_prod = __atomic_load_n(&d->intf->in_prod, __ATOMIC_RELAXED);
    /* console/limit (xl writes libxl's default) can only lower our own buffer bound. */
    d->buf_cap = X.o.buffer_size;
    if (xs_read_u64(d, "limit", &limit) && limit < d->buf_cap)
        d->buf_cap = limit < 4096 ? 4096 : limit;
    if (io_open(d) < 0) { /* it said why in d->why */
        char why[XCD_WHY_MAX];
        unbind(d);
        snprintf(why, sizeof(why), "%s", d->why);
        broken(d, "%s", why);
        return;
    }
    d->state = CD_LIVE;
    d->tokens = (double)X.o.burst;
    d->tokens_at_ms = xcd_now_ms();
    publish_tty(d, true);
    xcd_log("domain %u (%s): console on %s (ring frame %llu, port %u, our port %u)", d->domid,
            d->name, d->tty, (unsigned long long)pfn, d->remote_port, d->local_port);
    io_service_output(d, false); /* the new port starts pending too; harmless */
}

void dom_disconnect(struct cdom *d, const char *fmt, ...)
{
    va_list ap;
    char note[XCD_WHY_MAX + 64];

    va_start(ap, fmt);
    set_broken(d, fmt, ap);
    va_end(ap);
    xcd_log("domain %u (%s): %s: console disconnected (the domain keeps running)", d->domid,
            d->name, d->why);
    snprintf(note, sizeof(note), "\r\n[xenconsoled: console disconnected: %s]\r\n", d->why);
    io_log_note(d, note);
    publish_tty(d, false);
    unbind(d);
    io_close(d);
}

/* ---- the domain list -------------------------------------------------------------------- */

static struct cdom *dom_new(const struct pvctl_dominfo *info)
{
    struct cdom *d = calloc(1, sizeof(*d));

    if (!d) {
        xcd_log("domain %u: out of memory", info->domid);
        return NULL;
    }
    d->domid = info->domid;
    memcpy(d->uuid, info->uuid, sizeof(d->uuid));
    snprintf(d->name, sizeof(d->name), "%s", info->name[0] ? info->name : "unnamed");
    d->master_fd = d->slave_fd = d->log_fd = -1;
    d->state = CD_WAITING;
    d->next = X.doms;
    X.doms = d;
    X.ndoms++;
    xcd_debug("domain %u (%s): new", d->domid, d->name);
    watch_domain(d, true);
    return d;
}

static void dom_free(struct cdom *d)
{
    for (struct cdom **p = &X.doms; *p; p = &(*p)->next) {
        if (*p == d) {
            *p = d->next;
            break;
        }
    }
    watch_domain(d, false);
    unbind(d);
    io_close(d);
    X.ndoms--;
    xcd_debug("domain %u (%s): forgotten", d->domid, d->name);
    /* Freed after the current epoll batch, which may still name it. */
    d->next = X.grave;
    X.grave = d;
}

void dom_reap(void)
{
    while (X.grave) {
        struct cdom *d = X.grave;

        X.grave = d->next;
        free(d);
    }
}

/* The domain is gone: take what is left in the ring, then let the pty linger. */
static void dom_gone(struct cdom *d)
{
    if (d->state == CD_LIVE) {
        io_service_output(d, true);
        if (d->state == CD_LIVE) {
            xcd_log("domain %u (%s): gone; console closed", d->domid, d->name);
            unbind(d);
            watch_domain(d, false);
            d->state = CD_GONE;
            d->gone_at_ms = d->linger_progress_ms = xcd_now_ms();
            d->linger_inq = -1;
            return;
        }
    }
    if (d->state != CD_GONE)
        dom_free(d);
}

void dom_tick(uint64_t now)
{
    struct cdom *next;

    for (struct cdom *d = X.doms; d; d = next) {
        next = d->next;
        if (d->state == CD_GONE && now - d->linger_progress_ms >= XCD_LINGER_MS)
            dom_free(d);
    }
}

void dom_scan(void)
{
    static struct pvctl_dominfo *buf;
    static uint32_t cap;
    uint32_t count = 0;
    int rc;

    X.next_scan_ms = xcd_now_ms() + XCD_SCAN_MS;
    for (;;) {
        rc = pvctl_domain_list(X.ctl, buf, cap, &count);
        if (rc < 0 || count <= cap)
            break;
        struct pvctl_dominfo *nb = realloc(buf, (count + 16) * sizeof(*buf));
        if (!nb) {
            rc = -ENOMEM;
            break;
        }
        buf = nb;
        cap = count + 16;
    }
    if (rc == -ECONNRESET || rc == -EPIPE) {
        xcd_log("pvisord went away: stopping");
        X.stop = true;
        X.exit_status = 1;
        return;
    }
    if (rc < 0) {
        xcd_log("cannot list domains: %s", pvctl_strerror(rc));
        return;
    }
    for (struct cdom *d = X.doms; d; d = d->next)
        d->seen = false;
    for (uint32_t i = 0; i < count; i++) {
        const struct pvctl_dominfo *info = &buf[i];
        struct cdom *d = dom_find(info->domid);

        if (info->domid == 0 || (info->flags & PVCTL_DOMF_DYING))
            continue;
        if (d && (d->state == CD_GONE || memcmp(d->uuid, info->uuid, sizeof(d->uuid)))) {
            dom_free(d); /* the id was reused */
            d = NULL;
        }
        if (!d && !(d = dom_new(info)))
            continue;
        d->seen = true;
        if (d->state == CD_WAITING)
            dom_try_connect(d);
    }
    struct cdom *next;
    for (struct cdom *d = X.doms; d; d = next) {
        next = d->next;
        if (!d->seen && d->state != CD_GONE)
            dom_gone(d);
    }
}

void dom_free_all(void)
{
    while (X.doms) {
        if (X.doms->state == CD_LIVE)
            io_service_output(X.doms, true);
        dom_free(X.doms);
    }
}
