/*
 * hostile.c: a hostile guest for tests/e2e/hostile.sh, one mode per attack class (bad
 * hypercall pointers and counts, a long hypercall, event storms, port exhaustion, grant
 * map/unmap races, grant copy bounds, xenstore quota and watch abuse, xenstore ring
 * attacks, console ring corruption and flooding, double fetches).  Command line:
 *
 *   mode=NAME [secs=S] [peer=D]
 *
 * (peer: a neighbour domain the attack aims at; secs: how long storms, races, floods and
 * holds last, default 3).  Each result is one line "hostile: MODE: <case> -> <result>"
 * (or several results on one line, "label RESULT, ..."); a result other than the one Xen's
 * semantics (docs/abi.md) define is marked "UNEXPECTED (want X)".  The mode ends with
 * "hostile: MODE: N cases, N unexpected" and "hostile: MODE done"; then the guest powers
 * off.  The console-ring mode breaks its own console ring, so from then on it prints
 * through console_io (`xl dmesg`).  The grant-race and double-fetch modes need vcpus = 2.
 * docs/security.md ("Hostile-guest scenarios") lists each mode's attacks and invariants.
 */
#include <xen/grant_table.h>
#include <xen/memory.h>
#include <xen/io/console.h>
#include <xen/io/xs_wire.h>
#include <pvguest/pvguest.h>

#define A_UNMAPPED   0x0000500000000000UL /* lower half, no page tables there */
#define A_NONCANON   0x0000800000000000UL /* the first non-canonical address */
#define A_KERNEL     0xffff800000000000UL /* upper half (Xen's own range on Xen) */
#define A_HVSLOT     0x00007ffffffff000UL /* pvisord's read-only TSS page (PML4 slot 255) */
#define NO_DOMAIN    32000
#define MAX_BATCH    4096 /* entries per multicall / grant batch (docs/abi.md) */
#define MC_ENOSYS_OP 1000 /* a hypercall number nobody has */

static char mode[24];
static unsigned n_cases, n_unexpected;
static bool via_cio;  /* print with console_io: the console ring is being broken */
static domid_t self;  /* our domain id */
static unsigned secs; /* length of storms and races */
static domid_t peer;  /* the neighbour under attack (0: none given) */

/* ---- reporting ---------------------------------------------------------------------------- */

static void out(const char *fmt, ...) PV_PRINTF(1, 2);
static void out(const char *fmt, ...)
{
    char line[600];
    va_list ap;
    int n = snprintf(line, sizeof(line), "hostile: %s: ", mode);

    va_start(ap, fmt);
    vsnprintf(line + n, sizeof(line) - (size_t)n - 1, fmt, ap);
    va_end(ap);
    size_t len = strlen(line);
    line[len++] = '\n';
    if (via_cio)
        HYPERVISOR_console_io(CONSOLEIO_write, (unsigned)len, line);
    else
        pv_console_write(line, len);
}

/* "0", "EFAULT" or the number. */
static const char *ename(long rc, char *buf, size_t size)
{
    const char *name = rc < 0 && rc > -4096 ? pv_errno_name((int)-rc) : NULL;

    if (name)
        return name;
    snprintf(buf, size, "%ld", rc);
    return buf;
}

static bool expect(const char *what, long got, long want)
{
    char g[24], w[24];

    n_cases++;
    if (got == want) {
        out("%s -> %s", what, ename(got, g, sizeof(g)));
        return true;
    }
    n_unexpected++;
    out("%s -> %s UNEXPECTED (want %s)", what, ename(got, g, sizeof(g)), ename(want, w, sizeof(w)));
    return false;
}

static const char *stname(int st)
{
    return gnttab_strerror(st == GNTST_okay ? 0 : GNTTAB_ERR(st));
}

/* A grant status (GNTST_*) check. */
static bool expect_st(const char *what, int st, int want)
{
    n_cases++;
    if (st == want) {
        out("%s -> %s", what, stname(st));
        return true;
    }
    n_unexpected++;
    out("%s -> %s UNEXPECTED (want %s)", what, stname(st), stname(want));
    return false;
}

/* A check that is a condition, with the value it is about. */
static bool expect_true(const char *what, bool ok, unsigned long val, const char *want)
{
    n_cases++;
    if (!ok)
        n_unexpected++;
    out("%s -> %lu%s%s%s", what, val, ok ? "" : " UNEXPECTED (want ", ok ? "" : want,
        ok ? "" : ")");
    return ok;
}

/* Several results on one line: "what: label RESULT, label RESULT ...". */
struct row {
    char buf[480];
    size_t at;
    bool bad;
};

static void row_add(struct row *r, const char *label, long got, long want)
{
    char g[24], w[24];
    int n;

    n_cases++;
    if (got == want)
        n = snprintf(r->buf + r->at, sizeof(r->buf) - r->at, "%s%s %s", r->at ? ", " : "", label,
                     ename(got, g, sizeof(g)));
    else
        n = snprintf(r->buf + r->at, sizeof(r->buf) - r->at, "%s%s %s (want %s)", r->at ? ", " : "",
                     label, ename(got, g, sizeof(g)), ename(want, w, sizeof(w)));
    if (n > 0)
        r->at = PV_MIN(r->at + (size_t)n, sizeof(r->buf) - 1);
    if (got != want) {
        n_unexpected++;
        r->bad = true;
    }
}

static void row_end(struct row *r, const char *what)
{
    out("%s: %s%s", what, r->buf, r->bad ? " UNEXPECTED" : "");
}

/* ---- helpers ------------------------------------------------------------------------------ */

/* Our domain id: the remote end a loopback unbound port records. */
static domid_t find_self(void)
{
    struct evtchn_alloc_unbound a = {.dom = DOMID_SELF, .remote_dom = DOMID_SELF};
    struct evtchn_status s = {.dom = DOMID_SELF};
    struct evtchn_close c;

    if (HYPERVISOR_event_channel_op(EVTCHNOP_alloc_unbound, &a))
        return DOMID_SELF;
    s.port = a.port;
    HYPERVISOR_event_channel_op(EVTCHNOP_status, &s);
    c.port = a.port;
    HYPERVISOR_event_channel_op(EVTCHNOP_close, &c);
    return (domid_t)s.u.unbound.dom;
}

static long gop(unsigned cmd, void *op, unsigned count)
{
    return HYPERVISOR_grant_table_op(cmd, op, count);
}

/* Two adjacent spare pages with the second one unmapped: returns the first. */
static uint8_t *page_before_hole(void)
{
    uint8_t *a = pv_alloc_page(), *b = pv_alloc_page();

    while (a && b && b != a + PV_PAGE_SIZE) {
        a = b;
        b = pv_alloc_page();
    }
    if (!a || !b || pv_map_frame((unsigned long)b, 0, 0) < 0)
        return NULL;
    return a;
}

/* A page of ours granted to ourselves, and a spare page to map grants over. */
struct selfgrant {
    uint8_t *page;
    unsigned long slot;
    grant_ref_t ref;
};

static bool selfgrant_init(struct selfgrant *g, bool readonly)
{
    int ref;

    g->page = pv_alloc_page();
    g->slot = (unsigned long)pv_alloc_page();
    if (!g->page || !g->slot)
        return false;
    ref = gnttab_grant_access(self, pv_virt_to_mfn(g->page), readonly);
    if (ref < 0) {
        out("grant to ourselves failed: %s", gnttab_strerror(ref));
        return false;
    }
    g->ref = (grant_ref_t)ref;
    return true;
}

static int16_t map_raw(domid_t dom, grant_ref_t ref, unsigned long va, uint32_t flags,
                       grant_handle_t *h)
{
    struct gnttab_map_grant_ref m = {.host_addr = va, .flags = flags, .ref = ref, .dom = dom};

    if (gop(GNTTABOP_map_grant_ref, &m, 1))
        return GNTST_general_error;
    *h = m.handle;
    return m.status;
}

static int16_t unmap_raw(grant_handle_t h, unsigned long va)
{
    struct gnttab_unmap_grant_ref u = {.host_addr = va, .handle = h};

    if (gop(GNTTABOP_unmap_grant_ref, &u, 1))
        return GNTST_general_error;
    return u.status;
}

/* Grant flags a pin leaves behind (must be 0 once nothing maps or copies the grant). */
static unsigned pins_left(grant_ref_t ref)
{
    return gnttab_entry(ref)->flags & (GTF_reading | GTF_writing);
}

static bool wait_flag(volatile unsigned *flag, uint64_t ns)
{
    uint64_t end = pv_now_ns() + ns;

    while (!READ_ONCE(*flag) && pv_now_ns() < end)
        pv_sleep_ns(NSEC_PER_MSEC);
    return READ_ONCE(*flag) != 0;
}

/* ---- hcall-ptrs: bad pointers ------------------------------------------------------------- */

