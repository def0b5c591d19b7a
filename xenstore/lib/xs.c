/* xs.c: libpvxs connection handling: socket, message framing, reply matching, events. */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "../common/errors.h"
#include "../common/wire.h"
#include "xs_internal.h"

struct xs_event_msg {
    struct xs_event_msg *next;
    uint32_t len;
    char data[]; /* "path\0token\0" */
};

const char *xs_daemon_socket(void)
{
    static char buf[sizeof(((struct sockaddr_un *)0)->sun_path) + 32];
    const char *p = getenv("XENSTORED_PATH"), *run = getenv("PVISOR_RUNDIR");

    if (p && *p)
        return p;
    snprintf(buf, sizeof(buf), "%s/xenstored/socket", run && *run ? run : "/run/pvisor");
    return buf;
}

struct xs_handle *xs_open(unsigned long flags)
{
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    const char *path = xs_daemon_socket();
    struct xs_handle *h;
    int err;

    (void)flags;
    if (strlen(path) >= sizeof(sa.sun_path)) {
        errno = ENAMETOOLONG;
        return NULL;
    }
    strcpy(sa.sun_path, path);
    h = calloc(1, sizeof(*h));
    if (!h)
        return NULL;
    h->epfd = h->evfd = -1;
    h->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (h->fd >= 0 && connect(h->fd, (struct sockaddr *)&sa, sizeof(sa)) == 0)
        return h;
    err = errno;
    if (h->fd >= 0)
        close(h->fd);
    free(h);
    errno = err;
    return NULL;
}

void xs_close(struct xs_handle *h)
{
    if (!h)
        return;
    while (h->evq_head) {
        struct xs_event_msg *e = h->evq_head;
        h->evq_head = e->next;
        free(e);
    }
    close(h->fd);
    if (h->epfd >= 0)
        close(h->epfd);
    if (h->evfd >= 0)
        close(h->evfd);
    free(h);
}

int xs_fileno(struct xs_handle *h)
{
    struct epoll_event ev = {.events = EPOLLIN};

    if (h->epfd >= 0)
        return h->epfd;
    h->evfd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK | EFD_SEMAPHORE);
    h->epfd = epoll_create1(EPOLL_CLOEXEC);
    if (h->evfd < 0 || h->epfd < 0 || epoll_ctl(h->epfd, EPOLL_CTL_ADD, h->fd, &ev) < 0 ||
        epoll_ctl(h->epfd, EPOLL_CTL_ADD, h->evfd, &ev) < 0) {
        int err = errno;
        if (h->evfd >= 0)
            close(h->evfd);
        if (h->epfd >= 0)
            close(h->epfd);
        h->evfd = h->epfd = -1;
        errno = err;
        return -1;
    }
    /* Events queued before the fd existed must be visible too. */
    for (struct xs_event_msg *e = h->evq_head; e; e = e->next)
        eventfd_write(h->evfd, 1);
    return h->epfd;
}

/* --- raw I/O --------------------------------------------------------------------------- */

static int read_full(int fd, void *buf, size_t len)
{
    size_t got = 0;

    while (got < len) {
        ssize_t n = read(fd, (char *)buf + got, len - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            errno = n == 0 ? ECONNRESET : errno;
            return -1;
        }
        got += (size_t)n;
    }
    return 0;
}

static int write_iov(int fd, struct iovec *iov, int n)
{
    while (n > 0) {
        ssize_t w = writev(fd, iov, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0)
            return -1;
        while (n > 0 && (size_t)w >= iov->iov_len) {
            w -= (ssize_t)iov->iov_len;
            iov++;
            n--;
        }
        if (n > 0) {
            iov->iov_base = (char *)iov->iov_base + w;
            iov->iov_len -= (size_t)w;
        }
    }
    return 0;
}

/* One message: header into *hdr, payload malloc'd (+NUL) into *body. */
static int read_msg(struct xs_handle *h, struct xsd_sockmsg *hdr, char **body)
{
    if (read_full(h->fd, hdr, sizeof(*hdr)) < 0)
        return -1;
    if (hdr->len > XENSTORE_PAYLOAD_MAX) {
        errno = EBADMSG;
        return -1;
    }
    *body = malloc(hdr->len + 1u);
    if (!*body)
        return -1;
    if (read_full(h->fd, *body, hdr->len) < 0) {
        free(*body);
        return -1;
    }
    (*body)[hdr->len] = '\0';
    return 0;
}

