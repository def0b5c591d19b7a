/* sub_kvm.c: the KVM substrate: VMs, memslots, vCPUs in PV long mode, runs, kicks and shadow flushes. */
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "substrate.h"

#define SIG_KICK SUB_KICK_SIGNAL
#define FLUSH_SLOT 31            /* a one-page memslot created and deleted to zap shadows */
#define FLUSH_GPA  0xfff00000000ULL

_Static_assert(sizeof(struct sub_regs) == sizeof(struct kvm_regs), "register layout");
_Static_assert(offsetof(struct sub_regs, rip) == offsetof(struct kvm_regs, rip), "rip");

struct sub_vm {
    int fd;
    pthread_mutex_t flush_lock;
    void *flush_page;
};

struct sub_vcpu {
    int fd;
    struct kvm_run *run;
    size_t run_size;
    pthread_t thread;
    bool sregs_synced; /* run->s.regs.sregs is valid (set after the first exit) */
};

static int g_kvm = -1;
static int g_run_size;
static struct kvm_cpuid2 *g_cpuid; /* KVM_GET_SUPPORTED_CPUID, for sub_vcpu_set_cpuid */
static uint32_t g_tsc_khz;
static char g_name[32] = "kvm";

static __thread struct kvm_run *t_run; /* the calling thread's vCPU, for the signal handler */

/* Makes a KVM_RUN that is about to start return at once; one in progress gets EINTR. */
static void kick_handler(int sig)
{
    (void)sig;
    if (t_run)
        __atomic_store_n(&t_run->immediate_exit, 1, __ATOMIC_SEQ_CST);
}