struct bad {
    const char *name;
    unsigned long va;
    bool readable; /* reads succeed (it is mapped read-only); only writes must fail */
};

static struct bad bads[8];
static unsigned n_bads;
static struct selfgrant ptr_grant;
static grant_handle_t ptr_handle;
static bool ptr_mapped;

static void bads_init(void)
{
    uint8_t *ro = pv_alloc_page(), *edge = page_before_hole();

    bads[n_bads++] = (struct bad){"null", 0, false};
    bads[n_bads++] = (struct bad){"unmapped", A_UNMAPPED, false};
    bads[n_bads++] = (struct bad){"non-canonical", A_NONCANON, false};
    bads[n_bads++] = (struct bad){"kernel-half", A_KERNEL, false};
    bads[n_bads++] = (struct bad){"hv-slot", A_HVSLOT, true};
    if (ro && pv_map_frame((unsigned long)ro, pv_virt_to_mfn(ro), PV_PTE_RO) == 0)
        bads[n_bads++] = (struct bad){"read-only", (unsigned long)ro, true};
    if (edge) /* the last byte of a page, the next one unmapped */
        bads[n_bads++] = (struct bad){"straddling", (unsigned long)edge + PV_PAGE_SIZE - 1, false};
    /* a page we mapped from a grant: hypercall arguments may not live there (docs/abi.md) */
    ptr_mapped =
        selfgrant_init(&ptr_grant, false) &&
        map_raw(self, ptr_grant.ref, ptr_grant.slot, GNTMAP_host_map, &ptr_handle) == GNTST_okay;
    if (ptr_mapped)
        bads[n_bads++] = (struct bad){"grant-mapped", ptr_grant.slot, false};
}

typedef long (*ptr_fn)(unsigned long va);

static long c_extraversion(unsigned long va)
{
    return HYPERVISOR_xen_version(XENVER_extraversion, (void *)va);
}
static long c_features(unsigned long va)
{
    return HYPERVISOR_xen_version(XENVER_get_features, (void *)va);
}
static long c_runstate(unsigned long va)
{
    return HYPERVISOR_vcpu_op(VCPUOP_get_runstate_info, 0, (void *)va);
}
static long c_memory_map(unsigned long va)
{
    return HYPERVISOR_memory_op(XENMEM_memory_map, (void *)va);
}
static long c_reservation(unsigned long va)
{
    return HYPERVISOR_memory_op(XENMEM_current_reservation, (void *)va);
}
static long c_alloc_unbound(unsigned long va)
{
    return HYPERVISOR_event_channel_op(EVTCHNOP_alloc_unbound, (void *)va);
}
static long c_send(unsigned long va)
{
    return HYPERVISOR_event_channel_op(EVTCHNOP_send, (void *)va);
}
static long c_poll(unsigned long va)
{
    return HYPERVISOR_sched_op(SCHEDOP_poll, (void *)va);
}
static long c_gnt_query(unsigned long va)
{
    return gop(GNTTABOP_query_size, (void *)va, 1);
}
static long c_gnt_map(unsigned long va)
{
    return gop(GNTTABOP_map_grant_ref, (void *)va, 1);
}
static long c_gnt_copy(unsigned long va)
{
    return gop(GNTTABOP_copy, (void *)va, 1);
}
static long c_trap_table(unsigned long va)
{
    return HYPERVISOR_set_trap_table((const struct trap_info *)va);
}
static long c_mmu_update(unsigned long va)
{
    return HYPERVISOR_mmu_update((mmu_update_t *)va, 1, NULL, DOMID_SELF);
}
static long c_mmu_done(unsigned long va)
{
    static mmu_update_t none;
    return HYPERVISOR_mmu_update(&none, 0, (unsigned int *)va, DOMID_SELF);
}
static long c_mmuext(unsigned long va)
{
    return HYPERVISOR_mmuext_op((struct mmuext_op *)va, 1, NULL, DOMID_SELF);
}
static long c_callback(unsigned long va)
{
    return HYPERVISOR_callback_op(CALLBACKOP_register, (const void *)va);
}
static long c_console(unsigned long va)
{
    return HYPERVISOR_console_io(CONSOLEIO_write, 16, (const char *)va);
}
static long c_multicall(unsigned long va)
{
    return HYPERVISOR_multicall((multicall_entry_t *)va, 1);
}
static long c_sysctl(unsigned long va)
{
    return HYPERVISOR_sysctl((void *)va);
}

/* One hypercall against every bad address: -EFAULT, except where noted. */
struct ptr_case {
    const char *name;
    ptr_fn fn;
    bool writes_always; /* ends with a write to the address: fails on read-only ones too */
    bool null_ok;       /* NULL means "none" for this argument: 0 */
};

static const struct ptr_case ptr_cases[] = {
    {"xen_version(extraversion)", c_extraversion, true, false},
    {"xen_version(get_features)", c_features, false, false},
    {"vcpu_op(get_runstate_info)", c_runstate, true, false},
    {"memory_op(memory_map)", c_memory_map, false, false},
    {"memory_op(current_reservation)", c_reservation, false, false},
    {"event_channel_op(alloc_unbound)", c_alloc_unbound, false, false},
    {"event_channel_op(send)", c_send, false, false},
    {"sched_op(poll)", c_poll, false, false},
    {"grant_table_op(query_size)", c_gnt_query, true, false},
    {"grant_table_op(map_grant_ref)", c_gnt_map, false, false},
    {"grant_table_op(copy)", c_gnt_copy, false, false},
    {"set_trap_table", c_trap_table, false, true},
    {"mmu_update(list)", c_mmu_update, false, false},
    {"mmu_update(success_count)", c_mmu_done, true, true},
    {"mmuext_op(list)", c_mmuext, false, false},
    {"callback_op(register)", c_callback, false, false},
    {"console_io(write)", c_console, false, false},
    {"multicall(list)", c_multicall, true, false},
    {"sysctl", c_sysctl, false, false},
};

static void mode_hcall_ptrs(void)
{
    static multicall_entry_t mc[ARRAY_SIZE(bads)];
    struct row r;

    bads_init();
    for (unsigned i = 0; i < ARRAY_SIZE(ptr_cases); i++) {
        const struct ptr_case *c = &ptr_cases[i];

        r = (struct row){.at = 0};
        for (unsigned b = 0; b < n_bads; b++) {
            if (bads[b].readable && !c->writes_always)
                continue; /* reading it is allowed: the call would simply run */
            row_add(&r, bads[b].name, c->fn(bads[b].va), c->null_ok && !bads[b].va ? 0 : -EFAULT);
        }
        row_end(&r, c->name);
    }
    /* the same bad pointers inside a multicall: each entry fails alone */
    for (unsigned b = 0; b < n_bads; b++)
        mc[b] = (multicall_entry_t){.op = __HYPERVISOR_xen_version,
                                    .args = {XENVER_extraversion, bads[b].va}};
    r = (struct row){.at = 0};
    row_add(&r, "call", HYPERVISOR_multicall(mc, n_bads), 0);
    for (unsigned b = 0; b < n_bads; b++)
        row_add(&r, bads[b].name, (long)mc[b].result, -EFAULT);
    row_end(&r, "multicall of xen_version(extraversion, bad)");

    /* misaligned arguments */
    uint8_t *buf = pv_alloc_page();
    struct evtchn_status st = {.dom = DOMID_SELF, .port = pv_start_info->store_evtchn};
    memcpy(buf + 1, &st, sizeof(st));
    expect("event_channel_op(status) on an odd address (x86 allows it)",
           HYPERVISOR_event_channel_op(EVTCHNOP_status, buf + 1), 0);
    uint64_t pte_ma = 0;
    pv_pte_lookup((unsigned long)buf, NULL, &pte_ma);
    mmu_update_t u = {.ptr = (pte_ma + 4) | MMU_NORMAL_PT_UPDATE, .val = 0};
    expect("mmu_update of a PTE address not 8-byte aligned",
           HYPERVISOR_mmu_update(&u, 1, NULL, DOMID_SELF), -EINVAL);
    grant_handle_t h;
    expect_st("map_grant_ref(contains_pte) with a misaligned PTE address",
              map_raw(self, ptr_grant.ref, pte_ma + 3, GNTMAP_host_map | GNTMAP_contains_pte, &h),
              GNTST_general_error);
    if (ptr_mapped)
        expect_st("unmap of the grant-mapped page", unmap_raw(ptr_handle, ptr_grant.slot),
                  GNTST_okay);
    pv_map_frame(ptr_grant.slot, pv_virt_to_mfn((void *)ptr_grant.slot), PV_PTE_RW);
}

/* ---- hcall-counts: huge and bogus counts, the memory quota --------------------------------- */

static multicall_entry_t mcs[MAX_BATCH + 1];
static struct gnttab_copy copies[MAX_BATCH];

