/* ctlsock.c: a backend's control socket (RUNDIR/NAME.sock): per-device state and counters for
 * tools and tests. */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "core.h"

#define CTL_TIMEOUT_MS 1000

static const char *phase_name(const struct be_dev *d)
{
    static const char *const names[] = {[BE_NEW] = "new",
                                        [BE_FAILED] = "failed",
                                        [BE_INITWAIT] = "initwait",
                                        [BE_CONNECTED] = "connected",
                                        [BE_CLOSED] = "closed"};
    return d->connected ? "connected" : names[d->phase];
}

static void put_dev(FILE *f, struct backend *b, struct be_dev *d)
{
    fprintf(f, "%s %u/%u state=%s", b->kind, d->domid, d->devid, phase_name(d));
    b->ops->stats(f, d);
    if (d->why[0])
        fprintf(f, " why=\"%s\"", d->why);
    fputc('\n', f);
}

/* Answers one request: "stats" (one line per device, then "end"). */
static void serve(struct backend *b, int fd)
{
    char cmd[64];
    struct pollfd pf = {.fd = fd, .events = POLLIN};
    ssize_t n;
    FILE *f;

    if (poll(&pf, 1, CTL_TIMEOUT_MS) <= 0 || (n = read(fd, cmd, sizeof(cmd) - 1)) <= 0)
        return;
    cmd[n] = '\0';
    cmd[strcspn(cmd, "\r\n")] = '\0';
    f = fdopen(dup(fd), "w");
    if (!f)
        return;
    if (strcmp(cmd, "stats") == 0) {
        for (struct be_dev *d = b->devs; d; d = d->next)
            put_dev(f, b, d);
        fputs("end\n", f);
    } else {
        fprintf(f, "error unknown command '%s' (known: stats)\n", cmd);
    }
    fclose(f);
}

void ctl_accept(struct backend *b)
{
    int fd = accept4(b->listen_fd, NULL, NULL, SOCK_CLOEXEC);

    if (fd < 0)
        return;
    serve(b, fd);
    close(fd);
}

int ctl_listen(struct backend *b)
{
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    struct epoll_event ev = {.events = EPOLLIN, .data.u32 = EV_LISTEN};
    int fd;

    if ((size_t)snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/%s.sock", b->rundir, b->name) >=
        sizeof(sa.sun_path)) {
        be_log(b, "run directory path too long for a socket: %s", b->rundir);
        return -ENAMETOOLONG;
    }
    fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -errno;
    unlink(sa.sun_path);
    mode_t old = umask(077);
    int rc = bind(fd, (struct sockaddr *)&sa, sizeof(sa));
    umask(old);
    if (rc < 0 || listen(fd, 8) < 0 || epoll_ctl(b->epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
        rc = -errno;
        be_log(b, "cannot listen on %s: %s", sa.sun_path, strerror(errno));
        close(fd);
        return rc;
    }
    b->listen_fd = fd;
    return 0;
}
