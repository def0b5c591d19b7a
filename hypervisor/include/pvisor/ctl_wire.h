/* ctl_wire.h: wire format of pvisord's control socket, shared by pvisord and dom0 tools. */
#ifndef PVISOR_CTL_WIRE_H
#define PVISOR_CTL_WIRE_H

#include <stdint.h>

/*
 * Transport: AF_UNIX SOCK_SEQPACKET at $PVISOR_RUNDIR/pvisord.sock (mode 0600; pvisord
 * checks SO_PEERCRED: uid 0 or pvisord's own uid). One request, one response, in
 * order. Each message is one packet: a header followed by `len` payload bytes
 * (len <= PVCTL_MAX_PAYLOAD). File descriptors travel as SCM_RIGHTS on the response.
 *
 *   request:  struct pvctl_req  + payload (the op's "in" struct)
 *   response: struct pvctl_rsp  + payload (the op's "out" struct), ret = 0 or -errno
 *
 * Every struct here is fixed-size, little-endian, naturally aligned, padded explicitly.
 * Unknown op -> -ENOSYS; wrong payload length -> -EINVAL; no such domain -> -ESRCH;
 * bad domain state for the op -> -EBUSY.
 */
#define PVCTL_VERSION     1
#define PVCTL_MAX_PAYLOAD 65536
#define PVCTL_NAME_LEN    64

struct pvctl_req {
    uint32_t op;  /* enum pvctl_op */
    uint32_t len; /* payload bytes after this header */
};

struct pvctl_rsp {
    int32_t ret;  /* 0 or -errno */
    uint32_t len; /* payload bytes after this header */
};

enum pvctl_op {
    PVCTL_PING = 1,              /* in: -                      out: pvctl_version      */
    PVCTL_DOMAIN_CREATE,         /* in: pvctl_create           out: pvctl_domid        */
    PVCTL_DOMAIN_DESTROY,        /* in: pvctl_domid            out: -                  */
    PVCTL_DOMAIN_PAUSE,          /* in: pvctl_domid            out: -                  */
    PVCTL_DOMAIN_UNPAUSE,        /* in: pvctl_domid            out: -                  */
    PVCTL_DOMAIN_SHUTDOWN,       /* in: pvctl_shutdown         out: -                  */
    PVCTL_DOMAIN_GETINFO,        /* in: pvctl_domid            out: pvctl_dominfo      */
    PVCTL_DOMAIN_LIST,           /* in: -                      out: pvctl_dominfo[]    */
    PVCTL_DOMAIN_WAIT,           /* in: pvctl_wait             out: pvctl_dominfo      */
    PVCTL_DOMAIN_MAP,            /* in: pvctl_domid            out: pvctl_map + 1 fd   */
    PVCTL_DOMAIN_SET_VCPU,       /* in: pvctl_vcpu_ctx         out: -                  */
    PVCTL_DOMAIN_HYPERCALL_INIT, /* in: pvctl_gpfn             out: -                  */
    PVCTL_DOMAIN_SET_PARAM,      /* in: pvctl_param            out: -                  */
    PVCTL_DOMAIN_GET_PARAM,      /* in: pvctl_param (value ignored) out: pvctl_param   */
    PVCTL_DOMAIN_LOG,            /* in: pvctl_log_req          out: pvctl_log_rsp + bytes */
    PVCTL_EVTCHN_ALLOC_UNBOUND,  /* in: pvctl_evtchn_alloc     out: pvctl_port         */
    PVCTL_VCPU_LIST,             /* in: pvctl_domid            out: pvctl_vcpuinfo[]   */
    PVCTL_PHYSINFO,              /* in: -                      out: pvctl_physinfo     */
    PVCTL_HVLOG_READ,            /* in: pvctl_log_req (domid ignored) out: pvctl_log_rsp + bytes */
    /* dom0 processes as domain 0 (state belongs to the connection, released on close) */
    PVCTL_EVTCHN_HANDLE,       /* in: - + 3 fds (page memfd, ready eventfd, kick eventfd) */
    PVCTL_EVTCHN_BIND,         /* in: pvctl_evtchn_bind      out: pvctl_port (dom0's)  */
    PVCTL_EVTCHN_BIND_UNBOUND, /* in: pvctl_domid (the guest) out: pvctl_port          */
    PVCTL_EVTCHN_UNBIND,       /* in: pvctl_port             out: -                    */
    PVCTL_EVTCHN_NOTIFY,       /* in: pvctl_port             out: - (synchronous send) */
    PVCTL_EVTCHN_REMOTE,       /* in: pvctl_port             out: pvctl_evtchn_bind    */
    PVCTL_GNT_MAP,             /* in: pvctl_gnt_map + u32 refs[] out: pvctl_gnt_mapped[] + fd */
    PVCTL_GNT_UNMAP,           /* in: pvctl_gnt_unmap + u32 handles[] out: -           */
    PVCTL_GNT_COPY,            /* in: pvctl_gnt_copy + segs[] + bytes out: i16 status[] + bytes */
    PVCTL_DOMAIN_SET_MEMMAP,   /* in: pvctl_memmap           out: -                    */
    PVCTL_OP_MAX
};