static void counts_multicall(void)
{
    long ver = HYPERVISOR_xen_version(XENVER_version, NULL);
    unsigned bad = 0;

    expect("multicall of 4097 entries", HYPERVISOR_multicall(mcs, MAX_BATCH + 1), -EINVAL);
    expect("multicall of 0xffffffff entries", HYPERVISOR_multicall(mcs, 0xffffffffu), -EINVAL);
    expect("multicall of 0 entries", HYPERVISOR_multicall(mcs, 0), 0);
    for (unsigned i = 0; i < MAX_BATCH; i++)
        mcs[i] = (multicall_entry_t){.op = __HYPERVISOR_xen_version, .args = {XENVER_version}};
    expect("multicall of 4096 xen_version calls", HYPERVISOR_multicall(mcs, MAX_BATCH), 0);
    for (unsigned i = 0; i < MAX_BATCH; i++)
        bad += (long)mcs[i].result != ver;
    expect_true("... entries without the version as result", bad == 0, bad, "0");

    struct row r = {.at = 0};
    mcs[0] = (multicall_entry_t){.op = __HYPERVISOR_multicall, .args = {(unsigned long)mcs, 1}};
    mcs[1] = (multicall_entry_t){.op = __HYPERVISOR_iret};
    mcs[2] = (multicall_entry_t){.op = MC_ENOSYS_OP};
    mcs[3] = (multicall_entry_t){.op = 1UL << 40};
    mcs[4] = (multicall_entry_t){.op = __HYPERVISOR_xen_version, .args = {XENVER_version}};
    row_add(&r, "call", HYPERVISOR_multicall(mcs, 5), 0);
    row_add(&r, "nested", (long)mcs[0].result, -EINVAL);
    row_add(&r, "iret", (long)mcs[1].result, -EINVAL);
    row_add(&r, "op 1000", (long)mcs[2].result, -ENOSYS);
    row_add(&r, "op 2^40", (long)mcs[3].result, -ENOSYS);
    row_add(&r, "xen_version", (long)mcs[4].result, ver);
    row_end(&r, "multicall with forbidden entries");
}

static void counts_grant_mmu(void)
{
    struct row r = {.at = 0};

    row_add(&r, "map 4097", gop(GNTTABOP_map_grant_ref, copies, MAX_BATCH + 1), -EINVAL);
    row_add(&r, "unmap 4097", gop(GNTTABOP_unmap_grant_ref, copies, MAX_BATCH + 1), -EINVAL);
    row_add(&r, "copy 0xffffffff", gop(GNTTABOP_copy, copies, 0xffffffffu), -EINVAL);
    row_add(&r, "copy 0", gop(GNTTABOP_copy, copies, 0), 0);
    row_add(&r, "query_size 0", gop(GNTTABOP_query_size, copies, 0), -EINVAL);
    row_add(&r, "setup_table 2", gop(GNTTABOP_setup_table, copies, 2), -EINVAL);
    row_end(&r, "grant_table_op counts");

    struct gnttab_setup_table su = {.dom = DOMID_SELF, .nr_frames = 1u << 31};
    static xen_pfn_t frames[4];
    set_xen_guest_handle(su.frame_list, frames);
    gop(GNTTABOP_setup_table, &su, 1);
    expect_st("setup_table of 2^31 frames", su.status, GNTST_general_error);

    /* a page of harmless entries and then no more memory: stops at the hole */
    uint8_t *p = page_before_hole();
    if (!p)
        return;
    mmu_update_t *u = (mmu_update_t *)p;
    unsigned n = PV_PAGE_SIZE / sizeof(*u), done = 0;
    for (unsigned i = 0; i < n; i++)
        u[i] = (mmu_update_t){.ptr = ((uint64_t)pv_virt_to_mfn(p) << 12) | MMU_MACHPHYS_UPDATE,
                              .val = pv_virt_to_mfn(p)};
    expect("mmu_update of 2^40 entries running into unmapped memory",
           (long)pv_hypercall_raw(__HYPERVISOR_mmu_update, (unsigned long)u, 1UL << 40,
                                  (unsigned long)&done, DOMID_SELF, 0),
           -EFAULT);
    expect_true("... entries done before the hole", done == n, done, "256");
    u[0].ptr = 3; /* no such command */
    done = 99;
    expect("mmu_update of 2^40 entries, the first one bogus",
           (long)pv_hypercall_raw(__HYPERVISOR_mmu_update, (unsigned long)u, 1UL << 40,
                                  (unsigned long)&done, DOMID_SELF, 0),
           -ENOSYS);
    expect_true("... entries done", done == 0, done, "0");
    struct mmuext_op *m = (struct mmuext_op *)p;
    for (unsigned i = 0; i < PV_PAGE_SIZE / sizeof(*m); i++)
        m[i] = (struct mmuext_op){.cmd = MMUEXT_TLB_FLUSH_LOCAL};
    done = 0;
    expect("mmuext_op of 2^40 entries running into unmapped memory",
           (long)pv_hypercall_raw(__HYPERVISOR_mmuext_op, (unsigned long)m, 1UL << 40,
                                  (unsigned long)&done, DOMID_SELF, 0),
           -EFAULT);
    expect_true("... entries done before the hole", done == PV_PAGE_SIZE / sizeof(*m), done,
                "all that fit the page");
    expect("mmu_update for another domain", HYPERVISOR_mmu_update(u, 1, NULL, NO_DOMAIN), -EPERM);
}

static long resv(unsigned op, unsigned long nr, unsigned order, xen_pfn_t *list)
{
    struct xen_memory_reservation r = {
        .nr_extents = nr, .extent_order = order, .domid = DOMID_SELF};

    set_xen_guest_handle(r.extent_start, list);
    return HYPERVISOR_memory_op(op, &r);
}

static void counts_memory(void)
{
    domid_t me = DOMID_SELF;
    long cur = HYPERVISOR_memory_op(XENMEM_current_reservation, &me);
    long max = HYPERVISOR_memory_op(XENMEM_maximum_reservation, &me);
    static xen_pfn_t give[4];

    out("reservation: %ld pages of at most %ld", cur, max);
    for (unsigned i = 0; i < ARRAY_SIZE(give); i++)
        give[i] = pv_virt_to_mfn(pv_alloc_page()); /* spare pages nobody uses */
    expect("decrease_reservation of 4 spare pages", resv(XENMEM_decrease_reservation, 4, 0, give),
           4);
    expect("increase_reservation of 2^40 extents (gets what was given back)",
           resv(XENMEM_increase_reservation, 1UL << 40, 0, NULL), 4 + max - cur);
    expect("increase_reservation of 2^40 more (at the maximum)",
           resv(XENMEM_increase_reservation, 1UL << 40, 0, NULL), 0);
    expect("populate_physmap of 2^40 order-9 extents (at the maximum)",
           resv(XENMEM_populate_physmap, 1UL << 40, 9, give), 0);
    expect("decrease_reservation of 2^40 extents from an unmapped list",
           resv(XENMEM_decrease_reservation, 1UL << 40, 0, (xen_pfn_t *)A_UNMAPPED), 0);
    expect("increase_reservation of order 10 extents",
           resv(XENMEM_increase_reservation, 1, 10, NULL), -EPERM);
    expect("current_reservation stays within the maximum",
           HYPERVISOR_memory_op(XENMEM_current_reservation, &me), max);
    struct xen_foreign_memory_map fm = {.domid = DOMID_SELF, .map = {.nr_entries = 129}};
    expect("set_memory_map of 129 entries", HYPERVISOR_memory_op(XENMEM_set_memory_map, &fm),
           -EINVAL);
}

static void counts_misc(void)
{
    struct row r = {.at = 0};
    static evtchn_port_t ports[4];
    struct sched_poll sp = {.nr_ports = 1u << 20, .timeout = 1};

    set_xen_guest_handle(sp.ports, ports);
    row_add(&r, "sched_op(poll, 2^20 ports)", HYPERVISOR_sched_op(SCHEDOP_poll, &sp), -EINVAL);
    row_add(&r, "hypercall 64", pv_hypercall_raw(64, 0, 0, 0, 0, 0), -ENOSYS);
    row_add(&r, "hypercall 127", pv_hypercall_raw(127, 0, 0, 0, 0, 0), -ENOSYS);
    row_add(&r, "sched_op 1000", HYPERVISOR_sched_op(1000, NULL), -ENOSYS);
    row_add(&r, "event_channel_op 1000", HYPERVISOR_event_channel_op(1000, NULL), -ENOSYS);
    row_add(&r, "memory_op 63", HYPERVISOR_memory_op(63, NULL), -ENOSYS);
    row_add(&r, "grant_table_op 2^31", gop(1u << 31, NULL, 1), -ENOSYS);
    row_add(&r, "vcpu_op(is_up, vcpu 2^31)", HYPERVISOR_vcpu_op(VCPUOP_is_up, 1u << 31, NULL),
            -ENOENT);
    row_end(&r, "unknown numbers and bounds");
}

