/* test_gnttab.c: Check suite for the grant-table state machine (pvisord's gnttab.c) without KVM. */
#include <check.h>
#include <errno.h>
#include <string.h>
#include <pthread.h>

#include <xen/grant_table.h>

#include "check_run.h"
#include "hv_fakes.h"

static struct domain *gd; /* granter, domain 1 */

static void setup(void)
{
    gd = fake_domain(1, 64, 1, 64, 4);
}

static void teardown(void)
{
    fake_domain_free(gd);
}

static struct grant_entry_v1 *grant(uint32_t ref, uint16_t flags, domid_t to, uint32_t frame)
{
    struct grant_entry_v1 *e = gnttab_entry(gd, ref);
    ck_assert_ptr_nonnull(e);
    e->frame = frame;
    e->domid = to;
    e->flags = flags;
    return e;
}

START_TEST(table_grows_to_its_limit)
{
    ck_assert_uint_eq(gd->gt.nr_frames, 1);
    ck_assert_ptr_nonnull(gnttab_entry(gd, 511));
    ck_assert_ptr_null(gnttab_entry(gd, 512));
    ck_assert_int_eq(gnttab_grow(gd, 4), 0);
    ck_assert_ptr_nonnull(gnttab_entry(gd, 4 * 512 - 1));
    ck_assert_int_eq(gnttab_grow(gd, 5), -EINVAL);
    ck_assert_int_eq(gnttab_grow(gd, 2), 0); /* never shrinks */
    ck_assert_uint_eq(gd->gt.nr_frames, 4);
}
END_TEST

START_TEST(pin_checks_the_entry)
{
    uint64_t f;
    ck_assert_int_eq(gnttab_pin(gd, 512, 0, true, &f), GNTST_bad_gntref);
    grant(8, 0, 0, 3);
    ck_assert_int_eq(gnttab_pin(gd, 8, 0, true, &f), GNTST_general_error); /* not permitted */
    grant(8, GTF_permit_access, 5, 3);
    ck_assert_int_eq(gnttab_pin(gd, 8, 0, true, &f), GNTST_general_error); /* other domain */
    grant(8, GTF_permit_access | GTF_readonly, 0, 3);
    ck_assert_int_eq(gnttab_pin(gd, 8, 0, false, &f), GNTST_general_error); /* rw of ro */
    grant(8, GTF_permit_access, 0, 64);
    ck_assert_int_eq(gnttab_pin(gd, 8, 0, true, &f), GNTST_bad_page); /* beyond RAM */
    ck_assert_uint_eq(gnttab_entry(gd, 8)->flags, GTF_permit_access); /* left as it was */
}
END_TEST

START_TEST(pin_sets_and_unpin_clears_status_bits)
{
    struct grant_entry_v1 *e = grant(9, GTF_permit_access, 0, 7);
    uint64_t f = 0;
    ck_assert_int_eq(gnttab_pin(gd, 9, 0, true, &f), GNTST_okay);
    ck_assert_uint_eq(f, 7);
    ck_assert_uint_eq(e->flags, GTF_permit_access | GTF_reading);
    ck_assert_int_eq(gnttab_pin(gd, 9, 0, false, &f), GNTST_okay);
    ck_assert_uint_eq(e->flags, GTF_permit_access | GTF_reading | GTF_writing);
    e->frame = 9; /* the guest changes the entry while pinned: the pinned frame stays */
    ck_assert_int_eq(gnttab_pin(gd, 9, 0, true, &f), GNTST_okay);
    ck_assert_uint_eq(f, 7);
    ck_assert_int_eq(gnttab_pin(gd, 9, 2, true, &f), GNTST_general_error); /* one mapper domain */
    gnttab_unpin(gd, 9, false);
    ck_assert_uint_eq(e->flags, GTF_permit_access | GTF_reading);
    gnttab_unpin(gd, 9, true);
    ck_assert_uint_eq(e->flags, GTF_permit_access | GTF_reading);
    gnttab_unpin(gd, 9, true);
    ck_assert_uint_eq(e->flags, GTF_permit_access);
    gnttab_unpin(gd, 9, true); /* extra unpins are ignored */
    ck_assert_uint_eq(e->flags, GTF_permit_access);
}
END_TEST

