/* io.c: xenconsoled's byte paths: guest ring -> log file + bounded buffer -> pty, pty -> ring;
 * rate limits and the "nobody is reading" policy. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include <pvisor/evtchn.h>

#include "xenconsoled.h"

#define CHUNK     4096
#define FORCE_MAX (64 << 10) /* most bytes one unthrottled pass (drain, domain gone) takes */

/* ---- the bounded output buffer -------------------------------------------------------------- */

static size_t ob_room(const struct obuf *b)
{
    return b->cap - b->len;
}

/* Appends n bytes; when they do not fit, the oldest bytes go (counted in *dropped). */
static void ob_push(struct obuf *b, const char *p, size_t n, uint64_t *dropped)
{
    if (n > b->cap) { /* only the newest cap bytes can stay */
        *dropped += b->len + (n - b->cap);
        p += n - b->cap;
        n = b->cap;
        b->head = b->len = 0;
    } else if (n > ob_room(b)) {
        size_t drop = n - ob_room(b);

        *dropped += drop;
        b->head = (b->head + drop) % b->cap;
        b->len -= drop;
    }
    size_t tail = (b->head + b->len) % b->cap, first = b->cap - tail < n ? b->cap - tail : n;

    memcpy(b->data + tail, p, first);
    memcpy(b->data, p + first, n - first);
    b->len += n;
}

/* ---- log files ------------------------------------------------------------------------------- */

/* DIR/NAME.log with NAME reduced to a safe file name. */
static void log_path(const struct cdom *d, char *buf, size_t len, const char *suffix)
{
    char name[PVCTL_NAME_LEN + 16];
    size_t i;

    for (i = 0; d->name[i] && i < sizeof(name) - 1; i++) {
        char c = d->name[i];
        name[i] = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                          c == '-' || c == '_' || (c == '.' && i > 0)
                      ? c
                      : '_';
    }
    name[i] = '\0';
    if (!i)
        snprintf(name, sizeof(name), "domain-%u", d->domid);
    snprintf(buf, len, "%s/%s.log%s", X.o.log_dir, name, suffix);
}

static void log_open(struct cdom *d)
{
    char path[4096 + 128];
    struct stat st;

    if (!X.o.logging)
        return;
    log_path(d, path, sizeof(path), "");
    d->log_fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (d->log_fd < 0) {
        xcd_log("domain %u (%s): cannot open %s: %s (no log for it)", d->domid, d->name, path,
                strerror(errno));
        return;
    }
    d->log_bytes = fstat(d->log_fd, &st) == 0 ? (uint64_t)st.st_size : 0;
}

static void log_rotate(struct cdom *d)
{
    char path[4096 + 128], old[4096 + 128];

    close(d->log_fd);
    d->log_fd = -1;
    log_path(d, path, sizeof(path), "");
    log_path(d, old, sizeof(old), ".1");
    if (rename(path, old) < 0)
        xcd_log("domain %u (%s): cannot rotate %s: %s", d->domid, d->name, path, strerror(errno));
    log_open(d);
}

static void log_write(struct cdom *d, const char *p, size_t n)
{
    while (n && d->log_fd >= 0) {
        ssize_t w = write(d->log_fd, p, n);

        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            xcd_log("domain %u (%s): writing its log failed: %s (logging stopped for it)", d->domid,
                    d->name, w < 0 ? strerror(errno) : "no progress");
            close(d->log_fd);
            d->log_fd = -1;
            return;
        }
        p += w;
        n -= (size_t)w;
        d->log_bytes += (uint64_t)w;
    }
    if (d->log_fd >= 0 && d->log_bytes >= X.o.log_size)
        log_rotate(d);
}

/* ---- the pty --------------------------------------------------------------------------------- */

static int pty_open(struct cdom *d)
{
    struct termios t;
    int rc;

    d->master_fd = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC | O_NONBLOCK);
    if (d->master_fd < 0 || grantpt(d->master_fd) < 0 || unlockpt(d->master_fd) < 0 ||
        ptsname_r(d->master_fd, d->tty, sizeof(d->tty)) != 0)
        goto fail;
    d->slave_fd = open(d->tty, O_RDWR | O_NOCTTY | O_CLOEXEC | O_NONBLOCK);
    if (d->slave_fd < 0 || fchmod(d->slave_fd, 0600) < 0 || tcgetattr(d->slave_fd, &t) < 0)
        goto fail;
    cfmakeraw(&t); /* bytes pass unchanged both ways, no echo back into the guest */
    if (tcsetattr(d->slave_fd, TCSANOW, &t) < 0)
        goto fail;
    d->tag = (struct xcd_tag){TAG_PTY, d};
    d->ep_events = 0;
    if ((rc = xcd_epoll_set(d->master_fd, 0, EPOLLIN, &d->tag)) < 0) {
        errno = -rc;
        goto fail;
    }
    d->ep_events = EPOLLIN;
    return 0;