static void mode_hcall_counts(void)
{
    counts_multicall();
    counts_grant_mmu();
    counts_memory();
    counts_misc();
}

/* ---- hcall-stall: the longest hypercall a guest can ask for ----------------------------- */

#define STALL_ENTRIES (1u << 18) /* 4 MiB of page-table updates, each harmless */
static mmu_update_t stall_list[STALL_ENTRIES];

/* One multicall of 4096 mmu_updates of 2^18 entries each: 2^30 entries in one exit. */
static void mode_hcall_stall(void)
{
    unsigned long pfn = pv_virt_to_mfn(stall_list);

    for (unsigned i = 0; i < STALL_ENTRIES; i++)
        stall_list[i] = (mmu_update_t){.ptr = (pfn << 12) | MMU_MACHPHYS_UPDATE, .val = pfn};
    for (unsigned i = 0; i < MAX_BATCH; i++)
        mcs[i] =
            (multicall_entry_t){.op = __HYPERVISOR_mmu_update,
                                .args = {(unsigned long)stall_list, STALL_ENTRIES, 0, DOMID_SELF}};
    out("entering multicalls of 4096 x 2^18 mmu_update entries");
    for (unsigned n = 1; n <= secs; n++) {
        uint64_t t0 = pv_now_ns();
        long rc = HYPERVISOR_multicall(mcs, MAX_BATCH);
        out("multicall %u: %ld (first entry %ld) after %llu ms", n, rc, (long)mcs[0].result,
            (unsigned long long)((pv_now_ns() - t0) / NSEC_PER_MSEC));
    }
}

/* ---- evtchn-storm -------------------------------------------------------------------------- */

static volatile unsigned long upcalls;

static void count_event(evtchn_port_t port, void *arg)
{
    (void)port;
    (void)arg;
    upcalls++;
}

static void mode_evtchn_storm(void)
{
    int ipi = evtchn_bind_ipi(0, count_event, NULL);
    int lb_a = evtchn_alloc_unbound(self, NULL, NULL);
    int lb_b =
        lb_a > 0 ? evtchn_bind_interdomain(self, (evtchn_port_t)lb_a, count_event, NULL) : -1;
    evtchn_port_t targets[4] = {(evtchn_port_t)ipi, (evtchn_port_t)lb_a,
                                pv_start_info->store_evtchn, pv_start_info->console.domU.evtchn};
    unsigned long sends = 0, failed = 0, unmask_errs = 0;
    uint64_t start = pv_now_ns(), next = start + NSEC_PER_SEC, end = start + secs * NSEC_PER_SEC;

    if (ipi < 0 || lb_b < 0) {
        expect("binding the storm's ports", ipi < 0 ? ipi : lb_b, 0);
        return;
    }
    out("storming ports %d (ipi), %d (loopback), %u (xenstore), %u (console) for %u s", ipi, lb_a,
        targets[2], targets[3], secs);
    while (pv_now_ns() < end) {
        for (unsigned i = 0; i < 4; i++, sends++)
            failed += evtchn_send(targets[i]) != 0;
        evtchn_port_t bogus = 1u << 20;
        unmask_errs += HYPERVISOR_event_channel_op(EVTCHNOP_unmask, &bogus) == -EINVAL;
        if (pv_now_ns() >= next) {
            out("%lu sends, %lu upcalls so far", sends, upcalls);
            next += NSEC_PER_SEC;
        }
    }
    out("%lu sends in %u s (%lu per second), %lu upcalls", sends, secs, sends / PV_MAX(secs, 1),
        upcalls);
    expect_true("sends that failed", failed == 0, failed, "0");
    expect_true("unmask of port 2^20 refused (EINVAL) each time", unmask_errs == sends / 4,
                unmask_errs, "one per round");
    evtchn_close((evtchn_port_t)lb_b);
    evtchn_close((evtchn_port_t)lb_a);
    evtchn_close((evtchn_port_t)ipi);
}

/* ---- port-exhaust -------------------------------------------------------------------------- */

static long ev_alloc(domid_t remote)
{
    struct evtchn_alloc_unbound a = {.dom = DOMID_SELF, .remote_dom = remote};
    long rc = HYPERVISOR_event_channel_op(EVTCHNOP_alloc_unbound, &a);

    return rc ? rc : (long)a.port;
}

static long ev_bind(domid_t dom, uint32_t port)
{
    struct evtchn_bind_interdomain b = {.remote_dom = dom, .remote_port = port};
    long rc = HYPERVISOR_event_channel_op(EVTCHNOP_bind_interdomain, &b);

    return rc ? rc : (long)b.local_port;
}

static long ev_port_op(int cmd, uint32_t port)
{
    return HYPERVISOR_event_channel_op(cmd, &port);
}

static void mode_port_exhaust(void)
{
    static uint32_t ports[4096];
    unsigned n = 0, closed = 0;
    long rc;
    struct row r = {.at = 0};

    row_add(&r, "dom0 port 16384", ev_bind(0, 16384), -EINVAL);
    row_add(&r, "dom0 port 2^32-1", ev_bind(0, 0xffffffffu), -EINVAL);
    row_add(&r, "domain 32000", ev_bind(NO_DOMAIN, 1), -ESRCH);
    for (uint32_t p = 1; peer && p <= 4; p++) {
        char label[32];
        snprintf(label, sizeof(label), "d%u port %u", peer, p);
        row_add(&r, label, ev_bind(peer, p), -EINVAL); /* not offered to us */
    }
    row_end(&r, "bind_interdomain to ports nobody offered us");
    r = (struct row){.at = 0};
    row_add(&r, "send 0", ev_port_op(EVTCHNOP_send, 0), -EINVAL);
    row_add(&r, "send 2^20", ev_port_op(EVTCHNOP_send, 1u << 20), -EINVAL);
    row_add(&r, "close 0", ev_port_op(EVTCHNOP_close, 0), -EINVAL);
    row_add(&r, "close 2^32-1", ev_port_op(EVTCHNOP_close, 0xffffffffu), -EINVAL);
    row_add(&r, "unmask 2^20", ev_port_op(EVTCHNOP_unmask, 1u << 20), -EINVAL);
    row_end(&r, "bogus port numbers");

    while ((rc = ev_alloc(0)) > 0 && n < ARRAY_SIZE(ports))
        ports[n++] = (uint32_t)rc;
    expect("alloc_unbound until the table is full", rc, -ENOSPC);
    out("%u ports taken", n);
    r = (struct row){.at = 0};
    struct evtchn_bind_ipi bi = {.vcpu = 0};
    struct evtchn_bind_virq bv = {.virq = VIRQ_CONSOLE, .vcpu = 0};
    row_add(&r, "bind_ipi", HYPERVISOR_event_channel_op(EVTCHNOP_bind_ipi, &bi), -ENOSPC);
    row_add(&r, "bind_virq", HYPERVISOR_event_channel_op(EVTCHNOP_bind_virq, &bv), -ENOSPC);
    row_add(&r, "alloc_unbound(peer)", ev_alloc(peer), -ENOSPC);
    row_add(&r, "loopback bind", ev_bind(self, ports[0]), -EINVAL); /* it is towards dom0 */
    row_end(&r, "with no port left");
    out("holding them for %u s", secs);
    pv_sleep_ns(secs * NSEC_PER_SEC);
    unsigned send_errs = 0;
    for (unsigned i = 0; i < n; i++)
        send_errs += ev_port_op(EVTCHNOP_send, ports[i]) != 0; /* unbound: dropped, 0 */
    expect_true("sends on the unbound ports that failed", send_errs == 0, send_errs, "0");
    for (unsigned i = 0; i < n; i++)
        closed += ev_port_op(EVTCHNOP_close, ports[i]) == 0;
    expect_true("ports closed again", closed == n, closed, "all");
    unsigned again = 0;
    while ((rc = ev_alloc(0)) > 0 && again < ARRAY_SIZE(ports))
        ports[again++] = (uint32_t)rc;
    expect_true("ports available after closing them", again == n, again, "as many as before");
    for (unsigned i = 0; i < again; i++)
        ev_port_op(EVTCHNOP_close, ports[i]);
}

/* ---- grant-race: map/unmap/revoke of one grant from two vCPUs ------------------------------ */

static struct selfgrant race;
static volatile unsigned race_stop, race_done;
static volatile unsigned long r_unmaps, r_revokes, r_unmap_tries;

