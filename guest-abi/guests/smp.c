/*
 * smp.c: brings up every vCPU of the domain; each reports from itself, binds its own IPI
 * port, and answers an IPI from vCPU 0 through shared memory plus vCPU 0's IPI port.
 */
#include <pvguest/pvguest.h>

#define WAIT_NS (10 * NSEC_PER_SEC)

static volatile int ipi_port[PV_MAX_CPUS];       /* IPI port notifying each vCPU */
static volatile uint32_t ipis_seen[PV_MAX_CPUS]; /* bumped by the handler on its vCPU */
static volatile uint32_t ready[PV_MAX_CPUS];     /* vCPU bound its port and waits */
static volatile uint32_t acked[PV_MAX_CPUS];     /* vCPU saw vCPU 0's IPI */
static volatile uint32_t nr_acked;
static volatile uint32_t wrong_cpu; /* handler ran somewhere unexpected */

static void ipi_handler(evtchn_port_t port, void *arg)
{
    unsigned int me = smp_processor_id();
    if ((int)port != ipi_port[me])
        wrong_cpu++;
    ipis_seen[me]++;
}

static bool seen_ipi(void *arg)
{
    return ipis_seen[smp_processor_id()] != 0;
}

/*
 * Runs on each secondary vCPU, on its own stack.  It wakes vCPU 0 through vCPU 0's IPI
 * port twice: once ready, once it has seen vCPU 0's IPI.
 */
static void secondary(void *arg)
{
    unsigned int me = smp_processor_id();
    struct vcpu_runstate_info rs;
    long rc = HYPERVISOR_vcpu_op(VCPUOP_get_runstate_info, me, &rs);
    if (rc || rs.state != RUNSTATE_running)
        printk("smp: vcpu %u: runstate of itself is %d (rc %ld), expected running\n", me, rs.state,
               rc);

    int port = evtchn_bind_ipi(me, ipi_handler, NULL);
    if (port < 0) {
        printk("smp: vcpu %u: bind_ipi failed: %d\n", me, port);
        return;
    }
    ipi_port[me] = port;
    printk("smp: vcpu %u up (ipi port %d)\n", me, port);
    WRITE_ONCE(ready[me], 1);
    /* Wake vCPU 0, which waits for every vCPU to be ready. */
    rc = evtchn_send((evtchn_port_t)ipi_port[0]);
    if (rc)
        printk("smp: vcpu %u: ready notification to vcpu 0 failed: %ld\n", me, rc);

    if (!pv_wait_until(seen_ipi, NULL, pv_now_ns() + WAIT_NS)) {
        printk("smp: vcpu %u: no IPI from vcpu 0 within 10 s\n", me);
        return;
    }
    WRITE_ONCE(acked[me], 1);
    __atomic_fetch_add(&nr_acked, 1, __ATOMIC_SEQ_CST);
    rc = evtchn_send((evtchn_port_t)ipi_port[0]);
    if (rc)
        printk("smp: vcpu %u: send to vcpu 0 failed: %ld\n", me, rc);
}

static bool all_ready(void *arg)
{
    unsigned int n = *(unsigned int *)arg;
    for (unsigned int cpu = 1; cpu < n; cpu++)
        if (!ready[cpu])
            return false;
    return true;
}

static bool all_acked(void *arg)
{
    return nr_acked == *(unsigned int *)arg - 1;
}

int main(const char *cmdline)
{
    unsigned int n = pv_nr_cpus();
    int port = evtchn_bind_ipi(0, ipi_handler, NULL);
    if (port < 0) {
        printk("smp: vcpu 0: bind_ipi failed: %d\n", port);
        return 1;
    }
    ipi_port[0] = port;
    printk("smp: domain has %u vcpu(s); vcpu 0 up (ipi port %d)\n", n, port);

    for (unsigned int cpu = 1; cpu < n; cpu++) {
        int rc = pv_cpu_start(cpu, secondary, NULL);
        if (rc) {
            printk("smp: starting vcpu %u failed: %d\n", cpu, rc);
            return 1;
        }
    }
    if (!pv_wait_until(all_ready, &n, pv_now_ns() + WAIT_NS)) {
        printk("smp: not every vcpu bound its IPI port within 10 s\n");
        return 1;
    }
    for (unsigned int cpu = 1; cpu < n; cpu++) {
        int rc = evtchn_send((evtchn_port_t)ipi_port[cpu]);
        if (rc) {
            printk("smp: IPI to vcpu %u (port %d) failed: %d\n", cpu, ipi_port[cpu], rc);
            return 1;
        }
    }
    if (!pv_wait_until(all_acked, &n, pv_now_ns() + WAIT_NS)) {
        for (unsigned int cpu = 1; cpu < n; cpu++)
            if (!acked[cpu])
                printk("smp: vcpu %u did not acknowledge its IPI\n", cpu);
        return 1;
    }
    if (wrong_cpu) {
        printk("smp: %u IPI(s) were handled on the wrong vcpu\n", wrong_cpu);
        return 1;
    }
    printk("smp: %u vcpus OK\n", n);
    return 0;
}
