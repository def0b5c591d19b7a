/* xenconsoled.h: xenconsoled's shared state: per-domain consoles, options, the event loop. */
#ifndef XENCONSOLED_H
#define XENCONSOLED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <pvisor/cons_ring.h>
#include <pvisor/pvctl.h>

#define XCD_TTY_MAX   64
#define XCD_WHY_MAX   192
#define XCD_NOTE_MAX  160
#define XCD_STUCK_MS  200  /* a full buffer and a pty nobody drains this long: drop oldest */
#define XCD_LINGER_MS 1000 /* a gone domain's pty stays while its reader makes progress */
#define XCD_TICK_MS   50   /* housekeeping period while some console needs it */
#define XCD_SCAN_MS   1000 /* domain list reconciliation (catches unannounced changes) */

/* What an epoll entry is (epoll_event.data.ptr points at one of these). */
enum xcd_tag_type { TAG_SIGNAL, TAG_EVTCHN, TAG_XS, TAG_LISTEN, TAG_CLIENT, TAG_PTY };
struct xcd_tag {
    enum xcd_tag_type type;
    void *ptr;
};

/* A bounded FIFO of output bytes that are not in the pty yet. */
struct obuf {
    char *data;
    size_t cap, head, len;
};

enum cdom_state {
    CD_WAITING, /* known, ring not set up yet (or not connectable yet) */
    CD_LIVE,    /* ring mapped, port bound, pty open */
    CD_BROKEN,  /* disconnected on purpose (bad indexes, setup failure): why[] says */
    CD_GONE,    /* the domain is gone: the pty lingers until its reader has everything */
};

struct cdom {
    struct cdom *next;
    uint32_t domid;
    uint8_t uuid[16];
    char name[PVCTL_NAME_LEN];
    enum cdom_state state;
    char why[XCD_WHY_MAX];
    bool watching, seen;

    struct xencons_interface *intf; /* mapped console page (LIVE) */
    uint64_t ring_pfn;
    uint32_t remote_port, local_port;
    XENCONS_RING_IDX out_cons, in_prod; /* ours; written to the page, never read back */

    int master_fd, slave_fd; /* the pty (we keep the slave open: no hangups between readers) */
    char tty[XCD_TTY_MAX];
    uint32_t ep_events;
    struct xcd_tag tag;

    int log_fd;
    uint64_t log_bytes;

    struct obuf ob;
    uint64_t buf_cap; /* its size: --buffer-size, or console/limit if lower */
    uint64_t dropped; /* bytes dropped since the last note */
    uint64_t dropped_total;
    char note[XCD_NOTE_MAX]; /* "[... dropped]" still to be written to the pty */
    size_t note_len, note_off;
    uint64_t note_dropped;   /* the count the pending note reports */
    uint64_t stuck_since_ms; /* the pty refuses bytes since then (0: it does not) */
    bool unattached;         /* nobody drains the pty: drop the oldest output instead */
    bool out_throttled;      /* output left in the ring (rate or buffer limit) */
    bool in_blocked;         /* in[] full: stopped reading the pty */
    double tokens;           /* rate limit bucket, bytes */
    uint64_t tokens_at_ms;
    uint64_t gone_at_ms, linger_progress_ms;
    int linger_inq;
};

struct xcd_opts {
    const char *rundir;
    char log_dir[4096];
    bool logging, foreground, verbose, no_sandbox;
    uint64_t log_size;    /* rotate NAME.log to NAME.log.1 at this size */
    uint64_t buffer_size; /* per-domain output buffer */
    uint64_t rate;        /* bytes per second a domain may write (sustained) */
    uint64_t burst;       /* bytes it may write at once */
};

struct xcd {
    struct xcd_opts o;
    int epfd;
    struct pvctl *ctl;
    struct pvfmem *fmem;
    struct pvevtchn *evt;
    struct xs_handle *xs;
    struct xcd_tag evt_tag, xs_tag, sig_tag, listen_tag;
    int sig_fd, listen_fd;
    struct cdom *doms;
    struct cdom *grave; /* forgotten during this epoll batch, freed after it */
    unsigned ndoms;
    uint64_t next_scan_ms, next_xs_try_ms;
    bool stop;
    int exit_status;
};

extern struct xcd X;

/* main.c */
uint64_t xcd_now_ms(void);
void xcd_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void xcd_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* (Re)registers fd with epoll for events (0: removes it). 0 or -errno. */
int xcd_epoll_set(int fd, uint32_t old_events, uint32_t events, struct xcd_tag *tag);

/* domain.c: discovery and connection */
void dom_scan(void); /* reconcile with pvisord's domain list */
struct cdom *dom_find(uint32_t domid);
void dom_try_connect(struct cdom *d);
void dom_disconnect(struct cdom *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void dom_free_all(void);
void dom_reap(void);         /* frees what dom_free_all/dom_scan forgot */
void dom_tick(uint64_t now); /* lingering gone domains */
const char *dom_state_name(const struct cdom *d);
/* xenstore */
void xs_try_connect(void);
void xs_handle_events(void);
void xs_lost(void);

/* io.c: moving bytes */
int io_open(struct cdom *d); /* pty, log, buffer; 0 or -errno (why[] set) */
void io_close(struct cdom *d);
void io_service_output(struct cdom *d, bool force); /* ring -> log + buffer -> pty */
void io_service_input(struct cdom *d);              /* pty -> ring */
void io_pty_ready(struct cdom *d, uint32_t events);
void io_flush_pty(struct cdom *d);
bool io_tick(struct cdom *d, uint64_t now); /* true while the domain needs ticks */
void io_log_note(struct cdom *d, const char *msg);

/* ctlsock.c: the control socket */
int ctl_listen(void);
void ctl_accept(void);
void ctl_client_ready(struct xcd_tag *tag, uint32_t events);
void ctl_tick(uint64_t now);
bool ctl_busy(void);
void ctl_close_all(void);

#endif
