/* ctlsock.c: blkback's control socket (RUNDIR/blkback.sock): per-vbd state and counters for tools
 * and tests. */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "blkback.h"

#define CTL_TIMEOUT_MS 1000

static const char *phase_name(const struct vbd *v)
{
    static const char *const names[] = {[VBD_NEW] = "new",
                                        [VBD_FAILED] = "failed",
                                        [VBD_INITWAIT] = "initwait",
                                        [VBD_CONNECTED] = "connected",
                                        [VBD_CLOSED] = "closed"};
    return v->conn ? "connected" : names[v->phase];
}

static unsigned long long ld(atomic_ullong *a)
{
    return atomic_load(a);
}

static void put_vbd(FILE *f, struct vbd *v)
{
    struct blk_stats *s = &v->st;

    fprintf(f,
            "vbd %u/%u state=%s read=%llu write=%llu flush=%llu discard=%llu indirect=%llu "
            "bytes_read=%llu bytes_written=%llu errors=%llu bad_requests=%llu pgrants=%llu "
            "grant_copies=%llu notifies=%llu connects=%llu",
            v->domid, v->devid, phase_name(v), ld(&s->reqs[BLKIF_OP_READ]),
            ld(&s->reqs[BLKIF_OP_WRITE]), ld(&s->reqs[BLKIF_OP_FLUSH_DISKCACHE]),
            ld(&s->reqs[BLKIF_OP_DISCARD]), ld(&s->reqs[BLKIF_OP_INDIRECT]), ld(&s->bytes_read),
            ld(&s->bytes_written), ld(&s->errors), ld(&s->bad_requests), ld(&s->pgrants),
            ld(&s->grant_copies), ld(&s->notifies), ld(&s->connects));
    if (v->why[0])
        fprintf(f, " why=\"%s\"", v->why);
    fputc('\n', f);
}

/* Answers one request: "stats" (one line per vbd, then "end"). */
static void serve(int fd)
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
        for (struct vbd *v = B.vbds; v; v = v->next)
            put_vbd(f, v);
        fputs("end\n", f);
    } else {
        fprintf(f, "error unknown command '%s' (known: stats)\n", cmd);
    }
    fclose(f);
}

void ctl_accept(void)
{
    int fd = accept4(B.listen_fd, NULL, NULL, SOCK_CLOEXEC);

    if (fd < 0)
        return;
    serve(fd);
    close(fd);
}

int ctl_listen(void)
{
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    struct epoll_event ev = {.events = EPOLLIN, .data.u32 = 2};
    int fd;

    if ((size_t)snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/blkback.sock", B.o.rundir) >=
        sizeof(sa.sun_path)) {
        blk_log("run directory path too long for a socket: %s", B.o.rundir);
        return -ENAMETOOLONG;
    }
    fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -errno;
    unlink(sa.sun_path);
    mode_t old = umask(077);
    int rc = bind(fd, (struct sockaddr *)&sa, sizeof(sa));
    umask(old);
    if (rc < 0 || listen(fd, 8) < 0 || epoll_ctl(B.epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
        rc = -errno;
        blk_log("cannot listen on %s: %s", sa.sun_path, strerror(errno));
        close(fd);
        return rc;
    }
    B.listen_fd = fd;
    return 0;
}
