/* test_xs_store.c: unit tests for xenstored's path rules and copy-on-write tree. */
#include <check.h>

#include "check_run.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../xenstore/xenstored/store.h"

static const struct xs_perm n0 = {0, 0};

static int canon(unsigned domid, const char *in, bool special, char *out)
{
    return path_canon(domid, in, special, 2048, out, XSD_PATH_BUF);
}

START_TEST(path_relative_and_absolute)
{
    char out[XSD_PATH_BUF];

    ck_assert_int_eq(canon(5, "device/vif", false, out), 0);
    ck_assert_str_eq(out, "/local/domain/5/device/vif");
    ck_assert_int_eq(canon(0, "/a/b-c_d@e", false, out), 0);
    ck_assert_str_eq(out, "/a/b-c_d@e");
    ck_assert_int_eq(canon(0, "/", false, out), 0);
}
END_TEST

START_TEST(path_rejects_bad_syntax)
{
    char out[XSD_PATH_BUF];
    const char *bad[] = {"", "/a//b", "/a/", "/a b", "/a\n", "/a.b", "x/", "/a/*"};

    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        ck_assert_int_eq(canon(0, bad[i], false, out), -EINVAL);
    ck_assert_int_eq(canon(0, "@releaseDomain", false, out), -EINVAL);
    ck_assert_int_eq(canon(0, "@releaseDomain", true, out), 0);
}
END_TEST

START_TEST(path_length_limits)
{
    char in[4000], out[XSD_PATH_BUF];

    /* 2048 bytes after the home prefix is fine, 2049 is not. */
    memset(in, 'a', sizeof(in));
    in[2048] = '\0';
    ck_assert_int_eq(canon(7, in, false, out), 0);
    in[2048] = 'a';
    in[2049] = '\0';
    ck_assert_int_eq(canon(7, in, false, out), -ENAMETOOLONG);
    /* Outside a domain home the whole path counts. */
    in[0] = '/';
    in[2048] = '\0';
    ck_assert_int_eq(canon(0, in, false, out), 0);
    in[2048] = 'a';
    ck_assert_int_eq(canon(0, in, false, out), -ENAMETOOLONG);
}
END_TEST

START_TEST(path_child_and_home)
{
    unsigned d;

    ck_assert(path_is_child("/a/b", "/a"));
    ck_assert(path_is_child("/a", "/a"));
    ck_assert(!path_is_child("/ab", "/a"));
    ck_assert(path_is_child("/x", "/"));
    ck_assert_str_eq(path_strip_home("/local/domain/3/x/y", 3), "x/y");
    ck_assert_ptr_null(path_strip_home("/local/domain/3", 3));
    ck_assert_ptr_null(path_strip_home("/local/domain/33/x", 3));
    ck_assert_int_eq(path_parse_domid("65535", &d), 0);
    ck_assert_int_eq(path_parse_domid("65536", &d), -EINVAL);
    ck_assert_int_eq(path_parse_domid("1x", &d), -EINVAL);
    ck_assert_int_eq(path_parse_domid("", &d), -EINVAL);
}
END_TEST

START_TEST(store_create_read_delete)
{
    struct xs_store s;
    const struct xs_node *n;

    ck_assert_int_eq(store_init(&s), 0);
    ck_assert_int_eq(store_create(&s, "/a", &n0, 1), 0);
    ck_assert_int_eq(store_create(&s, "/a", &n0, 1), -EEXIST);
    ck_assert_int_eq(store_create(&s, "/x/y", &n0, 1), -ENOENT);
    ck_assert_int_eq(store_create(&s, "/a/b", &n0, 1), 0);
    ck_assert_int_eq(store_set_value(&s, "/a/b", "hello", 5), 0);
    n = store_get(&s, "/a/b");
    ck_assert_ptr_nonnull(n);
    ck_assert_uint_eq(n->vlen, 5);
    ck_assert_str_eq(n->value, "hello");
    ck_assert_int_eq(store_delete(&s, "/a"), 0);
    ck_assert_ptr_null(store_get(&s, "/a/b"));
    ck_assert_int_eq(store_delete(&s, "/"), -EINVAL);
    ck_assert_int_eq(store_delete(&s, "/a"), -ENOENT);
    store_fini(&s);
}
END_TEST

START_TEST(store_children_keep_creation_order)
{
    struct xs_store s;
    const char *names[] = {"zeta", "alpha", "mid"};
    char p[32];

    store_init(&s);
    for (int i = 0; i < 3; i++) {
        snprintf(p, sizeof(p), "/%s", names[i]);
        ck_assert_int_eq(store_create(&s, p, &n0, 1), 0);
    }
    store_delete(&s, "/alpha");
    store_create(&s, "/alpha", &n0, 1);
    ck_assert_str_eq(s.root->kids[0]->name, "zeta");
    ck_assert_str_eq(s.root->kids[1]->name, "mid");
    ck_assert_str_eq(s.root->kids[2]->name, "alpha");
    store_fini(&s);
}
END_TEST

