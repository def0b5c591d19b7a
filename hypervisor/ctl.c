/* ctl.c: the control socket: dom0 tools' requests (domctl/sysctl-like ops), one thread per client. */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <xen/sched.h>

#include "ctl.h"
#include "pvisord.h"

#define OUT_MAX PVCTL_MAX_PAYLOAD

typedef int (*op_fn)(const void *in, struct reply *out);
typedef int (*call_fn)(struct ctl_call *c);

struct op_entry {
    uint32_t in_size; /* exact payload size required (the minimum if varlen) */
    bool varlen;      /* a variable tail follows the fixed part */
    op_fn fn;         /* stateless op */
    call_fn cfn;      /* op on the connection's own state (dom0 ports, grant maps) */
};

/* Runs fn on the domain named by a leading domid field, holding a reference. */
#define WITH_DOMAIN(in, d)                                                                         \
    struct domain *d = domain_get(*(const uint32_t *)(in));                                        \
    if (!d)                                                                                        \
        return -ESRCH;

static int op_ping(const void *in, struct reply *out)
{
    struct pvctl_version *v = (void *)out->buf;
    memset(v, 0, sizeof *v);
    v->version = PVCTL_VERSION;
    v->xen_major = PVISOR_XEN_MAJOR;
    v->xen_minor = PVISOR_XEN_MINOR;
    snprintf(v->pvisor, sizeof v->pvisor, "%s", PVISOR_VERSION);
    out->len = sizeof *v;
    return 0;
}

static int op_create(const void *in, struct reply *out)
{
    struct domain *d;
    int r = domain_create(in, &d);
    if (r)
        return r;
    struct pvctl_domid *id = (void *)out->buf;
    *id = (struct pvctl_domid){.domid = d->domid};
    out->len = sizeof *id;
    domain_put(d);
    return 0;
}

static int op_destroy(const void *in, struct reply *out)
{
    WITH_DOMAIN(in, d);
    int r = domain_destroy(d);
    domain_put(d);
    return r;
}

static int op_pause(const void *in, struct reply *out)
{
    WITH_DOMAIN(in, d);
    int r = domain_pause(d);
    domain_put(d);
    return r;
}

static int op_unpause(const void *in, struct reply *out)
{
    WITH_DOMAIN(in, d);
    int r = domain_unpause(d);
    domain_put(d);
    return r;
}

static int op_shutdown(const void *in, struct reply *out)
{
    const struct pvctl_shutdown *s = in;
    if (s->reason > SHUTDOWN_MAX)
        return -EINVAL;
    WITH_DOMAIN(in, d);
    domain_shutdown(d, s->reason);
    domain_put(d);
    return 0;
}

static int op_getinfo(const void *in, struct reply *out)
{
    WITH_DOMAIN(in, d);
    domain_fill_info(d, (void *)out->buf);
    out->len = sizeof(struct pvctl_dominfo);
    domain_put(d);
    return 0;
}

static void list_one(struct domain *d, void *arg)
{
    struct reply *out = arg;
    if (out->len + sizeof(struct pvctl_dominfo) > OUT_MAX)
        return;
    domain_fill_info(d, (void *)(out->buf + out->len));
    out->len += sizeof(struct pvctl_dominfo);
}

static int op_list(const void *in, struct reply *out)
{
    domain_foreach(list_one, out);
    return 0;
}

#define WAIT_MASK (PVCTL_DOMF_DYING | PVCTL_DOMF_SHUTDOWN | PVCTL_DOMF_PAUSED | (0xffu << 16))

static int op_wait(const void *in, struct reply *out)
{
    const struct pvctl_wait *w = in;
    WITH_DOMAIN(in, d);
    uint64_t deadline = now_ns() + (uint64_t)w->timeout_ms * 1000000ULL;
    struct timespec ts = ns_to_timespec(deadline);
    pthread_mutex_lock(&d->lock);
    while ((atomic_load(&d->flags) & WAIT_MASK) == (w->known_flags & WAIT_MASK) &&
           now_ns() < deadline)
        pthread_cond_timedwait(&d->state_cond, &d->lock, &ts);
    pthread_mutex_unlock(&d->lock);
    domain_fill_info(d, (void *)out->buf);
    out->len = sizeof(struct pvctl_dominfo);
    domain_put(d);
    return 0;
}