/* vCPU 1: unmaps the handles vCPU 0 is about to get, and revokes and re-grants. */
static void racer(void *arg)
{
    volatile grant_entry_v1_t *e = gnttab_entry(race.ref);

    (void)arg;
    while (!READ_ONCE(race_stop)) {
        for (grant_handle_t h = 0; h < 2; h++, r_unmap_tries++)
            if (unmap_raw(h, 0) == GNTST_okay)
                r_unmaps++;
        uint16_t f = e->flags;
        if (!(f & (GTF_reading | GTF_writing)) &&
            __atomic_compare_exchange_n(&e->flags, &f, 0, false, __ATOMIC_SEQ_CST,
                                        __ATOMIC_SEQ_CST)) {
            r_revokes++;
            __atomic_store_n(&e->flags, GTF_permit_access, __ATOMIC_SEQ_CST);
        }
    }
    WRITE_ONCE(race_done, 1);
}

static void mode_grant_race(void)
{
    unsigned long maps = 0, map_fail = 0, unmaps = 0, stolen = 0, odd = 0;
    uint64_t end;
    int rc;

    if (pv_nr_cpus() < 2) {
        out("needs 2 vcpus (vcpus = 2)");
        n_unexpected++;
        return;
    }
    if (!selfgrant_init(&race, false))
        return;
    if ((rc = pv_cpu_start(1, racer, NULL)) < 0) {
        expect("starting vcpu 1", rc, 0);
        return;
    }
    end = pv_now_ns() + secs * NSEC_PER_SEC;
    while (pv_now_ns() < end) {
        grant_handle_t h;
        int16_t st = map_raw(self, race.ref, race.slot, GNTMAP_host_map, &h);
        if (st != GNTST_okay) {
            map_fail++;
            odd += st != GNTST_general_error; /* revoked under us: the only failure */
            continue;
        }
        maps++;
        st = unmap_raw(h, race.slot);
        if (st == GNTST_okay)
            unmaps++;
        else if (st == GNTST_bad_handle)
            stolen++; /* vCPU 1 unmapped it first */
        else
            odd++;
    }
    WRITE_ONCE(race_stop, 1);
    wait_flag(&race_done, 5 * NSEC_PER_SEC);
    out("%lu maps (%lu failed), %lu unmapped here, %lu by vcpu 1 (of %lu tries), %lu revokes", maps,
        map_fail, unmaps, r_unmaps, r_unmap_tries, r_revokes);
    expect_true("results other than okay, general_error (revoked), bad_handle (stolen)", odd == 0,
                odd, "0");
    expect_true("maps unaccounted for (mapped, never unmapped)", maps == unmaps + r_unmaps,
                maps - unmaps - r_unmaps, "0");
    unsigned live = 0;
    for (grant_handle_t h = 0; h < 1024; h++)
        live += unmap_raw(h, 0) == GNTST_okay;
    expect_true("handles still mapped afterwards", live == 0, live, "0");
    expect_true("GTF_reading|GTF_writing left on the grant", pins_left(race.ref) == 0,
                pins_left(race.ref), "0 (no leaked pin)");
    grant_handle_t h;
    int16_t st = map_raw(self, race.ref, race.slot, GNTMAP_host_map, &h);
    expect_st("a clean map afterwards", st, GNTST_okay);
    if (st == GNTST_okay)
        expect_st("... and unmap", unmap_raw(h, race.slot), GNTST_okay);
    expect("end_access afterwards", gnttab_end_access(race.ref), 0);
    pv_map_frame(race.slot, pv_virt_to_mfn((void *)race.slot), PV_PTE_RW);
}

/* ---- grant-copy: bounds, ids and refs; the neighbour's grants ------------------------------ */

static int16_t copy1(struct gnttab_copy *c)
{
    long rc = gop(GNTTABOP_copy, c, 1);

    return rc ? (int16_t)GNTST_general_error : c->status;
}

/* One copy op; a side is a grant ref or (without its GNTCOPY_*_gref flag) a frame number. */
static struct gnttab_copy cp(uint64_t sref, domid_t sdom, unsigned soff, uint64_t dref,
                             domid_t ddom, unsigned doff, unsigned len, unsigned flags)
{
    struct gnttab_copy c = {.len = (uint16_t)len, .flags = (uint16_t)flags};

    c.source.u.gmfn = sref; /* little endian: a ref is the low 32 bits */
    c.source.domid = sdom;
    c.source.offset = (uint16_t)soff;
    c.dest.u.gmfn = dref;
    c.dest.domid = ddom;
    c.dest.offset = (uint16_t)doff;
    return c;
}

static void mode_grant_copy(void)
{
    struct selfgrant rw, ro;
    uint8_t *local = pv_alloc_page();
    unsigned long lf = pv_virt_to_mfn(local);
    const unsigned SG = GNTCOPY_source_gref, DG = GNTCOPY_dest_gref;
    struct gnttab_copy c;

    if (!selfgrant_init(&rw, false) || !selfgrant_init(&ro, true) || !local)
        return;
    struct {
        const char *what;
        struct gnttab_copy c;
        int16_t want;
    } cases[] = {
        {"src offset 4000 + len 200", cp(rw.ref, self, 4000, lf, DOMID_SELF, 0, 200, SG),
         GNTST_bad_copy_arg},
        {"dest offset 4095 + len 2", cp(lf, DOMID_SELF, 0, rw.ref, self, 4095, 2, DG),
         GNTST_bad_copy_arg},
        {"offset 0xffff + len 1", cp(rw.ref, self, 0xffff, lf, DOMID_SELF, 0, 1, SG),
         GNTST_bad_copy_arg},
        {"len 0xffff", cp(rw.ref, self, 0, lf, DOMID_SELF, 0, 0xffff, SG), GNTST_bad_copy_arg},
        {"offset 4096 + len 0", cp(rw.ref, self, 4096, lf, DOMID_SELF, 0, 0, SG), GNTST_okay},
        {"a whole page", cp(rw.ref, self, 0, lf, DOMID_SELF, 0, 4096, SG), GNTST_okay},
        {"overlapping within one grant", cp(rw.ref, self, 0, rw.ref, self, 1, 4095, SG | DG),
         GNTST_okay},
        {"domain 32000", cp(1, NO_DOMAIN, 0, lf, DOMID_SELF, 0, 8, SG), GNTST_bad_domain},
        {"DOMID_IO", cp(1, DOMID_IO, 0, lf, DOMID_SELF, 0, 8, SG), GNTST_bad_domain},
        {"frame of another domain", cp(lf, peer ? peer : NO_DOMAIN, 0, lf, DOMID_SELF, 0, 8, 0),
         GNTST_permission_denied},
        {"frame 2^40", cp(1UL << 40, DOMID_SELF, 0, lf, DOMID_SELF, 0, 8, 0), GNTST_bad_page},
        {"ref 2^31", cp(1u << 31, self, 0, lf, DOMID_SELF, 0, 8, SG), GNTST_bad_gntref},
        {"ref never granted", cp(300, self, 0, lf, DOMID_SELF, 0, 8, SG), GNTST_general_error},
        {"read-only grant as dest", cp(lf, DOMID_SELF, 0, ro.ref, self, 0, 8, DG),
         GNTST_general_error},
        {"read-only grant as source", cp(ro.ref, self, 0, lf, DOMID_SELF, 0, 8, SG), GNTST_okay},
    };
    for (unsigned i = 0; i < ARRAY_SIZE(cases); i++)
        expect_st(cases[i].what, copy1(&cases[i].c), cases[i].want);

    if (peer) {
        char what[80];
        for (grant_ref_t ref = 0; ref < 2; ref++) {
            grant_handle_t h;
            snprintf(what, sizeof(what), "copy from d%u's ref %u (its %s, granted to dom0)", peer,
                     ref, ref ? "xenstore page" : "console page");
            c = cp(ref, peer, 0, lf, DOMID_SELF, 0, 64, SG);
            expect_st(what, copy1(&c), GNTST_general_error);
            snprintf(what, sizeof(what), "copy into d%u's ref %u", peer, ref);
            c = cp(lf, DOMID_SELF, 0, ref, peer, 0, 64, DG);
            expect_st(what, copy1(&c), GNTST_general_error);
            snprintf(what, sizeof(what), "map d%u's ref %u", peer, ref);
            expect_st(what, map_raw(peer, ref, rw.slot, GNTMAP_host_map, &h), GNTST_general_error);
        }
        snprintf(what, sizeof(what), "copy from d%u's ref 2^20", peer);
        c = cp(1u << 20, peer, 0, lf, DOMID_SELF, 0, 64, SG);
        expect_st(what, copy1(&c), GNTST_bad_gntref);
    }
    c = cp(rw.ref, self, 0, lf, DOMID_SELF, 0, 8, SG);
    for (unsigned i = 0; i < MAX_BATCH; i++)
        copies[i] = c;
    expect("a batch of 4096 copies", gop(GNTTABOP_copy, copies, MAX_BATCH), 0);
    unsigned bad = 0;
    for (unsigned i = 0; i < MAX_BATCH; i++)
        bad += copies[i].status != GNTST_okay;
    expect_true("... copies that failed", bad == 0, bad, "0");
    expect("a batch of 4097 copies", gop(GNTTABOP_copy, copies, MAX_BATCH + 1), -EINVAL);
    expect("a copy list in unmapped memory", gop(GNTTABOP_copy, (void *)A_UNMAPPED, 1), -EFAULT);
    expect_true("pins left on our grants", pins_left(rw.ref) + pins_left(ro.ref) == 0,
                pins_left(rw.ref) | pins_left(ro.ref), "0");
    expect("end_access of the grants", gnttab_end_access(rw.ref) | gnttab_end_access(ro.ref), 0);
}