START_TEST(copy_claims_are_bounded)
{
    grant(10, GTF_permit_access, 0, 5);
    uint8_t *p;
    ck_assert_int_eq(gnttab_copy_claim(gd, 10, 0, false, 4096, 1, &p), GNTST_bad_copy_arg);
    ck_assert_int_eq(gnttab_copy_claim(gd, 10, 0, false, 4000, 97, &p), GNTST_bad_copy_arg);
    ck_assert_int_eq(gnttab_copy_claim(gd, 10, 0, false, 0xffffffffu, 2, &p), GNTST_bad_copy_arg);
    ck_assert_int_eq(gnttab_copy_claim(gd, 10, 0, true, 4000, 96, &p), GNTST_okay);
    ck_assert_ptr_eq(p, gd->mem + 5 * 4096 + 4000);
    ck_assert_uint_eq(gnttab_entry(gd, 10)->flags, GTF_permit_access | GTF_reading | GTF_writing);
    gnttab_copy_done(gd, 10, true);
    ck_assert_uint_eq(gnttab_entry(gd, 10)->flags, GTF_permit_access);
}
END_TEST

START_TEST(maptrack_is_bounded)
{
    for (unsigned i = 0; i < PVISOR_MAPTRACK; i++) {
        int h = gnttab_maptrack_get(gd);
        ck_assert_int_eq(h, (int)i);
        gd->gt.maptrack[h].gd = gd;
    }
    ck_assert_int_eq(gnttab_maptrack_get(gd), -1);
    for (unsigned i = 0; i < PVISOR_MAPTRACK; i++)
        gd->gt.maptrack[i].gd = NULL;
}
END_TEST

START_TEST(teardown_releases_held_maps)
{
    struct domain *mapper = fake_domain(2, 16, 1, 16, 1);
    struct grant_entry_v1 *e = grant(11, GTF_permit_access, 2, 4);
    uint64_t f;
    ck_assert_int_eq(gnttab_pin(gd, 11, 2, false, &f), GNTST_okay);
    int h = gnttab_maptrack_get(mapper);
    atomic_fetch_add(&gd->refs, 1);
    mapper->gt.maptrack[h] = (struct gnt_maptrack){.gd = gd, .ref = 11};
    gnttab_teardown(mapper);
    ck_assert_uint_eq(e->flags, GTF_permit_access);
    ck_assert_int_eq(atomic_load(&gd->refs), 1);
    fake_domain_free(mapper);
}
END_TEST

static void *churn(void *arg)
{
    for (int i = 0; i < 100000; i++) {
        uint64_t f;
        if (gnttab_pin(gd, 12, 0, arg != NULL, &f) != GNTST_okay)
            return (void *)1;
        gnttab_unpin(gd, 12, arg != NULL);
    }
    return NULL;
}

START_TEST(concurrent_pins_end_idle)
{
    grant(12, GTF_permit_access, 0, 6);
    pthread_t t[2];
    void *r[2];
    pthread_create(&t[0], NULL, churn, NULL);
    pthread_create(&t[1], NULL, churn, (void *)1);
    pthread_join(t[0], &r[0]);
    pthread_join(t[1], &r[1]);
    ck_assert_ptr_null(r[0]);
    ck_assert_ptr_null(r[1]);
    ck_assert_uint_eq(gnttab_entry(gd, 12)->flags, GTF_permit_access);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("gnttab");
    TCase *t = tcase_create("state");
    tcase_add_checked_fixture(t, setup, teardown);
    tcase_set_timeout(t, 60);
    tcase_add_test(t, table_grows_to_its_limit);
    tcase_add_test(t, pin_checks_the_entry);
    tcase_add_test(t, pin_sets_and_unpin_clears_status_bits);
    tcase_add_test(t, copy_claims_are_bounded);
    tcase_add_test(t, maptrack_is_bounded);
    tcase_add_test(t, teardown_releases_held_maps);
    tcase_add_test(t, concurrent_pins_end_idle);
    suite_add_tcase(s, t);
    return s;
}

int main(void)
{
    return check_run(suite(), true);
}
