/* xl_info.c: `xl info`, `xl dmesg` and `xl vcpu-list`: the host, the hypervisor log, the vCPUs. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "xl.h"

#define LOG_CHUNK 16384

static int no_args(int argc, char **argv, const char *opts, bool *flag)
{
    int opt;

    while ((opt = xl_getopt(argc, argv, opts)) != -1) {
        if (opt != XL_OPT_HELP && opt != XL_OPT_BAD && flag)
            *flag = true;
        else
            return opt == XL_OPT_HELP ? XL_OK : XL_USAGE;
    }
    if (optind < argc)
        return xl_usage_error("unexpected argument '%s'", argv[optind]);
    return -1;
}

/* ---- xl info ------------------------------------------------------------------------- */

static void field(const char *k, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void field(const char *k, const char *fmt, ...)
{
    va_list ap;

    printf("%-23s: ", k);
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    putchar('\n');
}

static void print_info(const struct pvctl_physinfo *pi, const struct pvctl_version *v)
{
    struct utsname u;

    uname(&u);
    field("host", "%s", u.nodename);
    field("release", "%s", u.release);
    field("version", "%s", u.version);
    field("machine", "%s", u.machine);
    field("nr_cpus", "%u", pi->nr_cpus);
    field("max_cpu_id", "%u", pi->nr_cpus ? pi->nr_cpus - 1 : 0);
    field("cpu_mhz", "%u.%03u", pi->cpu_khz / 1000, pi->cpu_khz % 1000);
    field("virt_caps", "%s", "pv");
    field("total_memory", "%llu", (unsigned long long)(pi->total_pages * 4096 >> 20));
    field("free_memory", "%llu", (unsigned long long)(pi->free_pages * 4096 >> 20));
    field("xen_major", "%u", v->xen_major);
    field("xen_minor", "%u", v->xen_minor);
    field("xen_extra", "%s", ".0-pvisor");
    field("xen_version", "%u.%u.0-pvisor", v->xen_major, v->xen_minor);
    field("xen_caps", "%s", "xen-3.0-x86_64");
    field("xen_pagesize", "%u", 4096);
    field("max_vcpus_per_domain", "%u", pi->max_vcpus_per_domain);
    field("nr_domains", "%u", pi->nr_domains);
    field("pvisor_version", "%.*s", (int)sizeof(v->pvisor), v->pvisor);
    field("substrate", "%.*s", (int)sizeof(pi->substrate), pi->substrate);
    field("xend_config_format", "%d", 4);
}

int xl_cmd_info(int argc, char **argv)
{
    struct pvctl_physinfo pi;
    struct pvctl_version v;
    struct pvctl *c;
    int rc = no_args(argc, argv, "", NULL);

    if (rc >= 0)
        return rc;
    if (xl_connect(&c) < 0)
        return XL_FAIL;
    rc = pvctl_ping(c, &v);
    if (rc == 0)
        rc = pvctl_physinfo(c, &pi);
    if (rc == 0)
        print_info(&pi, &v);
    else
        xl_err("cannot read host information from pvisord: %s", pvctl_strerror(rc));
    pvctl_close(c);
    return rc < 0 ? XL_FAIL : XL_OK;
}

/* ---- xl dmesg ------------------------------------------------------------------------ */

/* `dmesg -c` cannot clear pvisord's ring; it records where the next dmesg starts. */
static uint64_t read_mark(struct pvctl *c)
{
    char path[4096];
    unsigned long long off = 0;
    FILE *f;

    snprintf(path, sizeof(path), "%s/xl/dmesg.offset", pvctl_get_rundir(c));
    f = fopen(path, "re");
    if (f) {
        if (fscanf(f, "%llu", &off) != 1)
            off = 0;
        fclose(f);
    }
    return off;
}

static int write_mark(struct pvctl *c, uint64_t off)
{
    char path[4096];
    FILE *f;

    snprintf(path, sizeof(path), "%s/xl", pvctl_get_rundir(c));
    if (mkdir(path, 0700) < 0 && errno != EEXIST)
        return -errno;
    snprintf(path, sizeof(path), "%s/xl/dmesg.offset", pvctl_get_rundir(c));
    f = fopen(path, "we");
    if (!f)
        return -errno;
    fprintf(f, "%llu\n", (unsigned long long)off);
    return fclose(f) == 0 ? 0 : -errno;
}

static int copy_hvlog(struct pvctl *c, uint64_t *off)
{
    static char buf[LOG_CHUNK];

    for (;;) {
        uint32_t len = 0;
        uint64_t next = *off;
        int rc = pvctl_hvlog_read(c, *off, buf, sizeof(buf), &len, &next, NULL);

        if (rc < 0)
            return rc;
        fwrite(buf, 1, len, stdout);
        if (len == 0 || next == *off)
            return 0;
        *off = next;
    }
}

int xl_cmd_dmesg(int argc, char **argv)
{
    struct pvctl *c;
    bool clear = false;
    uint64_t off;
    int rc = no_args(argc, argv, "c", &clear);

    if (rc >= 0)
        return rc;
    if (xl_connect(&c) < 0)
        return XL_FAIL;
    off = read_mark(c);
    rc = copy_hvlog(c, &off);
    if (rc < 0)
        xl_err("cannot read the hypervisor log: %s", pvctl_strerror(rc));
    else if (clear && (rc = write_mark(c, off)) < 0)
        xl_err("cannot record the dmesg -c mark: %s", strerror(-rc));
    pvctl_close(c);
    return rc < 0 ? XL_FAIL : XL_OK;
}

/* ---- xl vcpu-list --------------------------------------------------------------------- */

static int print_vcpus(struct pvctl *c, const struct pvctl_dominfo *d)
{
    struct pvctl_vcpuinfo *v = NULL;
    uint32_t count = 0, cap = 0;
    int rc;

    do {
        cap = count + 8;
        free(v);
        v = calloc(cap, sizeof(*v));
        if (!v)
            return -ENOMEM;
        rc = pvctl_vcpu_list(c, d->domid, v, cap, &count);
    } while (rc == 0 && count > cap);
    for (uint32_t i = 0; rc == 0 && i < count; i++) {
        bool online = v[i].flags & PVCTL_VCPUF_ONLINE;
        char cpu[12] = "-";

        if (online && v[i].host_cpu >= 0)
            snprintf(cpu, sizeof(cpu), "%d", v[i].host_cpu);
        printf("%-32.*s %5u %5u %5s   %c%c%c   %9.1f  all / all\n", PVCTL_NAME_LEN, d->name,
               d->domid, v[i].vcpu, cpu, (v[i].flags & PVCTL_VCPUF_RUNNING) ? 'r' : '-',
               (v[i].flags & PVCTL_VCPUF_BLOCKED) ? 'b' : '-', online ? '-' : 'p',
               (double)v[i].cpu_time_ns / 1e9);
    }
    free(v);
    return rc;
}

static int list_targets(struct pvctl *c, char **names, int n, struct pvctl_dominfo **out,
                        uint32_t *count)
{
    uint32_t cap = 0;
    int rc;

    if (n == 0) {
        *out = NULL;
        do {
            cap = *count + 16;
            free(*out);
            *out = calloc(cap, sizeof(**out));
            if (!*out)
                return -ENOMEM;
            rc = pvctl_domain_list(c, *out, cap, count);
        } while (rc == 0 && *count > cap);
        return rc;
    }
    *out = calloc((size_t)n, sizeof(**out));
    if (!*out)
        return -ENOMEM;
    for (int i = 0; i < n; i++) {
        uint32_t id;

        if (xl_resolve(c, names[i], &id, &(*out)[i]) < 0)
            return -ESRCH;
    }
    *count = (uint32_t)n;
    return 0;
}

int xl_cmd_vcpu_list(int argc, char **argv)
{
    struct pvctl_dominfo *doms = NULL;
    struct pvctl *c;
    uint32_t n = 0;
    int rc;

    while ((rc = xl_getopt(argc, argv, "")) != -1)
        return rc == XL_OPT_HELP ? XL_OK : XL_USAGE;
    if (xl_connect(&c) < 0)
        return XL_FAIL;
    rc = list_targets(c, argv + optind, argc - optind, &doms, &n);
    if (rc == 0)
        printf("Name                                ID  VCPU   CPU State   Time(s) "
               "Affinity (Hard / Soft)\n");
    for (uint32_t i = 0; rc == 0 && i < n; i++) {
        if (doms[i].domid != 0)
            rc = print_vcpus(c, &doms[i]);
        if (rc == -ESRCH) /* it went away meanwhile */
            rc = 0;
    }
    if (rc < 0 && rc != -ESRCH)
        xl_err("cannot list vCPUs: %s", pvctl_strerror(rc));
    free(doms);
    pvctl_close(c);
    return rc < 0 ? XL_FAIL : XL_OK;
}
