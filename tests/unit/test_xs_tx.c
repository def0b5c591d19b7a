/* test_xs_tx.c: unit tests for transactions: isolation, conflicts, atomic commit. */
#include <check.h>

#include "check_run.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../xenstore/xenstored/db.h"
#include "../../xenstore/xenstored/perms.h"
#include "../../xenstore/xenstored/tx.h"

static const struct xs_caller dom0 = {0, true, -1};
static const struct xs_caller dom5 = {5, false, -1};
static struct xs_store S;

static void setup(void)
{
    struct db_ctx c = {.store = &S, .who = &dom0};
    struct xs_perm p5 = {5, 0};

    ck_assert_int_eq(store_init(&S), 0);
    ck_assert_int_eq(db_write(&c, "/shared/a", "1", 1), 0);
    ck_assert_int_eq(db_write(&c, "/shared/b", "2", 1), 0);
    ck_assert_int_eq(db_mkdir(&c, "/local/domain/5"), 0);
    ck_assert_int_eq(db_set_perms(&c, "/local/domain/5", &p5, 1), 0);
    ck_assert_int_eq(db_mkdir(&c, "/local/domain/5/t"), 0); /* owned by 5 (inherited) */
    ck_assert_int_eq(db_mkdir(&c, "/local/domain/5/d"), 0);
}

static void teardown(void)
{
    store_fini(&S);
}

static struct db_ctx txctx(struct xs_tx *tx)
{
    return (struct db_ctx){.store = &tx->store, .who = &tx->who, .tx = tx};
}

static struct db_ctx livectx(const struct xs_caller *who)
{
    return (struct db_ctx){.store = &S, .who = who};
}

static const char *val(const struct xs_store *s, const char *path)
{
    const struct xs_node *n = store_get(s, path);

    return n ? n->value : NULL;
}

START_TEST(writes_invisible_until_commit)
{
    struct xs_tx *tx;
    struct db_ctx c;
    struct xs_changes chg;

    ck_assert_int_eq(tx_start(&S, &dom0, 1, &tx), 0);
    c = txctx(tx);
    ck_assert_int_eq(db_write(&c, "/shared/a", "tx", 2), 0);
    ck_assert_int_eq(db_write(&c, "/new/node", "n", 1), 0);
    ck_assert_str_eq(val(&S, "/shared/a"), "1");
    ck_assert_ptr_null(store_get(&S, "/new/node"));
    ck_assert_str_eq(val(&tx->store, "/shared/a"), "tx");
    chg_init(&chg);
    ck_assert_int_eq(tx_commit(tx, &S, &chg), 0);
    ck_assert_str_eq(val(&S, "/shared/a"), "tx");
    ck_assert_str_eq(val(&S, "/new/node"), "n");
    ck_assert_uint_eq(chg.nev, 2); /* events come with the commit */
    chg_free(&chg);
    tx_free(tx);
}
END_TEST

START_TEST(conflict_on_read_node_changed)
{
    struct xs_tx *tx;
    struct db_ctx c, live = livectx(&dom0);
    const struct xs_node *n;
    struct xs_changes chg;

    tx_start(&S, &dom0, 1, &tx);
    c = txctx(tx);
    ck_assert_int_eq(db_read(&c, "/shared/a", &n), 0);
    ck_assert_int_eq(db_write(&c, "/shared/b", "x", 1), 0);
    ck_assert_int_eq(db_write(&live, "/shared/a", "other", 5), 0);
    chg_init(&chg);
    ck_assert_int_eq(tx_commit(tx, &S, &chg), -EAGAIN);
    ck_assert_str_eq(val(&S, "/shared/b"), "2"); /* nothing applied */
    ck_assert_uint_eq(chg.nev, 0);
    chg_free(&chg);
    tx_free(tx);
}
END_TEST

START_TEST(unrelated_change_does_not_conflict)
{
    struct xs_tx *tx;
    struct db_ctx c, live = livectx(&dom0);
    struct xs_changes chg;

    tx_start(&S, &dom0, 1, &tx);
    c = txctx(tx);
    ck_assert_int_eq(db_write(&c, "/shared/a", "mine", 4), 0);
    ck_assert_int_eq(db_write(&live, "/shared/b", "theirs", 6), 0);
    chg_init(&chg);
    ck_assert_int_eq(tx_commit(tx, &S, &chg), 0);
    ck_assert_str_eq(val(&S, "/shared/a"), "mine");
    ck_assert_str_eq(val(&S, "/shared/b"), "theirs");
    chg_free(&chg);
    tx_free(tx);
}
END_TEST

START_TEST(sibling_creation_conflicts)
{
    struct xs_tx *t1, *t2;
    struct db_ctx c1, c2;
    struct xs_changes chg;

    tx_start(&S, &dom0, 1, &t1);
    tx_start(&S, &dom0, 2, &t2);
    c1 = txctx(t1);
    c2 = txctx(t2);
    ck_assert_int_eq(db_write(&c1, "/shared/x", "1", 1), 0);
    ck_assert_int_eq(db_write(&c2, "/shared/y", "2", 1), 0);
    chg_init(&chg);
    ck_assert_int_eq(tx_commit(t1, &S, &chg), 0);
    ck_assert_int_eq(tx_commit(t2, &S, &chg), -EAGAIN);
    ck_assert_ptr_null(store_get(&S, "/shared/y"));
    chg_free(&chg);
    tx_free(t1);
    tx_free(t2);
}
END_TEST

