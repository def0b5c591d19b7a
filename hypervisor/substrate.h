/* substrate.h: the small interface between pvisord's core and the virtualisation substrate (KVM). */
#ifndef PVISOR_SUBSTRATE_H
#define PVISOR_SUBSTRATE_H

#include <stdbool.h>
#include <signal.h>
#include <stdint.h>

struct sub_vm;
struct sub_vcpu;

/* General registers, in the same order as KVM's struct kvm_regs. */
struct sub_regs {
    uint64_t rax, rbx, rcx, rdx, rsi, rdi, rsp, rbp;
    uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
    uint64_t rip, rflags;
};

enum sub_exit_kind {
    SUB_EXIT_HCALL,  /* hypercall stub: port I/O on the hypercall port */
    SUB_EXIT_KICKED, /* interrupted by sub_vcpu_kick (or a signal) */
    SUB_EXIT_FAULT,  /* guest exception / triple fault: the vCPU stopped */
    SUB_EXIT_HLT,
    SUB_EXIT_IO, /* other port I/O */
    SUB_EXIT_MMIO,
    SUB_EXIT_WRMSR,
    SUB_EXIT_INTERNAL,   /* emulation failure and other substrate errors */
    SUB_EXIT_IRQ_WINDOW, /* an interrupt can be injected now (sub_vcpu_request_irq_window) */
};

struct sub_exit {
    enum sub_exit_kind kind;
    uint32_t hcall_nr;        /* SUB_EXIT_HCALL: eax */
    uint16_t port;            /* SUB_EXIT_IO */
    uint8_t io_out, io_size;
    uint64_t addr;            /* SUB_EXIT_MMIO address, WRMSR index */
    uint64_t data;            /* WRMSR value */
    uint8_t *buf;             /* IO / MMIO bytes: filled by the caller for reads (in) */
    uint32_t len;             /* bytes at buf (IO: size * count; MMIO: access size) */
    bool mmio_write;
    uint32_t raw_reason;      /* substrate's own exit code, for reports */
    uint32_t suberror;
};

/* Memslots: 0 = RAM + hypervisor-owned frames, 1 = grant window, 32.. = add_to_physmap
 * targets outside both (the substrate keeps one more slot of its own for flushes). */
#define SUB_SLOT_RAM   0
#define SUB_SLOT_GWIN  1
#define SUB_SLOT_XMAP  32
#define SUB_HCALL_PORT 0x5a   /* `out %eax,$0x5a` in every hypercall stub */
#define SUB_KICK_SIGNAL SIGUSR1 /* delivered to a vCPU thread: its run returns KICKED */

/* Process-wide setup (opens /dev/kvm, installs the kick signal). 0 or -errno. */
int sub_init(void);
const char *sub_name(void);          /* "kvm (pvm)", "kvm (vmx)" ... */
uint32_t sub_tsc_khz(void);

/* VM: one per domain. Memory is host memory the caller keeps mapped. */
int sub_vm_create(struct sub_vm **out);
void sub_vm_destroy(struct sub_vm *vm);
int sub_vm_set_memory(struct sub_vm *vm, unsigned slot, uint64_t gpa, uint64_t size, void *host);
/* Drops every shadow translation so VMM writes into guest page tables take effect. */
int sub_vm_flush_shadow(struct sub_vm *vm);

/* vCPUs: run only from the thread that created them (sub_vcpu_create). */
int sub_vcpu_create(struct sub_vm *vm, unsigned id, struct sub_vcpu **out);
void sub_vcpu_destroy(struct sub_vcpu *v);
/* Puts the vCPU in 64-bit CPL3 PV mode (cr3 = top page table). tss_va/tss_limit: a TSS
 * mapped in the guest whose I/O bitmap opens the hypercall port (CPL3 `out` needs it when
 * the substrate does not honour IOPL, as PVM does not). */
int sub_vcpu_set_pv64(struct sub_vcpu *v, uint64_t cr3, uint64_t fs_base, uint64_t gs_base,
                      uint64_t tss_va, uint32_t tss_limit);
int sub_vcpu_get_cr3(struct sub_vcpu *v, uint64_t *cr3);
int sub_vcpu_set_cr3(struct sub_vcpu *v, uint64_t cr3);
/* Registers as last seen by the substrate; writes are flushed before the next run. */
struct sub_regs *sub_vcpu_regs(struct sub_vcpu *v);
void sub_vcpu_regs_dirty(struct sub_vcpu *v);
/* Runs until an exit. 0 with *e filled, or -errno (substrate failure). */
int sub_vcpu_run(struct sub_vcpu *v, struct sub_exit *e);
/* After SUB_EXIT_FAULT: make the vCPU runnable again (used after a report). */
int sub_vcpu_recover(struct sub_vcpu *v);
uint64_t sub_vcpu_read_tsc(struct sub_vcpu *v);
/* From any thread: makes a current or the next sub_vcpu_run return SUB_EXIT_KICKED. */
void sub_vcpu_kick(struct sub_vcpu *v);

/* ---- PVH (supervisor-mode guests with their own page tables) ------------------------ */

/* Mode and paging state of a vCPU as of its last exit. */
struct sub_mode {
    uint64_t cr0, cr3, cr4, efer;
    bool cs_l; /* 64-bit code segment: hypercalls use the 64-bit convention */
};

/* One CPUID leaf the vCPU should report (indexed: ecx selects a sub-leaf). */
struct sub_cpuid_leaf {
    uint32_t function, index;
    uint32_t eax, ebx, ecx, edx;
    bool indexed;
};

/* Makes a guest WRMSR to `msr` exit to user space (SUB_EXIT_WRMSR); the exit must be
 * completed with sub_vcpu_msr_done(). 0 or -errno (-ENOTSUP if the substrate cannot). */
int sub_vm_trap_wrmsr(struct sub_vm *vm, uint32_t msr);
/* 32-bit flat protected mode, paging off, CPL0, IF=0 (Xen's PVH entry state). From then on
 * the vCPU's mode travels with every exit (sub_vcpu_get_mode costs no system call). */
int sub_vcpu_set_flat32(struct sub_vcpu *v);
int sub_vcpu_get_mode(struct sub_vcpu *v, struct sub_mode *m);
/* CPUID as the host supports it, without any hypervisor leaves (0x40000000-0x4fffffff)
 * and without local APIC features (there is no APIC), plus the n leaves given. */
int sub_vcpu_set_cpuid(struct sub_vcpu *v, const struct sub_cpuid_leaf *leaves, unsigned n);
/* After SUB_EXIT_WRMSR: error makes the guest's wrmsr raise #GP. */
void sub_vcpu_msr_done(struct sub_vcpu *v, bool error);
/* User-space interrupt controller: true if an interrupt can be injected now (IF=1, no
 * interrupt shadow, none queued); inject one; ask for SUB_EXIT_IRQ_WINDOW when
 * injection becomes possible (on) or stop asking (off). */
bool sub_vcpu_irq_ready(struct sub_vcpu *v);
int sub_vcpu_inject_irq(struct sub_vcpu *v, uint8_t vector);
void sub_vcpu_request_irq_window(struct sub_vcpu *v, bool on);

/* Reads the control registers for crash reports. */
int sub_vcpu_get_cregs(struct sub_vcpu *v, uint64_t *cr0, uint64_t *cr2, uint64_t *cr3,
                       uint64_t *cr4, uint64_t *efer);

#endif
