/* test_xs_perms.c: unit tests for ACL strings, the access check and node-op policy. */
#include <check.h>

#include "check_run.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../xenstore/common/wire.h"
#include "../../xenstore/xenstored/db.h"
#include "../../xenstore/xenstored/perms.h"

static const struct xs_caller dom0 = {0, true, -1};
static const struct xs_caller dom5 = {5, false, -1};
static const struct xs_caller dom6 = {6, false, -1};

static struct xs_store S;

static void setup(void)
{
    ck_assert_int_eq(store_init(&S), 0);
}

static void teardown(void)
{
    store_fini(&S);
}

static struct db_ctx ctx(const struct xs_caller *who)
{
    return (struct db_ctx){.store = &S, .who = who};
}

/* /local/domain/5 owned by domain 5, as a toolstack would set it up. */
static void make_home5(void)
{
    struct db_ctx c = ctx(&dom0);
    struct xs_perm p = {5, XS_PERM_NONE};

    ck_assert_int_eq(db_mkdir(&c, "/local/domain/5"), 0);
    ck_assert_int_eq(db_set_perms(&c, "/local/domain/5", &p, 1), 0);
}

START_TEST(parse_and_format)
{
    const char in[] = "n0\0r5\0w12\0b65535";
    struct xs_perm *p;
    uint32_t n;
    char out[64];

    ck_assert_int_eq(perms_parse(in, sizeof(in), &p, &n), 0);
    ck_assert_uint_eq(n, 4);
    ck_assert_uint_eq(p[1].domid, 5);
    ck_assert_uint_eq(p[1].perm, XS_PERM_READ);
    ck_assert_uint_eq(p[3].perm, XS_PERM_BOTH);
    ck_assert_int_eq(perms_format_all(p, n, out, sizeof(out)), (int)sizeof(in));
    ck_assert(memcmp(in, out, sizeof(in)) == 0);
    free(p);
}
END_TEST

START_TEST(parse_rejects_garbage)
{
    const char *bad[] = {"x1", "r", "r65536", "r1x", "", "R1"};
    struct xs_perm *p;
    uint32_t n;

    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        ck_assert_int_eq(perms_parse(bad[i], strlen(bad[i]) + 1, &p, &n), -EINVAL);
    ck_assert_int_eq(perms_parse("r1", 2, &p, &n), -EINVAL); /* unterminated */
}
END_TEST

START_TEST(rights_owner_default_entry)
{
    struct xs_perm acl[3] = {{5, XS_PERM_NONE}, {6, XS_PERM_READ}, {7, XS_PERM_WRITE}};
    struct xs_caller d7 = {7, false, -1}, d8 = {8, false, -1}, t = {9, false, 5};

    ck_assert_int_eq(perm_check(&dom5, acl, 3, XS_PERM_READ | XS_PERM_WRITE | XS_PERM_OWNER), 0);
    ck_assert_int_eq(perm_check(&dom6, acl, 3, XS_PERM_READ), 0);
    ck_assert_int_eq(perm_check(&dom6, acl, 3, XS_PERM_WRITE), -EACCES);
    ck_assert_int_eq(perm_check(&d7, acl, 3, XS_PERM_WRITE), 0);
    ck_assert_int_eq(perm_check(&d7, acl, 3, XS_PERM_READ), -EACCES);
    ck_assert_int_eq(perm_check(&d8, acl, 3, XS_PERM_READ), -EACCES); /* default n */
    ck_assert_int_eq(perm_check(&dom0, acl, 3, XS_PERM_OWNER), 0);
    ck_assert_int_eq(perm_check(&t, acl, 3, XS_PERM_OWNER), 0); /* targets domain 5 */
    acl[0].perm = XS_PERM_READ;
    ck_assert_int_eq(perm_check(&d8, acl, 3, XS_PERM_READ), 0);
    ck_assert_int_eq(perm_check(&d8, acl, 3, XS_PERM_OWNER), -EACCES);
}
END_TEST

START_TEST(unprivileged_cannot_read_dom0_nodes)
{
    struct db_ctx c0 = ctx(&dom0), c5 = ctx(&dom5);
    const struct xs_node *n;

    ck_assert_int_eq(db_write(&c0, "/secret/key", "v", 1), 0);
    ck_assert_int_eq(db_read(&c5, "/secret/key", &n), -EACCES);
    /* Absence is not revealed where the parent is unreadable... */
    ck_assert_int_eq(db_read(&c5, "/secret/none", &n), -EACCES);
    /* ...but is where it is readable. */
    make_home5();
    ck_assert_int_eq(db_read(&c5, "/local/domain/5/none", &n), -ENOENT);
    ck_assert_int_eq(db_write(&c5, "/secret/key", "x", 1), -EACCES);
    ck_assert_int_eq(db_rm(&c5, "/secret"), -EACCES);
}
END_TEST

START_TEST(domain_owns_what_it_creates)
{
    struct db_ctx c5 = ctx(&dom5), c6 = ctx(&dom6);
    const struct xs_node *n;

    make_home5();
    ck_assert_int_eq(db_write(&c5, "/local/domain/5/data/x", "1", 1), 0);
    n = store_get(&S, "/local/domain/5/data");
    ck_assert_uint_eq(n->perms[0].domid, 5);
    ck_assert_int_eq(db_read(&c6, "/local/domain/5/data/x", &n), -EACCES);
    ck_assert_int_eq(store_owner_count(&S, 5), 3);
}
END_TEST

