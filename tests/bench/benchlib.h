/* benchlib.h: shared helpers of the dom0-side benchmark programs: clocks, SAMPLE lines, memory
 * probes. */
#ifndef PVISOR_BENCHLIB_H
#define PVISOR_BENCHLIB_H

#include <stddef.h>
#include <stdint.h>

#define BENCH_MAX_REPS 32

/* CLOCK_MONOTONIC in ns. */
uint64_t bench_now_ns(void);

/*
 * Prints one result line on stdout, the format every benchmark program (and guest) uses:
 *   SAMPLE <name> <unit> <v1> <v2> ...
 * one value per repetition (already divided by the operations in it). Flushes stdout.
 */
void bench_sample(const char *name, const char *unit, const double *v, unsigned n);

/* Parses a positive decimal count or dies with a usage message naming what. */
unsigned long bench_count(const char *s, const char *what);

/* Prints "benchname: message: strerror(-err)" on stderr and exits 1 (CLI mains only). */
void bench_die(const char *who, const char *msg, int err) __attribute__((noreturn));

/* Host memory, in KiB, from /proc. Each returns 0 if the file cannot be read. */
struct bench_pss {
    uint64_t anon, file, shmem; /* Pss_Anon, Pss_File, Pss_Shmem of /proc/PID/smaps_rollup */
};
int bench_read_pss(int pid, struct bench_pss *out); /* 0 or -errno */
/* Slab + PageTables + SecPageTables + KernelStack of /proc/meminfo: kernel memory that a
 * VM's creation grows (global: other processes' activity adds noise). */
uint64_t bench_kernel_kib(void);

/* Raises RLIMIT_NOFILE's soft limit to min(want, hard). */
void bench_raise_nofile(unsigned long want);

#endif
