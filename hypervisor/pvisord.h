/* pvisord.h: pvisord's internal model (domains, vCPUs, memory) and the contracts between its files. */
#ifndef PVISORD_H
#define PVISORD_H

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <time.h>
#include <stdint.h>

#include <xen/xen.h>
#include <xen/event_channel.h>
#include <xen/sched.h>

#include "pvisor/ctl_wire.h"
#include "substrate.h"

#define PVISOR_VERSION      "0.1"
#define PVISOR_XEN_MAJOR    4
#define PVISOR_XEN_MINOR    17
#define PVISOR_MAX_DOMAINS  1024
#define PVISOR_MAX_VCPUS    32     /* fits shared_info's legacy vcpu_info array */
#define PVISOR_NR_SPECIAL   64     /* hypervisor-owned frames after RAM */
#define PVISOR_SPECIAL_SHINFO 0    /* index of shared_info among them */
#define PVISOR_SPECIAL_GNTTAB 1    /* first grant-table frame */
#define PVISOR_SPECIAL_PT_L3  60   /* hypervisor mapping: PML4 slot 255 -> L3 -> L2 -> L1 */
#define PVISOR_SPECIAL_PT_L2  61
#define PVISOR_SPECIAL_PT_L1  62
#define PVISOR_SPECIAL_TSS    63   /* TSS whose I/O bitmap opens the hypercall port */
#define PVISOR_MAX_GNT_FRAMES 56
#define PVISOR_HV_PML4_SLOT   255  /* reserved in PV guests' top-level page tables */
#define PVISOR_TSS_VA         0x00007ffffffff000ULL /* the TSS's address in every PV guest */
#define PVISOR_TSS_IOMAP      104 /* I/O bitmap offset inside the TSS */
#define PVISOR_TSS_LIMIT      (PVISOR_TSS_IOMAP + 16) /* ports 0-127, then the 0xff end byte */

/* x86 page-table entry bits and the frame-address mask. */
#define PTE_P    (1ULL << 0)
#define PTE_RW   (1ULL << 1)
#define PTE_US   (1ULL << 2)
#define PTE_A    (1ULL << 5)
#define PTE_PS   (1ULL << 7)
#define PTE_ADDR 0x000ffffffffff000ULL

#define RFLAGS_IF   0x200ULL
#define RFLAGS_IOPL 0x3000ULL

#define NSEC_PER_SEC 1000000000ULL
#define PVISOR_DEF_GNT_FRAMES 32
#define PVISOR_DEF_EVTCHN_PORTS 1024
#define PVISOR_MAX_EVTCHN_PORTS 4096 /* 2-level ABI on x86-64: 64 x 64 */
#define PVISOR_SYSCTL_DOMCTL_VERSION 0x15 /* Xen 4.17's sysctl and domctl interface */
#define PVISOR_DOM0_PORTS   16384 /* domain 0's ports (dom0 processes), see ctl_wire.h */
#define PVISOR_MAPTRACK     1024  /* grant maps one guest may hold = its grant window pages */
#define PVISOR_XMAP_MAX     64    /* add_to_physmap targets outside the domain's memory */
#define PVISOR_PAGE_SHIFT   12
#define PVISOR_PAGE_SIZE    4096ULL

struct domain;
struct vcpu;

/* One memory-map entry as XENMEM_memory_map returns it (Xen's packed e820 layout). */
struct e820_entry {
    uint64_t addr, size;
    uint32_t type;
} __attribute__((packed));
#define PVISOR_E820_MAX 128 /* entries a domain's map may have (XENMEM_set_memory_map) */

/* ---- logs (log.c) ---------------------------------------------------------- */
/* A byte ring with absolute offsets; readers ask from an offset and learn what was lost. */
struct logbuf {
    pthread_mutex_t lock;
    char *buf;
    size_t cap;
    uint64_t head; /* absolute offset of the next byte written */
};
int logbuf_init(struct logbuf *l, size_t cap);
void logbuf_free(struct logbuf *l);
void logbuf_write(struct logbuf *l, const char *s, size_t n);
/* Copies up to max bytes from absolute offset *off; returns bytes copied, sets *lost to
 * bytes skipped because they were overwritten, advances *off. */
size_t logbuf_read(struct logbuf *l, uint64_t *off, char *dst, size_t max, uint64_t *lost);