START_TEST(set_perms_rules)
{
    struct db_ctx c5 = ctx(&dom5), c6 = ctx(&dom6);
    struct xs_perm share[2] = {{5, XS_PERM_NONE}, {6, XS_PERM_READ}};
    struct xs_perm steal = {6, XS_PERM_NONE};
    const struct xs_node *n;

    make_home5();
    ck_assert_int_eq(db_write(&c5, "/local/domain/5/x", "1", 1), 0);
    ck_assert_int_eq(db_set_perms(&c6, "/local/domain/5/x", share, 2), -EACCES);
    ck_assert_int_eq(db_set_perms(&c5, "/local/domain/5/x", share, 2), 0);
    ck_assert_int_eq(db_read(&c6, "/local/domain/5/x", &n), 0);
    ck_assert_int_eq(db_set_perms(&c5, "/local/domain/5/x", &steal, 1), -EPERM);
    ck_assert_int_eq(db_set_perms(&c5, "/local/domain/5/x", share, 0), -EINVAL);
}
END_TEST

START_TEST(quotas_apply_to_unprivileged_only)
{
    struct db_ctx c0 = ctx(&dom0), c5 = ctx(&dom5);
    char big[3000], path[64];
    struct xs_perm many[6] = {{5, 0}, {1, 1}, {2, 1}, {3, 1}, {4, 1}, {6, 1}};

    memset(big, 'x', sizeof(big));
    make_home5();
    ck_assert_int_eq(db_write(&c5, "/local/domain/5/big", big, 2049), -E2BIG);
    ck_assert_int_eq(db_write(&c5, "/local/domain/5/big", big, 2048), 0);
    ck_assert_int_eq(db_write(&c0, "/local/domain/5/big", big, 3000), 0);
    ck_assert_int_eq(db_set_perms(&c5, "/local/domain/5/big", many, 6), -EDQUOT);
    ck_assert_int_eq(db_set_perms(&c5, "/local/domain/5/big", many, 5), 0);
    /* 1000 nodes per domain: the home and "big" already count. */
    for (int i = 0; i < 998; i++) {
        snprintf(path, sizeof(path), "/local/domain/5/n%d", i);
        ck_assert_int_eq(db_mkdir(&c5, path), 0);
    }
    ck_assert_int_eq(db_mkdir(&c5, "/local/domain/5/one-more"), -EDQUOT);
    ck_assert_uint_ge(quota_hits(Q_NODES), 1);
    ck_assert_int_eq(db_rm(&c5, "/local/domain/5/n0"), 0);
    ck_assert_int_eq(db_mkdir(&c5, "/local/domain/5/one-more"), 0);
}
END_TEST

START_TEST(rm_semantics)
{
    struct db_ctx c0 = ctx(&dom0);

    ck_assert_int_eq(db_rm(&c0, "/"), -EINVAL);
    ck_assert_int_eq(db_rm(&c0, "/absent"), 0); /* parent "/" exists */
    ck_assert_int_eq(db_rm(&c0, "/absent/child"), -ENOENT);
    ck_assert_int_eq(db_mkdir(&c0, "/a/b/c"), 0);
    ck_assert_int_eq(db_rm(&c0, "/a/b"), 0);
    ck_assert_ptr_nonnull(store_get(&S, "/a"));
    ck_assert_ptr_null(store_get(&S, "/a/b/c"));
}
END_TEST

START_TEST(changes_record_events_and_state)
{
    struct xs_changes chg;
    struct db_ctx c0 = ctx(&dom0);

    chg_init(&chg);
    c0.chg = &chg;
    ck_assert_int_eq(db_write(&c0, "/p/q/r", "v", 1), 0);
    ck_assert_uint_eq(chg.nev, 1); /* one event, for the written node */
    ck_assert_str_eq(chg.ev[0].path, "/p/q/r");
    ck_assert(!chg.ev[0].recurse);
    ck_assert_uint_gt(chg.rec.len, 0);
    ck_assert_int_eq(db_rm(&c0, "/p"), 0);
    ck_assert_uint_eq(chg.nev, 2);
    ck_assert(chg.ev[1].recurse);
    chg_free(&chg);
}
END_TEST

START_TEST(special_nodes_perms_only)
{
    struct db_ctx c0 = ctx(&dom0), c5 = ctx(&dom5);
    struct xs_perm r5[2] = {{0, 0}, {5, XS_PERM_READ}};
    const struct xs_node *n;

    ck_assert_int_eq(db_read(&c0, "@releaseDomain", &n), -EINVAL);
    ck_assert_int_eq(db_write(&c0, "@releaseDomain", "x", 1), -EINVAL);
    ck_assert_int_eq(db_get_perms(&c5, "@releaseDomain", &n), -EACCES);
    ck_assert_int_eq(db_set_perms(&c0, "@releaseDomain", r5, 2), 0);
    ck_assert_int_eq(db_get_perms(&c5, "@releaseDomain", &n), 0);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("xs_perms");
    TCase *ta = tcase_create("acl"), *td = tcase_create("db");

    tcase_add_test(ta, parse_and_format);
    tcase_add_test(ta, parse_rejects_garbage);
    tcase_add_test(ta, rights_owner_default_entry);
    tcase_add_checked_fixture(td, setup, teardown);
    tcase_add_test(td, unprivileged_cannot_read_dom0_nodes);
    tcase_add_test(td, domain_owns_what_it_creates);
    tcase_add_test(td, set_perms_rules);
    tcase_add_test(td, quotas_apply_to_unprivileged_only);
    tcase_add_test(td, rm_semantics);
    tcase_add_test(td, changes_record_events_and_state);
    tcase_add_test(td, special_nodes_perms_only);
    suite_add_tcase(s, ta);
    suite_add_tcase(s, td);
    return s;
}

int main(void)
{
    return check_run(suite(), true);
}