static int op_map(const void *in, struct reply *out)
{
    WITH_DOMAIN(in, d);
    struct pvctl_map *m = (void *)out->buf;
    *m = (struct pvctl_map){.size = d->mem_size,
                            .ram_pages = d->ram_pages,
                            .shared_info_pfn = d->special_pfn + PVISOR_SPECIAL_SHINFO,
                            .special_pfn = d->special_pfn,
                            .nr_special = PVISOR_NR_SPECIAL,
                            .reserved_end_pfn = gmem_reserved_end(d)};
    out->len = sizeof *m;
    out->fd = dup(d->memfd); /* our own copy: destroy may close the domain's meanwhile */
    domain_put(d);
    return out->fd < 0 ? -errno : 0;
}

static int op_set_vcpu(const void *in, struct reply *out)
{
    const struct pvctl_vcpu_ctx *c = in;
    WITH_DOMAIN(in, d);
    int r = -EINVAL;
    if (c->vcpu < d->max_vcpus && (!c->cr3 || gmem_ptr(d, c->cr3 & ~0xfffULL, 4096)))
        r = vcpu_set_context(d->vcpus[c->vcpu], c);
    domain_put(d);
    return r;
}

static int op_set_memmap(const void *in, struct reply *out)
{
    const struct pvctl_memmap *m = in;
    _Static_assert(PVCTL_E820_MAX <= PVISOR_E820_MAX, "map sizes");
    if (m->nr > PVCTL_E820_MAX)
        return -EINVAL;
    struct e820_entry e[PVCTL_E820_MAX];
    for (uint32_t i = 0; i < m->nr; i++) {
        if (m->e[i].size == 0 || m->e[i].addr + m->e[i].size < m->e[i].addr)
            return -EINVAL;
        e[i] = (struct e820_entry){m->e[i].addr, m->e[i].size, m->e[i].type};
    }
    WITH_DOMAIN(in, d);
    int r = domain_set_e820(d, e, m->nr);
    domain_put(d);
    return r;
}

static int op_hypercall_init(const void *in, struct reply *out)
{
    const struct pvctl_gpfn *g = in;
    WITH_DOMAIN(in, d);
    int r = hypercall_page_init(d, g->gpfn);
    domain_put(d);
    return r;
}

static int op_param(const void *in, struct reply *out, bool set)
{
    const struct pvctl_param *p = in;
    if (p->index >= 64)
        return -EINVAL;
    WITH_DOMAIN(in, d);
    if (set)
        d->params[p->index] = p->value;
    struct pvctl_param *o = (void *)out->buf;
    *o = (struct pvctl_param){.domid = d->domid, .index = p->index, .value = d->params[p->index]};
    out->len = set ? 0 : sizeof *o;
    domain_put(d);
    return 0;
}

static int op_set_param(const void *in, struct reply *out)
{
    return op_param(in, out, true);
}

static int op_get_param(const void *in, struct reply *out)
{
    return op_param(in, out, false);
}

static int read_log(struct logbuf *l, const struct pvctl_log_req *q, struct reply *out)
{
    struct pvctl_log_rsp *rsp = (void *)out->buf;
    size_t max = OUT_MAX - sizeof *rsp;
    if (q->max && q->max < max)
        max = q->max;
    uint64_t off = q->offset;
    size_t n = logbuf_read(l, &off, (char *)(rsp + 1), max, &rsp->lost);
    rsp->next = off;
    out->len = (uint32_t)(sizeof *rsp + n);
    return 0;
}

static int op_domain_log(const void *in, struct reply *out)
{
    WITH_DOMAIN(in, d);
    int r = read_log(&d->log, in, out);
    domain_put(d);
    return r;
}

static int op_hvlog(const void *in, struct reply *out)
{
    return read_log(&g_hvlog, in, out);
}

static int op_evtchn_alloc(const void *in, struct reply *out)
{
    const struct pvctl_evtchn_alloc *a = in;
    WITH_DOMAIN(in, d);
    unsigned port;
    int r = evtchn_alloc_unbound(d, (domid_t)a->remote_domid, &port);
    if (r == 0) {
        *(struct pvctl_port *)out->buf = (struct pvctl_port){.port = port};
        out->len = sizeof(struct pvctl_port);
    }
    domain_put(d);
    return r;
}

