/* xl_list.c: `xl list [-l]`: Xen's domain table (with the Domain-0 row) or its JSON form. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "xl.h"

/* The control domain (the host) as a dominfo: memory not given to guests, every CPU. */
static void dom0_info(struct pvctl *c, struct pvctl_dominfo *d)
{
    struct pvctl_physinfo pi = {0};
    unsigned long long user, nice, sys, idle, iowait, irq, softirq;
    FILE *f = fopen("/proc/stat", "re");

    memset(d, 0, sizeof(*d));
    pvctl_physinfo(c, &pi);
    snprintf(d->name, sizeof(d->name), "Domain-0");
    d->flags = PVCTL_DOMF_RUNNING;
    d->nr_vcpus = d->nr_online_vcpus = pi.nr_cpus;
    d->nr_pages = pi.total_pages > pi.used_pages ? pi.total_pages - pi.used_pages : 0;
    d->max_pages = pi.total_pages;
    if (f && fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu", &user, &nice, &sys, &idle, &iowait,
                    &irq, &softirq) == 7)
        d->cpu_time_ns =
            (user + nice + sys + irq + softirq) * (1000000000ULL / (uint64_t)sysconf(_SC_CLK_TCK));
    if (f)
        fclose(f);
}

/* All live domains, Domain-0 first. *out is malloc'd. */
static int all_domains(struct pvctl *c, struct pvctl_dominfo **out, uint32_t *n)
{
    uint32_t count = 0, cap = 0;
    struct pvctl_dominfo *v = NULL;
    int rc;

    do {
        cap = count + 16;
        free(v);
        v = calloc(cap + 1, sizeof(*v));
        if (!v)
            return -ENOMEM;
        rc = pvctl_domain_list(c, v + 1, cap, &count);
    } while (rc == 0 && count > cap);
    if (rc < 0) {
        free(v);
        return rc;
    }
    if (count && v[1].domid == 0) { /* pvisord lists dom0 itself */
        memmove(v, v + 1, count * sizeof(*v));
        count--;
    }
    dom0_info(c, &v[0]);
    *out = v;
    *n = count + 1;
    return 0;
}

static int some_domains(struct pvctl *c, char **names, int nnames, struct pvctl_dominfo **out,
                        uint32_t *n)
{
    struct pvctl_dominfo *v = calloc((size_t)nnames, sizeof(*v));
    uint32_t domid;

    if (!v)
        return -ENOMEM;
    for (int i = 0; i < nnames; i++) {
        if (strcmp(names[i], "0") == 0 || strcmp(names[i], "Domain-0") == 0) {
            dom0_info(c, &v[i]);
            continue;
        }
        if (xl_resolve(c, names[i], &domid, &v[i]) < 0) {
            free(v);
            return -ESRCH;
        }
    }
    *out = v;
    *n = (uint32_t)nnames;
    return 0;
}

static void print_table(const struct pvctl_dominfo *v, uint32_t n)
{
    char st[7];

    printf("Name                                        ID   Mem VCPUs\tState\tTime(s)\n");
    for (uint32_t i = 0; i < n; i++) {
        xl_state_letters(&v[i], st);
        printf("%-40.*s %5u %5llu %5u     %s  %8.1f\n", PVCTL_NAME_LEN, v[i].name, v[i].domid,
               (unsigned long long)(v[i].nr_pages * 4096 >> 20), v[i].nr_online_vcpus, st,
               (double)v[i].cpu_time_ns / 1e9);
    }
}

static int print_json(struct pvctl *c, const struct pvctl_dominfo *v, uint32_t n)
{
    struct xl_json *j = xj_new();
    int rc;

    if (!j)
        return -ENOMEM;
    xj_array(j);
    for (uint32_t i = 0; i < n; i++) {
        struct xlcfg cfg;
        bool have = v[i].domid != 0 && xl_load_saved_cfg(c, &v[i], &cfg) == 0;

        xj_map(j);
        xj_ku64(j, "domid", v[i].domid);
        xj_key(j, "config");
        xl_json_config(j, have ? &cfg : NULL, &v[i]);
        xj_end_map(j);
        if (have)
            xlcfg_free(&cfg);
    }
    xj_end_array(j);
    rc = xj_print(j, stdout);
    xj_free(j);
    return rc;
}

int xl_cmd_list(int argc, char **argv)
{
    struct pvctl_dominfo *v = NULL;
    struct pvctl *c;
    bool lng = false;
    uint32_t n = 0;
    int opt, rc;

    while ((opt = xl_getopt(argc, argv, "l")) != -1) {
        if (opt == 'l')
            lng = true;
        else
            return opt == XL_OPT_HELP ? XL_OK : XL_USAGE;
    }
    if (xl_connect(&c) < 0)
        return XL_FAIL;
    if (optind < argc)
        rc = some_domains(c, argv + optind, argc - optind, &v, &n);
    else
        rc = all_domains(c, &v, &n);
    if (rc < 0 && rc != -ESRCH)
        xl_err("cannot list domains: %s", pvctl_strerror(rc));
    if (rc == 0 && lng)
        rc = print_json(c, v, n);
    else if (rc == 0)
        print_table(v, n);
    free(v);
    pvctl_close(c);
    return rc < 0 ? XL_FAIL : XL_OK;
}