START_TEST(rm_and_directory_inside)
{
    struct xs_tx *tx;
    struct db_ctx c;
    const struct xs_node *n;
    struct xs_changes chg;

    tx_start(&S, &dom0, 1, &tx);
    c = txctx(tx);
    ck_assert_int_eq(db_rm(&c, "/shared/a"), 0);
    ck_assert_int_eq(db_read(&c, "/shared", &n), 0);
    ck_assert_uint_eq(n->nkids, 1);
    ck_assert_uint_eq(store_get(&S, "/shared")->nkids, 2);
    chg_init(&chg);
    ck_assert_int_eq(tx_commit(tx, &S, &chg), 0);
    ck_assert_ptr_null(store_get(&S, "/shared/a"));
    chg_free(&chg);
    tx_free(tx);
}
END_TEST

START_TEST(removed_subtree_change_conflicts)
{
    struct xs_tx *tx;
    struct db_ctx c, live = livectx(&dom0);
    struct xs_changes chg;

    tx_start(&S, &dom0, 1, &tx);
    c = txctx(tx);
    ck_assert_int_eq(db_rm(&c, "/shared"), 0);
    ck_assert_int_eq(db_write(&live, "/shared/b", "late", 4), 0);
    chg_init(&chg);
    ck_assert_int_eq(tx_commit(tx, &S, &chg), -EAGAIN);
    ck_assert_str_eq(val(&S, "/shared/b"), "late");
    chg_free(&chg);
    tx_free(tx);
}
END_TEST

START_TEST(node_quota_checked_at_commit)
{
    struct xs_tx *tx;
    struct db_ctx c, live = livectx(&dom5);
    struct xs_changes chg;
    char path[64];

    tx_start(&S, &dom5, 1, &tx);
    c = txctx(tx);
    ck_assert_int_eq(db_mkdir(&c, "/local/domain/5/t/1"), 0);
    ck_assert_int_eq(db_mkdir(&c, "/local/domain/5/t/2"), 0);
    /* Meanwhile the domain fills its quota (home, t, d + 997) elsewhere. */
    for (int i = 0; i < 997; i++) {
        snprintf(path, sizeof(path), "/local/domain/5/d/%d", i);
        ck_assert_int_eq(db_mkdir(&live, path), 0);
    }
    chg_init(&chg);
    ck_assert_int_eq(tx_commit(tx, &S, &chg), -EDQUOT);
    ck_assert_ptr_null(store_get(&S, "/local/domain/5/t/1"));
    chg_free(&chg);
    tx_free(tx);
}
END_TEST

START_TEST(permissions_hold_inside)
{
    struct xs_tx *tx;
    struct db_ctx c;
    const struct xs_node *n;

    tx_start(&S, &dom5, 1, &tx);
    c = txctx(tx);
    ck_assert_int_eq(db_read(&c, "/shared/a", &n), -EACCES);
    ck_assert_int_eq(db_write(&c, "/shared/a", "x", 1), -EACCES);
    ck_assert_int_eq(db_write(&c, "/local/domain/5/ok", "x", 1), 0);
    tx_free(tx);
}
END_TEST

START_TEST(truncate_forgets_failed_ops)
{
    struct xs_tx *tx;
    struct db_ctx c;
    struct xs_changes chg;
    uint32_t n;

    tx_start(&S, &dom0, 1, &tx);
    c = txctx(tx);
    ck_assert_int_eq(db_write(&c, "/shared/a", "keep", 4), 0);
    n = tx_nops(tx);
    ck_assert_int_eq(db_write(&c, "/shared/b", "drop", 4), 0);
    tx_truncate(tx, n);
    chg_init(&chg);
    ck_assert_int_eq(tx_commit(tx, &S, &chg), 0);
    ck_assert_str_eq(val(&S, "/shared/a"), "keep");
    ck_assert_str_eq(val(&S, "/shared/b"), "2");
    chg_free(&chg);
    tx_free(tx);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("xs_tx");
    TCase *t = tcase_create("transactions");

    tcase_add_checked_fixture(t, setup, teardown);
    tcase_add_test(t, writes_invisible_until_commit);
    tcase_add_test(t, conflict_on_read_node_changed);
    tcase_add_test(t, unrelated_change_does_not_conflict);
    tcase_add_test(t, sibling_creation_conflicts);
    tcase_add_test(t, rm_and_directory_inside);
    tcase_add_test(t, removed_subtree_change_conflicts);
    tcase_add_test(t, node_quota_checked_at_commit);
    tcase_add_test(t, permissions_hold_inside);
    tcase_add_test(t, truncate_forgets_failed_ops);
    suite_add_tcase(s, t);
    return s;
}

int main(void)
{
    return check_run(suite(), true);
}