static int op_vcpu_list(const void *in, struct reply *out)
{
    WITH_DOMAIN(in, d);
    struct pvctl_vcpuinfo *vi = (void *)out->buf;
    pthread_mutex_lock(&d->lock); /* a destroy may be taking the vCPUs away (domain_release) */
    for (unsigned i = 0; i < d->max_vcpus; i++) {
        struct vcpu *v = d->vcpus[i];
        unsigned f = 0;
        if (!v) {
            vi[i] = (struct pvctl_vcpuinfo){.domid = d->domid, .vcpu = i, .host_cpu = -1};
            continue;
        }
        uint64_t cpu = __atomic_load_n(&v->cpu_time_ns, __ATOMIC_RELAXED);
        uint64_t nhc = __atomic_load_n(&v->nr_hypercalls, __ATOMIC_RELAXED);
        if (atomic_load(&v->online))
            f |= PVCTL_VCPUF_ONLINE;
        if (atomic_load(&v->blocked))
            f |= PVCTL_VCPUF_BLOCKED;
        if (atomic_load(&v->running))
            f |= PVCTL_VCPUF_RUNNING;
        vi[i] = (struct pvctl_vcpuinfo){.domid = d->domid, .vcpu = i, .flags = f,
                                        .host_cpu = v->host_cpu, .cpu_time_ns = cpu,
                                        .nr_hypercalls = nhc};
    }
    pthread_mutex_unlock(&d->lock);
    out->len = (uint32_t)(d->max_vcpus * sizeof *vi);
    domain_put(d);
    return 0;
}

static void count_domain(struct domain *d, void *arg)
{
    struct pvctl_physinfo *p = arg;
    p->nr_domains++;
    pthread_mutex_lock(&d->lock); /* hc_mm.c changes it under the lock */
    p->used_pages += d->nr_pages;
    pthread_mutex_unlock(&d->lock);
}

static int op_physinfo(const void *in, struct reply *out)
{
    struct pvctl_physinfo *p = (void *)out->buf;
    memset(p, 0, sizeof *p);
    p->nr_cpus = (uint32_t)sysconf(_SC_NPROCESSORS_ONLN);
    p->max_vcpus_per_domain = PVISOR_MAX_VCPUS;
    p->total_pages = (uint64_t)sysconf(_SC_PHYS_PAGES);
    p->free_pages = (uint64_t)sysconf(_SC_AVPHYS_PAGES);
    p->cpu_khz = sub_tsc_khz();
    snprintf(p->substrate, sizeof p->substrate, "%s", sub_name());
    domain_foreach(count_domain, p);
    out->len = sizeof *p;
    return 0;
}