START_TEST(store_owner_counts)
{
    struct xs_store s;
    struct xs_perm p5 = {5, 0};

    store_init(&s);
    ck_assert_int_eq(store_owner_count(&s, 0), 1); /* the root */
    store_create(&s, "/a", &p5, 1);
    store_create(&s, "/a/b", &p5, 1);
    store_create(&s, "/a/c", &n0, 1);
    ck_assert_int_eq(store_owner_count(&s, 5), 2);
    store_set_perms(&s, "/a/b", &n0, 1);
    ck_assert_int_eq(store_owner_count(&s, 5), 1);
    store_delete(&s, "/a");
    ck_assert_int_eq(store_owner_count(&s, 5), 0);
    ck_assert_int_eq(store_owner_count(&s, 0), 1);
    store_fini(&s);
}
END_TEST

START_TEST(store_generation_tracks_changes)
{
    struct xs_store s;
    uint64_t g0, g1;

    store_init(&s);
    store_create(&s, "/a", &n0, 1);
    g0 = store_get(&s, "/a")->gen;
    store_create(&s, "/a/kid", &n0, 1);
    g1 = store_get(&s, "/a")->gen;
    ck_assert_uint_ne(g0, g1);
    store_set_value(&s, "/a/kid", "v", 1);
    ck_assert_uint_eq(store_get(&s, "/a")->gen, g1); /* a child's value is not ours */
    store_fini(&s);
}
END_TEST

START_TEST(store_snapshot_is_isolated)
{
    struct xs_store s, snap;

    store_init(&s);
    store_create(&s, "/a", &n0, 1);
    store_set_value(&s, "/a", "old", 3);
    store_snapshot(&snap, &s);
    store_set_value(&s, "/a", "new", 3);
    store_create(&s, "/b", &n0, 1);
    ck_assert_str_eq(store_get(&snap, "/a")->value, "old");
    ck_assert_ptr_null(store_get(&snap, "/b"));
    store_set_value(&snap, "/a", "tx", 2);
    ck_assert_str_eq(store_get(&s, "/a")->value, "new");
    store_fini(&snap);
    ck_assert_str_eq(store_get(&s, "/a")->value, "new");
    store_fini(&s);
}
END_TEST

START_TEST(store_mark_and_rollback)
{
    struct xs_store s;
    struct xs_store_mark m;

    store_init(&s);
    store_create(&s, "/keep", &n0, 1);
    ck_assert_int_eq(store_mark(&s, &m), 0);
    store_create(&s, "/gone", &n0, 1);
    store_delete(&s, "/keep");
    store_rollback(&s, &m);
    ck_assert_ptr_nonnull(store_get(&s, "/keep"));
    ck_assert_ptr_null(store_get(&s, "/gone"));
    ck_assert_int_eq(store_owner_count(&s, 0), 2);
    ck_assert_int_eq(store_mark(&s, &m), 0);
    store_create(&s, "/stay", &n0, 1);
    store_mark_drop(&m);
    ck_assert_ptr_nonnull(store_get(&s, "/stay"));
    store_fini(&s);
}
END_TEST

START_TEST(store_specials_exist)
{
    struct xs_store s;
    struct xs_perm r3[2] = {{0, 0}, {3, 1}};

    store_init(&s);
    ck_assert_ptr_nonnull(store_get(&s, "@introduceDomain"));
    ck_assert_ptr_nonnull(store_get(&s, "@releaseDomain"));
    ck_assert_ptr_null(store_get(&s, "@other"));
    ck_assert_int_eq(store_set_perms(&s, "@releaseDomain", r3, 2), 0);
    ck_assert_uint_eq(store_get(&s, "@releaseDomain")->nperms, 2);
    store_fini(&s);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("xs_store");
    TCase *tp = tcase_create("path"), *ts = tcase_create("store");

    tcase_add_test(tp, path_relative_and_absolute);
    tcase_add_test(tp, path_rejects_bad_syntax);
    tcase_add_test(tp, path_length_limits);
    tcase_add_test(tp, path_child_and_home);
    tcase_add_test(ts, store_create_read_delete);
    tcase_add_test(ts, store_children_keep_creation_order);
    tcase_add_test(ts, store_owner_counts);
    tcase_add_test(ts, store_generation_tracks_changes);
    tcase_add_test(ts, store_snapshot_is_isolated);
    tcase_add_test(ts, store_mark_and_rollback);
    tcase_add_test(ts, store_specials_exist);
    suite_add_tcase(s, tp);
    suite_add_tcase(s, ts);
    return s;
}

int main(void)
{
    return check_run(suite(), true);
}
