/* smp.c: per-vCPU blocks on the stacks, vCPU counting, secondary vCPU bring-up. */
#include <xen/vcpu.h>
#include <pvguest/console.h>
#include <pvguest/errno.h>
#include <pvguest/events.h>
#include <pvguest/hypercall.h>
#include <pvguest/mm.h>
#include <pvguest/sched.h>
#include <pvguest/smp.h>
#include <pvguest/start.h>
#include <pvguest/string.h>
#include <pvguest/time.h>

_Static_assert(sizeof(struct pv_cpu) <= 1024, "pv_cpu must stay small (it eats stack)");
_Static_assert(PV_MAX_CPUS <= XEN_LEGACY_MAX_VCPUS, "vcpu_info slots in shared_info");

#define CPU_START_TIMEOUT_NS (5 * NSEC_PER_SEC)

extern char pv_stacks[]; /* head.S: PV_MAX_CPUS stacks */
extern char pv_hypervisor_callback[], pv_failsafe_callback[], pv_secondary_start[];

static unsigned int nr_cpus;
static pv_spinlock_t bringup_lock = PV_SPINLOCK_INIT;
static struct vcpu_guest_context bringup_ctxt; /* ~5 KiB: too big for a stack */

struct pv_cpu *pv_cpu_of(unsigned int cpu)
{
    return (struct pv_cpu *)(pv_stacks + (unsigned long)cpu * PV_STACK_SIZE);
}

/* Fresh block for vCPU cpu (its stack is not cleared by the start code). */
static struct pv_cpu *cpu_reset(unsigned int cpu)
{
    struct pv_cpu *c = pv_cpu_of(cpu);
    memset(c, 0, sizeof(*c));
    c->id = cpu;
    c->magic = PV_CPU_MAGIC;
    c->vcpu_info = HYPERVISOR_shared_info ? &HYPERVISOR_shared_info->vcpu_info[cpu] : NULL;
    return c;
}

/* Boot vCPU: called by setup.c first thing, and again once shared_info is mapped. */
void pv_smp_init_boot(void)
{
    struct pv_cpu *c = cpu_reset(0);
    BUG_ON(c != pv_this_cpu());
}

unsigned int pv_nr_cpus(void)
{
    if (!nr_cpus) {
        unsigned int n = 1;
        while (n < PV_MAX_CPUS && HYPERVISOR_vcpu_op(VCPUOP_is_up, n, NULL) >= 0)
            n++;
        if (n == PV_MAX_CPUS && HYPERVISOR_vcpu_op(VCPUOP_is_up, n, NULL) >= 0)
            printk("pvguest: the domain has more than %u vcpus; using the first %u\n", PV_MAX_CPUS,
                   PV_MAX_CPUS);
        nr_cpus = n;
    }
    return nr_cpus;
}

bool pv_cpu_online(unsigned int cpu)
{
    return cpu < PV_MAX_CPUS && READ_ONCE(pv_cpu_of(cpu)->online);
}

static bool cpu_is_online(void *arg)
{
    return READ_ONCE(((struct pv_cpu *)arg)->online) != 0;
}

/* Fills bringup_ctxt for a vCPU entering pv_secondary_start on c's stack. */
static void build_context(struct pv_cpu *c)
{
    struct vcpu_guest_context *ctx = &bringup_ctxt;
    unsigned long stack_top = (unsigned long)c + PV_STACK_SIZE;

    memset(ctx, 0, sizeof(*ctx));
    ctx->flags = VGCF_in_kernel;
    ctx->user_regs.rip = (unsigned long)pv_secondary_start;
    ctx->user_regs.rsp = stack_top;
    ctx->user_regs.rdi = c->id;
    ctx->user_regs.rsi = (unsigned long)c;
    ctx->user_regs.rflags = 0x202; /* IF (events follow the upcall mask) + reserved bit */
    ctx->user_regs.cs = FLAT_KERNEL_CS;
    ctx->user_regs.ss = FLAT_KERNEL_SS;
    ctx->user_regs.ds = ctx->user_regs.es = FLAT_KERNEL_DS;
    ctx->kernel_ss = FLAT_KERNEL_SS;
    ctx->kernel_sp = stack_top;
    ctx->ctrlreg[3] = xen_pfn_to_cr3(pv_virt_to_mfn((const void *)pv_start_info->pt_base));
    ctx->event_callback_eip = (unsigned long)pv_hypervisor_callback;
    ctx->failsafe_callback_eip = (unsigned long)pv_failsafe_callback;
}

int pv_cpu_start(unsigned int cpu, void (*fn)(void *), void *arg)
{
    if (cpu == 0 || cpu >= pv_nr_cpus() || !fn)
        return -EINVAL;
    if (pv_cpu_online(cpu))
        return -EBUSY;

    pv_spin_lock(&bringup_lock);
    struct pv_cpu *c = cpu_reset(cpu);
    c->start_fn = fn;
    c->start_arg = arg;
    build_context(c);
    long rc = HYPERVISOR_vcpu_op(VCPUOP_initialise, cpu, &bringup_ctxt);
    if (rc == 0)
        rc = HYPERVISOR_vcpu_op(VCPUOP_up, cpu, NULL);
    pv_spin_unlock(&bringup_lock);
    if (rc)
        return (int)rc;
    /* The new vCPU sends us no event: look at its flag every 100 us. */
    uint64_t deadline = pv_now_ns() + CPU_START_TIMEOUT_NS;
    while (!cpu_is_online(c)) {
        if (pv_now_ns() >= deadline)
            return -ETIMEDOUT;
        pv_sleep_ns(100 * NSEC_PER_USEC);
    }
    return 0;
}

/* First C code of a secondary vCPU (head.S), on its own stack. */
PV_NORETURN void pv_secondary_c(unsigned long cpu_arg);
PV_NORETURN void pv_secondary_c(unsigned long cpu_arg)
{
    struct pv_cpu *c = pv_this_cpu();
    if (c->magic != PV_CPU_MAGIC)
        panic("secondary vcpu started on a bad stack (rdi=%lu)", cpu_arg);
    pv_events_init_cpu();
    pv_time_init_cpu();
    WRITE_ONCE(c->online, 1);
    pv_events_enable();
    c->start_fn(c->start_arg);
    for (;;)
        pv_block();
}

int pv_vcpu_info_register(void)
{
    struct pv_cpu *c = pv_this_cpu();
    unsigned long addr = (unsigned long)&c->own_vcpu_info;
    struct vcpu_register_vcpu_info info = {
        .mfn = pv_virt_to_mfn(&c->own_vcpu_info),
        .offset = (uint32_t)(addr & (PV_PAGE_SIZE - 1)),
    };
    /* Masked across the move: Xen copies the old contents (mask included) over. */
    unsigned long flags = pv_events_save();
    long rc = HYPERVISOR_vcpu_op(VCPUOP_register_vcpu_info, c->id, &info);
    if (rc == 0)
        c->vcpu_info = &c->own_vcpu_info;
    pv_events_restore(flags);
    return (int)rc;
}