static void queue_event(struct xs_handle *h, const char *body, uint32_t len)
{
    struct xs_event_msg *e = malloc(sizeof(*e) + len + 2);

    if (!e)
        return; /* watches may fire spuriously or be lost under memory pressure */
    memcpy(e->data, body, len);
    e->data[len] = e->data[len + 1] = '\0';
    e->len = len;
    e->next = NULL;
    if (h->evq_tail)
        h->evq_tail->next = e;
    else
        h->evq_head = e;
    h->evq_tail = e;
    if (h->evfd >= 0)
        eventfd_write(h->evfd, 1);
}

/* --- requests -------------------------------------------------------------------------- */

void *xs_talk(struct xs_handle *h, xs_transaction_t t, uint32_t type, const struct iovec *iov,
              int n, unsigned int *len)
{
    struct xsd_sockmsg hdr = {type, ++h->req_id, t, 0}, rh;
    struct iovec v[8];
    char *body;

    if (n > 7) {
        errno = EINVAL;
        return NULL;
    }
    for (int i = 0; i < n; i++) {
        hdr.len += (uint32_t)iov[i].iov_len;
        v[i + 1] = iov[i];
    }
    if (hdr.len > XENSTORE_PAYLOAD_MAX) {
        errno = E2BIG;
        return NULL;
    }
    v[0] = (struct iovec){&hdr, sizeof(hdr)};
    if (write_iov(h->fd, v, n + 1) < 0)
        return NULL;
    for (;;) {
        if (read_msg(h, &rh, &body) < 0)
            return NULL;
        if (rh.type == XS_WATCH_EVENT) {
            queue_event(h, body, rh.len);
        } else if (rh.req_id == hdr.req_id) {
            break;
        }
        free(body);
    }
    if (rh.type == XS_ERROR) {
        errno = xs_name_to_errno(body, rh.len);
        free(body);
        return NULL;
    }
    if (rh.type != type) {
        free(body);
        errno = EBADMSG;
        return NULL;
    }
    if (len)
        *len = rh.len;
    return body;
}

void *xs_single(struct xs_handle *h, xs_transaction_t t, uint32_t type, const char *arg,
                unsigned int *len)
{
    struct iovec iov = {(void *)arg, strlen(arg) + 1};

    return xs_talk(h, t, type, &iov, 1, len);
}

bool xs_ok(void *reply)
{
    bool ok = reply && strcmp(reply, "OK") == 0;

    if (reply && !ok)
        errno = EBADMSG;
    free(reply);
    return ok;
}

/* --- events ---------------------------------------------------------------------------- */

static bool socket_readable(struct xs_handle *h)
{
    struct pollfd p = {.fd = h->fd, .events = POLLIN};

    return poll(&p, 1, 0) > 0;
}

/* Vector {path, token} plus strings in one allocation. */
static char **event_vector(const struct xs_event_msg *e, unsigned int *num)
{
    size_t plen = strlen(e->data);
    char **v;

    if (plen >= e->len) {
        errno = EBADMSG;
        return NULL;
    }
    v = malloc(2 * sizeof(char *) + e->len + 2);
    if (!v)
        return NULL;
    memcpy(&v[2], e->data, e->len + 2);
    v[XS_WATCH_PATH] = (char *)&v[2];
    v[XS_WATCH_TOKEN] = (char *)&v[2] + plen + 1;
    if (num)
        *num = 2;
    return v;
}

char **xs_next_event(struct xs_handle *h, bool block, unsigned int *num)
{
    struct xs_event_msg *e;
    struct xsd_sockmsg rh;
    char **v, *body;

    while (!h->evq_head) {
        if (!block && !socket_readable(h)) {
            errno = EAGAIN;
            return NULL;
        }
        if (read_msg(h, &rh, &body) < 0)
            return NULL;
        if (rh.type == XS_WATCH_EVENT)
            queue_event(h, body, rh.len);
        free(body); /* a stray reply (none are outstanding) */
    }
    e = h->evq_head;
    h->evq_head = e->next;
    if (!h->evq_head)
        h->evq_tail = NULL;
    if (h->evfd >= 0) {
        eventfd_t one;
        eventfd_read(h->evfd, &one);
    }
    v = event_vector(e, num);
    free(e);
    return v;
}
