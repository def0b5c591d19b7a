/* ctl.c: libpvctl transport: connect to pvisord's control socket, one request/response per call. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <pvisor/pvctl.h>

#define PVCTL_HDR_LEN 8u /* sizeof(struct pvctl_req) == sizeof(struct pvctl_rsp) */

struct pvctl {
    int fd;
    char *rundir;
    uint8_t buf[PVCTL_HDR_LEN + PVCTL_MAX_PAYLOAD]; /* one request or one answer */
};

_Static_assert(sizeof(struct pvctl_req) == PVCTL_HDR_LEN, "request header size");
_Static_assert(sizeof(struct pvctl_rsp) == PVCTL_HDR_LEN, "response header size");

const char *pvctl_rundir(const char *rundir)
{
    const char *env;

    if (rundir && rundir[0])
        return rundir;
    env = getenv("PVISOR_RUNDIR");
    if (env && env[0])
        return env;
    return PVCTL_DEFAULT_RUNDIR;
}

static int socket_addr(const char *rundir, struct sockaddr_un *sa)
{
    int n;

    memset(sa, 0, sizeof(*sa));
    sa->sun_family = AF_UNIX;
    n = snprintf(sa->sun_path, sizeof(sa->sun_path), "%s/%s", rundir, PVCTL_SOCKET_NAME);
    if (n < 0 || (size_t)n >= sizeof(sa->sun_path))
        return -ENAMETOOLONG;
    return 0;
}

int pvctl_open(const char *rundir, struct pvctl **out)
{
    struct sockaddr_un sa;
    struct pvctl *c;
    int ret;

    *out = NULL;
    rundir = pvctl_rundir(rundir);
    ret = socket_addr(rundir, &sa);
    if (ret)
        return ret;
    c = calloc(1, sizeof(*c));
    if (!c)
        return -ENOMEM;
    c->rundir = strdup(rundir);
    c->fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
    if (!c->rundir || c->fd < 0) {
        ret = c->rundir ? -errno : -ENOMEM;
        goto fail;
    }
    if (connect(c->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
        ret = -errno;
        goto fail;
    }
    *out = c;
    return 0;
fail:
    pvctl_close(c);
    return ret;
}

void pvctl_close(struct pvctl *c)
{
    if (!c)
        return;
    if (c->fd >= 0)
        close(c->fd);
    free(c->rundir);
    free(c);
}

const char *pvctl_get_rundir(const struct pvctl *c)
{
    return c->rundir;
}

static int send_request(struct pvctl *c, uint32_t op, const void *in, uint32_t inlen,
                        const int *fds, unsigned nfds)
{
    struct pvctl_req req = {.op = op, .len = inlen};
    union {
        char b[CMSG_SPACE(PVCTL_MAX_REQ_FDS * sizeof(int))];
        struct cmsghdr align;
    } ctl;
    struct iovec iov = {.iov_base = c->buf, .iov_len = PVCTL_HDR_LEN + inlen};
    struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1};
    ssize_t n;

    memcpy(c->buf, &req, sizeof(req));
    if (inlen)
        memcpy(c->buf + PVCTL_HDR_LEN, in, inlen);
    if (nfds) {
        struct cmsghdr *cm;

        memset(&ctl, 0, sizeof(ctl));
        mh.msg_control = ctl.b;
        mh.msg_controllen = CMSG_SPACE(nfds * sizeof(int));
        cm = CMSG_FIRSTHDR(&mh);
        cm->cmsg_level = SOL_SOCKET;
        cm->cmsg_type = SCM_RIGHTS;
        cm->cmsg_len = CMSG_LEN(nfds * sizeof(int));
        memcpy(CMSG_DATA(cm), fds, nfds * sizeof(int));
    }
    do {
        n = sendmsg(c->fd, &mh, MSG_NOSIGNAL);
    } while (n < 0 && errno == EINTR);
    if (n < 0)
        return errno == EPIPE ? -ECONNRESET : -errno;
    if ((size_t)n != PVCTL_HDR_LEN + inlen)
        return -EPROTO;
    return 0;
}

/* Closes every descriptor an SCM_RIGHTS message carried except the first, which is
 * returned (or -1 if there was none). */
static int take_fd(struct msghdr *mh)
{
    struct cmsghdr *cm;
    int fd = -1;

    for (cm = CMSG_FIRSTHDR(mh); cm; cm = CMSG_NXTHDR(mh, cm)) {
        size_t i, n;
        int one;

        if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS)
            continue;
        n = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
        for (i = 0; i < n; i++) {
            memcpy(&one, CMSG_DATA(cm) + i * sizeof(int), sizeof(int));
            if (fd < 0)
                fd = one;
            else
                close(one);
        }
    }
    return fd;
}