fail:
    rc = -errno;
    snprintf(d->why, sizeof(d->why), "cannot set up a pty: %s", strerror(errno));
    return rc;
}

/* EPOLLIN unless input is blocked, EPOLLOUT while bytes wait for the pty. */
static void pty_interest(struct cdom *d)
{
    uint32_t ev = (d->in_blocked || d->state != CD_LIVE ? 0 : EPOLLIN) |
                  (d->ob.len || d->note_off < d->note_len ? EPOLLOUT : 0);

    if (d->master_fd >= 0 && xcd_epoll_set(d->master_fd, d->ep_events, ev, &d->tag) == 0)
        d->ep_events = ev;
}

int io_open(struct cdom *d)
{
    int rc;

    d->ob.data = malloc(d->buf_cap);
    if (!d->ob.data) {
        snprintf(d->why, sizeof(d->why), "out of memory for its output buffer");
        return -ENOMEM;
    }
    d->ob.cap = d->buf_cap;
    d->ob.head = d->ob.len = 0;
    if ((rc = pty_open(d)) < 0) {
        io_close(d);
        return rc;
    }
    log_open(d);
    return 0;
}

void io_close(struct cdom *d)
{
    if (d->master_fd >= 0) {
        xcd_epoll_set(d->master_fd, d->ep_events, 0, &d->tag);
        close(d->master_fd);
    }
    if (d->slave_fd >= 0)
        close(d->slave_fd);
    if (d->log_fd >= 0)
        close(d->log_fd);
    d->master_fd = d->slave_fd = d->log_fd = -1;
    d->ep_events = 0;
    free(d->ob.data);
    d->ob = (struct obuf){0};
    d->note_len = d->note_off = 0;
    d->out_throttled = d->in_blocked = false;
    d->stuck_since_ms = 0;
}

void io_log_note(struct cdom *d, const char *msg)
{
    log_write(d, msg, strlen(msg));
    if (d->master_fd >= 0 && write(d->master_fd, msg, strlen(msg)) < 0)
        xcd_debug("domain %u: note not written to the pty: %s", d->domid, strerror(errno));
}

