/*
 * report.c: turns the SAMPLE / INFO lines a `make bench` run collected into the results
 * table (terminal), build/bench/results.json and a Markdown table for docs/performance.md.
 *
 *   report SAMPLES_FILE JSON_OUT MD_OUT
 *
 * Input lines: "SAMPLE <name> <unit> <v1> <v2> ..." (one value per repetition; lines with
 * the same name are pooled, e.g. a baseline run before and after its figure) and
 * "INFO <key> <text>" (machine, mode). Every row compares a median with the median of its
 * baseline measured in the same run; spread is the median absolute deviation of the
 * repetitions, in percent of the median. Goals are printed, never enforced.
 */
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_SAMPLES 64
#define MAX_VALUES  64
#define MAX_INFO    32

struct sample {
    char name[48], unit[16];
    double v[MAX_VALUES];
    unsigned n;
    double median, mad, min, max;
};

struct info {
    char key[32], text[256];
};

static struct sample g_s[MAX_SAMPLES];
static unsigned g_ns;
static struct info g_info[MAX_INFO];
static unsigned g_ninfo;

enum goal { G_NONE, G_RATIO_LE, G_RATIO_GE, G_PLUS_LE, G_ABS_LE };

struct row {
    const char *id;     /* JSON key */
    const char *metric; /* what is measured */
    const char *value;  /* sample (or derived sample) name */
    const char *base;   /* baseline sample name, NULL: none */
    const char *base_desc;
    const char *unit; /* display unit */
    double scale;     /* display value = sample / scale */
    enum goal goal;
    double goal_x; /* ratio, or an amount in the display unit */
    const char *goal_text;
};