/* Receives one answer into c->buf; returns its total length or -errno; *fd gets a
 * passed descriptor or -1. */
static ssize_t recv_answer(struct pvctl *c, int *fd)
{
    union {
        char b[CMSG_SPACE(4 * sizeof(int))];
        struct cmsghdr align;
    } ctl;
    struct iovec iov = {.iov_base = c->buf, .iov_len = sizeof(c->buf)};
    struct msghdr mh = {
        .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.b, .msg_controllen = sizeof(ctl.b)};
    ssize_t n;

    do {
        n = recvmsg(c->fd, &mh, MSG_CMSG_CLOEXEC);
    } while (n < 0 && errno == EINTR);
    *fd = n > 0 ? take_fd(&mh) : -1;
    if (n < 0)
        return -errno;
    if (n == 0)
        return -ECONNRESET;
    if ((mh.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) || (size_t)n < PVCTL_HDR_LEN) {
        if (*fd >= 0)
            close(*fd);
        *fd = -1;
        return -EPROTO;
    }
    return n;
}

/* Checks the answer in c->buf (total n bytes) and copies its payload out. */
static int unpack_answer(struct pvctl *c, size_t n, void *out, uint32_t outcap, uint32_t *outlen)
{
    struct pvctl_rsp rsp;

    memcpy(&rsp, c->buf, sizeof(rsp));
    if (rsp.len != n - PVCTL_HDR_LEN || rsp.ret > 0 || rsp.ret < -4095)
        return -EPROTO;
    if (rsp.len > outcap)
        return -EMSGSIZE;
    if (rsp.len)
        memcpy(out, c->buf + PVCTL_HDR_LEN, rsp.len);
    if (outlen)
        *outlen = rsp.len;
    return rsp.ret;
}

int pvctl_call(struct pvctl *c, uint32_t op, const void *in, uint32_t inlen, void *out,
               uint32_t outcap, uint32_t *outlen, int *fd_out)
{
    return pvctl_call_fds(c, op, in, inlen, NULL, 0, out, outcap, outlen, fd_out);
}

int pvctl_call_fds(struct pvctl *c, uint32_t op, const void *in, uint32_t inlen, const int *fds,
                   unsigned nfds, void *out, uint32_t outcap, uint32_t *outlen, int *fd_out)
{
    ssize_t n;
    int ret, fd;

    if (fd_out)
        *fd_out = -1;
    if (outlen)
        *outlen = 0;
    if (inlen > PVCTL_MAX_PAYLOAD || (inlen && !in) || (outcap && !out) ||
        nfds > PVCTL_MAX_REQ_FDS)
        return -EINVAL;
    ret = send_request(c, op, in, inlen, fds, nfds);
    if (ret)
        return ret;
    n = recv_answer(c, &fd);
    if (n < 0)
        return (int)n;
    ret = unpack_answer(c, (size_t)n, out, outcap, outlen);
    if (fd >= 0 && (!fd_out || ret == -EPROTO || ret == -EMSGSIZE))
        close(fd);
    else if (fd >= 0)
        *fd_out = fd;
    return ret;
}

struct errmsg {
    int err;
    const char *msg;
};

static const struct errmsg errmsgs[] = {
    {ENOENT, "pvisord is not running (no control socket)"},
    {ECONNREFUSED, "pvisord is not running (stale control socket)"},
    {ECONNRESET, "pvisord closed the connection"},
    {EPIPE, "pvisord closed the connection"},
    {EACCES, "permission denied: the control socket is for root and pvisord's user"},
    {EPERM, "operation not permitted"},
    {ESRCH, "no such domain"},
    {EBUSY, "the domain is not in a state that allows this operation"},
    {EEXIST, "a domain with that name already exists"},
    {EINVAL, "invalid argument"},
    {ENOSYS, "operation not supported by this pvisord"},
    {EPROTO, "malformed answer from pvisord (version mismatch?)"},
    {EMSGSIZE, "answer from pvisord larger than expected (version mismatch?)"},
    {ENAMETOOLONG, "run directory path too long for a UNIX socket"},
    {ENOMEM, "out of memory"},
    {ENOSPC, "no free resources left (ports, domains or memory)"},
    {ENOEXEC, "not a loadable kernel image"},
    {ETIMEDOUT, "timed out"},
};

const char *pvctl_strerror(int err)
{
    size_t i;

    if (err < 0)
        err = -err;
    if (err == 0)
        return "success";
    for (i = 0; i < sizeof(errmsgs) / sizeof(errmsgs[0]); i++)
        if (errmsgs[i].err == err)
            return errmsgs[i].msg;
    return strerror(err);
}
