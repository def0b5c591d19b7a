/* evtchn.c: libpvevtchn: a dom0 process's event channels (shared pending/notify page + two
 * eventfds). */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <unistd.h>

#include <pvisor/evtchn.h>
#include <pvisor/pvctl.h>

#define NWORDS (PVCTL_DOM0_PORTS / 64)

struct pvevtchn {
    struct pvctl *c;
    pthread_mutex_t lock;           /* one request at a time on c */
    struct pvctl_evtchn_page *page; /* shared with pvisord */
    int ready_fd;                   /* pvisord wakes us */
    int kick_fd;                    /* we wake pvisord */
    uint64_t owned[NWORDS];         /* ports bound through this handle */
    uint64_t seen[NWORDS];          /* pending ports taken from the page, not yet returned */
};

static int register_handle(struct pvevtchn *h)
{
    int memfd = memfd_create("pvevtchn", MFD_CLOEXEC);
    if (memfd < 0)
        return -errno;
    int r = ftruncate(memfd, sizeof(*h->page)) < 0 ? -errno : 0;
    if (r == 0) {
        h->page = mmap(NULL, sizeof(*h->page), PROT_READ | PROT_WRITE, MAP_SHARED, memfd, 0);
        if (h->page == MAP_FAILED) {
            h->page = NULL;
            r = -errno;
        }
    }
    h->ready_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    h->kick_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (r == 0 && (h->ready_fd < 0 || h->kick_fd < 0))
        r = -errno;
    if (r == 0) {
        int fds[3] = {memfd, h->ready_fd, h->kick_fd};
        r = pvctl_call_fds(h->c, PVCTL_EVTCHN_HANDLE, NULL, 0, fds, 3, NULL, 0, NULL, NULL);
    }
    close(memfd);
    return r;
}

int pvevtchn_open(const char *rundir, struct pvevtchn **out)
{
    *out = NULL;
    struct pvevtchn *h = calloc(1, sizeof(*h));
    if (!h)
        return -ENOMEM;
    h->ready_fd = h->kick_fd = -1;
    pthread_mutex_init(&h->lock, NULL);
    int r = pvctl_open(rundir, &h->c);
    if (r == 0)
        r = register_handle(h);
    if (r < 0) {
        pvevtchn_close(h);
        return r;
    }
    *out = h;
    return 0;
}

void pvevtchn_close(struct pvevtchn *h)
{
    if (!h)
        return;
    pvctl_close(h->c); /* pvisord closes our ports when the connection goes */
    if (h->page)
        munmap(h->page, sizeof(*h->page));
    if (h->ready_fd >= 0)
        close(h->ready_fd);
    if (h->kick_fd >= 0)
        close(h->kick_fd);
    pthread_mutex_destroy(&h->lock);
    free(h);
}

int pvevtchn_fd(struct pvevtchn *h)
{
    return h->ready_fd;
}

static bool owned(struct pvevtchn *h, uint32_t port)
{
    return port < PVCTL_DOM0_PORTS &&
           (__atomic_load_n(&h->owned[port / 64], __ATOMIC_ACQUIRE) & (1ULL << (port % 64)));
}

static void set_owned(struct pvevtchn *h, uint32_t port, bool on)
{
    uint64_t bit = 1ULL << (port % 64);
    if (on)
        __atomic_fetch_or(&h->owned[port / 64], bit, __ATOMIC_RELEASE);
    else
        __atomic_fetch_and(&h->owned[port / 64], ~bit, __ATOMIC_RELEASE);
}

/* One locked round trip that answers with a port. */
static int call_port(struct pvevtchn *h, uint32_t op, const void *in, uint32_t inlen,
                     uint32_t *port)
{
    struct pvctl_port p;
    uint32_t len;
    pthread_mutex_lock(&h->lock);
    int r = pvctl_call(h->c, op, in, inlen, &p, sizeof(p), &len, NULL);
    pthread_mutex_unlock(&h->lock);
    if (r == 0 && (len != sizeof(p) || p.port >= PVCTL_DOM0_PORTS))
        r = -EPROTO;
    if (r == 0) {
        set_owned(h, p.port, true);
        *port = p.port;
    }
    return r;
}

