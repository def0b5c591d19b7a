/* sock.c: the epoll event loop and the UNIX-socket transport (listener, client ops). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "conn.h"
#include "log.h"
#include "loop.h"
#include "sock.h"

/* --- event loop (loop.h) --------------------------------------------------------- */

#define BATCH 64

static int epfd = -1;

int loop_init(void)
{
    epfd = epoll_create1(EPOLL_CLOEXEC);
    return epfd < 0 ? -errno : 0;
}

void loop_fini(void)
{
    if (epfd >= 0)
        close(epfd);
    epfd = -1;
}

static int ctl(int op, int fd, uint32_t events, struct loop_handler *h)
{
    struct epoll_event ev = {.events = events, .data.ptr = h};

    return epoll_ctl(epfd, op, fd, &ev) < 0 ? -errno : 0;
}

int loop_add(int fd, uint32_t events, struct loop_handler *h)
{
    return ctl(EPOLL_CTL_ADD, fd, events, h);
}

int loop_mod(int fd, uint32_t events, struct loop_handler *h)
{
    return ctl(EPOLL_CTL_MOD, fd, events, h);
}

void loop_del(int fd)
{
    epoll_ctl(epfd, EPOLL_CTL_DEL, fd, NULL);
}

int loop_once(int timeout_ms)
{
    struct epoll_event ev[BATCH];
    int n = epoll_wait(epfd, ev, BATCH, timeout_ms);

    if (n < 0)
        return errno == EINTR ? 0 : -errno;
    for (int i = 0; i < n; i++) {
        struct loop_handler *h = ev[i].data.ptr;
        h->fn(h, ev[i].events);
    }
    return 0;
}

/* --- socket transport ------------------------------------------------------------ */

struct sock_tp {
    struct loop_handler h;
    int fd;
    uint32_t mask;
    struct xs_conn *c;
};

static struct {
    struct loop_handler h;
    int fd;
    char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
    unsigned long serial;
} L = {.fd = -1};

static ssize_t sock_recv(struct xs_conn *c, void *buf, size_t len)
{
    struct sock_tp *t = c->tp;
    ssize_t n = recv(t->fd, buf, len, MSG_DONTWAIT);

    if (n > 0)
        return n;
    if (n == 0)
        return -EPIPE;
    return errno == EAGAIN || errno == EINTR ? 0 : -errno;
}

static ssize_t sock_send(struct xs_conn *c, const void *buf, size_t len)
{
    struct sock_tp *t = c->tp;
    ssize_t n = send(t->fd, buf, len, MSG_DONTWAIT | MSG_NOSIGNAL);

    if (n >= 0)
        return n;
    return errno == EAGAIN || errno == EINTR ? 0 : -errno;
}

static void sock_interest(struct xs_conn *c, bool rd, bool wr)
{
    struct sock_tp *t = c->tp;
    uint32_t mask = (rd ? EPOLLIN : 0) | (wr ? EPOLLOUT : 0);

    if (mask != t->mask && loop_mod(t->fd, mask, &t->h) == 0)
        t->mask = mask;
}

static void sock_destroy(struct xs_conn *c)
{
    struct sock_tp *t = c->tp;

    loop_del(t->fd);
    close(t->fd);
    free(t);
}

static const struct xs_conn_ops sock_ops = {
    .kind = "socket",
    .recv = sock_recv,
    .send = sock_send,
    .interest = sock_interest,
    .destroy = sock_destroy,
};

static void client_event(struct loop_handler *h, uint32_t ev)
{
    struct sock_tp *t = (struct sock_tp *)h;

    if (t->c->closing)
        return;
    if (ev & EPOLLIN)
        conn_input(t->c);
    if (!t->c->closing && (ev & EPOLLOUT))
        conn_output(t->c);
    if (!t->c->closing && (ev & (EPOLLHUP | EPOLLERR)) && !(ev & EPOLLIN))
        conn_close(t->c, "peer hung up");
}

static bool peer_allowed(int fd)
{
    struct ucred cr;
    socklen_t len = sizeof(cr);

    if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &len) < 0)
        return false;
    return cr.uid == 0 || cr.uid == getuid();
}

static void accept_one(int fd)
{
    static const struct xs_caller dom0 = {.domid = 0, .priv = true, .target = -1};
    struct sock_tp *t;
    char name[32];

    if (!peer_allowed(fd)) {
        log_warn("socket: refused a client with another uid");
        close(fd);
        return;
    }
    t = calloc(1, sizeof(*t));
    snprintf(name, sizeof(name), "socket#%lu", ++L.serial);
    if (t) {
        t->fd = fd;
        t->h.fn = client_event;
        t->mask = EPOLLIN;
        t->c = conn_new(&sock_ops, t, &dom0, name);
    }
    if (!t || !t->c || loop_add(fd, EPOLLIN, &t->h) < 0) {
        log_err("socket: cannot take a new client: out of resources");
        if (t && t->c)
            conn_close(t->c, "setup failed"); /* destroy closes fd and frees t */
        else {
            free(t);
            close(fd);
        }
    }
}

static void listen_event(struct loop_handler *h, uint32_t ev)
{
    for (int i = 0; i < 16; i++) {
        int fd = accept4(L.fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno != EAGAIN && errno != EINTR)
                log_warn("socket: accept: %s", strerror(errno));
            return;
        }
        accept_one(fd);
    }
}

/* Refuse to steal the socket of a live daemon; remove a stale one. */
static int clear_stale(const struct sockaddr_un *sa)
{
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int live;

    if (fd < 0)
        return -errno;
    live = connect(fd, (const struct sockaddr *)sa, sizeof(*sa)) == 0;
    close(fd);
    if (live)
        return -EADDRINUSE;
    unlink(sa->sun_path);
    return 0;
}

int sock_listen(const char *path)
{
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    mode_t old;
    int rc;

    if (strlen(path) >= sizeof(sa.sun_path))
        return -ENAMETOOLONG;
    strcpy(sa.sun_path, path);
    rc = clear_stale(&sa);
    if (rc < 0)
        return rc;
    L.fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (L.fd < 0)
        return -errno;
    old = umask(0177);
    rc = bind(L.fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ? -errno : 0;
    umask(old);
    if (rc == 0 && (chmod(path, 0600) < 0 || listen(L.fd, 128) < 0))
        rc = -errno;
    L.h.fn = listen_event;
    if (rc == 0)
        rc = loop_add(L.fd, EPOLLIN, &L.h);
    if (rc < 0) {
        close(L.fd);
        L.fd = -1;
        return rc;
    }
    strcpy(L.path, path);
    return 0;
}

void sock_shutdown(void)
{
    if (L.fd < 0)
        return;
    loop_del(L.fd);
    close(L.fd);
    unlink(L.path);
    L.fd = -1;
}
