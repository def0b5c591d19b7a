/* vcpu.c: selftest of set_trap_table, callbacks and vcpu_op bookkeeping. */
#include "st.h"

#define NONCANONICAL_VA 0x8000000000000000UL

extern char pv_hypervisor_callback[], pv_failsafe_callback[];

/* Never called: the traps we register are only recorded (PV faults end the domain). */
static void unused_trap_handler(void)
{
}

void st_callbacks(void)
{
    if (pv_pvh) { /* PV-only calls: not in Xen's HVM hypercall table */
        st_eq(HYPERVISOR_set_trap_table(NULL), -ENOSYS, "set_trap_table is PV-only (PVH)");
        st_eq(HYPERVISOR_set_callbacks(0, 0, 0), -ENOSYS, "set_callbacks is PV-only (PVH)");
        struct callback_register none = {.type = CALLBACKTYPE_event};
        st_eq(HYPERVISOR_callback_op(CALLBACKOP_register, &none), -ENOSYS,
              "callback_op is PV-only (PVH)");
        return;
    }
    struct trap_info traps[3] = {
        {.vector = 6, .cs = FLAT_KERNEL_CS, .address = (unsigned long)unused_trap_handler},
        {.vector = 14, .cs = FLAT_KERNEL_CS, .address = (unsigned long)unused_trap_handler},
        {0},
    };
    st_eq(HYPERVISOR_set_trap_table(traps), 0, "set_trap_table with #UD and #PF entries");
    st_eq(HYPERVISOR_set_trap_table(NULL), 0, "set_trap_table(NULL) clears the table");
    traps[0].address = NONCANONICAL_VA;
    st_eq(HYPERVISOR_set_trap_table(traps), -EINVAL, "set_trap_table with a non-canonical handler");
    (void)HYPERVISOR_set_trap_table(NULL);

    st_eq(HYPERVISOR_set_callbacks((unsigned long)pv_hypervisor_callback,
                                   (unsigned long)pv_failsafe_callback, 0),
          0, "set_callbacks (event, failsafe)");

    struct callback_register reg = {.type = CALLBACKTYPE_event,
                                    .address = (xen_callback_t)pv_hypervisor_callback};
    st_eq(HYPERVISOR_callback_op(CALLBACKOP_register, &reg), 0, "callback_op register event");
    reg.type = CALLBACKTYPE_failsafe;
    reg.flags = CALLBACKF_mask_events;
    reg.address = (xen_callback_t)pv_failsafe_callback;
    st_eq(HYPERVISOR_callback_op(CALLBACKOP_register, &reg), 0, "callback_op register failsafe");
    struct callback_register bad = {.type = CALLBACKTYPE_event, .address = NONCANONICAL_VA};
    st_eq(HYPERVISOR_callback_op(CALLBACKOP_register, &bad), -EINVAL,
          "callback_op register at a non-canonical address");
    /* Whatever happened, make sure the next event finds our real entry point. */
    reg.type = CALLBACKTYPE_event;
    reg.flags = 0;
    reg.address = (xen_callback_t)pv_hypervisor_callback;
    (void)HYPERVISOR_callback_op(CALLBACKOP_register, &reg);
    bad.type = 99;
    bad.address = (xen_callback_t)pv_failsafe_callback;
    st_eq(HYPERVISOR_callback_op(CALLBACKOP_register, &bad), -ENOSYS,
          "callback_op register of unknown type 99");
    struct callback_unregister unreg = {.type = CALLBACKTYPE_event};
    st_eq(HYPERVISOR_callback_op(CALLBACKOP_unregister, &unreg), -EINVAL,
          "callback_op unregister event is not allowed");
    st_eq(HYPERVISOR_callback_op(7, &unreg), -ENOSYS, "callback_op unknown command 7");
}

static void st_runstate(void)
{
    struct vcpu_runstate_info rs;
    memset(&rs, 0xff, sizeof(rs));
    st_eq(HYPERVISOR_vcpu_op(VCPUOP_get_runstate_info, 0, &rs), 0, "vcpu_op get_runstate_info(0)");
    st_eq(rs.state, RUNSTATE_running, "vcpu 0 runstate is running");
    st_ok(rs.time[RUNSTATE_running] > 0 && rs.time[RUNSTATE_running] < (1ULL << 62),
          (long)rs.time[RUNSTATE_running], "> 0 ns", "vcpu 0 has run for some time");
    st_eq(HYPERVISOR_vcpu_op(VCPUOP_get_runstate_info, 4096, &rs), -ENOENT,
          "vcpu_op get_runstate_info of a vcpu we do not have");
}

/* vCPU 1 exists but was never started (the selftest runs on vCPU 0 only). */
static void st_offline_vcpu(void)
{
    struct vcpu_runstate_info rs;
    st_eq(HYPERVISOR_vcpu_op(VCPUOP_is_up, 1, NULL), 0, "vcpu_op is_up(1) before it is started");
    st_eq(HYPERVISOR_vcpu_op(VCPUOP_up, 1, NULL), -EINVAL,
          "vcpu_op up(1) without initialise first");
    st_eq(HYPERVISOR_vcpu_op(VCPUOP_get_runstate_info, 1, &rs), 0, "vcpu_op get_runstate_info(1)");
    st_eq(rs.state, RUNSTATE_offline, "vcpu 1 runstate is offline");
    struct vcpu_set_singleshot_timer t = {.timeout_abs_ns = pv_now_ns() + NSEC_PER_SEC};
    st_eq(HYPERVISOR_vcpu_op(VCPUOP_set_singleshot_timer, 1, &t), -EINVAL,
          "vcpu_op set_singleshot_timer on another vcpu");
}

static volatile unsigned int second_ran, second_ipis, second_ipi_cpu;