int pvevtchn_bind_interdomain(struct pvevtchn *h, uint32_t domid, uint32_t remote_port,
                              uint32_t *local_port)
{
    struct pvctl_evtchn_bind b = {.domid = domid, .remote_port = remote_port};
    return call_port(h, PVCTL_EVTCHN_BIND, &b, sizeof(b), local_port);
}

int pvevtchn_bind_unbound_port(struct pvevtchn *h, uint32_t domid, uint32_t *local_port)
{
    struct pvctl_domid d = {.domid = domid};
    return call_port(h, PVCTL_EVTCHN_BIND_UNBOUND, &d, sizeof(d), local_port);
}

int pvevtchn_notify(struct pvevtchn *h, uint32_t port)
{
    if (!owned(h, port))
        return -EINVAL;
    uint64_t bit = 1ULL << (port % 64);
    if (__atomic_fetch_or(&h->page->notify[port / 64], bit, __ATOMIC_SEQ_CST) & bit)
        return 0; /* pvisord has not taken the previous one yet: they coalesce */
    uint64_t one = 1;
    return write(h->kick_fd, &one, sizeof(one)) < 0 && errno != EAGAIN ? -errno : 0;
}

int pvevtchn_unbind(struct pvevtchn *h, uint32_t port)
{
    if (!owned(h, port))
        return -EINVAL;
    struct pvctl_port p = {.port = port};
    pthread_mutex_lock(&h->lock);
    int r = pvctl_call(h->c, PVCTL_EVTCHN_UNBIND, &p, sizeof(p), NULL, 0, NULL, NULL);
    pthread_mutex_unlock(&h->lock);
    if (r == 0) {
        set_owned(h, port, false);
        h->seen[port / 64] &= ~(1ULL << (port % 64));
    }
    return r;
}

/* Moves newly pending bits from the shared page into h->seen. */
static void collect(struct pvevtchn *h)
{
    uint64_t n;
    if (read(h->ready_fd, &n, sizeof(n)) < 0) {
        /* EAGAIN: no wake-up counted; scan anyway, bits are the truth */
    }
    for (unsigned w = 0; w < NWORDS; w++)
        if (__atomic_load_n(&h->page->pending[w], __ATOMIC_RELAXED))
            h->seen[w] |= __atomic_exchange_n(&h->page->pending[w], 0, __ATOMIC_ACQ_REL);
}

static int take_seen(struct pvevtchn *h)
{
    for (unsigned w = 0; w < NWORDS; w++) {
        uint64_t bits = h->seen[w] & h->owned[w];
        if (bits) {
            unsigned b = (unsigned)__builtin_ctzll(bits);
            h->seen[w] &= ~(1ULL << b);
            return (int)(w * 64 + b);
        }
        h->seen[w] = 0; /* bits of ports we no longer own */
    }
    return -EAGAIN;
}

int pvevtchn_pending(struct pvevtchn *h)
{
    int p = take_seen(h);
    if (p >= 0)
        return p;
    collect(h);
    return take_seen(h);
}

int pvevtchn_unmask(struct pvevtchn *h, uint32_t port)
{
    return owned(h, port) ? 0 : -EINVAL;
}

int pvevtchn_remote_port(struct pvevtchn *h, uint32_t port, uint32_t *domid, uint32_t *rport)
{
    if (!owned(h, port))
        return -EINVAL;
    struct pvctl_port p = {.port = port};
    struct pvctl_evtchn_bind b;
    uint32_t len;
    pthread_mutex_lock(&h->lock);
    int r = pvctl_call(h->c, PVCTL_EVTCHN_REMOTE, &p, sizeof(p), &b, sizeof(b), &len, NULL);
    pthread_mutex_unlock(&h->lock);
    if (r == 0 && len != sizeof(b))
        r = -EPROTO;
    if (r == 0) {
        *domid = b.domid;
        *rport = b.remote_port;
    }
    return r;
}