struct pvctl_version {
    uint32_t version;     /* PVCTL_VERSION */
    uint32_t xen_major;   /* the Xen ABI version pvisor implements, e.g. 4 */
    uint32_t xen_minor;   /* e.g. 17 */
    uint32_t pad;
    char pvisor[32];      /* pvisor's own version string, NUL-terminated */
};

#define PVCTL_TYPE_PV  0
#define PVCTL_TYPE_PVH 1

struct pvctl_create {
    uint32_t type;        /* PVCTL_TYPE_* */
    uint32_t max_vcpus;   /* 1..PVISOR_MAX_VCPUS */
    uint64_t mem_kb;      /* RAM given at creation (multiple of 4) */
    uint64_t max_mem_kb;  /* upper bound for increase_reservation (>= mem_kb) */
    uint32_t max_grant_frames;  /* 0 = default (32) */
    uint32_t max_evtchn_port;   /* 0 = default (1023, 2-level ABI limit 4095) */
    char name[PVCTL_NAME_LEN];  /* NUL-terminated, unique among live domains */
    uint8_t uuid[16];
};

struct pvctl_domid {
    uint32_t domid;
    uint32_t pad;
};

/* Xen's SHUTDOWN_* reasons (poweroff 0, reboot 1, suspend 2, crash 3, watchdog 4, soft_reset 5). */
struct pvctl_shutdown {
    uint32_t domid;
    uint32_t reason;
};

/* Domain flags: Xen's XEN_DOMINF_* bit values. */
#define PVCTL_DOMF_DYING    (1u << 0)
#define PVCTL_DOMF_HVM      (1u << 1) /* PVH */
#define PVCTL_DOMF_SHUTDOWN (1u << 2)
#define PVCTL_DOMF_PAUSED   (1u << 3)
#define PVCTL_DOMF_BLOCKED  (1u << 4)
#define PVCTL_DOMF_RUNNING  (1u << 5)
#define PVCTL_DOMF_SHUTDOWN_SHIFT 16  /* reason in bits 16..23 when SHUTDOWN is set */

struct pvctl_dominfo {
    uint32_t domid;
    uint32_t flags;          /* PVCTL_DOMF_* */
    uint32_t shutdown_code;  /* reason given by the guest (SCHEDOP_shutdown) or dom0 */
    uint32_t nr_vcpus;       /* created */
    uint32_t nr_online_vcpus;
    uint32_t type;           /* PVCTL_TYPE_* */
    uint64_t nr_pages;       /* RAM pages currently populated */
    uint64_t max_pages;
    uint64_t cpu_time_ns;    /* sum over vCPUs of time in KVM_RUN */
    uint64_t nr_hypercalls;  /* total hypercalls handled */
    char name[PVCTL_NAME_LEN];
    uint8_t uuid[16];
};

