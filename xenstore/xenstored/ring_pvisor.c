/* ring_pvisor.c: the ring transport's host side on pvisord: libpvfmem mappings, libpvevtchn ports.
 */
#include <errno.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <time.h>

#include <pvisor/evtchn.h>
#include <pvisor/fmem.h>

#include "log.h"
#include "loop.h"
#include "ring.h"

#define BIND_RETRY_MS 2000 /* at start-up: pvisord may still be closing the old daemon's ports */

static struct {
    char rundir[4096];
    struct pvevtchn *ev;
    struct pvfmem *fm;
    struct loop_handler h;
    bool serving; /* start-up reconnection is over: no more bind retries */
} G;

static void on_events(struct loop_handler *h, uint32_t events)
{
    int port;

    (void)h;
    (void)events;
    while ((port = pvevtchn_pending(G.ev)) >= 0) {
        ring_port_event((uint32_t)port);
        pvevtchn_unmask(G.ev, (uint32_t)port);
    }
}

/* Handles are opened on first use: xenstored may start before pvisord. */
static int open_handles(void)
{
    int rc;

    if (!G.fm) {
        rc = pvfmem_open(G.rundir, &G.fm);
        if (rc < 0)
            return rc;
    }
    if (!G.ev) {
        rc = pvevtchn_open(G.rundir, &G.ev);
        if (rc < 0)
            return rc;
        G.h.fn = on_events;
        rc = loop_add(pvevtchn_fd(G.ev), EPOLLIN, &G.h);
        if (rc < 0) {
            pvevtchn_close(G.ev);
            G.ev = NULL;
            return rc;
        }
    }
    return 0;
}

static int fm_map(unsigned domid, uint64_t mfn, void **page)
{
    int err = 0, rc = open_handles();

    if (rc < 0)
        return rc;
    *page = pvfmem_map(G.fm, domid, PROT_READ | PROT_WRITE, 1, &mfn, NULL, &err);
    return *page ? 0 : (err ? err : -EIO);
}

static void fm_unmap(void *page)
{
    if (G.fm)
        pvfmem_unmap(G.fm, page, 1);
}

static int ev_bind(unsigned domid, uint32_t remote_port, uint32_t *local_port)
{
    struct timespec pause = {0, 50 * 1000000L};
    int rc = open_handles();

    for (int waited = 0; rc == 0; waited += 50) {
        rc = pvevtchn_bind_interdomain(G.ev, domid, remote_port, local_port);
        /* -EINVAL: the guest's port is not (yet) unbound-for-dom0 again */
        if (rc != -EINVAL || G.serving || waited >= BIND_RETRY_MS)
            break;
        nanosleep(&pause, NULL);
        rc = 0;
    }
    return rc;
}

static void ev_unbind(uint32_t local_port)
{
    if (G.ev)
        pvevtchn_unbind(G.ev, local_port);
}

static void ev_notify(uint32_t local_port)
{
    int rc = pvevtchn_notify(G.ev, local_port);

    if (rc < 0)
        log_debug("notify local port %u: %s", local_port, strerror(-rc));
}

void ring_pvisor_serving(void)
{
    G.serving = true;
}

int ring_pvisor_init(const char *rundir)
{
    static const struct ring_env e = {fm_map, fm_unmap, ev_bind, ev_unbind, ev_notify};

    if (strlen(rundir) >= sizeof(G.rundir))
        return -ENAMETOOLONG;
    strcpy(G.rundir, rundir);
    ring_transport_init(&e);
    return 0;
}