static const struct op_entry ops[PVCTL_OP_MAX] = {
    [PVCTL_PING] = {0, .fn = op_ping},
    [PVCTL_DOMAIN_CREATE] = {sizeof(struct pvctl_create), .fn = op_create},
    [PVCTL_DOMAIN_DESTROY] = {sizeof(struct pvctl_domid), .fn = op_destroy},
    [PVCTL_DOMAIN_PAUSE] = {sizeof(struct pvctl_domid), .fn = op_pause},
    [PVCTL_DOMAIN_UNPAUSE] = {sizeof(struct pvctl_domid), .fn = op_unpause},
    [PVCTL_DOMAIN_SHUTDOWN] = {sizeof(struct pvctl_shutdown), .fn = op_shutdown},
    [PVCTL_DOMAIN_GETINFO] = {sizeof(struct pvctl_domid), .fn = op_getinfo},
    [PVCTL_DOMAIN_LIST] = {0, .fn = op_list},
    [PVCTL_DOMAIN_WAIT] = {sizeof(struct pvctl_wait), .fn = op_wait},
    [PVCTL_DOMAIN_MAP] = {sizeof(struct pvctl_domid), .fn = op_map},
    [PVCTL_DOMAIN_SET_VCPU] = {sizeof(struct pvctl_vcpu_ctx), .fn = op_set_vcpu},
    [PVCTL_DOMAIN_HYPERCALL_INIT] = {sizeof(struct pvctl_gpfn), .fn = op_hypercall_init},
    [PVCTL_DOMAIN_SET_PARAM] = {sizeof(struct pvctl_param), .fn = op_set_param},
    [PVCTL_DOMAIN_GET_PARAM] = {sizeof(struct pvctl_param), .fn = op_get_param},
    [PVCTL_DOMAIN_LOG] = {sizeof(struct pvctl_log_req), .fn = op_domain_log},
    [PVCTL_EVTCHN_ALLOC_UNBOUND] = {sizeof(struct pvctl_evtchn_alloc), .fn = op_evtchn_alloc},
    [PVCTL_VCPU_LIST] = {sizeof(struct pvctl_domid), .fn = op_vcpu_list},
    [PVCTL_PHYSINFO] = {0, .fn = op_physinfo},
    [PVCTL_HVLOG_READ] = {sizeof(struct pvctl_log_req), .fn = op_hvlog},
    [PVCTL_EVTCHN_HANDLE] = {0, .cfn = ctl_evtchn_handle},
    [PVCTL_EVTCHN_BIND] = {sizeof(struct pvctl_evtchn_bind), .cfn = ctl_evtchn_bind},
    [PVCTL_EVTCHN_BIND_UNBOUND] = {sizeof(struct pvctl_domid), .cfn = ctl_evtchn_bind_unbound},
    [PVCTL_EVTCHN_UNBIND] = {sizeof(struct pvctl_port), .cfn = ctl_evtchn_unbind},
    [PVCTL_EVTCHN_NOTIFY] = {sizeof(struct pvctl_port), .cfn = ctl_evtchn_notify},
    [PVCTL_EVTCHN_REMOTE] = {sizeof(struct pvctl_port), .cfn = ctl_evtchn_remote},
    [PVCTL_GNT_MAP] = {sizeof(struct pvctl_gnt_map), true, .cfn = ctl_gnt_map},
    [PVCTL_GNT_UNMAP] = {sizeof(struct pvctl_gnt_unmap), true, .cfn = ctl_gnt_unmap},
    [PVCTL_GNT_COPY] = {sizeof(struct pvctl_gnt_copy), true, .cfn = ctl_gnt_copy},
    [PVCTL_DOMAIN_SET_MEMMAP] = {sizeof(struct pvctl_memmap), .fn = op_set_memmap},
};

static int send_reply(int fd, int ret, const struct reply *r)
{
    struct pvctl_rsp h = {.ret = ret, .len = r->len}; /* a failed op may still explain itself */
    struct iovec iov[2] = {{&h, sizeof h}, {r->buf, h.len}};
    char cbuf[CMSG_SPACE(sizeof(int))];
    struct msghdr m = {.msg_iov = iov, .msg_iovlen = 2};
    if (ret == 0 && r->fd >= 0) {
        memset(cbuf, 0, sizeof cbuf);
        m.msg_control = cbuf;
        m.msg_controllen = sizeof cbuf;
        struct cmsghdr *c = CMSG_FIRSTHDR(&m);
        c->cmsg_level = SOL_SOCKET;
        c->cmsg_type = SCM_RIGHTS;
        c->cmsg_len = CMSG_LEN(sizeof(int));
        memcpy(CMSG_DATA(c), &r->fd, sizeof(int));
    }
    return sendmsg(fd, &m, MSG_NOSIGNAL) < 0 ? -errno : 0;
}

static int handle_one(struct ctl_call *c, const uint8_t *in, size_t n)
{
    struct pvctl_req h;
    if (n < sizeof h)
        return -EINVAL;
    memcpy(&h, in, sizeof h);
    if (h.len != n - sizeof h)
        return -EINVAL;
    if (h.op >= PVCTL_OP_MAX || (!ops[h.op].fn && !ops[h.op].cfn))
        return -ENOSYS;
    const struct op_entry *e = &ops[h.op];
    if (e->varlen ? h.len < e->in_size : h.len != e->in_size)
        return -EINVAL;
    c->in = in + sizeof h;
    c->len = h.len;
    if (e->cfn)
        return e->cfn(c);
    return e->fn(c->in, c->out); /* a returned fd is ours to close after sending */
}