/* ---- xs-quota: quotas and watch abuse through the runtime's xenbus ------------------------- */

static void mode_xs_quota(void)
{
    static char big[2100];
    char path[96], tok[16], got[128];
    unsigned n = 0;
    int rc;

    if ((rc = xenbus_init()) < 0) {
        expect("xenbus_init", rc, 0);
        return;
    }
    memset(big, 'x', 2049);
    expect("a 2049-byte value (node-size quota 2048)", xenbus_write(XBT_NIL, "data/big", big),
           -E2BIG);
    memset(big, 'p', 2000);
    big[0] = '/';
    expect("a path of 2000 bytes", xenbus_write(XBT_NIL, big, "x"), -EINVAL);
    expect("a path with a space", xenbus_write(XBT_NIL, "data/a b", "x"), -EINVAL);
    expect("reading another domain's home", xenbus_read(XBT_NIL, "/local/domain/0/name", got, 8),
           -EACCES);
    do {
        snprintf(path, sizeof(path), "q/n%u", n);
        rc = xenbus_write(XBT_NIL, path, "x");
    } while (rc == 0 && ++n < 5000);
    expect("nodes until the quota", rc, -ENOSPC); /* EQUOTA */
    out("%u nodes created before EQUOTA", n);
    expect("removing them", xenbus_rm(XBT_NIL, "q"), 0);
    expect("a node after freeing the quota", xenbus_write(XBT_NIL, "q/again", "x"), 0);
    xenbus_rm(XBT_NIL, "q");

    for (n = 0; n < 300; n++) {
        snprintf(path, sizeof(path), "w/%u", n);
        snprintf(tok, sizeof(tok), "t%u", n);
        if ((rc = xenbus_watch(path, tok)) < 0)
            break;
    }
    expect("watches until the quota", rc, -ENOSPC);
    out("%u watches set before EQUOTA", n);
    for (unsigned i = 0; i < n; i++) {
        snprintf(path, sizeof(path), "w/%u", i);
        snprintf(tok, sizeof(tok), "t%u", i);
        xenbus_unwatch(path, tok);
    }
    xenbus_transaction_t t[20];
    for (n = 0; n < ARRAY_SIZE(t); n++)
        if ((rc = xenbus_transaction_start(&t[n])) < 0)
            break;
    expect("transactions until the quota", rc, -ENOSPC);
    out("%u transactions open before EQUOTA", n);
    for (unsigned i = 0; i < n; i++)
        xenbus_transaction_end(t[i], true);

    /* watching what we cannot read: no event may tell us about the neighbour's nodes */
    if (!peer)
        return;
    while (xenbus_read_watch(NULL, 0, NULL, 0, XENBUS_NO_WAIT) == 0)
        ; /* the queued first firings of the watches above */
    snprintf(path, sizeof(path), "/local/domain/%u", peer);
    rc = xenbus_watch(path, "peer");
    expect("a watch on the neighbour's home", rc, 0);
    expect("a watch on /", xenbus_watch("/", "root"), 0);
    unsigned leaks = 0, events = 0;
    uint64_t end = pv_now_ns() + secs * NSEC_PER_SEC;
    char evpath[160], evtok[16];
    snprintf(path, sizeof(path), "/local/domain/%u/", peer);
    while (xenbus_read_watch(evpath, sizeof(evpath), evtok, sizeof(evtok), end) == 0) {
        events++;
        if (strncmp(evpath, path, strlen(path)) == 0) {
            leaks++;
            out("event about %s (token %s)", evpath, evtok);
        }
    }
    expect_true("events about the neighbour's nodes", leaks == 0, leaks, "0");
    out("%u events in %u s", events, secs);
}

/* ---- raw xenstore ring access (xs-ring, double-fetch) -------------------------------------- */

static struct xenstore_domain_interface *xs(void)
{
    return pv_mfn_to_virt(pv_start_info->store_mfn);
}

/* Copies n bytes into the request ring at req_prod + at (no publication). */
static void xs_put(uint32_t at, const void *src, uint32_t n)
{
    struct xenstore_domain_interface *in = xs();
    XENSTORE_RING_IDX p = READ_ONCE(in->req_prod) + at;

    for (uint32_t i = 0; i < n; i++)
        in->req[MASK_XENSTORE_IDX(p + i)] = ((const char *)src)[i];
}

/* Room in the request ring, waiting up to ns for it. */
static uint32_t xs_room(uint64_t ns)
{
    struct xenstore_domain_interface *in = xs();
    uint64_t end = pv_now_ns() + ns;
    uint32_t room;

    while ((room = XENSTORE_RING_SIZE - (READ_ONCE(in->req_prod) - READ_ONCE(in->req_cons))) <
               sizeof(struct xsd_sockmsg) + 64 &&
           !READ_ONCE(in->error) && pv_now_ns() < end)
        pv_sleep_ns(NSEC_PER_MSEC);
    return room;
}

/* Writes one message (header length `declared`, payload len bytes) and publishes it. */
static void xs_send(uint32_t type, uint32_t id, const void *payload, uint32_t len,
                    uint32_t declared)
{
    struct xsd_sockmsg h = {.type = type, .req_id = id, .len = declared};

    xs_put(0, &h, sizeof(h));
    xs_put(sizeof(h), payload, len);
    pv_mb();
    xs()->req_prod += (uint32_t)sizeof(h) + len;
    evtchn_send(pv_start_info->store_evtchn);
}

/* The next reply (type, payload into body) within ns: 0, or -ETIMEDOUT / -EIO (ring error). */
static int xs_recv(uint32_t *type, char *body, uint32_t size, uint64_t ns)
{
    struct xenstore_domain_interface *in = xs();
    uint64_t end = pv_now_ns() + ns;
    struct xsd_sockmsg h;

    for (;;) {
        XENSTORE_RING_IDX c = READ_ONCE(in->rsp_cons), p = READ_ONCE(in->rsp_prod);
        if (READ_ONCE(in->error))
            return -EIO;
        if (p - c >= sizeof(h)) {
            for (uint32_t i = 0; i < sizeof(h); i++)
                ((char *)&h)[i] = in->rsp[MASK_XENSTORE_IDX(c + i)];
            if (h.len <= XENSTORE_RING_SIZE - sizeof(h) && p - c >= sizeof(h) + h.len) {
                for (uint32_t i = 0; i < h.len; i++)
                    if (i + 1 < size)
                        body[i] = in->rsp[MASK_XENSTORE_IDX(c + sizeof(h) + i)];
                body[PV_MIN(h.len, size - 1)] = 0;
                pv_mb();
                in->rsp_cons = c + (uint32_t)sizeof(h) + h.len;
                evtchn_send(pv_start_info->store_evtchn);
                *type = h.type;
                return 0;
            }
        }
        if (pv_now_ns() >= end)
            return -ETIMEDOUT;
        pv_sleep_ns(NSEC_PER_MSEC);
    }
}

/* Xen's ring reconnection, by hand: 0 once xenstored reset the ring. */
static int xs_reconnect(void)
{
    struct xenstore_domain_interface *in = xs();
    uint64_t end = pv_now_ns() + 5 * NSEC_PER_SEC;

    WRITE_ONCE(in->connection, XENSTORE_RECONNECT);
    pv_mb();
    evtchn_send(pv_start_info->store_evtchn);
    while (READ_ONCE(in->connection) != XENSTORE_CONNECTED && pv_now_ns() < end)
        pv_sleep_ns(NSEC_PER_MSEC);
    return READ_ONCE(in->connection) == XENSTORE_CONNECTED ? 0 : -ETIMEDOUT;
}

/* Waits up to 3 s for xenstored to set the ring's error field; returns it. */
static uint32_t xs_wait_error(void)
{
    uint64_t end = pv_now_ns() + 3 * NSEC_PER_SEC;

    while (!READ_ONCE(xs()->error) && pv_now_ns() < end)
        pv_sleep_ns(NSEC_PER_MSEC);
    return READ_ONCE(xs()->error);
}

/* A valid request and its reply: the ring is served. */
static bool xs_works(void)
{
    char body[64];
    uint32_t type;

    xs_send(XS_READ, 7, "domid", 6, 6);
    return xs_recv(&type, body, sizeof(body), 3 * NSEC_PER_SEC) == 0 && type == XS_READ;
}