int sub_init(void)
{
    g_kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
    if (g_kvm < 0)
        return -errno;
    if (ioctl(g_kvm, KVM_GET_API_VERSION, 0) != KVM_API_VERSION)
        return -EPROTO;
    if (ioctl(g_kvm, KVM_CHECK_EXTENSION, KVM_CAP_SYNC_REGS) <= 0 ||
        ioctl(g_kvm, KVM_CHECK_EXTENSION, KVM_CAP_IMMEDIATE_EXIT) <= 0)
        return -ENOTSUP;
    g_run_size = ioctl(g_kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
    if (g_run_size <= 0)
        return -EPROTO;
    struct sigaction sa = {.sa_handler = kick_handler};
    sigemptyset(&sa.sa_mask);
    if (sigaction(SIG_KICK, &sa, NULL) < 0)
        return -errno;
    if (access("/sys/module/kvm_pvm", F_OK) == 0)
        snprintf(g_name, sizeof g_name, "kvm (pvm)");
    else if (access("/sys/module/kvm_intel", F_OK) == 0)
        snprintf(g_name, sizeof g_name, "kvm (vmx)");
    else if (access("/sys/module/kvm_amd", F_OK) == 0)
        snprintf(g_name, sizeof g_name, "kvm (svm)");
    return 0;
}

const char *sub_name(void)
{
    return g_name;
}

uint32_t sub_tsc_khz(void)
{
    return __atomic_load_n(&g_tsc_khz, __ATOMIC_RELAXED);
}

int sub_vm_create(struct sub_vm **out)
{
    struct sub_vm *vm = calloc(1, sizeof *vm);
    if (!vm)
        return -ENOMEM;
    vm->fd = ioctl(g_kvm, KVM_CREATE_VM, 0);
    if (vm->fd < 0) {
        int e = -errno;
        free(vm);
        return e;
    }
    fcntl(vm->fd, F_SETFD, FD_CLOEXEC);
    vm->flush_page = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (vm->flush_page == MAP_FAILED) {
        close(vm->fd);
        free(vm);
        return -ENOMEM;
    }
    pthread_mutex_init(&vm->flush_lock, NULL);
    *out = vm;
    return 0;
}

void sub_vm_destroy(struct sub_vm *vm)
{
    if (!vm)
        return;
    close(vm->fd);
    munmap(vm->flush_page, 4096);
    pthread_mutex_destroy(&vm->flush_lock);
    free(vm);
}

int sub_vm_set_memory(struct sub_vm *vm, unsigned slot, uint64_t gpa, uint64_t size, void *host)
{
    struct kvm_userspace_memory_region r = {
        .slot = slot, .guest_phys_addr = gpa, .memory_size = size,
        .userspace_addr = (uint64_t)(uintptr_t)host,
    };
    return ioctl(vm->fd, KVM_SET_USER_MEMORY_REGION, &r) < 0 ? -errno : 0;
}

/* Deleting any memslot makes KVM zap all shadow pages (measured: docs/architecture.md). */
int sub_vm_flush_shadow(struct sub_vm *vm)
{
    pthread_mutex_lock(&vm->flush_lock);
    int r = sub_vm_set_memory(vm, FLUSH_SLOT, FLUSH_GPA, 4096, vm->flush_page);
    if (r == 0)
        r = sub_vm_set_memory(vm, FLUSH_SLOT, FLUSH_GPA, 0, vm->flush_page);
    pthread_mutex_unlock(&vm->flush_lock);
    return r;
}

int sub_vcpu_create(struct sub_vm *vm, unsigned id, struct sub_vcpu **out)
{
    struct sub_vcpu *v = calloc(1, sizeof *v);
    if (!v)
        return -ENOMEM;
    v->fd = ioctl(vm->fd, KVM_CREATE_VCPU, id);
    if (v->fd < 0) {
        int e = -errno;
        free(v);
        return e;
    }
    fcntl(v->fd, F_SETFD, FD_CLOEXEC);
    v->run_size = (size_t)g_run_size;
    v->run = mmap(NULL, v->run_size, PROT_READ | PROT_WRITE, MAP_SHARED, v->fd, 0);
    if (v->run == MAP_FAILED) {
        close(v->fd);
        free(v);
        return -ENOMEM;
    }
    int khz = ioctl(v->fd, KVM_GET_TSC_KHZ, 0);
    if (khz > 0) /* every vCPU thread; read by others */
        __atomic_store_n(&g_tsc_khz, (uint32_t)khz, __ATOMIC_RELAXED);
    v->run->kvm_valid_regs = KVM_SYNC_X86_REGS;
    v->thread = pthread_self();
    t_run = v->run;
    *out = v;
    return 0;
}

void sub_vcpu_destroy(struct sub_vcpu *v)
{
    if (!v)
        return;
    if (t_run == v->run)
        t_run = NULL;
    munmap(v->run, v->run_size);
    close(v->fd);
    free(v);
}

static struct kvm_segment seg(uint16_t sel, uint8_t type, int dpl, int l, int db)
{
    struct kvm_segment s = {.base = 0, .limit = 0xffffffff, .selector = sel, .type = type,
                            .present = 1, .dpl = (uint8_t)dpl, .db = (uint8_t)db, .s = 1,
                            .l = (uint8_t)l, .g = 1};
    return s;
}

int sub_vcpu_set_pv64(struct sub_vcpu *v, uint64_t cr3, uint64_t fs_base, uint64_t gs_base,
                      uint64_t tss_va, uint32_t tss_limit)
{
    struct kvm_sregs s;
    if (ioctl(v->fd, KVM_GET_SREGS, &s) < 0)
        return -errno;
    s.cr0 = 0x80050033; /* PG WP NE ET MP PE */
    s.cr4 = 0x20;       /* PAE */
    s.efer = 0x500;     /* LMA LME */
    s.cr3 = cr3;
    /* Xen's flat ring-3 selectors for 64-bit PV kernels. */
    s.cs = seg(0xe033, 11, 3, 1, 0);
    s.ss = seg(0xe02b, 3, 3, 0, 1);
    s.ds = s.es = seg(0, 3, 3, 0, 1);
    s.fs = seg(0, 3, 3, 0, 1);
    s.gs = seg(0, 3, 3, 0, 1);
    s.fs.base = fs_base;
    s.gs.base = gs_base;
    s.tr = (struct kvm_segment){.base = tss_va, .limit = tss_limit, .selector = 0xe040,
                                .type = 11, .present = 1};
    return ioctl(v->fd, KVM_SET_SREGS, &s) < 0 ? -errno : 0;
}

int sub_vcpu_get_cr3(struct sub_vcpu *v, uint64_t *cr3)
{
    struct kvm_sregs s;
    if (ioctl(v->fd, KVM_GET_SREGS, &s) < 0)
        return -errno;
    *cr3 = s.cr3;
    return 0;
}

int sub_vcpu_set_cr3(struct sub_vcpu *v, uint64_t cr3)
{
    struct kvm_sregs s;
    if (ioctl(v->fd, KVM_GET_SREGS, &s) < 0)
        return -errno;
    s.cr3 = cr3;
    return ioctl(v->fd, KVM_SET_SREGS, &s) < 0 ? -errno : 0;
}

int sub_vcpu_get_cregs(struct sub_vcpu *v, uint64_t *cr0, uint64_t *cr2, uint64_t *cr3,
                       uint64_t *cr4, uint64_t *efer)
{
    struct kvm_sregs s;
    if (ioctl(v->fd, KVM_GET_SREGS, &s) < 0)
        return -errno;
    *cr0 = s.cr0, *cr2 = s.cr2, *cr3 = s.cr3, *cr4 = s.cr4, *efer = s.efer;
    return 0;
}

struct sub_regs *sub_vcpu_regs(struct sub_vcpu *v)
{
    return (struct sub_regs *)&v->run->s.regs.regs;
}

void sub_vcpu_regs_dirty(struct sub_vcpu *v)
{
    v->run->kvm_dirty_regs |= KVM_SYNC_X86_REGS;
}

static void decode_io(struct kvm_run *run, struct sub_exit *e)
{
    e->port = run->io.port;
    e->io_out = run->io.direction == KVM_EXIT_IO_OUT;
    e->io_size = run->io.size;
    e->buf = (uint8_t *)run + run->io.data_offset;
    e->len = (uint32_t)run->io.size * run->io.count;
    if (e->port == SUB_HCALL_PORT && e->io_out && run->io.size == 4 && run->io.count == 1) {
        e->kind = SUB_EXIT_HCALL;
        memcpy(&e->hcall_nr, (uint8_t *)run + run->io.data_offset, 4);
    } else {
        e->kind = SUB_EXIT_IO;
    }
}

static void decode_exit(struct kvm_run *run, struct sub_exit *e)
{
    e->raw_reason = run->exit_reason;
    switch (run->exit_reason) {
    case KVM_EXIT_IO:
        decode_io(run, e);
        break;
    case KVM_EXIT_HLT:
        e->kind = SUB_EXIT_HLT;
        break;
    case KVM_EXIT_MMIO:
        e->kind = SUB_EXIT_MMIO;
        e->addr = run->mmio.phys_addr;
        e->buf = run->mmio.data;
        e->len = run->mmio.len;
        e->mmio_write = run->mmio.is_write;
        break;
    case KVM_EXIT_IRQ_WINDOW_OPEN:
        e->kind = SUB_EXIT_IRQ_WINDOW;
        break;
    case KVM_EXIT_X86_WRMSR:
        e->kind = SUB_EXIT_WRMSR;
        e->addr = run->msr.index;
        e->data = run->msr.data;
        break;
    case KVM_EXIT_SHUTDOWN:
    case KVM_EXIT_EXCEPTION:
    case KVM_EXIT_FAIL_ENTRY:
        e->kind = SUB_EXIT_FAULT;
        break;
    case KVM_EXIT_INTR:
        e->kind = SUB_EXIT_KICKED;
        break;
    case KVM_EXIT_INTERNAL_ERROR:
        e->suberror = run->internal.suberror;
        e->kind = SUB_EXIT_INTERNAL;
        break;
    default:
        e->kind = SUB_EXIT_INTERNAL;
        break;
    }
}

int sub_vcpu_run(struct sub_vcpu *v, struct sub_exit *e)
{
    memset(e, 0, sizeof *e);
    if (ioctl(v->fd, KVM_RUN, 0) < 0) {
        if (errno == EINTR || errno == EAGAIN) {
            /* sub_vcpu_kick sets it from other threads */
            __atomic_store_n(&v->run->immediate_exit, 0, __ATOMIC_SEQ_CST);
            e->kind = SUB_EXIT_KICKED;
            return 0;
        }
        return -errno;
    }
    decode_exit(v->run, e);
    v->sregs_synced = (v->run->kvm_valid_regs & KVM_SYNC_X86_SREGS) != 0;
    return 0;
}

int sub_vcpu_recover(struct sub_vcpu *v)
{
    struct kvm_mp_state mp = {.mp_state = KVM_MP_STATE_RUNNABLE};
    return ioctl(v->fd, KVM_SET_MP_STATE, &mp) < 0 ? -errno : 0;
}

uint64_t sub_vcpu_read_tsc(struct sub_vcpu *v)
{
    struct {
        struct kvm_msrs hdr;
        struct kvm_msr_entry e;
    } m = {.hdr.nmsrs = 1, .e.index = 0x10};
    if (ioctl(v->fd, KVM_GET_MSRS, &m) != 1)
        return 0;
    return m.e.data;
}

void sub_vcpu_kick(struct sub_vcpu *v)
{
    __atomic_store_n(&v->run->immediate_exit, 1, __ATOMIC_SEQ_CST);
    pthread_kill(v->thread, SIG_KICK);
}

/* ---- PVH ------------------------------------------------------------------------------ */

int sub_vm_trap_wrmsr(struct sub_vm *vm, uint32_t msr)
{
    static uint8_t deny; /* one bit, 0: writes to the range's single MSR exit */
    struct kvm_enable_cap cap = {.cap = KVM_CAP_X86_USER_SPACE_MSR,
                                 .args[0] = KVM_MSR_EXIT_REASON_FILTER};
    struct kvm_msr_filter f = {.flags = KVM_MSR_FILTER_DEFAULT_ALLOW};

    if (ioctl(g_kvm, KVM_CHECK_EXTENSION, KVM_CAP_X86_USER_SPACE_MSR) <= 0 ||
        ioctl(g_kvm, KVM_CHECK_EXTENSION, KVM_CAP_X86_MSR_FILTER) <= 0)
        return -ENOTSUP;
    f.ranges[0] = (struct kvm_msr_filter_range){
        .flags = KVM_MSR_FILTER_WRITE, .nmsrs = 1, .base = msr, .bitmap = &deny};
    if (ioctl(vm->fd, KVM_ENABLE_CAP, &cap) < 0 || ioctl(vm->fd, KVM_X86_SET_MSR_FILTER, &f) < 0)
        return -errno;
    return 0;
}

int sub_vcpu_set_flat32(struct sub_vcpu *v)
{
    struct kvm_sregs s;
    if (ioctl(v->fd, KVM_GET_SREGS, &s) < 0)
        return -errno;
    s.cr0 = 0x11; /* PE ET */
    s.cr3 = 0;
    s.cr4 = 0;
    s.efer = 0;
    s.cs = seg(0x08, 11, 0, 0, 1);
    s.ds = s.es = s.fs = s.gs = s.ss = seg(0x10, 3, 0, 0, 1);
    /* Xen's PVH entry state: an active 32-bit TSS at 0 with limit 0x67 */
    s.tr = (struct kvm_segment){.base = 0, .limit = 0x67, .selector = 0, .type = 11, .present = 1};
    s.gdt = (struct kvm_dtable){.base = 0, .limit = 0};
    s.idt = (struct kvm_dtable){.base = 0, .limit = 0};
    if (ioctl(v->fd, KVM_SET_SREGS, &s) < 0)
        return -errno;
    v->run->kvm_valid_regs |= KVM_SYNC_X86_SREGS;
    v->sregs_synced = false;
    return 0;
}

int sub_vcpu_get_mode(struct sub_vcpu *v, struct sub_mode *m)
{
    struct kvm_sregs tmp;
    const struct kvm_sregs *s = &v->run->s.regs.sregs;
    if (!v->sregs_synced) {
        if (ioctl(v->fd, KVM_GET_SREGS, &tmp) < 0)
            return -errno;
        s = &tmp;
    }
    *m = (struct sub_mode){
        .cr0 = s->cr0, .cr3 = s->cr3, .cr4 = s->cr4, .efer = s->efer, .cs_l = s->cs.l};
    return 0;
}

/* The host's CPUID as KVM supports it, fetched once. */
static int supported_cpuid(void)
{
    if (g_cpuid)
        return 0;
    for (unsigned n = 128; n <= 4096; n *= 2) {
        struct kvm_cpuid2 *c = calloc(1, sizeof *c + n * sizeof c->entries[0]);
        if (!c)
            return -ENOMEM;
        c->nent = n;
        if (ioctl(g_kvm, KVM_GET_SUPPORTED_CPUID, c) == 0) {
            g_cpuid = c;
            return 0;
        }
        int e = errno;
        free(c);
        if (e != E2BIG)
            return -e;
    }
    return -E2BIG;
}

#define CPUID1_ECX_X2APIC       (1u << 21)
#define CPUID1_ECX_TSC_DEADLINE (1u << 24)
#define CPUID1_EDX_APIC         (1u << 9)

int sub_vcpu_set_cpuid(struct sub_vcpu *v, const struct sub_cpuid_leaf *leaves, unsigned n)
{
    int r = supported_cpuid();
    if (r < 0)
        return r;
    struct kvm_cpuid2 *c = calloc(1, sizeof *c + (g_cpuid->nent + n) * sizeof c->entries[0]);
    if (!c)
        return -ENOMEM;
    for (unsigned i = 0; i < g_cpuid->nent; i++) {
        struct kvm_cpuid_entry2 e = g_cpuid->entries[i];
        if (e.function >= 0x40000000 && e.function <= 0x4fffffff)
            continue; /* the substrate's own hypervisor leaves: we announce ours */
        if (e.function == 1) {
            e.ecx &= ~(CPUID1_ECX_X2APIC | CPUID1_ECX_TSC_DEADLINE);
            e.edx &= ~CPUID1_EDX_APIC;
        }
        c->entries[c->nent++] = e;
    }
    for (unsigned i = 0; i < n; i++) {
        const struct sub_cpuid_leaf *l = &leaves[i];
        c->entries[c->nent++] =
            (struct kvm_cpuid_entry2){.function = l->function,
                                      .index = l->index,
                                      .flags = l->indexed ? KVM_CPUID_FLAG_SIGNIFCANT_INDEX : 0,
                                      .eax = l->eax,
                                      .ebx = l->ebx,
                                      .ecx = l->ecx,
                                      .edx = l->edx};
    }
    r = ioctl(v->fd, KVM_SET_CPUID2, c) < 0 ? -errno : 0;
    free(c);
    return r;
}

void sub_vcpu_msr_done(struct sub_vcpu *v, bool error)
{
    v->run->msr.error = error ? 1 : 0;
}

bool sub_vcpu_irq_ready(struct sub_vcpu *v)
{
    return v->run->ready_for_interrupt_injection && v->run->if_flag;
}

int sub_vcpu_inject_irq(struct sub_vcpu *v, uint8_t vector)
{
    struct kvm_interrupt irq = {.irq = vector};
    return ioctl(v->fd, KVM_INTERRUPT, &irq) < 0 ? -errno : 0;
}

void sub_vcpu_request_irq_window(struct sub_vcpu *v, bool on)
{
    v->run->request_interrupt_window = on ? 1 : 0;
}