struct pvctl_wait {
    uint32_t domid;
    uint32_t known_flags; /* return as soon as the domain's flags differ from these */
    uint32_t timeout_ms;  /* then return the current info anyway; 0 = no wait */
    uint32_t pad;
};

/* DOMAIN_MAP: the fd is the domain's memfd; guest frame N lives at file offset N*4096. */
struct pvctl_map {
    uint64_t size;            /* bytes of the memfd (RAM + special pages) */
    uint64_t ram_pages;       /* guest RAM frames 0..ram_pages-1 */
    uint64_t shared_info_pfn; /* hypervisor-owned shared_info frame (after RAM) */
    uint64_t special_pfn;     /* first hypervisor-owned frame */
    uint64_t nr_special;      /* number of hypervisor-owned frames */
    uint64_t reserved_end_pfn; /* [special_pfn, reserved_end_pfn): the hypervisor's (its frames
                                * and the grant window); a memory map must not offer it as RAM */
};

/* DOMAIN_SET_MEMMAP: the map XENMEM_memory_map gives the guest (Xen's e820 types: RAM 1,
 * reserved 2, ...). Without one, the guest sees RAM then the reserved range. */
#define PVCTL_E820_MAX 128
struct pvctl_e820 {
    uint64_t addr;
    uint64_t size;
    uint32_t type;
    uint32_t pad;
};

struct pvctl_memmap {
    uint32_t domid;
    uint32_t nr; /* entries used, <= PVCTL_E820_MAX */
    struct pvctl_e820 e[PVCTL_E820_MAX];
};

#define PVCTL_MODE_PV64  0 /* 64-bit long mode, CPL3, paging on (cr3 required) */
#define PVCTL_MODE_PVH32                                                                           \
    1 /* 32-bit flat protected mode, paging off, CPL0; rip = the                                   \
       * PHYS32 entry, gpr[RBX] = hvm_start_info (PVH domains) */

/* Register indices in pvctl_vcpu_ctx.gpr: x86 encoding order. */
enum { PVCTL_RAX, PVCTL_RCX, PVCTL_RDX, PVCTL_RBX, PVCTL_RSP, PVCTL_RBP, PVCTL_RSI, PVCTL_RDI,
       PVCTL_R8, PVCTL_R9, PVCTL_R10, PVCTL_R11, PVCTL_R12, PVCTL_R13, PVCTL_R14, PVCTL_R15 };

struct pvctl_vcpu_ctx {
    uint32_t domid;
    uint32_t vcpu;
    uint32_t mode;        /* PVCTL_MODE_* */
    uint32_t pad;
    uint64_t rip;
    uint64_t rflags;      /* 0 = default (0x2, events come by upcall, not IF) */
    uint64_t gpr[16];
    uint64_t cr3;         /* PV64: physical address of the top-level page table */
    uint64_t fs_base;
    uint64_t gs_base;
};

struct pvctl_gpfn {
    uint32_t domid;
    uint32_t pad;
    uint64_t gpfn;
};

/* Parameters: Xen's HVM_PARAM_* numbers (STORE_PFN 1, STORE_EVTCHN 2, CONSOLE_PFN 17,
 * CONSOLE_EVTCHN 18, ...). PV guests get the same values through start_info. */
struct pvctl_param {
    uint32_t domid;
    uint32_t index;
    uint64_t value;
};

struct pvctl_log_req {
    uint32_t domid;
    uint32_t max;      /* most bytes to return (<= PVCTL_MAX_PAYLOAD - 16) */
    uint64_t offset;   /* absolute offset in the log stream; 0 = from the oldest kept */
};

struct pvctl_log_rsp {
    uint64_t next;     /* offset to ask for next time */
    uint64_t lost;     /* bytes dropped between offset and the first byte returned */
};