/* One ring attack: expect xenstored to set `want_err`, then reconnect and check service. */
static void xs_attack_done(const char *what, uint32_t want_err)
{
    char buf[120];

    snprintf(buf, sizeof(buf), "%s: ring error field", what);
    expect(buf, (long)xs_wait_error(), (long)want_err);
    snprintf(buf, sizeof(buf), "%s: reconnect", what);
    expect(buf, xs_reconnect(), 0);
    snprintf(buf, sizeof(buf), "%s: served again", what);
    expect_true(buf, xs_works(), 1, "a reply");
}

static void mode_xs_ring(void)
{
    struct xenstore_domain_interface *in = xs();
    static char payload[64];
    uint32_t type, sent = 0;
    char body[64];

    expect_true("a valid request over the raw ring", xs_works(), 1, "a reply");
    /* a client that never takes its replies or watch events */
    xs_send(XS_WATCH, 1, "data\0w", 7, 7);
    for (uint64_t end = pv_now_ns() + PV_MAX(secs, 2) * NSEC_PER_SEC; pv_now_ns() < end; sent++) {
        if (xs_room(500 * NSEC_PER_MSEC) < sizeof(struct xsd_sockmsg) + 64 || READ_ONCE(in->error))
            break;
        int n = snprintf(payload, sizeof(payload), "data/w%c%u", 0, sent);
        xs_send(XS_WRITE, 100 + sent, payload, (uint32_t)n, (uint32_t)n);
    }
    out("never reading replies: %u requests written, then %s (error field %u)", sent,
        READ_ONCE(in->error) ? "cut off" : "stalled: xenstored stopped taking requests",
        READ_ONCE(in->error));
    expect("... reconnect", xs_reconnect(), 0);
    expect_true("... served again", xs_works(), 1, "a reply");

    xs_send(XS_READ, 2, "domid", 6, 4097);
    xs_attack_done("header length 4097", XENSTORE_ERROR_PROTO);
    xs_send(XS_READ, 3, "domid", 6, 0xffffffffu);
    xs_attack_done("header length 0xffffffff", XENSTORE_ERROR_PROTO);
    in->rsp_cons = in->rsp_prod + 3000;
    xs_send(XS_READ, 4, "domid", 6, 6);
    xs_attack_done("rsp_cons 3000 past rsp_prod", XENSTORE_ERROR_RINGIDX);
    in->req_cons += 7;
    xs_send(XS_READ, 5, "domid", 6, 6);
    xs_attack_done("req_cons moved by the guest", XENSTORE_ERROR_RINGIDX);
    in->req_prod = in->req_cons - 1;
    evtchn_send(pv_start_info->store_evtchn);
    xs_attack_done("req_prod behind req_cons", XENSTORE_ERROR_RINGIDX);
    /* bogus but well-framed requests get error replies */
    struct {
        const char *what;
        uint32_t type;
        const char *p;
        uint32_t len;
        const char *want;
    } bogus[] = {
        {"unknown type 999", 999, "x", 2, "ENOSYS"},
        {"unterminated path", XS_READ, "data", 4, "EINVAL"},
        {"INTRODUCE from a guest", XS_INTRODUCE,
         "9\0"
         "1\0"
         "1",
         6, "EACCES"},
        {"SET_TARGET from a guest", XS_SET_TARGET,
         "1\0"
         "2",
         4, "EACCES"},
    };
    for (unsigned i = 0; i < ARRAY_SIZE(bogus); i++) {
        xs_send(bogus[i].type, 50 + i, bogus[i].p, bogus[i].len, bogus[i].len);
        int rc = xs_recv(&type, body, sizeof(body), 3 * NSEC_PER_SEC);
        bool ok = rc == 0 && type == XS_ERROR && strcmp(body, bogus[i].want) == 0;
        n_cases++;
        n_unexpected += !ok;
        out("%s -> %s %s%s%s", bogus[i].what,
            rc                 ? "no reply"
            : type == XS_ERROR ? "error"
                               : "reply",
            rc ? "" : body, ok ? "" : " UNEXPECTED (want error ", ok ? "" : bogus[i].want);
        if (!ok)
            out(")");
    }
    /* the runtime takes over the ring again */
    expect("xenbus_reconnect", xenbus_reconnect(5 * NSEC_PER_SEC), 0);
    expect_true("xenbus_read(domid)", xenbus_read(XBT_NIL, "domid", body, sizeof(body)) > 0, 1,
                "> 0");
}

/* ---- console-ring: the ring's indexes corrupted by the guest ------------------------------ */

/* Puts a line into the output ring by hand; true once the backend consumed it. */
static bool ring_line(struct xencons_interface *r, const char *line)
{
    XENCONS_RING_IDX prod = READ_ONCE(r->out_prod);
    size_t n = strlen(line);
    uint64_t end = pv_now_ns() + 2 * NSEC_PER_SEC;

    for (size_t i = 0; i < n; i++)
        r->out[MASK_XENCONS_IDX(prod + i, r->out)] = line[i];
    pv_mb();
    WRITE_ONCE(r->out_prod, prod + (XENCONS_RING_IDX)n);
    evtchn_send(pv_start_info->console.domU.evtchn);
    while (READ_ONCE(r->out_cons) != prod + n && pv_now_ns() < end)
        pv_sleep_ns(NSEC_PER_MSEC);
    return READ_ONCE(r->out_cons) == prod + n;
}

static void mode_console_ring(void)
{
    struct xencons_interface *r = pv_console_ring();

    if (!r) {
        out("no console ring");
        n_unexpected++;
        return;
    }
    printk("hostile: console-ring: corrupting the console ring's indexes next\n");
    pv_sleep_ns(300 * NSEC_PER_MSEC); /* let that line through first */
    via_cio = true;
    WRITE_ONCE(r->out_cons, READ_ONCE(r->out_prod) + 5000); /* the backend's index */
    pv_mb();
    evtchn_send(pv_start_info->console.domU.evtchn);
    pv_sleep_ns(500 * NSEC_PER_MSEC);
    out("out_cons (the backend's index) set to out_prod + 5000");
    expect_true("a line written by hand is consumed all the same (the backend keeps its own "
                "index)",
                ring_line(r, "hostile: console-ring: still consumed\n"), 1, "1");
    WRITE_ONCE(r->out_prod, READ_ONCE(r->out_cons) + 0x10000);
    pv_mb();
    evtchn_send(pv_start_info->console.domU.evtchn);
    out("out_prod set to out_cons + 65536, staying up %u s", secs);
    pv_sleep_ns(secs * NSEC_PER_SEC);
    expect_true("the backend consumed none of that",
                READ_ONCE(r->out_prod) - READ_ONCE(r->out_cons) == 0x10000,
                READ_ONCE(r->out_prod) - READ_ONCE(r->out_cons), "65536");
}

/* ---- double-fetch: requests changed while pvisord or xenstored read them ------------------- */

enum { DF_IDLE, DF_MULTICALL, DF_GRANT, DF_XS, DF_STOP };
static volatile unsigned df_what, df_ack;
static volatile uint32_t df_xs_at; /* ring offset of the header being flipped */
static struct selfgrant dfg;
static multicall_entry_t dfmc[256];

static void flipper(void *arg)
{
    volatile grant_entry_v1_t *e = gnttab_entry(dfg.ref);
    unsigned long good = pv_virt_to_mfn(dfg.page);
    uint32_t i = 0;

    (void)arg;
    for (;;) {
        unsigned w = READ_ONCE(df_what);
        i++;
        if (w == DF_STOP)
            break;
        if (w == DF_MULTICALL) {
            volatile multicall_entry_t *m = &dfmc[i % ARRAY_SIZE(dfmc)];
            m->op = (i & 1) ? MC_ENOSYS_OP : __HYPERVISOR_xen_version;
            m->args[0] = (i & 2) ? XENVER_extraversion : XENVER_version;
        } else if (w == DF_GRANT) {
            e->frame = (i & 1) ? (1U << 30) : (uint32_t)good;
            if (i & 2)
                __atomic_fetch_or(&e->flags, GTF_readonly, __ATOMIC_SEQ_CST);
            else
                __atomic_fetch_and(&e->flags, (uint16_t)~GTF_readonly, __ATOMIC_SEQ_CST);
        } else if (w == DF_XS) {
            static const uint32_t lens[] = {6, 0xffffffffu, 14, 4097};
            uint32_t v = lens[i % ARRAY_SIZE(lens)];
            XENSTORE_RING_IDX at = READ_ONCE(df_xs_at) + offsetof(struct xsd_sockmsg, len);
            for (uint32_t b = 0; b < 4; b++)
                xs()->req[MASK_XENSTORE_IDX(at + b)] = (char)(v >> (8 * b));
        }
        WRITE_ONCE(df_ack, i);
    }
    WRITE_ONCE(df_ack, 0);
}

