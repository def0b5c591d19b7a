/*
 * hello.c: the first PV (and PVH) guest: greets with the hypervisor version and the time, then
 * powers off.  Command line "sleep=N": stay up N more seconds first, honouring control/shutdown
 * (`xl shutdown` / `xl reboot`) meanwhile.
 */
#include <pvguest/pvguest.h>

int main(const char *cmdline)
{
    long ver = HYPERVISOR_xen_version(XENVER_version, NULL);
    xen_extraversion_t extra;
    memset(extra, 0, sizeof(extra));
    long rc = HYPERVISOR_xen_version(XENVER_extraversion, extra);
    if (rc < 0)
        strlcpy(extra, "?", sizeof(extra));
    extra[sizeof(extra) - 1] = '\0';

    struct pv_walltime now;
    struct pv_tm tm;
    pv_wallclock(&now);
    pv_gmtime(now.sec, &tm);
    uint64_t sys = pv_now_ns(), up = pv_uptime_ns();

    const char *type = pv_pvh ? "PVH" : "PV";
    if (ver < 0)
        printk("hello from a pvisor %s guest: xen_version failed (%ld)\n", type, ver);
    else
        printk("hello from a pvisor %s guest: Xen %ld.%ld%s, "
               "%04lld-%02d-%02d %02d:%02d:%02d.%03u UTC, system time %llu.%03llu s, "
               "up %llu us, %u vcpu(s)\n",
               type, ver >> 16, ver & 0xffff, extra, (long long)tm.year, tm.month, tm.day, tm.hour,
               tm.min, tm.sec, now.nsec / 1000000u, (unsigned long long)(sys / NSEC_PER_SEC),
               (unsigned long long)(sys % NSEC_PER_SEC / NSEC_PER_MSEC),
               (unsigned long long)(up / NSEC_PER_USEC), pv_nr_cpus());
    if (cmdline[0])
        printk("hello: command line \"%s\"\n", cmdline);
    /* sleep=N keeps the domain alive (blocked on its timer) for N seconds: tests use it.
     * Meanwhile a shutdown request through xenstore (control/shutdown) is obeyed. */
    unsigned long secs = pv_cmdline_ulong(cmdline, "sleep", 0);
    if (secs) {
        if (xenbus_shutdown_watch() == 0)
            xenbus_sleep_ns((uint64_t)secs * NSEC_PER_SEC);
        else
            pv_sleep_ns((uint64_t)secs * NSEC_PER_SEC);
        printk("hello: slept %lu s\n", secs);
    }
    return 0;
}