struct pvctl_evtchn_alloc {
    uint32_t domid;        /* domain that gets the unbound port */
    uint32_t remote_domid; /* who may bind to it (0 for dom0 services) */
};

struct pvctl_port {
    uint32_t port;
    uint32_t pad;
};

/*
 * Event channels of dom0 processes. A connection registers one handle
 * (PVCTL_EVTCHN_HANDLE) with three fds: a 4096-byte memfd holding struct
 * pvctl_evtchn_page, an eventfd pvisord writes when a port of the handle turns pending,
 * and an eventfd the process writes after setting bits in notify[] (pvisord then sends
 * on those ports, if the handle owns them). Domain 0's ports are < PVCTL_DOM0_PORTS.
 */
#define PVCTL_DOM0_PORTS 16384
struct pvctl_evtchn_page {
    uint64_t pending[PVCTL_DOM0_PORTS / 64]; /* set by pvisord, cleared by the process */
    uint64_t notify[PVCTL_DOM0_PORTS / 64];  /* set by the process, cleared by pvisord */
};

struct pvctl_evtchn_bind {
    uint32_t domid;       /* the guest */
    uint32_t remote_port; /* its port (unbound, for domain 0) */
};

/*
 * Grant maps for dom0 processes. GNT_MAP pins count refs of one domain granted to
 * domain 0; the answer has one pvctl_gnt_mapped per ref and, when every ref passed, the
 * domain's memory fd (read-only if PVCTL_GNT_RO) to mmap at each offset. If any ref
 * fails the answer's ret is -EIO, nothing stays pinned and the statuses say which.
 */
#define PVCTL_GNT_RO        1u
#define PVCTL_GNT_MAX_BATCH 1024
struct pvctl_gnt_map {
    uint32_t domid;
    uint32_t count; /* refs following, 1..PVCTL_GNT_MAX_BATCH */
    uint32_t flags; /* PVCTL_GNT_RO */
    uint32_t pad;
};

struct pvctl_gnt_mapped {
    int16_t status;  /* GNTST_* */
    uint16_t pad;
    uint32_t handle; /* for GNT_UNMAP */
    uint64_t offset; /* of the granted frame in the fd */
};

struct pvctl_gnt_unmap {
    uint32_t count; /* handles following */
    uint32_t pad;
};

/* GNT_COPY: count segments, then the to-guest bytes of each to-guest segment in order.
 * Answer: int16 status[count] padded to 8 bytes, then the bytes of each from-guest
 * segment in order (len bytes per segment, whatever its status). */
#define PVCTL_GNT_COPY_MAX_SEGS 256
struct pvctl_gnt_copy {
    uint32_t count;
    uint32_t pad;
};

struct pvctl_gnt_seg {
    uint32_t domid;
    uint32_t ref;
    uint16_t offset;
    uint16_t len;
    uint8_t to_guest;
    uint8_t pad[3];
};

#define PVCTL_VCPUF_ONLINE  (1u << 0)
#define PVCTL_VCPUF_BLOCKED (1u << 1)
#define PVCTL_VCPUF_RUNNING (1u << 2)

struct pvctl_vcpuinfo {
    uint32_t domid;
    uint32_t vcpu;
    uint32_t flags;       /* PVCTL_VCPUF_* */
    int32_t host_cpu;     /* last host CPU it ran on, -1 if never */
    uint64_t cpu_time_ns;
    uint64_t nr_hypercalls;
};

struct pvctl_physinfo {
    uint32_t nr_cpus;
    uint32_t max_vcpus_per_domain;
    uint64_t total_pages;   /* host RAM */
    uint64_t free_pages;    /* host MemAvailable */
    uint64_t used_pages;    /* RAM pages given to domains */
    uint32_t cpu_khz;
    uint32_t nr_domains;
    char substrate[32];     /* e.g. "kvm (pvm)", "kvm (vmx)" */
};

#endif
