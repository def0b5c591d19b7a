/* test_pvh.c: Check suite for PVH pieces without KVM: paging walks, compat shared_info. */
#include <check.h>
#include <errno.h>
#include <string.h>

#include <xen/compat.h>

#include "check_run.h"
#include "hv_fakes.h"

#define PG      4096ULL
#define CR0_PE  0x1ULL
#define CR0_WP  (1ULL << 16)
#define CR0_PG  (1ULL << 31)
#define CR4_PSE 0x10ULL
#define CR4_PAE 0x20ULL
#define LMA     0x500ULL /* EFER.LME | LMA */
#define P_RW    0x3ULL
#define P_RO    0x1ULL
#define PS      0x80ULL

static struct domain *d;
static struct vcpu *v;

static void setup(void)
{
    d = fake_domain(1, 1024, 1, 64, 1); /* 4 MiB */
    v = d->vcpus[0];
    v->pvh = true;
    fake_mode = (struct sub_mode){0};
    fake_kicks = 0;
}

static void teardown(void)
{
    fake_domain_free(d);
}

static void put64(uint64_t gpa, uint64_t val)
{
    memcpy(d->mem + gpa, &val, 8);
}

static void put32(uint64_t gpa, uint32_t val)
{
    memcpy(d->mem + gpa, &val, 4);
}

/* gva_to_gpa's answer, or ~0 on -EFAULT. */
static uint64_t xlate(uint64_t gva, bool write)
{
    uint64_t gpa = 0;
    return gva_to_gpa(v, gva, write, &gpa) == 0 ? gpa : ~0ULL;
}

START_TEST(paging_off_is_identity)
{
    fake_mode = (struct sub_mode){.cr0 = CR0_PE};
    ck_assert_uint_eq(xlate(0x123456, true), 0x123456);
    ck_assert_uint_eq(xlate(0x100000123456ULL, false), 0x123456); /* 32-bit linear */
    uint32_t word = 0x11223344, back = 0;
    ck_assert_int_eq(copy_to_guest(v, 0x2000, &word, 4), 0);
    ck_assert_int_eq(copy_from_guest(v, &back, 0x2000, 4), 0);
    ck_assert_uint_eq(back, word);
    ck_assert_int_eq(copy_from_guest(v, &back, 1024 * PG + PVISOR_NR_SPECIAL * PG, 4), -EFAULT);
}
END_TEST

/* L4 at 0x10000, L3 0x11000, L2 0x12000, L1 0x13000. */
START_TEST(four_level_walk)
{
    fake_mode = (struct sub_mode){
        .cr0 = CR0_PE | CR0_PG | CR0_WP, .cr3 = 0x10000, .cr4 = CR4_PAE, .efer = LMA, .cs_l = true};
    put64(0x10000, 0x11000 | P_RW);
    put64(0x11000, 0x12000 | P_RW);
    put64(0x12000, 0x13000 | P_RW);        /* 0..2 MiB: 4 KiB pages */
    put64(0x12008, 0x200000 | P_RW | PS);  /* 2..4 MiB: one large page */
    put64(0x13000 + 5 * 8, 0x7000 | P_RW); /* 0x5000 -> 0x7000 */
    put64(0x13000 + 6 * 8, 0x8000 | P_RO); /* 0x6000 -> 0x8000, read-only */
    ck_assert_uint_eq(xlate(0x5123, false), 0x7123);
    ck_assert_uint_eq(xlate(0x6010, false), 0x8010);
    ck_assert_uint_eq(xlate(0x6010, true), ~0ULL); /* WP: supervisor writes obey RW */
    ck_assert_uint_eq(xlate(0x234567, true), 0x234567);
    ck_assert_uint_eq(xlate(0x9000, false), ~0ULL);                /* not present */
    ck_assert_uint_eq(xlate(0x0000800000000000ULL, false), ~0ULL); /* non-canonical */
    fake_mode.cr0 &= ~CR0_WP;
    ck_assert_uint_eq(xlate(0x6010, true), 0x8010);
    /* a copy that crosses from a mapped page into an unmapped one fails as a whole */
    uint8_t buf[32];
    ck_assert_int_eq(copy_from_guest(v, buf, 0x6ff0, 32), -EFAULT);
}
END_TEST