static void second_main(void *arg)
{
    second_ran = 1; /* then idles in SCHEDOP_block */
}

static void second_ipi(evtchn_port_t port, void *arg)
{
    second_ipi_cpu = smp_processor_id();
    second_ipis = 1;
}

static bool runstate_is(unsigned int cpu, int state)
{
    struct vcpu_runstate_info rs;
    uint64_t deadline = pv_now_ns() + NSEC_PER_SEC;
    do {
        if (HYPERVISOR_vcpu_op(VCPUOP_get_runstate_info, cpu, &rs) == 0 && rs.state == state)
            return true;
        pv_sleep_ns(100 * NSEC_PER_USEC);
    } while (pv_now_ns() < deadline);
    return false;
}

/* Starts vCPU 1, takes it down and up again, and sends it an IPI. */
static void st_second_vcpu(void)
{
    if (!st_eq(pv_cpu_start(1, second_main, NULL), 0, "vcpu_op initialise + up of vcpu 1"))
        return;
    st_ok(st_wait_flag(&second_ran, NSEC_PER_SEC), 0, "within 1 s", "vcpu 1 runs our code");
    st_eq(HYPERVISOR_vcpu_op(VCPUOP_is_up, 1, NULL), 1, "vcpu_op is_up(1) once started");
    static struct vcpu_guest_context ctx;
    memset(&ctx, 0, sizeof(ctx));
    st_eq(HYPERVISOR_vcpu_op(VCPUOP_initialise, 1, &ctx), -EEXIST,
          "vcpu_op initialise of the started vcpu 1");
    st_eq(HYPERVISOR_vcpu_op(VCPUOP_down, 1, NULL), 0, "vcpu_op down(1)");
    st_eq(HYPERVISOR_vcpu_op(VCPUOP_is_up, 1, NULL), 0, "vcpu_op is_up(1) after down");
    st_ok(runstate_is(1, RUNSTATE_offline), 0, "offline within 1 s", "vcpu 1 runstate after down");
    st_eq(HYPERVISOR_vcpu_op(VCPUOP_up, 1, NULL), 0, "vcpu_op up(1) again");
    st_eq(HYPERVISOR_vcpu_op(VCPUOP_is_up, 1, NULL), 1, "vcpu_op is_up(1) after up");

    int port = evtchn_bind_ipi(1, second_ipi, NULL);
    if (!st_ok(port > 0, port, "a port", "bind_ipi for vcpu 1"))
        return;
    second_ipi_cpu = 99;
    st_eq(evtchn_send((evtchn_port_t)port), 0, "send an IPI to vcpu 1");
    st_ok(st_wait_flag(&second_ipis, NSEC_PER_SEC), 0, "within 1 s", "vcpu 1 took the IPI");
    st_eq(second_ipi_cpu, 1, "the IPI handler ran on vcpu 1");
}

static void st_vcpu_info(void)
{
    struct pv_cpu *c = pv_this_cpu();
    struct vcpu_register_vcpu_info info = {
        .mfn = pv_virt_to_mfn(&c->own_vcpu_info),
        .offset = PV_PAGE_SIZE - 8, /* would cross into the next page */
    };
    st_ok(HYPERVISOR_vcpu_op(VCPUOP_register_vcpu_info, 0, &info) < 0, 0, "an error",
          "vcpu_op register_vcpu_info across a page boundary is refused");

    uint64_t before = pv_now_ns();
    st_eq(pv_vcpu_info_register(), 0, "vcpu_op register_vcpu_info into our own page");
    st_ok(pv_vcpu_info() == &c->own_vcpu_info, 0, "the new area", "runtime uses the new area");
    uint32_t ver = c->own_vcpu_info.time.version;
    st_ok(ver != 0 && !(ver & 1) && c->own_vcpu_info.time.tsc_to_system_mul != 0, (long)ver,
          "an even nonzero version and a multiplier", "new vcpu_info carries the time info");
    uint64_t after = pv_now_ns();
    st_ok(after >= before && after - before < NSEC_PER_SEC, (long)(after - before), "0..1e9 ns",
          "system time continues across the move");
    st_eq(pv_vcpu_info_register(), -EINVAL, "vcpu_op register_vcpu_info a second time");
}

void st_vcpu(void)
{
    unsigned int n = pv_nr_cpus();
    st_note("domain has %u vcpu(s)", n);
    st_eq(HYPERVISOR_vcpu_op(VCPUOP_is_up, 0, NULL), 1, "vcpu_op is_up(0)");
    st_eq(HYPERVISOR_vcpu_op(VCPUOP_is_up, 4096, NULL), -ENOENT, "vcpu_op is_up(4096)");
    st_eq(HYPERVISOR_vcpu_op(VCPUOP_is_up, n, NULL), -ENOENT,
          "vcpu_op is_up(%u), one past the last vcpu", n);
    st_eq(HYPERVISOR_vcpu_op(VCPUOP_up, 0, NULL), 0, "vcpu_op up(0) of a running vcpu");

    /* A running vCPU cannot be initialised again (Xen: -EEXIST). */
    static struct vcpu_guest_context ctx;
    memset(&ctx, 0, sizeof(ctx));
    st_eq(HYPERVISOR_vcpu_op(VCPUOP_initialise, 0, &ctx), -EEXIST,
          "vcpu_op initialise of the running vcpu 0");
    st_eq(HYPERVISOR_vcpu_op(99, 0, NULL), -ENOSYS, "vcpu_op unknown command 99");
    st_runstate();
    if (n >= 2) {
        st_offline_vcpu();
        st_second_vcpu();
    } else
        st_note("single vcpu: offline-vcpu checks skipped");
    st_vcpu_info();
}