static void df_multicall(uint64_t end)
{
    long ver = HYPERVISOR_xen_version(XENVER_version, NULL);
    unsigned long results = 0, weird = 0;

    for (unsigned i = 0; i < ARRAY_SIZE(dfmc); i++)
        dfmc[i] = (multicall_entry_t){.op = __HYPERVISOR_xen_version, .args = {XENVER_version}};
    WRITE_ONCE(df_what, DF_MULTICALL);
    while (pv_now_ns() < end) {
        for (unsigned i = 0; i < ARRAY_SIZE(dfmc); i++)
            dfmc[i].args[1] = A_UNMAPPED; /* extraversion's buffer: -EFAULT */
        HYPERVISOR_multicall(dfmc, ARRAY_SIZE(dfmc));
        for (unsigned i = 0; i < ARRAY_SIZE(dfmc); i++, results++) {
            long r = (long)dfmc[i].result;
            weird += r != ver && r != -ENOSYS && r != -EFAULT;
        }
    }
    expect_true("multicall entries flipped during the call: results other than the version, "
                "ENOSYS, EFAULT",
                weird == 0, weird, "0");
    out("(%lu results checked)", results);
}

static void df_grant(uint64_t end)
{
    unsigned long maps = 0, copies_ok = 0, weird = 0;
    uint8_t *local = pv_alloc_page();

    WRITE_ONCE(df_what, DF_GRANT);
    while (pv_now_ns() < end) {
        grant_handle_t h;
        int16_t st = map_raw(self, dfg.ref, dfg.slot, GNTMAP_host_map, &h);
        if (st == GNTST_okay) {
            maps++;
            weird += unmap_raw(h, dfg.slot) != GNTST_okay;
        } else
            weird += st != GNTST_bad_page && st != GNTST_general_error;
        struct gnttab_copy c =
            cp(dfg.ref, self, 0, pv_virt_to_mfn(local), DOMID_SELF, 0, 64, GNTCOPY_source_gref);
        st = copy1(&c);
        copies_ok += st == GNTST_okay;
        c = cp(pv_virt_to_mfn(local), DOMID_SELF, 0, dfg.ref, self, 0, 64, GNTCOPY_dest_gref);
        st = copy1(&c);
        weird += st != GNTST_okay && st != GNTST_bad_page && st != GNTST_general_error;
    }
    WRITE_ONCE(df_what, DF_IDLE);
    uint32_t ack = READ_ONCE(df_ack);
    while (READ_ONCE(df_ack) == ack)
        cpu_relax();
    ack = READ_ONCE(df_ack);
    while (READ_ONCE(df_ack) == ack) /* a full round idle: no more flips */
        cpu_relax();
    gnttab_entry(dfg.ref)->frame = (uint32_t)pv_virt_to_mfn(dfg.page);
    __atomic_fetch_and(&gnttab_entry(dfg.ref)->flags, (uint16_t)~GTF_readonly, __ATOMIC_SEQ_CST);
    expect_true("grant entry flipped during map and copy: odd statuses", weird == 0, weird, "0");
    out("(%lu maps, %lu copies succeeded)", maps, copies_ok);
    expect_true("pins left on the grant", pins_left(dfg.ref) == 0, pins_left(dfg.ref), "0");
    pv_map_frame(dfg.slot, pv_virt_to_mfn((void *)dfg.slot), PV_PTE_RW);
}

static void df_xenstore(uint64_t end)
{
    unsigned long replies = 0, errors = 0, ring_errs = 0, stalls = 0;
    uint32_t type;
    char body[64];

    while (pv_now_ns() < end) {
        WRITE_ONCE(df_what, DF_IDLE);
        if (xs_room(200 * NSEC_PER_MSEC) < 64 || READ_ONCE(xs()->error)) {
            ring_errs += READ_ONCE(xs()->error) != 0;
            stalls += !READ_ONCE(xs()->error);
            xs_reconnect();
            continue;
        }
        WRITE_ONCE(df_xs_at, READ_ONCE(xs()->req_prod));
        WRITE_ONCE(df_what, DF_XS);
        xs_send(XS_READ, 9, "domid", 6, 6);
        int rc = xs_recv(&type, body, sizeof(body), 300 * NSEC_PER_MSEC);
        WRITE_ONCE(df_what, DF_IDLE);
        if (rc == 0) {
            replies += type == XS_READ;
            errors += type != XS_READ;
        } else {
            ring_errs += rc == -EIO;
            stalls += rc == -ETIMEDOUT;
            xs_reconnect();
        }
    }
    out("xenstore header length flipped while xenstored reads: %lu replies, %lu error replies, "
        "%lu ring errors, %lu stalls",
        replies, errors, ring_errs, stalls);
    expect("xenbus_reconnect afterwards", xenbus_reconnect(5 * NSEC_PER_SEC), 0);
    expect_true("xenbus_read(domid) afterwards", xenbus_read(XBT_NIL, "domid", body, 16) > 0, 1,
                "> 0");
}

static void mode_double_fetch(void)
{
    uint64_t slice = secs * NSEC_PER_SEC / 3;
    int rc;

    if (pv_nr_cpus() < 2 || !selfgrant_init(&dfg, false)) {
        out("needs 2 vcpus (vcpus = 2)");
        n_unexpected++;
        return;
    }
    if ((rc = pv_cpu_start(1, flipper, NULL)) < 0) {
        expect("starting vcpu 1", rc, 0);
        return;
    }
    df_multicall(pv_now_ns() + slice);
    df_grant(pv_now_ns() + slice);
    df_xenstore(pv_now_ns() + slice);
    WRITE_ONCE(df_what, DF_STOP);
}

/* ---- console-flood: the ring at full speed, then console_io at full speed ------------------ */

static char flood_buf[65536];

static void mode_console_flood(void)
{
    uint64_t end = pv_now_ns() + secs * NSEC_PER_SEC / 2;
    unsigned long lines = 0, bytes = 0, calls = 0, errs = 0;

    for (unsigned i = 0; i < sizeof(flood_buf); i++)
        flood_buf[i] = (i % 64) == 63 ? '\n' : (char)('a' + i % 26);
    while (pv_now_ns() < end)
        printk("hostile: console-flood: ring line %08lu abcdefghijklmnopqrstuvwxyz0123456789\n",
               lines++);
    out("%lu lines through the console ring", lines);
    end = pv_now_ns() + secs * NSEC_PER_SEC / 2;
    while (pv_now_ns() < end) {
        errs += HYPERVISOR_console_io(CONSOLEIO_write, sizeof(flood_buf), flood_buf) != 0;
        bytes += sizeof(flood_buf);
        calls++;
    }
    out("%lu bytes in %lu console_io calls (%lu failed)", bytes, calls, errs);
}

/* ---- main ---------------------------------------------------------------------------------- */

/* No attack: a guest that boots, reports and powers off (the suite's warm-up). */
static void mode_none(void)
{
}

static const struct {
    const char *name;
    void (*fn)(void);
} modes[] = {
    {"hcall-ptrs", mode_hcall_ptrs},
    {"hcall-counts", mode_hcall_counts},
    {"hcall-stall", mode_hcall_stall},
    {"evtchn-storm", mode_evtchn_storm},
    {"port-exhaust", mode_port_exhaust},
    {"grant-race", mode_grant_race},
    {"grant-copy", mode_grant_copy},
    {"xs-quota", mode_xs_quota},
    {"xs-ring", mode_xs_ring},
    {"console-ring", mode_console_ring},
    {"double-fetch", mode_double_fetch},
    {"console-flood", mode_console_flood},
    {"none", mode_none},
};

int main(const char *cmdline)
{
    if (!pv_cmdline_get(cmdline, "mode", mode, sizeof(mode)))
        strlcpy(mode, "none", sizeof(mode));
    secs = (unsigned)pv_cmdline_ulong(cmdline, "secs", 3);
    peer = (domid_t)pv_cmdline_ulong(cmdline, "peer", 0);
    self = find_self();
    for (unsigned i = 0; i < ARRAY_SIZE(modes); i++)
        if (strcmp(mode, modes[i].name) == 0) {
            out("domain %u, peer %u, %u s", self, peer, secs);
            modes[i].fn();
            out("%u cases, %u unexpected", n_cases, n_unexpected);
            char line[64];
            int n = snprintf(line, sizeof(line), "hostile: %s done\n", mode);
            if (via_cio)
                HYPERVISOR_console_io(CONSOLEIO_write, (unsigned)n, line);
            else
                pv_console_write(line, (size_t)n);
            return 0;
        }
    printk("hostile: unknown mode '%s'; modes:", mode);
    for (unsigned i = 0; i < ARRAY_SIZE(modes); i++)
        printk(" %s", modes[i].name);
    printk("\n");
    return 0;
}
