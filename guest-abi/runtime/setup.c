/* setup.c: C entry of the boot vCPU: checks start_info, maps shared_info, runs main(). */
#include <xen/sched.h>
#include <pvguest/console.h>
#include <pvguest/events.h>
#include <pvguest/hypercall.h>
#include <pvguest/mm.h>
#include <pvguest/printf.h>
#include <pvguest/sched.h>
#include <pvguest/smp.h>
#include <pvguest/start.h>
#include <pvguest/string.h>
#include <pvguest/time.h>

#define START_INFO_MAGIC "xen-3.0-x86_64"

start_info_t *pv_start_info;
shared_info_t *HYPERVISOR_shared_info;

/* A page of our own image (so its L1 table exists) that we remap onto shared_info. */
static char shared_info_page[PV_PAGE_SIZE]
    __attribute__((aligned(PV_PAGE_SIZE), section(".bss.page_aligned")));

static char cmdline[MAX_GUEST_CMDLINE];

/* Called by head.S only. */
PV_NORETURN void pv_start_c(start_info_t *si, unsigned long boot_rsp);

const char *pv_cmdline(void)
{
    return cmdline;
}

/* Before shared_info is mapped nothing but the raw console works. */
static PV_NORETURN void early_fail(const char *msg)
{
    (void)HYPERVISOR_console_io(CONSOLEIO_write, (unsigned int)strlen(msg), msg);
    pv_crash();
}

static void map_shared_info(void)
{
    /* start_info.shared_info is a machine address outside our RAM: map it ourselves. */
    unsigned long mfn = pv_start_info->shared_info >> PV_PAGE_SHIFT;
    int rc = pv_map_frame((unsigned long)shared_info_page, mfn, PV_PTE_RW);
    if (rc) {
        char msg[96];
        snprintf(msg, sizeof(msg), "pvguest: cannot map shared_info (mfn %#lx): %d\n", mfn, rc);
        early_fail(msg);
    }
    HYPERVISOR_shared_info = (shared_info_t *)shared_info_page;
}

void pv_start_c(start_info_t *si, unsigned long boot_rsp)
{
    pv_start_info = si;
    pv_smp_init_boot(); /* vCPU 0's block, without vcpu_info yet */
    if (!si || strncmp(si->magic, START_INFO_MAGIC, sizeof(START_INFO_MAGIC)))
        early_fail("pvguest: start_info magic is not " START_INFO_MAGIC "\n");

    map_shared_info();
    pv_smp_init_boot();
    pv_time_init();
    pv_mm_init(boot_rsp);
    pv_runtime_main();
}

/* The rest of the boot, PV and PVH alike: shared_info, pv_start_info and memory are set. */
void pv_runtime_main(void)
{
    const start_info_t *si = pv_start_info;
    pv_events_init_cpu();
    pv_time_init_cpu();
    pv_console_init(); /* printk moves from console_io to the console ring */
    memcpy(cmdline, si->cmd_line, sizeof(cmdline) - 1);
    cmdline[sizeof(cmdline) - 1] = '\0';
    WRITE_ONCE(pv_this_cpu()->online, 1);
    pv_events_enable();

    int rc = main(cmdline);
    if (rc == 0)
        pv_poweroff();
    printk("main() returned %d: crashing the domain\n", rc);
    pv_crash();
}
