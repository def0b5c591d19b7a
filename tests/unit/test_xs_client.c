/* test_xs_client.c: libpvxs against a private xenstored (started from the build tree). */
#include <check.h>

#include "check_run.h"
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pvisor/xs.h>

static char dir[64];
static int daemon_pid;

static void start_daemon(void)
{
    const char *build = getenv("BUILD");
    char cmd[512], sock[128];
    FILE *f;

    strcpy(dir, "/tmp/test_xs_client.XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(dir));
    snprintf(cmd, sizeof(cmd), "timeout 10 %s/bin/xenstored --rundir %s --pidfile %s/pid",
             build ? build : "build", dir, dir);
    ck_assert_int_eq(system(cmd), 0);
    snprintf(cmd, sizeof(cmd), "%s/pid", dir);
    f = fopen(cmd, "r");
    ck_assert_ptr_nonnull(f);
    ck_assert_int_eq(fscanf(f, "%d", &daemon_pid), 1);
    fclose(f);
    snprintf(sock, sizeof(sock), "%s/xenstored/socket", dir);
    setenv("XENSTORED_PATH", sock, 1);
}

static void stop_daemon(void)
{
    char cmd[128];

    if (daemon_pid > 0)
        kill(daemon_pid, SIGKILL);
    snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", dir);
}

static struct xs_handle *open_h(void)
{
    struct xs_handle *h = xs_open(0);

    ck_assert_ptr_nonnull(h);
    return h;
}

START_TEST(read_write_mkdir_rm)
{
    struct xs_handle *h = open_h();
    unsigned int len, n;
    char *v, **list;

    ck_assert(xs_write(h, XBT_NULL, "/c/a", "hello", 5));
    v = xs_read(h, XBT_NULL, "/c/a", &len);
    ck_assert_uint_eq(len, 5);
    ck_assert_str_eq(v, "hello");
    free(v);
    ck_assert(xs_mkdir(h, XBT_NULL, "/c/d"));
    list = xs_directory(h, XBT_NULL, "/c", &n);
    ck_assert_uint_eq(n, 2);
    ck_assert_str_eq(list[0], "a");
    ck_assert_str_eq(list[1], "d");
    free(list);
    ck_assert(xs_rm(h, XBT_NULL, "/c"));
    ck_assert_ptr_null(xs_read(h, XBT_NULL, "/c/a", NULL));
    ck_assert_int_eq(errno, ENOENT);
    ck_assert(!xs_write(h, XBT_NULL, "bad path", "x", 1));
    ck_assert_int_eq(errno, EINVAL);
    xs_close(h);
}
END_TEST

START_TEST(long_directory_uses_parts)
{
    struct xs_handle *h = open_h();
    char path[96], **list;
    unsigned int n;

    for (int i = 0; i < 200; i++) {
        snprintf(path, sizeof(path), "/many/a-rather-long-child-name-%03d", i);
        ck_assert(xs_mkdir(h, XBT_NULL, path));
    }
    list = xs_directory(h, XBT_NULL, "/many", &n);
    ck_assert_ptr_nonnull(list);
    ck_assert_uint_eq(n, 200);
    ck_assert_str_eq(list[199], "a-rather-long-child-name-199");
    free(list);
    xs_close(h);
}
END_TEST

START_TEST(permissions)
{
    struct xs_handle *h = open_h();
    struct xs_permissions set[2] = {{0, XS_PERM_NONE}, {5, XS_PERM_READ}}, *got;
    unsigned int n;
    char buf[16];

    ck_assert(xs_write(h, XBT_NULL, "/p", "", 0));
    ck_assert(xs_set_permissions(h, XBT_NULL, "/p", set, 2));
    got = xs_get_permissions(h, XBT_NULL, "/p", &n);
    ck_assert_uint_eq(n, 2);
    ck_assert_uint_eq(got[1].id, 5);
    ck_assert_uint_eq(got[1].perms, XS_PERM_READ);
    ck_assert(xs_perm_to_string(&got[1], buf, sizeof(buf)));
    ck_assert_str_eq(buf, "r5");
    free(got);
    xs_close(h);
}
END_TEST

START_TEST(watches_and_fileno)
{
    struct xs_handle *h = open_h(), *w = open_h();
    struct pollfd p = {.events = POLLIN};
    unsigned int n;
    char **ev;

    p.fd = xs_fileno(w);
    ck_assert_int_ge(p.fd, 0);
    ck_assert(xs_watch(w, "/wt", "tok"));
    ck_assert_int_eq(poll(&p, 1, 5000), 1);
    ev = xs_read_watch(w, &n);
    ck_assert_uint_eq(n, 2);
    ck_assert_str_eq(ev[XS_WATCH_PATH], "/wt");
    ck_assert_str_eq(ev[XS_WATCH_TOKEN], "tok");
    free(ev);
    ck_assert_ptr_null(xs_check_watch(w));
    ck_assert_int_eq(errno, EAGAIN);
    ck_assert(xs_write(h, XBT_NULL, "/wt/x", "1", 1));
    /* An event that arrives while w waits for a reply is queued and still polls. */
    ck_assert(xs_write(w, XBT_NULL, "/other", "1", 1));
    ck_assert_int_eq(poll(&p, 1, 5000), 1);
    ev = xs_check_watch(w);
    ck_assert_ptr_nonnull(ev);
    ck_assert_str_eq(ev[XS_WATCH_PATH], "/wt/x");
    free(ev);
    ck_assert(xs_unwatch(w, "/wt", "tok"));
    ck_assert(!xs_unwatch(w, "/wt", "tok"));
    ck_assert_int_eq(errno, ENOENT);
    xs_close(w);
    xs_close(h);
}
END_TEST

START_TEST(transactions)
{
    struct xs_handle *h = open_h(), *o = open_h();
    xs_transaction_t t;
    char *v;

    ck_assert(xs_write(h, XBT_NULL, "/t/a", "0", 1));
    t = xs_transaction_start(h);
    ck_assert_uint_ne(t, XBT_NULL);
    ck_assert(xs_write(h, t, "/t/a", "1", 1));
    v = xs_read(o, XBT_NULL, "/t/a", NULL);
    ck_assert_str_eq(v, "0");
    free(v);
    ck_assert(xs_transaction_end(h, t, false));
    t = xs_transaction_start(h);
    free(xs_read(h, t, "/t/a", NULL));
    ck_assert(xs_write(o, XBT_NULL, "/t/a", "2", 1));
    ck_assert(xs_write(h, t, "/t/b", "x", 1));
    ck_assert(!xs_transaction_end(h, t, false));
    ck_assert_int_eq(errno, EAGAIN);
    ck_assert(!xs_transaction_end(h, t, false));
    ck_assert_int_eq(errno, ENOENT);
    xs_close(o);
    xs_close(h);
}
END_TEST

START_TEST(domains_and_privilege)
{
    struct xs_handle *h = open_h(), *u = open_h();
    char *p, *r;

    p = xs_get_domain_path(h, 4);
    ck_assert_str_eq(p, "/local/domain/4");
    free(p);
    ck_assert(xs_introduce_domain(h, 4, 1234, 9));
    ck_assert(xs_is_domain_introduced(h, 4));
    ck_assert(xs_set_target(h, 4, 0));
    ck_assert(xs_resume_domain(h, 4));
    ck_assert(xs_release_domain(h, 4));
    ck_assert(!xs_is_domain_introduced(h, 4));
    r = xs_control_command(u, "restrict", "5", 2, NULL);
    ck_assert_str_eq(r, "OK");
    free(r);
    ck_assert(!xs_introduce_domain(u, 6, 1, 1));
    ck_assert_int_eq(errno, EACCES);
    ck_assert_ptr_null(xs_read(u, XBT_NULL, "/t/a", NULL));
    ck_assert_int_eq(errno, EACCES);
    xs_close(u);
    xs_close(h);
}
END_TEST

START_TEST(open_without_daemon)
{
    char *saved = strdup(getenv("XENSTORED_PATH"));

    setenv("XENSTORED_PATH", "/nonexistent/socket", 1);
    ck_assert_ptr_null(xs_open(0));
    ck_assert_int_eq(errno, ENOENT);
    setenv("XENSTORED_PATH", saved, 1);
    free(saved);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("xs_client");
    TCase *t = tcase_create("libpvxs");

    tcase_add_unchecked_fixture(t, start_daemon, stop_daemon);
    tcase_add_test(t, read_write_mkdir_rm);
    tcase_add_test(t, long_directory_uses_parts);
    tcase_add_test(t, permissions);
    tcase_add_test(t, watches_and_fileno);
    tcase_add_test(t, transactions);
    tcase_add_test(t, domains_and_privilege);
    tcase_add_test(t, open_without_daemon);
    suite_add_tcase(s, t);
    return s;
}

int main(void)
{
    return check_run(suite(), true);
}