/* One request packet and up to CTL_MAX_FDS fds with it. Bytes, 0 at EOF, or -errno. */
static ssize_t recv_request(int fd, uint8_t *buf, size_t cap, struct ctl_call *c)
{
    char cbuf[CMSG_SPACE(CTL_MAX_FDS * sizeof(int))];
    struct iovec iov = {buf, cap};
    struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf,
                       .msg_controllen = sizeof cbuf};
    ssize_t n = recvmsg(fd, &m, MSG_CMSG_CLOEXEC);
    c->nfds = 0;
    for (struct cmsghdr *h = n > 0 ? CMSG_FIRSTHDR(&m) : NULL; h; h = CMSG_NXTHDR(&m, h)) {
        if (h->cmsg_level != SOL_SOCKET || h->cmsg_type != SCM_RIGHTS)
            continue;
        size_t k = (h->cmsg_len - CMSG_LEN(0)) / sizeof(int);
        for (size_t i = 0; i < k; i++) {
            int f;
            memcpy(&f, CMSG_DATA(h) + i * sizeof(int), sizeof f);
            if (c->nfds < CTL_MAX_FDS)
                c->fds[c->nfds++] = f;
            else
                close(f);
        }
    }
    if (m.msg_flags & (MSG_TRUNC | MSG_CTRUNC))
        return -EMSGSIZE;
    return n < 0 ? -errno : n;
}

static void close_fds(struct ctl_call *c)
{
    for (unsigned i = 0; i < c->nfds; i++)
        if (c->fds[i] >= 0)
            close(c->fds[i]);
    c->nfds = 0;
}

static void *client_thread(void *arg)
{
    int fd = (int)(intptr_t)arg;
    size_t cap = sizeof(struct pvctl_req) + PVCTL_MAX_PAYLOAD + 1;
    uint8_t *in = malloc(cap);
    uint8_t *outbuf = malloc(OUT_MAX);
    struct ctl_conn *conn = ctl_conn_new();
    while (in && outbuf && conn) {
        struct ctl_call c = {.conn = conn};
        ssize_t n = recv_request(fd, in, cap, &c);
        if (n == 0 || n == -ECONNRESET || (n < 0 && n != -EMSGSIZE))
            break;
        struct reply r = {.buf = outbuf, .len = 0, .fd = -1};
        c.out = &r;
        memset(outbuf, 0, 256);
        int ret = n < 0 ? (int)n : handle_one(&c, in, (size_t)n);
        close_fds(&c);
        int s = send_reply(fd, ret, &r);
        if (r.fd >= 0)
            close(r.fd);
        if (s < 0)
            break;
    }
    ctl_conn_free(conn);
    free(in);
    free(outbuf);
    close(fd);
    return NULL;
}

static bool peer_allowed(int fd)
{
    struct ucred cr;
    socklen_t len = sizeof cr;
    if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &len) < 0)
        return false;
    return cr.uid == 0 || cr.uid == getuid();
}

static int listen_on(const char *path)
{
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    if (strlen(path) >= sizeof a.sun_path)
        return -ENAMETOOLONG;
    strcpy(a.sun_path, path);
    int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -errno;
    unlink(path);
    mode_t old = umask(0177);
    int r = bind(fd, (struct sockaddr *)&a, sizeof a);
    umask(old);
    if (r < 0 || listen(fd, 64) < 0) {
        r = -errno;
        close(fd);
        return r;
    }
    return fd;
}

int ctl_serve(const char *sockpath, volatile sig_atomic_t *stop)
{
    int lfd = listen_on(sockpath);
    if (lfd < 0)
        return lfd;
    while (!*stop) {
        struct pollfd p = {.fd = lfd, .events = POLLIN};
        if (poll(&p, 1, 200) <= 0)
            continue;
        int c = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
        if (c < 0)
            continue;
        if (!peer_allowed(c)) {
            hvlog("control socket: refused a client with another uid");
            close(c);
            continue;
        }
        pthread_t t;
        pthread_attr_t at;
        pthread_attr_init(&at);
        pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
        if (pthread_create(&t, &at, client_thread, (void *)(intptr_t)c) != 0)
            close(c);
        pthread_attr_destroy(&at);
    }
    close(lfd);
    unlink(sockpath);
    return 0;
}
