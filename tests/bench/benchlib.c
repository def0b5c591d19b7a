/* benchlib.c: shared helpers of the dom0-side benchmark programs (see benchlib.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "benchlib.h"

uint64_t bench_now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000000000ULL + (uint64_t)t.tv_nsec;
}

void bench_sample(const char *name, const char *unit, const double *v, unsigned n)
{
    printf("SAMPLE %s %s", name, unit);
    for (unsigned i = 0; i < n; i++)
        printf(" %.1f", v[i]);
    printf("\n");
    fflush(stdout);
}

unsigned long bench_count(const char *s, const char *what)
{
    char *end;
    errno = 0;
    unsigned long v = strtoul(s, &end, 10);
    if (errno || end == s || *end || v == 0) {
        fprintf(stderr, "bench: %s must be a positive number, not '%s'\n", what, s);
        exit(2);
    }
    return v;
}

void bench_die(const char *who, const char *msg, int err)
{
    fprintf(stderr, "%s: %s: %s\n", who, msg, strerror(err < 0 ? -err : err));
    exit(1);
}

int bench_read_pss(int pid, struct bench_pss *out)
{
    char path[64], line[256];
    snprintf(path, sizeof path, "/proc/%d/smaps_rollup", pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return -errno;
    memset(out, 0, sizeof *out);
    while (fgets(line, sizeof line, f)) {
        unsigned long long v;
        if (sscanf(line, "Pss_Anon: %llu", &v) == 1)
            out->anon = v;
        else if (sscanf(line, "Pss_File: %llu", &v) == 1)
            out->file = v;
        else if (sscanf(line, "Pss_Shmem: %llu", &v) == 1)
            out->shmem = v;
    }
    fclose(f);
    return 0;
}

uint64_t bench_kernel_kib(void)
{
    static const char *const keys[] = {"Slab:", "PageTables:", "SecPageTables:", "KernelStack:"};
    FILE *f = fopen("/proc/meminfo", "r");
    if (!f)
        return 0;
    char line[256];
    uint64_t sum = 0;
    while (fgets(line, sizeof line, f)) {
        for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
            size_t n = strlen(keys[i]);
            if (strncmp(line, keys[i], n) == 0)
                sum += strtoull(line + n, NULL, 10);
        }
    }
    fclose(f);
    return sum;
}

void bench_raise_nofile(unsigned long want)
{
    struct rlimit r;
    if (getrlimit(RLIMIT_NOFILE, &r) < 0)
        return;
    rlim_t v = (rlim_t)want;
    if (r.rlim_max != RLIM_INFINITY && v > r.rlim_max)
        v = r.rlim_max;
    if (r.rlim_cur < v) {
        r.rlim_cur = v;
        setrlimit(RLIMIT_NOFILE, &r);
    }
}