/* The hypervisor log (xl dmesg): also mirrored to stderr. printf-like. */
void hvlog(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
extern struct logbuf g_hvlog;
/* A line in a domain's log (and the hypervisor log, prefixed "(dN)"). */
void domlog(struct domain *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* ---- event channels (evtchn.c) --------------------------------------------- */
enum evtchn_state { ECS_FREE = 0, ECS_RESERVED, ECS_UNBOUND, ECS_INTERDOMAIN, ECS_VIRQ, ECS_IPI };

struct dom0_evq;

struct evtchn {
    uint8_t state;       /* enum evtchn_state */
    uint8_t virq;        /* ECS_VIRQ */
    uint16_t notify_vcpu;
    uint16_t remote_dom; /* ECS_UNBOUND: allowed remote; ECS_INTERDOMAIN: peer */
    uint32_t remote_port;
    struct dom0_evq *q;  /* domain 0 only: the dom0 process's handle that owns the port */
};

/* ---- grant tables (gnttab.c) ------------------------------------------------ */
/* Per-ref state while a grant is mapped (Xen's active entry). */
struct gnt_active {
    uint32_t pin_ro;   /* read-only mappings */
    uint32_t pin_rw;   /* writable mappings */
    uint16_t domid;    /* the one domain mapping it while pinned */
    uint16_t pad;
    uint32_t pad2;
    uint64_t frame;    /* the granter's frame, fixed while pinned */
};

/* One grant mapping held by a guest (its handle is the index). */
struct gnt_maptrack {
    struct domain *gd; /* granting domain (a reference is held); NULL = free slot */
    uint32_t ref;
    uint8_t readonly;
    uint8_t has_pte;   /* host_map: pte_ma holds the PTE we wrote */
    uint8_t busy;      /* being mapped or unmapped: no unmap may start */
    uint64_t pte_ma;
};

struct gnttab {
    uint32_t nr_frames;          /* grant frames in use (entries = nr_frames * 512) */
    uint32_t max_frames;
    uint32_t version;            /* always 1 */
    struct gnt_active *active[PVISOR_MAX_GNT_FRAMES]; /* 512 each, allocated with the frame */
    struct gnt_maptrack *maptrack; /* PVISOR_MAPTRACK entries, allocated on first map */
    uint32_t nr_maps;
};

/* ---- vCPUs (vcpu.c) -------------------------------------------------------- */
struct vcpu {
    struct domain *d;
    unsigned id;
    struct sub_vcpu *sv;          /* substrate handle */
    pthread_t thread;
    bool thread_started;
    atomic_bool online;           /* VCPUOP_up'ed and initialised */
    bool initialised;             /* has a context */
    atomic_bool kick;             /* something for the run loop to look at */
    atomic_bool blocked;          /* in SCHEDOP_block / poll */
    atomic_bool running;          /* inside the substrate's run call */
    uint64_t cpu_time_ns;
    uint64_t nr_hypercalls;
    uint64_t run_start_ns;
    int host_cpu;
    /* PV callbacks */
    uint64_t event_callback;
    uint64_t failsafe_callback;
    uint64_t trap_table_gva;      /* recorded only */
    /* vcpu_info location: legacy slot in shared_info or registered elsewhere */
    uint64_t vcpu_info_gpa;
    /* timers (Xen system time, ns) */
    uint64_t timer_deadline;      /* 0 = none */
    uint64_t periodic_period;     /* 0 = none */
    uint64_t periodic_next;
    /* poll state */
    const uint32_t *poll_ports;
    unsigned poll_nr;
    /* runstate */
    uint64_t runstate_entry;
    uint64_t runstate_time[4];
    int runstate;
    uint64_t cr3;                 /* current top-level page table (PV64) */
    bool pv64;                    /* 64-bit paged mode: guest pointers are virtual */
    bool pvh;                     /* PVH: the guest's own paging, in any x86 mode */
    bool hc_compat;               /* the hypercall being handled uses 32-bit layouts */
    uint64_t last_cr2;            /* cr2 at the previous fault report */
    uint64_t time_updated;        /* when vcpu_time_info was last refreshed */
    pthread_mutex_t wait_lock;    /* leaf lock for cond */
    pthread_cond_t cond;          /* waits for wake-ups while blocked / down / paused */
    bool ready;                   /* thread has created its substrate vCPU */
    int create_err;
    bool ctx_pending;             /* new_ctx to apply before the next run */
    struct pvctl_vcpu_ctx new_ctx;
    timer_t host_timer;
    bool host_timer_ok;
    uint64_t host_timer_armed;    /* deadline the host timer is set to (0 = disarmed) */
};

/* ---- domains (domain.c) ---------------------------------------------------- */
struct domain {
    uint32_t domid;
    char name[PVCTL_NAME_LEN];
    uint8_t uuid[16];
    uint32_t type;               /* PVCTL_TYPE_* */
    atomic_int refs;
    pthread_mutex_t lock;        /* domain state, event channels, grant table */
    pthread_cond_t state_cond;   /* broadcast on any flag change (DOMAIN_WAIT) */
    atomic_uint flags;           /* PVCTL_DOMF_* (RUNNING/BLOCKED computed) */
    uint32_t shutdown_code;
    atomic_int pause_count;
    bool started;                /* unpaused at least once */
    /* memory */
    struct sub_vm *vm;
    int memfd;
    uint8_t *mem;                /* whole memfd mapped */
    uint64_t mem_size;           /* bytes incl. special frames */
    uint64_t ram_pages;
    uint64_t max_pages;
    uint64_t nr_pages;           /* currently populated RAM pages */
    uint8_t *populated;          /* bitmap over max_pages */
    uint64_t special_pfn;
    /* vCPUs */
    unsigned max_vcpus;
    struct vcpu *vcpus[PVISOR_MAX_VCPUS];
    /* events */
    struct evtchn *evtchn;
    unsigned max_evtchn;
    uint16_t virq_port[PVISOR_MAX_VCPUS][NR_VIRQS];
    /* params (HVM_PARAM_*) */
    uint64_t params[64];
    uint64_t hypercall_page_gpfn;
    uint64_t vm_assist;
    uint32_t max_grant_frames;
    struct gnttab gt;            /* under lock */
    uint8_t *gwin;               /* grant window: PVISOR_MAPTRACK pages after the special frames */
    uint64_t gwin_pfn;           /* its first guest frame */
    struct {                     /* add_to_physmap targets outside the memslot of RAM */
        uint64_t gfn;
        uint32_t special;        /* index of the hypervisor-owned frame mapped there */
        uint8_t *host;
    } xmap[PVISOR_XMAP_MAX];
    unsigned nr_xmap;
    struct logbuf log;           /* console_io output + crash reports */
    char conline[160];           /* partial console line for the hypervisor log */
    size_t conline_len;
    uint64_t conlog_tokens;      /* bytes of console lines the hypervisor log still takes */
    uint64_t conlog_at;          /* when conlog_tokens was last refilled (0: never) */
    uint64_t conlog_dropped;     /* lines kept out of the hypervisor log since the last note */
    uint64_t nr_hypercalls;
    uint64_t hc_count[64];       /* per hypercall number */
    uint64_t tsc_offset;         /* guest TSC = host TSC + tsc_offset */
    struct e820_entry *e820;     /* memory map (XENMEM_memory_map); NULL = the default */
    unsigned nr_e820;
    bool shinfo_compat;     /* PVH: shared_info in the 32-bit layout (latched) */
    atomic_uint io_reports; /* PVH: unhandled port/MMIO accesses logged so far */
};

/* Look up a live domain and take a reference (domain_put releases). NULL if absent. */
struct domain *domain_get(uint32_t domid);
/* As domain_get, and 0 gives domain 0 (the dom0 processes' event channels and grants;
 * it has no memory or vCPUs and is never destroyed). */
struct domain *domain_get_any(uint32_t domid);
int domain_dom0_init(void);
void domain_put(struct domain *d);
/* Creates a domain (paused, no vCPU context). 0 or -errno; *out holds a reference. */
int domain_create(const struct pvctl_create *c, struct domain **out);
/* Marks the domain dying, stops its vCPUs, frees it once the last reference goes. */
int domain_destroy(struct domain *d);
int domain_pause(struct domain *d);
int domain_unpause(struct domain *d);
/* Records a shutdown (reason = SHUTDOWN_*), stops every vCPU. Idempotent. */
void domain_shutdown(struct domain *d, unsigned reason);
void domain_fill_info(struct domain *d, struct pvctl_dominfo *info);
/* Calls fn for each live domain (under the table lock; fn must not block). */
void domain_foreach(void (*fn)(struct domain *, void *), void *arg);
void domain_notify_state(struct domain *d);
bool domain_running(struct domain *d);

/* ---- guest memory (gmem.c) -------------------------------------------------- */
/* The one checked translate: host pointer for [gpa, gpa+len) inside the domain's memory,
 * NULL if any byte is outside it (overflow-safe). */
void *gmem_ptr(struct domain *d, uint64_t gpa, uint64_t len);
/* Guest-virtual access for PV guests: walks the vCPU's page tables (present + user +
 * write checks). 0 or -EFAULT. Copies may cross pages. */
int gva_to_gpa(struct vcpu *v, uint64_t gva, bool write, uint64_t *gpa);
int copy_from_guest(struct vcpu *v, void *dst, uint64_t gva, size_t len);
int copy_to_guest(struct vcpu *v, uint64_t gva, const void *src, size_t len);
/* First guest frame after the hypervisor-owned frames and the grant window. */
uint64_t gmem_reserved_end(struct domain *d);
/* Fills the hypervisor-owned frames (TSS, its page tables) at domain creation. */
void gmem_init_special(struct domain *d);
/* Points PML4 slot 255 of the table at cr3 to the hypervisor's mapping (TSS).
 * 0, or -EEXIST if the guest uses that slot itself, -EFAULT if cr3 is not RAM. */
int gmem_install_hv_slot(struct domain *d, uint64_t cr3);
/* Makes VMM-side page-table writes visible to the substrate's shadow MMU. */
void gmem_pt_sync(struct domain *d);
/* Guest frame of hypervisor-owned frame idx (PVISOR_SPECIAL_*). */
uint64_t gmem_special_pfn(struct domain *d, unsigned idx);
/* Grant window: page slot of d's window shows frame `frame` of domain src (read-only if
 * ro), or nothing again. 0 or -errno. */
int gmem_window_map(struct domain *d, unsigned slot, struct domain *src, uint64_t frame, bool ro);
void gmem_window_unmap(struct domain *d, unsigned slot);
/* Makes guest frame gfn show hypervisor-owned frame `special` (add_to_physmap). 0/-errno. */
int gmem_map_special(struct domain *d, uint64_t gfn, unsigned special);
struct shared_info *domain_shinfo(struct domain *d);
struct vcpu_info *vcpu_vinfo(struct vcpu *v);

/* ---- vCPUs (vcpu.c) -------------------------------------------------------- */
int vcpu_create(struct domain *d, unsigned id);
/* Sets an initial context (PVCTL_MODE_*). Not while the vCPU runs. */
int vcpu_set_context(struct vcpu *v, const struct pvctl_vcpu_ctx *ctx);
/* Wakes the vCPU: interrupts KVM_RUN or a blocked wait so it re-checks its state. */
void vcpu_kick(struct vcpu *v);
void vcpu_stop_and_join(struct vcpu *v);
void vcpu_destroy(struct vcpu *v);
uint64_t now_ns(void);          /* Xen system time: CLOCK_MONOTONIC ns */
static inline struct timespec ns_to_timespec(uint64_t ns)
{
    return (struct timespec){.tv_sec = (time_t)(ns / NSEC_PER_SEC),
                             .tv_nsec = (long)(ns % NSEC_PER_SEC)};
}
/* The vCPU's next timer event (one-shot or periodic), or `extra` if earlier; 0 = none. */
uint64_t vcpu_next_deadline(struct vcpu *v, uint64_t extra);
extern bool g_trace_hypercalls; /* --trace: log every hypercall to the hypervisor log */
/* Blocks the calling vCPU thread until kicked or the deadline (0 = none) passes. */
void vcpu_wait(struct vcpu *v, uint64_t deadline);
void vcpu_update_time(struct vcpu *v);
/* Writes the wall clock (at system time 0) into shared_info, in the guest's layout. */
void domain_update_wallclock(struct domain *d);
void vcpu_check_timers(struct vcpu *v);
bool vcpu_events_pending(struct vcpu *v);
/* Crash report + shutdown(crash) for the vCPU's domain. */
void vcpu_crash(struct vcpu *v, const char *why);

/* ---- event channels (evtchn.c) --------------------------------------------- */
int evtchn_init(struct domain *d, unsigned max_ports);
void evtchn_teardown(struct domain *d);
/* Marks a port pending in the domain and notifies its vCPU (Xen's 2-level rules). */
void evtchn_set_pending(struct domain *d, unsigned port);
int evtchn_send_virq(struct vcpu *v, unsigned virq);
/* Port operations: 0 or -errno with Xen's codes; callers hold no domain lock. */
int evtchn_alloc_unbound(struct domain *d, domid_t remote, unsigned *port);
int evtchn_bind_interdomain(struct domain *ld, struct domain *rd, unsigned rport, unsigned *lport);
int evtchn_bind_virq(struct domain *d, unsigned virq, unsigned vcpu, unsigned *port);
int evtchn_bind_ipi(struct domain *d, unsigned vcpu, unsigned *port);
int evtchn_bind_vcpu(struct domain *d, unsigned port, unsigned vcpu);
int evtchn_close(struct domain *d, unsigned port);
int evtchn_send(struct domain *d, unsigned port);
int evtchn_unmask(struct domain *d, unsigned port);
int evtchn_status(struct domain *d, unsigned port, struct evtchn_status *st);
int evtchn_reset(struct domain *d);
bool evtchn_port_pending(struct domain *d, unsigned port);

/* Domain 0's ports belong to dom0 processes (ctl_dom0.c): delivery sets a bit in the
 * owning handle's shared page and wakes its eventfd. */
void dom0_evq_deliver(struct dom0_evq *q, unsigned port);
/* Closes every domain-0 port owned by q. */
void evtchn_dom0_release(struct dom0_evq *q);
/* Binds a domain-0 port to rd's port rport (dom0 end owned by q). 0 or -errno. */
int evtchn_dom0_bind(struct dom0_evq *q, struct domain *rd, unsigned rport, unsigned *lport);
/* An unbound domain-0 port that `remote` may bind. */
int evtchn_dom0_alloc(struct dom0_evq *q, domid_t remote, unsigned *lport);
/* True if domain-0 port `port` is owned by q (under dom0's lock). */
bool evtchn_dom0_owned(struct dom0_evq *q, unsigned port);

/* ---- grant tables (gnttab.c): Xen's v1 semantics, locks taken inside ------------ */
int gnttab_init(struct domain *d, unsigned max_frames);
/* Drops every mapping d holds (unpinning the granters); frees the tables. */
void gnttab_teardown(struct domain *d);
/* Frees the per-ref state when the domain itself goes. */
void gnttab_free(struct domain *d);
/* Grows the table to nr frames (never shrinks). 0, -EINVAL over max_frames, -ENOMEM. */
int gnttab_grow(struct domain *d, unsigned nr);
/* The shared entry of ref (NULL if ref is beyond the table). Lock held. */
struct grant_entry_v1 *gnttab_entry(struct domain *gd, uint32_t ref);
/* Pins gd's grant ref for a mapping by domain `mapper` (GNTST_* result): checks the
 * entry (permit_access, domid, readonly), sets GTF_reading/GTF_writing, returns the
 * frame. */
int gnttab_pin(struct domain *gd, uint32_t ref, domid_t mapper, bool readonly, uint64_t *frame);
/* Undoes one gnttab_pin(); clears GTF_writing / GTF_reading when the last goes. */
void gnttab_unpin(struct domain *gd, uint32_t ref, bool readonly);
/* Validates one side of a copy: ref in gd granted to `user` (writable if write) and
 * offset+len inside the page; on GNTST_okay *p points at the bytes and the grant is
 * pinned until gnttab_copy_done(). */
int gnttab_copy_claim(struct domain *gd, uint32_t ref, domid_t user, bool write, unsigned offset,
                      unsigned len, uint8_t **p);
void gnttab_copy_done(struct domain *gd, uint32_t ref, bool write);
/* Maptrack of a guest: a free handle (or -1), and release of a handle. Lock held. */
int gnttab_maptrack_get(struct domain *d);

/* ---- hypercalls (hypercall.c, hc_*.c) --------------------------------------- */
struct hc_args {
    uint64_t a[6];
};
typedef long (*hc_fn)(struct vcpu *v, const struct hc_args *a);
#define HCF_PRIV   (1u << 0) /* dom0 only */
#define HCF_NOREG  (1u << 1) /* handler sets registers itself (iret) */
#define HCF_PV     (1u << 2) /* PV guests only: -ENOSYS for PVH, as in Xen's HVM table */
struct hc_entry {
    const char *name;
    hc_fn fn;
    unsigned flags;
};
/* Dispatches hypercall nr for v: result in rax or -ENOSYS. */
long hypercall_dispatch(struct vcpu *v, unsigned nr, const struct hc_args *a, bool *noreg);
/* Formats the domain's non-zero per-hypercall counters (" name=N ..."). */
void hypercall_counts(struct domain *d, char *buf, size_t size);
/* Writes the hypercall page (stubs) into guest frame gpfn (RAM only). 0 or -EINVAL. */
int hypercall_page_init(struct domain *d, uint64_t gpfn);

long hc_xen_version(struct vcpu *v, const struct hc_args *a);
long hc_console_io(struct vcpu *v, const struct hc_args *a);
long hc_sched_op(struct vcpu *v, const struct hc_args *a);
long hc_set_timer_op(struct vcpu *v, const struct hc_args *a);
long hc_vcpu_op(struct vcpu *v, const struct hc_args *a);
long hc_set_callbacks(struct vcpu *v, const struct hc_args *a);
long hc_callback_op(struct vcpu *v, const struct hc_args *a);
long hc_set_trap_table(struct vcpu *v, const struct hc_args *a);
long hc_vm_assist(struct vcpu *v, const struct hc_args *a);
long hc_iret(struct vcpu *v, const struct hc_args *a);
long hc_physdev_op(struct vcpu *v, const struct hc_args *a);
long hc_evtchn(struct vcpu *v, const struct hc_args *a);
long hc_memory_op(struct vcpu *v, const struct hc_args *a);
long hc_mmu_update(struct vcpu *v, const struct hc_args *a);
long hc_update_va_mapping(struct vcpu *v, const struct hc_args *a);
long hc_mmuext_op(struct vcpu *v, const struct hc_args *a);
long hc_multicall(struct vcpu *v, const struct hc_args *a);
long hc_priv_op(struct vcpu *v, const struct hc_args *a);
long hc_hvm_op(struct vcpu *v, const struct hc_args *a);
long hc_grant_table_op(struct vcpu *v, const struct hc_args *a);
/* Finds the machine address of va's L1 entry in v's page tables. 0 or -EINVAL. */
int pv_l1e_addr(struct vcpu *v, uint64_t va, uint64_t *ma);
/* True if va is canonical (bits 63..47 equal). */
static inline bool is_canonical(uint64_t va)
{
    return (uint64_t)((int64_t)(va << 16) >> 16) == va;
}
/* True while handling a call from a 32-bit PVH guest (compat structure layouts). */
static inline bool hc_compat(const struct vcpu *v)
{
    return v->hc_compat;
}
/* True once v's domain is being destroyed. Hypercalls whose work grows with guest-chosen
 * counts (multicall, mmu_update, mmuext_op, console_io) check it per entry and end early
 * with -EINTR: there are no continuations, so this is what bounds how long `xl destroy`
 * waits for a vCPU thread inside a huge batch. */
static inline bool hc_preempted(const struct vcpu *v)
{
    return atomic_load_explicit(&v->d->flags, memory_order_relaxed) & PVCTL_DOMF_DYING;
}
/* Sets d's memory map (n <= PVISOR_E820_MAX entries, copied). 0 or -errno. */
int domain_set_e820(struct domain *d, const struct e820_entry *map, unsigned n);

/* Writes a domain's console output (console_io, PVH port 0xe9) to its log. */
void domain_console_write(struct domain *d, const char *s, size_t n);

/* ---- PVH guests (pvh.c) -------------------------------------------------------- */
#define PVH_HCALL_MSR  0x40000000 /* Xen's hypercall-page MSR, announced in CPUID base+2 */
#define PVH_DEBUG_PORT 0xe9       /* Xen's HVM debug console port */
/* Per domain, before any vCPU runs: traps the hypercall MSR. 0 or -errno. */
int pvh_domain_init(struct domain *d);
/* On the vCPU's thread after the substrate vCPU exists: Xen's CPUID leaves. 0/-errno. */
int pvh_vcpu_init(struct vcpu *v);
/* Xen's PVH entry state from the builder's context (PVCTL_MODE_PVH32). 0 or -errno. */
int pvh_apply_context(struct vcpu *v, const struct pvctl_vcpu_ctx *c);
/* Hypercall arguments by the calling convention of the vCPU's mode (sets hc_compat). */
void pvh_hcall_args(struct vcpu *v, const struct sub_regs *r, struct hc_args *a);
/* Injects the callback vector when an upcall is pending and interrupts are enabled. */
void pvh_deliver_events(struct vcpu *v);
/* hlt, the hypercall MSR, port I/O and MMIO of a PVH vCPU. */
void pvh_handle_exit(struct vcpu *v, const struct sub_exit *e);
/* TSC to ns scaling as vcpu_time_info states it. */
void tsc_scale(uint32_t khz, uint32_t *mul, int8_t *shift);

/* ---- events delivery to PV guests (pv.c) ------------------------------------- */
/* Pushes Xen's bounce frame and enters the event callback if an upcall is due. */
void pv_deliver_events(struct vcpu *v);

/* ---- control socket (ctl.c) ----------------------------------------------- */
int ctl_serve(const char *sockpath, volatile sig_atomic_t *stop);

#endif