/* The rows, in the order of the issue (docs/performance.md explains each baseline). */
static const struct row g_rows[] = {
    {"null_hypercall", "null hypercall (xen_version) round trip", "hcall", "raw_exit",
     "raw KVM port-I/O exit, same vCPU mode", "us", 1e3, G_RATIO_LE, 1.15, "<= 1.15x"},
    {"multicall32_vs_one", "multicall of 32 null hypercalls", "mc32", "hcall", "one null hypercall",
     "us", 1e3, G_RATIO_LE, 3.0, "<= 3x one call"},
    {"multicall32_vs_32", "multicall of 32 vs 32 separate null hypercalls", "mc32", "single32",
     "32 separate null hypercalls", "us", 1e3, G_NONE, 0, NULL},
    {"evtchn_domu_domu_block", "event round trip domU<->domU (send + block, upcall)", "evt_block",
     "raw_pingpong", "2 raw exits + 2 host thread wake-ups", "us", 1e3, G_RATIO_LE, 2.5, "<= 2.5x"},
    {"evtchn_domu_domu_poll", "event round trip domU<->domU (multicall send + poll)", "evt_poll",
     "raw_pingpong", "2 raw exits + 2 host thread wake-ups", "us", 1e3, G_RATIO_LE, 2.5, "<= 2.5x"},
    {"evtchn_dom0_domu_block", "event round trip dom0 process<->domU (guest: block, upcall)",
     "d0_block", "raw_evfd", "1 raw exit + 2 eventfd wake-ups", "us", 1e3, G_NONE, 0, NULL},
    {"evtchn_dom0_domu_poll", "event round trip dom0 process<->domU (guest: multicall send + poll)",
     "d0_poll", "raw_evfd", "1 raw exit + 2 eventfd wake-ups", "us", 1e3, G_NONE, 0, NULL},
    {"grant_copy_4k", "grant copy 4 KiB (1 op)", "gntcopy1", "raw_exit_copy1",
     "raw exit + memcpy 4 KiB", "us", 1e3, G_NONE, 0, NULL},
    {"grant_copy_4k_x32", "grant copy 32 x 4 KiB (1 call)", "gntcopy32", "raw_exit_copy32",
     "raw exit + 32 x memcpy 4 KiB", "us", 1e3, G_NONE, 0, NULL},
    {"create_first_byte", "xl create -c to first console byte (hello)", "xl_first_byte",
     "raw_create", "raw KVM VM creation to first exit", "ms", 1e6, G_PLUS_LE, 2.0, "<= raw + 2 ms"},
    {"xl_dry_run", "  of which: xl process start + config parse (xl create -n)", "xl_dryrun",
     "spawn_true", "fork + exec + exit of /bin/true", "ms", 1e6, G_NONE, 0, NULL},
    {"create_running", "xl create (returns with the domain running)", "xl_create", "raw_create",
     "raw KVM VM creation to first exit", "ms", 1e6, G_NONE, 0, NULL},
    {"destroy", "xl destroy of a running domain", "xl_destroy", "raw_destroy",
     "raw KVM VM teardown", "ms", 1e6, G_NONE, 0, NULL},
    {"create_100th", "creation with 90-99 other domains up (#91-100 of 100)", "create_last",
     "create_first", "creation of #1-10", "ms", 1e6, G_RATIO_LE, 1.2, "<= 1.2x"},
    {"create_100th_raw", "  raw KVM: VM #91-100 created in a process holding 90-99 VMs",
     "raw_create_last", "raw_create_first", "VM #1-10", "ms", 1e6, G_NONE, 0, NULL},
    {"dom_overhead", "host memory overhead per domain (stack + kernel, guest RAM apart)",
     "dom_overhead", "raw_overhead", "raw KVM VM (process + kernel)", "MiB", 1024, G_ABS_LE, 2.0,
     "<= 2 MiB"},
    {"dom_overhead_user", "  of which dom0 processes (PSS: pvisord, xenstored, xenconsoled, xl)",
     "dom_user", "raw_vm_user", "raw KVM VM process", "KiB", 1, G_NONE, 0, NULL},
    {"dom_overhead_kernel", "  of which kernel (slab, page tables, stacks; global, noisy)",
     "dom_kernel", "raw_vm_kernel", "raw KVM VM kernel", "KiB", 1, G_NONE, 0, NULL},
    {"dom_ram", "guest RAM touched per idle hello domain", "dom_ram", "raw_vm_ram",
     "raw KVM VM (tables + code)", "KiB", 1, G_NONE, 0, NULL},
    {"domains_per_gib", "idle hello domains per GiB of host memory", "dom_per_gib", "raw_per_gib",
     "raw KVM VMs per GiB", "domains", 1, G_NONE, 0, NULL},
    {"xs_read_dom0", "xenstore read latency, dom0 client", "xs_read", "unix_echo",
     "AF_UNIX echo round trip, same sizes", "us", 1e3, G_RATIO_LE, 1.5, "<= 1.5x"},
    {"xs_write_dom0", "xenstore write latency, dom0 client", "xs_write", "unix_echo",
     "AF_UNIX echo round trip, same sizes", "us", 1e3, G_NONE, 0, NULL},
    {"xs_read_tput_dom0", "xenstore reads/s, 4 dom0 clients", "xs_tput", "unix_tput",
     "AF_UNIX echo, 4 clients, 1-thread epoll server", "kops/s", 1e3, G_NONE, 0, NULL},
    {"xs_read_guest", "xenstore read latency, from a guest (ring + events)", "gxs_read",
     "unix_echo", "AF_UNIX echo round trip", "us", 1e3, G_NONE, 0, NULL},
    {"xs_write_guest", "xenstore write latency, from a guest", "gxs_write", "unix_echo",
     "AF_UNIX echo round trip", "us", 1e3, G_NONE, 0, NULL},
    {"xs_watch_fanout", "watch fan-out: one write seen by 1,000 watchers", "xs_fanout",
     "unix_fanout", "1 process writing to 1,000 AF_UNIX sockets", "ms", 1e6, G_NONE, 0, NULL},
    {"blk_randread_qd1", "block 4 KiB random read QD1 (guest diskbench via blkback)",
     "blk_randread4k_qd1", "host_randread4k_qd1", "host pread, O_DIRECT, same file", "kops/s",
     1e3, G_RATIO_GE, 0.5, ">= 0.5x host"},
    {"blk_randread_qd32", "block 4 KiB random read QD32", "blk_randread4k_qd32",
     "host_randread4k_qd32", "host io_uring QD32, O_DIRECT, same file", "kops/s", 1e3, G_RATIO_GE,
     0.8, ">= 0.8x host"},
    {"blk_seqread_1m", "block 1 MiB sequential read QD1", "blk_seqread1m_qd1", "host_seqread1m_qd1",
     "host pread 1 MiB, O_DIRECT, same file", "MB/s", 1, G_RATIO_GE, 0.9, ">= 0.9x host"},
    {"blk_seqwrite_1m", "block 1 MiB sequential write QD1", "blk_seqwrite1m_qd1",
     "host_seqwrite1m_qd1", "host pwrite 1 MiB, O_DIRECT, same file", "MB/s", 1, G_NONE, 0, NULL},
    {"net_udp_g2g", "guest-to-guest UDP throughput, 1400-byte datagrams (netback switch)",
     "net_udp_1400", "host_udp_1400", "host UDP over loopback, 2 processes, same size", "MB/s", 1,
     G_RATIO_GE, 0.5, ">= 0.5x host"},
    {"net_udp_g2g_pps", "  the same in packets/s", "net_udp_1400_pps", "host_udp_1400_pps",
     "host UDP over loopback", "kpps", 1, G_NONE, 0, NULL},
    {"net_udp_pps_64", "guest-to-guest UDP packets/s, 64-byte datagrams", "net_udp_64_pps",
     "host_udp_64_pps", "host UDP over loopback, 64 bytes", "kpps", 1, G_NONE, 0, NULL},
    {"net_udp_rr", "guest-to-guest UDP request/response round trip (64 bytes)", "net_udp_rr",
     "host_udp_rr", "host UDP ping-pong over loopback", "us", 1, G_NONE, 0, NULL},
};