START_TEST(pae_walk)
{
    fake_mode = (struct sub_mode){.cr0 = CR0_PE | CR0_PG, .cr3 = 0x10020, .cr4 = CR4_PAE};
    put64(0x10020 + 3 * 8, 0x12000 | 1);      /* PDPTE 3: present, no RW bit */
    put64(0x12000 + 511 * 8, 0x13000 | P_RW); /* 0xffe00000.. : 4 KiB pages */
    put64(0x13000 + 511 * 8, 0x9000 | P_RW);
    put64(0x12000 + 0 * 8, 0x200000 | P_RW | PS); /* 0xc0000000 -> 2 MiB page */
    ck_assert_uint_eq(xlate(0xfffff123, true), 0x9123);
    ck_assert_uint_eq(xlate(0xc0001234, false), 0x201234);
    ck_assert_uint_eq(xlate(0x40000000, false), ~0ULL); /* PDPTE 1 absent */
}
END_TEST

START_TEST(two_level_walk)
{
    fake_mode = (struct sub_mode){.cr0 = CR0_PE | CR0_PG, .cr3 = 0x10000, .cr4 = CR4_PSE};
    put32(0x10000 + 1 * 4, 0x11000 | P_RW);       /* 4..8 MiB via a page table */
    put32(0x11000 + 2 * 4, 0x5000 | P_RW);        /* 0x402000 -> 0x5000 */
    put32(0x10000 + 0 * 4, 0x000000 | P_RW | PS); /* 0..4 MiB: a 4 MiB page (PSE) */
    ck_assert_uint_eq(xlate(0x402abc, false), 0x5abc);
    ck_assert_uint_eq(xlate(0x123456, false), 0x123456);
    fake_mode.cr4 = 0; /* without PSE the PS bit means nothing: entry 0 is a table at 0 */
    ck_assert_uint_eq(xlate(0x3000, false), ~0ULL);
}
END_TEST

/* Xen's compat shared_info: 32-bit words, mask array at 2176, 32-bit selector. */
START_TEST(compat_shared_info_bits)
{
    struct compat_shared_info *s = (struct compat_shared_info *)domain_shinfo(d);
    unsigned p[40], port = 0;
    d->shinfo_compat = true;
    for (unsigned i = 0; i < 40; i++) /* ports 1..40: port 33 is in word 1 */
        ck_assert_int_eq(evtchn_bind_ipi(d, 0, &p[i]), 0);
    port = p[32];
    ck_assert_uint_eq(port, 33);
    s->evtchn_mask[1] = 1u << 1; /* mask port 33 */
    ck_assert_int_eq(evtchn_send(d, port), 0);
    ck_assert_uint_eq(s->evtchn_pending[1], 1u << 1);
    ck_assert(evtchn_port_pending(d, port));
    ck_assert_uint_eq(s->vcpu_info[0].evtchn_upcall_pending, 0); /* masked */
    ck_assert_int_eq(evtchn_unmask(d, port), 0);
    ck_assert_uint_eq(s->evtchn_mask[1], 0);
    ck_assert_uint_eq(s->vcpu_info[0].evtchn_pending_sel, 1u << 1); /* 32-bit selector */
    ck_assert_uint_eq(s->vcpu_info[0].evtchn_upcall_pending, 1);
    /* nothing landed where the 64-bit layout keeps its mask and selector words */
    struct shared_info *n = domain_shinfo(d);
    ck_assert_uint_eq(n->evtchn_mask[0], 0);
    ck_assert_uint_eq(s->vcpu_info[0].arch.cr2, 0);
    ck_assert_int_eq(evtchn_close(d, port), 0);
    ck_assert_uint_eq(s->evtchn_pending[1], 0);
}
END_TEST

START_TEST(compat_ports_stop_at_1024)
{
    struct domain *big = fake_domain(2, 16, 1, 2048, 1);
    big->shinfo_compat = true;
    unsigned port = 0, n = 0;
    while (evtchn_bind_ipi(big, 0, &port) == 0)
        n++;
    ck_assert_uint_eq(n, 1023); /* ports 1..1023: what 32 x 32 bits can say */
    fake_domain_free(big);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("pvh");
    TCase *w = tcase_create("paging"), *e = tcase_create("shared_info");
    tcase_add_checked_fixture(w, setup, teardown);
    tcase_add_checked_fixture(e, setup, teardown);
    tcase_add_test(w, paging_off_is_identity);
    tcase_add_test(w, four_level_walk);
    tcase_add_test(w, pae_walk);
    tcase_add_test(w, two_level_walk);
    tcase_add_test(e, compat_shared_info_bits);
    tcase_add_test(e, compat_ports_stop_at_1024);
    suite_add_tcase(s, w);
    suite_add_tcase(s, e);
    return s;
}

int main(void)
{
    return check_run(suite(), true);
}
