/* ctlsock.c: xenconsoled's control socket (RUNDIR/xenconsoled.sock): tty, drain, status. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <pvisor/xenconsoled.h>

#include "xenconsoled.h"

#define MAX_CLIENTS    64
#define CLIENT_TIME_MS 2000

struct client {
    struct client *next;
    int fd;
    struct xcd_tag tag;
    char line[XENCONSOLED_LINE_MAX];
    size_t len;
    uint64_t deadline_ms;
};

static struct client *clients;
static unsigned nclients;
static char sock_path[sizeof(((struct sockaddr_un *)0)->sun_path)];

int ctl_listen(void)
{
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    int fd, rc;
    mode_t old;

    if ((size_t)snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/%s", X.o.rundir,
                         XENCONSOLED_SOCKET) >= sizeof(sa.sun_path)) {
        xcd_log("run directory %s is too long for a socket path", X.o.rundir);
        return -ENAMETOOLONG;
    }
    fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0)
        return -errno;
    if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0) {
        xcd_log("another xenconsoled already serves %s: stop it first", sa.sun_path);
        close(fd);
        return -EADDRINUSE;
    }
    unlink(sa.sun_path); /* stale: nobody answered */
    close(fd);
    fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0)
        return -errno;
    old = umask(0177);
    rc = bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 16) < 0 ? -errno : 0;
    umask(old);
    if (rc < 0) {
        xcd_log("cannot listen on %s: %s", sa.sun_path, strerror(-rc));
        close(fd);
        return rc;
    }
    X.listen_fd = fd;
    X.listen_tag = (struct xcd_tag){TAG_LISTEN, NULL};
    memcpy(sock_path, sa.sun_path, sizeof(sock_path));
    return xcd_epoll_set(fd, 0, EPOLLIN, &X.listen_tag);
}

static void client_close(struct client *c)
{
    for (struct client **p = &clients; *p; p = &(*p)->next) {
        if (*p == c) {
            *p = c->next;
            break;
        }
    }
    xcd_epoll_set(c->fd, EPOLLIN, 0, &c->tag);
    close(c->fd);
    nclients--;
    free(c);
}

static bool peer_allowed(int fd)
{
    struct ucred cr;
    socklen_t len = sizeof(cr);

    return getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &len) == 0 &&
           (cr.uid == 0 || cr.uid == getuid());
}

void ctl_accept(void)
{
    int fd;

    while ((fd = accept4(X.listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK)) >= 0) {
        struct client *c;

        if (!peer_allowed(fd) || nclients >= MAX_CLIENTS || !(c = calloc(1, sizeof(*c)))) {
            xcd_debug("control client refused (permission or %u clients)", nclients);
            close(fd);
            continue;
        }
        c->fd = fd;
        c->tag = (struct xcd_tag){TAG_CLIENT, c};
        c->deadline_ms = xcd_now_ms() + CLIENT_TIME_MS;
        if (xcd_epoll_set(fd, 0, EPOLLIN, &c->tag) < 0) {
            close(fd);
            free(c);
            continue;
        }
        c->next = clients;
        clients = c;
        nclients++;
    }
}

/* Replies are short and the client waits for them: one non-blocking write is enough. */
static void reply(struct client *c, const char *text)
{
    size_t n = strlen(text);

    while (n) {
        ssize_t w = write(c->fd, text, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            break;
        text += w;
        n -= (size_t)w;
    }
}

/* The domain, looking for it in pvisord's list if we do not know it (or it is not set up). */
static struct cdom *lookup(const char *arg, uint32_t *domid)
{
    char *end;
    unsigned long v;
    struct cdom *d;

    errno = 0;
    v = strtoul(arg, &end, 10);
    if (errno || end == arg || *end || v > 0x7fef)
        return NULL;
    *domid = (uint32_t)v;
    d = dom_find(*domid);
    if (!d || d->state == CD_WAITING) {
        dom_scan();
        d = dom_find(*domid);
    }
    return d;
}

static void cmd_status(struct client *c)
{
    char line[PVCTL_NAME_LEN + XCD_TTY_MAX + 96];

    snprintf(line, sizeof(line), "ok %u\n", X.ndoms);
    reply(c, line);
    for (struct cdom *d = X.doms; d; d = d->next) {
        snprintf(line, sizeof(line), "%u %s %s %s %zu %llu\n", d->domid, d->name, dom_state_name(d),
                 d->master_fd >= 0 ? d->tty : "-", d->ob.len, (unsigned long long)d->dropped_total);
        reply(c, line);
    }
}

static void cmd_domain(struct client *c, const char *cmd, const char *arg)
{
    char out[XCD_WHY_MAX + XCD_TTY_MAX + 64];
    uint32_t domid = 0;
    struct cdom *d = lookup(arg, &domid);

    if (!d) {
        snprintf(out, sizeof(out), "err no such domain %s\n", arg);
    } else if (d->state == CD_WAITING) {
        snprintf(out, sizeof(out), "err the console of domain %u is not ready yet (no ring)\n",
                 domid);
    } else if (d->state == CD_BROKEN) {
        snprintf(out, sizeof(out), "err the console of domain %u was disconnected: %s\n", domid,
                 d->why);
    } else if (strcmp(cmd, "tty") == 0) {
        if (d->state == CD_GONE)
            snprintf(out, sizeof(out), "err domain %u is gone\n", domid);
        else
            snprintf(out, sizeof(out), "ok %s\n", d->tty);
    } else {
        io_service_output(d, true);
        io_flush_pty(d);
        snprintf(out, sizeof(out), "ok %zu\n", d->ob.len + (d->note_len - d->note_off));
    }
    reply(c, out);
}

static void handle(struct client *c)
{
    char *arg = strchr(c->line, ' ');

    if (arg)
        *arg++ = '\0';
    if (strcmp(c->line, "status") == 0 && !arg)
        cmd_status(c);
    else if ((strcmp(c->line, "tty") == 0 || strcmp(c->line, "drain") == 0) && arg)
        cmd_domain(c, c->line, arg);
    else
        reply(c, "err unknown command (tty DOMID, drain DOMID, status)\n");
}

void ctl_client_ready(struct xcd_tag *tag, uint32_t events)
{
    struct client *c = tag->ptr;
    ssize_t n = read(c->fd, c->line + c->len, sizeof(c->line) - 1 - c->len);
    char *nl;

    if (n < 0 && (errno == EAGAIN || errno == EINTR))
        return;
    if (n <= 0) {
        client_close(c);
        return;
    }
    c->len += (size_t)n;
    c->line[c->len] = '\0';
    nl = strchr(c->line, '\n');
    if (!nl && c->len < sizeof(c->line) - 1)
        return;
    if (!nl)
        reply(c, "err line too long\n");
    else {
        *nl = '\0';
        if (nl > c->line && nl[-1] == '\r')
            nl[-1] = '\0';
        handle(c);
    }
    client_close(c);
}

void ctl_tick(uint64_t now)
{
    struct client *next;

    for (struct client *c = clients; c; c = next) {
        next = c->next;
        if (now >= c->deadline_ms)
            client_close(c);
    }
}

bool ctl_busy(void)
{
    return clients != NULL;
}

void ctl_close_all(void)
{
    while (clients)
        client_close(clients);
    if (X.listen_fd >= 0) {
        close(X.listen_fd);
        X.listen_fd = -1;
        unlink(sock_path);
    }
}