/* ---- samples ------------------------------------------------------------------------- */

/* Copies src into dst[size], cut to fit (always terminated). */
static void set_str(char *dst, size_t size, const char *src)
{
    size_t n = strnlen(src, size - 1);
    memcpy(dst, src, n);
    dst[n] = 0;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median_of(double *v, unsigned n)
{
    qsort(v, n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static void summarise(struct sample *s)
{
    double t[MAX_VALUES];
    memcpy(t, s->v, s->n * sizeof *t);
    s->median = median_of(t, s->n);
    s->min = t[0];
    s->max = t[s->n - 1];
    for (unsigned i = 0; i < s->n; i++)
        t[i] = fabs(s->v[i] - s->median);
    s->mad = median_of(t, s->n);
}

static struct sample *find(const char *name)
{
    for (unsigned i = 0; name && i < g_ns; i++)
        if (!strcmp(g_s[i].name, name))
            return &g_s[i];
    return NULL;
}

static void add_derived(const char *name, const char *unit, double v)
{
    if (g_ns == MAX_SAMPLES || find(name))
        return;
    struct sample *s = &g_s[g_ns++];
    set_str(s->name, sizeof s->name, name);
    set_str(s->unit, sizeof s->unit, unit);
    s->v[0] = v;
    s->n = 1;
    summarise(s);
}

/* Memory totals: overhead = process + kernel; per GiB = 1 GiB / (overhead + guest RAM). */
static void derive_memory(void)
{
    static const char *const sets[2][4] = {{"dom_user", "dom_kernel", "dom_ram", "dom"},
                                           {"raw_vm_user", "raw_vm_kernel", "raw_vm_ram", "raw"}};
    for (int i = 0; i < 2; i++) {
        struct sample *u = find(sets[i][0]), *k = find(sets[i][1]), *r = find(sets[i][2]);
        if (!u || !k || !r)
            continue;
        char name[48];
        double over = u->median + (k->median > 0 ? k->median : 0);
        snprintf(name, sizeof name, "%s_overhead", sets[i][3]);
        add_derived(name, "KiB", over);
        snprintf(name, sizeof name, "%s_per_gib", sets[i][3]);
        add_derived(name, "domains", over + r->median > 0 ? 1048576.0 / (over + r->median) : 0);
    }
}

static void strip(char *s)
{
    s[strcspn(s, "\r\n")] = 0;
}

static int load(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return -errno;
    char line[4096];
    while (fgets(line, sizeof line, f)) {
        strip(line);
        if (!strncmp(line, "INFO ", 5) && g_ninfo < MAX_INFO) {
            struct info *in = &g_info[g_ninfo++];
            char *sp = strchr(line + 5, ' ');
            if (sp)
                *sp++ = 0;
            set_str(in->key, sizeof in->key, line + 5);
            set_str(in->text, sizeof in->text, sp ? sp : "");
            continue;
        }
        if (strncmp(line, "SAMPLE ", 7) || g_ns == MAX_SAMPLES)
            continue;
        struct sample s = {.n = 0};
        char *save, *tok = strtok_r(line + 7, " ", &save);
        if (!tok)
            continue;
        set_str(s.name, sizeof s.name, tok);
        if (!(tok = strtok_r(NULL, " ", &save)))
            continue;
        set_str(s.unit, sizeof s.unit, tok);
        while ((tok = strtok_r(NULL, " ", &save)) && s.n < MAX_VALUES) {
            char *end;
            double v = strtod(tok, &end);
            if (end != tok && !*end)
                s.v[s.n++] = v;
        }
        if (!s.n)
            continue;
        struct sample *old = find(s.name);
        if (old) { /* the same measurement run again (before and after): pool the values */
            for (unsigned i = 0; i < s.n && old->n < MAX_VALUES; i++)
                old->v[old->n++] = s.v[i];
            summarise(old);
            continue;
        }
        summarise(&s);
        g_s[g_ns++] = s;
    }
    fclose(f);
    derive_memory();
    return 0;
}

/* ---- one row's outcome -------------------------------------------------------------------- */

struct outcome {
    const struct sample *v, *b;
    double value, base, ratio; /* display units; ratio = value / base */
    char value_s[48], base_s[48], ratio_s[16], verdict[48];
};

static void fmt_num(char *buf, size_t size, double x)
{
    double a = fabs(x);
    snprintf(buf, size, a >= 100 ? "%.0f" : a >= 10 ? "%.1f" : "%.2f", x);
}

static void fmt_spread(char *buf, size_t size, const struct sample *s, double x)
{
    char n[32];
    fmt_num(n, sizeof n, x);
    if (s->n > 1 && s->median != 0)
        snprintf(buf, size, "%s ±%.0f%%", n, 100 * s->mad / fabs(s->median));
    else
        snprintf(buf, size, "%s", n);
}

static void evaluate(const struct row *r, struct outcome *o)
{
    memset(o, 0, sizeof *o);
    o->v = find(r->value);
    o->b = find(r->base);
    if (!o->v) {
        snprintf(o->value_s, sizeof o->value_s, "not measured");
        snprintf(o->base_s, sizeof o->base_s, "-");
        snprintf(o->ratio_s, sizeof o->ratio_s, "-");
        snprintf(o->verdict, sizeof o->verdict, "not measured (see the run's log)");
        return;
    }
    o->value = o->v->median / r->scale;
    fmt_spread(o->value_s, sizeof o->value_s, o->v, o->value);
    snprintf(o->base_s, sizeof o->base_s, "-");
    snprintf(o->ratio_s, sizeof o->ratio_s, "-");
    if (o->b) {
        o->base = o->b->median / r->scale;
        fmt_spread(o->base_s, sizeof o->base_s, o->b, o->base);
        if (o->base != 0) {
            o->ratio = o->value / o->base;
            snprintf(o->ratio_s, sizeof o->ratio_s, "%.2fx", o->ratio);
        }
    }
    bool ok;
    switch (r->goal) {
    case G_RATIO_LE:
        ok = o->b && o->ratio <= r->goal_x;
        break;
    case G_RATIO_GE:
        ok = o->b && o->ratio >= r->goal_x;
        break;
    case G_PLUS_LE:
        ok = o->b && o->value <= o->base + r->goal_x;
        break;
    case G_ABS_LE:
        ok = o->value <= r->goal_x;
        break;
    default:
        snprintf(o->verdict, sizeof o->verdict, "-");
        return;
    }
    if ((r->goal == G_RATIO_LE || r->goal == G_RATIO_GE || r->goal == G_PLUS_LE) && !o->b)
        snprintf(o->verdict, sizeof o->verdict, "baseline not measured");
    else
        snprintf(o->verdict, sizeof o->verdict, ok ? "met" : "MISSED");
}

/* ---- outputs ------------------------------------------------------------------------- */

#define NROWS (sizeof g_rows / sizeof g_rows[0])

static void print_table(FILE *f, const struct outcome *o)
{
    fprintf(f, "%-68s %14s %-7s %14s %8s %-14s %s\n", "metric", "value", "unit", "baseline",
            "ratio", "goal", "verdict");
    for (size_t i = 0; i < NROWS; i++) {
        const struct row *r = &g_rows[i];
        fprintf(f, "%-68s %14s %-7s %14s %8s %-14s %s\n", r->metric, o[i].value_s, r->unit,
                o[i].base_s, o[i].ratio_s, r->goal_text ? r->goal_text : "-", o[i].verdict);
    }
}

static void json_str(FILE *f, const char *s)
{
    fputc('"', f);
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            fprintf(f, "\\%c", c);
        else if (c < 0x20)
            fprintf(f, "\\u%04x", c);
        else
            fputc(c, f);
    }
    fputc('"', f);
}

static void json_sample(FILE *f, const struct sample *s)
{
    if (!s) {
        fprintf(f, "null");
        return;
    }
    fprintf(f, "{\"name\": ");
    json_str(f, s->name);
    fprintf(f, ", \"unit\": ");
    json_str(f, s->unit);
    fprintf(f, ", \"median\": %.1f, \"mad\": %.1f, \"min\": %.1f, \"max\": %.1f, \"values\": [",
            s->median, s->mad, s->min, s->max);
    for (unsigned i = 0; i < s->n; i++)
        fprintf(f, "%s%.1f", i ? ", " : "", s->v[i]);
    fprintf(f, "]}");
}

static void write_json(FILE *f, const struct outcome *o)
{
    fprintf(f, "{\n  \"machine\": {");
    for (unsigned i = 0; i < g_ninfo; i++) {
        fprintf(f, "%s\n    ", i ? "," : "");
        json_str(f, g_info[i].key);
        fprintf(f, ": ");
        json_str(f, g_info[i].text);
    }
    fprintf(f, "\n  },\n  \"rows\": [");
    for (size_t i = 0; i < NROWS; i++) {
        const struct row *r = &g_rows[i];
        fprintf(f, "%s\n    {\"id\": ", i ? "," : "");
        json_str(f, r->id);
        fprintf(f, ", \"metric\": ");
        json_str(f, r->metric);
        fprintf(f, ", \"unit\": ");
        json_str(f, r->unit);
        if (o[i].v)
            fprintf(f, ", \"value\": %.4g", o[i].value);
        else
            fprintf(f, ", \"value\": null");
        fprintf(f, ", \"baseline_desc\": ");
        json_str(f, r->base_desc);
        if (o[i].b)
            fprintf(f, ", \"baseline\": %.4g", o[i].base);
        else
            fprintf(f, ", \"baseline\": null");
        if (o[i].v && o[i].b && o[i].base != 0)
            fprintf(f, ", \"ratio\": %.3f", o[i].ratio);
        else
            fprintf(f, ", \"ratio\": null");
        fprintf(f, ", \"goal\": ");
        json_str(f, r->goal_text ? r->goal_text : "");
        fprintf(f, ", \"verdict\": ");
        json_str(f, o[i].verdict);
        fprintf(f, ",\n     \"value_samples\": ");
        json_sample(f, o[i].v);
        fprintf(f, ",\n     \"baseline_samples\": ");
        json_sample(f, o[i].b);
        fprintf(f, "}");
    }
    fprintf(f, "\n  ]\n}\n");
}

static const char *info(const char *key)
{
    for (unsigned i = 0; i < g_ninfo; i++)
        if (!strcmp(g_info[i].key, key))
            return g_info[i].text;
    return "?";
}

static void write_md(FILE *f, const struct outcome *o)
{
    fprintf(f,
            "Measured %s (%s run, %s repetitions per figure) on: %s, %s CPUs, %s, Linux %s, "
            "substrate %s; pinned to %s; load average at start %s; pvisor %s.\n\n",
            info("date"), info("mode"), info("reps"), info("cpu"), info("cpus"), info("memory"),
            info("kernel"), info("substrate"), info("pinning"), info("load"), info("commit"));
    fprintf(f, "| metric | value | unit | baseline (same run) | ratio | goal | verdict |\n");
    fprintf(f, "|---|---:|---|---|---:|---|---|\n");
    for (size_t i = 0; i < NROWS; i++) {
        const struct row *r = &g_rows[i];
        const char *m = r->metric;
        while (*m == ' ')
            m++;
        fprintf(f, "| %s%s | %s | %s | %s: %s | %s | %s | %s |\n", r->metric[0] == ' ' ? "- " : "",
                m, o[i].value_s, r->unit, r->base_desc, o[i].base_s, o[i].ratio_s,
                r->goal_text ? r->goal_text : "-", o[i].verdict);
    }
}

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: report SAMPLES_FILE JSON_OUT MD_OUT\n");
        return 2;
    }
    int rc = load(argv[1]);
    if (rc < 0) {
        fprintf(stderr, "report: %s: %s\n", argv[1], strerror(-rc));
        return 1;
    }
    struct outcome o[NROWS];
    for (size_t i = 0; i < NROWS; i++)
        evaluate(&g_rows[i], &o[i]);
    print_table(stdout, o);
    FILE *j = fopen(argv[2], "w"), *m = fopen(argv[3], "w");
    if (!j || !m) {
        fprintf(stderr, "report: cannot write %s / %s: %s\n", argv[2], argv[3], strerror(errno));
        return 1;
    }
    write_json(j, o);
    write_md(m, o);
    if (fclose(j) || fclose(m)) {
        fprintf(stderr, "report: write failed: %s\n", strerror(errno));
        return 1;
    }
    return 0;
}
