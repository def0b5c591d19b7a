/* test_xs_persist.c: unit tests for xenstored's state log: replay, torn tails, compaction. */
#include <check.h>

#include "check_run.h"
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../xenstore/xenstored/db.h"
#include "../../xenstore/xenstored/domain.h"
#include "../../xenstore/xenstored/persist.h"

static const struct xs_caller dom0 = {0, true, -1};
static char dir[64];

static void setup(void)
{
    strcpy(dir, "/tmp/test_xs_persist.XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(dir));
}

static void teardown(void)
{
    char cmd[128];

    persist_close();
    domain_reset();
    snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
    ck_assert_int_eq(system(cmd), 0);
}

/* Apply one request to s and persist its changes, as proto.c does. */
static void write_persist(struct xs_store *s, const char *path, const char *v)
{
    struct xs_changes chg;
    struct db_ctx c = {.store = s, .who = &dom0, .chg = &chg};

    chg_init(&chg);
    ck_assert_int_eq(db_write(&c, path, v, (uint32_t)strlen(v)), 0);
    ck_assert_int_eq(persist_commit(&chg.rec), 0);
    chg_free(&chg);
}

static void reopen(struct xs_store *s)
{
    persist_close();
    domain_reset();
    store_fini(s);
    ck_assert_int_eq(store_init(s), 0);
    ck_assert_int_eq(persist_open(dir, false, s, domain_persist_hooks()), 0);
}

START_TEST(replay_restores_values_and_perms)
{
    struct xs_store s;
    struct xs_changes chg;
    struct db_ctx c = {.store = &s, .who = &dom0, .chg = &chg};
    struct xs_perm acl[2] = {{3, 0}, {4, 1}};
    const struct xs_node *n;

    store_init(&s);
    ck_assert_int_eq(persist_open(dir, false, &s, domain_persist_hooks()), 0);
    write_persist(&s, "/a/b", "one");
    write_persist(&s, "/a/c", "two");
    chg_init(&chg);
    ck_assert_int_eq(db_set_perms(&c, "/a/b", acl, 2), 0);
    ck_assert_int_eq(db_rm(&c, "/a/c"), 0);
    ck_assert_int_eq(persist_commit(&chg.rec), 0);
    chg_free(&chg);
    reopen(&s);
    n = store_get(&s, "/a/b");
    ck_assert_ptr_nonnull(n);
    ck_assert_str_eq(n->value, "one");
    ck_assert_uint_eq(n->nperms, 2);
    ck_assert_uint_eq(n->perms[1].domid, 4);
    ck_assert_ptr_null(store_get(&s, "/a/c"));
    ck_assert_int_eq(store_owner_count(&s, 3), 1);
    store_fini(&s);
}
END_TEST

START_TEST(torn_tail_is_dropped)
{
    struct xs_store s;
    char path[128];
    int fd;

    store_init(&s);
    ck_assert_int_eq(persist_open(dir, false, &s, domain_persist_hooks()), 0);
    write_persist(&s, "/kept", "yes");
    /* A crash in the middle of the next append: header and half a body. */
    snprintf(path, sizeof(path), "%s/store.db", dir);
    fd = open(path, O_WRONLY | O_APPEND);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(write(fd, "\x40\0\0\0\x12\x34\x56\x78NNNN", 12), 12);
    close(fd);
    reopen(&s);
    ck_assert_str_eq(store_get(&s, "/kept")->value, "yes");
    write_persist(&s, "/after", "ok"); /* appends after the repaired end */
    reopen(&s);
    ck_assert_str_eq(store_get(&s, "/after")->value, "ok");
    store_fini(&s);
}
END_TEST

START_TEST(compaction_keeps_everything)
{
    struct xs_store s;
    struct xs_perm acl = {9, 1};
    char path[64];
    bool fresh;

    store_init(&s);
    ck_assert_int_eq(persist_open(dir, false, &s, domain_persist_hooks()), 0);
    for (int i = 0; i < 200; i++) {
        snprintf(path, sizeof(path), "/bulk/%d", i % 20);
        write_persist(&s, path, "value-value-value");
    }
    ck_assert_int_eq(store_set_perms(&s, "@introduceDomain", &acl, 1), 0);
    ck_assert_int_eq(domain_add(7, 1234, 5, -1, &fresh), 0);
    ck_assert_int_eq(persist_compact(&s), 0);
    ck_assert_uint_lt(persist_log_size(), 3000);
    reopen(&s);
    ck_assert_uint_eq(store_get(&s, "/bulk")->nkids, 20);
    ck_assert_uint_eq(store_get(&s, "@introduceDomain")->perms[0].domid, 9);
    ck_assert_ptr_nonnull(domain_find(7));
    ck_assert_uint_eq(domain_find(7)->mfn, 1234);
    store_fini(&s);
}
END_TEST

START_TEST(garbage_file_is_refused)
{
    struct xs_store s;
    char path[128];
    FILE *f;

    snprintf(path, sizeof(path), "%s/store.db", dir);
    f = fopen(path, "w");
    fputs("not a state file", f);
    fclose(f);
    store_init(&s);
    ck_assert_int_eq(persist_open(dir, false, &s, domain_persist_hooks()), -EINVAL);
    store_fini(&s);
}
END_TEST

START_TEST(apply_rejects_malformed_entries)
{
    struct xs_store s;
    const uint8_t junk[] = {'N', 0xff, 0xff, 0xff, 0x7f, 'x'};
    const uint8_t kind[] = {'Z'};

    store_init(&s);
    ck_assert_int_eq(persist_apply(&s, junk, sizeof(junk)), -EINVAL);
    ck_assert_int_eq(persist_apply(&s, kind, sizeof(kind)), -EINVAL);
    store_fini(&s);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("xs_persist");
    TCase *t = tcase_create("log");

    tcase_add_checked_fixture(t, setup, teardown);
    tcase_add_test(t, replay_restores_values_and_perms);
    tcase_add_test(t, torn_tail_is_dropped);
    tcase_add_test(t, compaction_keeps_everything);
    tcase_add_test(t, garbage_file_is_refused);
    tcase_add_test(t, apply_rejects_malformed_entries);
    suite_add_tcase(s, t);
    return s;
}

int main(void)
{
    return check_run(suite(), true);
}