/* Writes the pending note, then buffered output, as far as the pty takes it. */
void io_flush_pty(struct cdom *d)
{
    uint64_t now = xcd_now_ms();

    while (d->master_fd >= 0) {
        const char *p;
        size_t n;

        /* A note not started yet absorbs later drops: one note per gap. */
        if (d->dropped && (d->note_off == d->note_len || d->note_off == 0)) {
            d->note_dropped = (d->note_off == d->note_len ? 0 : d->note_dropped) + d->dropped;
            int len = snprintf(d->note, sizeof(d->note),
                               "\r\n[xenconsoled: %llu bytes of output dropped: nobody read the "
                               "console]\r\n",
                               (unsigned long long)d->note_dropped);
            d->note_len = len > 0 ? (size_t)len : 0;
            d->note_off = 0;
            d->dropped = 0;
        }
        if (d->note_off < d->note_len) {
            p = d->note + d->note_off;
            n = d->note_len - d->note_off;
        } else if (d->ob.len) {
            p = d->ob.data + d->ob.head;
            n = d->ob.cap - d->ob.head < d->ob.len ? d->ob.cap - d->ob.head : d->ob.len;
        } else {
            break;
        }
        ssize_t w = write(d->master_fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            break; /* EAGAIN: full; anything else: try again later */
        d->stuck_since_ms = 0;
        d->unattached = false; /* someone reads */
        if (d->note_off < d->note_len) {
            d->note_off += (size_t)w;
        } else {
            d->ob.head = (d->ob.head + (size_t)w) % d->ob.cap;
            d->ob.len -= (size_t)w;
        }
    }
    if ((d->ob.len || d->note_off < d->note_len) && !d->stuck_since_ms)
        d->stuck_since_ms = now;
    if (!d->ob.len && d->note_off == d->note_len)
        d->stuck_since_ms = 0;
    pty_interest(d);
}

/* ---- guest output -------------------------------------------------------------------------------
 */

static void refill(struct cdom *d, uint64_t now)
{
    d->tokens += (double)(now - d->tokens_at_ms) * (double)X.o.rate / 1000.0;
    if (d->tokens > (double)X.o.burst)
        d->tokens = (double)X.o.burst;
    d->tokens_at_ms = now;
}

void io_service_output(struct cdom *d, bool force)
{
    static char buf[CHUNK];
    bool notify = false;

    if (d->state != CD_LIVE)
        return;
    if (cons_ring_in_space(d->intf, d->in_prod) < 0) { /* checked on every event, cheaply */
        io_service_input(d);                           /* says why and disconnects */
        return;
    }
    refill(d, xcd_now_ms());
    d->out_throttled = false;
    for (size_t total = 0;;) {
        size_t room = force || d->unattached ? sizeof(buf) : ob_room(&d->ob);
        XENCONS_RING_IDX prod;

        if (!force && room > (size_t)d->tokens)
            room = (size_t)d->tokens;
        if (force && total >= FORCE_MAX) /* a live guest could keep us here for ever */
            room = 0;
        if (room > sizeof(buf))
            room = sizeof(buf);
        int n = room ? cons_ring_read(d->intf, &d->out_cons, buf, room, &notify)
                     : cons_ring_out_avail(d->intf, d->out_cons, &prod);
        if (n < 0) {
            cons_ring_out_avail(d->intf, d->out_cons, &prod);
            dom_disconnect(d,
                           "output ring indexes out of range (out_prod %u is %u bytes ahead of "
                           "our out_cons %u; the ring holds %u)",
                           prod, prod - d->out_cons, d->out_cons, CONS_OUT_SIZE);
            return;
        }
        if (!room) {
            d->out_throttled = n > 0; /* resumed by a tick or by the pty draining */
            break;
        }
        if (n == 0)
            break;
        total += (size_t)n;
        if (!force)
            d->tokens -= n;
        uint64_t dropped = 0;
        log_write(d, buf, (size_t)n);
        ob_push(&d->ob, buf, (size_t)n, &dropped);
        d->dropped += dropped;
        d->dropped_total += dropped;
    }
    if (notify)
        pvevtchn_notify(X.evt, d->local_port);
    io_flush_pty(d);
}

/* ---- guest input
 * --------------------------------------------------------------------------------- */

void io_service_input(struct cdom *d)
{
    char buf[CONS_IN_SIZE];
    bool notify = false;

    if (d->state != CD_LIVE)
        return;
    for (;;) {
        int space = cons_ring_in_space(d->intf, d->in_prod);

        if (space < 0) {
            XENCONS_RING_IDX cons = __atomic_load_n(&d->intf->in_cons, __ATOMIC_RELAXED);
            dom_disconnect(d,
                           "input ring indexes out of range (in_cons %u is %u bytes behind our "
                           "in_prod %u; the ring holds %u)",
                           cons, d->in_prod - cons, d->in_prod, CONS_IN_SIZE);
            return;
        }
        d->in_blocked = space == 0;
        if (!space)
            break;
        ssize_t n = read(d->master_fd, buf, (size_t)space);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        cons_ring_write(d->intf, &d->in_prod, buf, (size_t)n, &notify);
    }
    if (notify)
        pvevtchn_notify(X.evt, d->local_port);
    pty_interest(d);
}

void io_pty_ready(struct cdom *d, uint32_t events)
{
    if (events & EPOLLOUT) {
        io_flush_pty(d);
        if (d->out_throttled && ob_room(&d->ob))
            io_service_output(d, false);
    }
    if ((events & EPOLLIN) && d->state == CD_LIVE)
        io_service_input(d);
}

/* Periodic work for one domain; true while it needs more. */
bool io_tick(struct cdom *d, uint64_t now)
{
    if (d->state == CD_GONE) {
        int inq = 0;

        io_flush_pty(d);
        if (d->slave_fd >= 0 && ioctl(d->slave_fd, FIONREAD, &inq) < 0)
            inq = 0;
        if (!d->ob.len && d->note_off == d->note_len && inq == 0)
            d->linger_progress_ms = 0; /* the reader has everything: close now */
        else if (inq != d->linger_inq)
            d->linger_progress_ms = now;
        d->linger_inq = inq;
        return true;
    }
    if (d->state != CD_LIVE)
        return false;
    if (d->stuck_since_ms && !d->unattached && !ob_room(&d->ob) &&
        now - d->stuck_since_ms >= XCD_STUCK_MS) {
        d->unattached = true; /* nobody drains the pty: keep the guest going, drop the oldest */
        xcd_debug("domain %u: nobody reads its pty; dropping the oldest output from now on",
                  d->domid);
    }
    if (d->out_throttled)
        io_service_output(d, false);
    if (d->state == CD_LIVE && d->in_blocked)
        io_service_input(d);
    /* in_blocked needs no ticks: the guest notifies when it frees a full in[]. */
    return d->state == CD_LIVE && (d->out_throttled || (d->stuck_since_ms && !d->unattached));
}
