/* test_xs_proto.c: xenstored's protocol core over an in-memory transport (no sockets). */
#include <check.h>

#include "check_run.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../xenstore/common/wire.h"
#include "../../xenstore/xenstored/conn.h"
#include "../../xenstore/xenstored/domain.h"
#include "../../xenstore/xenstored/proto.h"
#include "../../xenstore/xenstored/perms.h"

/* A transport backed by two byte buffers; `full` refuses output like a stuck peer. */
struct mem_tp {
    uint8_t in[16384];
    size_t inlen, inoff;
    uint8_t out[1 << 20];
    size_t outlen, outoff;
    bool full;
};

static ssize_t mem_recv(struct xs_conn *c, void *buf, size_t len)
{
    struct mem_tp *t = c->tp;
    size_t n = t->inlen - t->inoff < len ? t->inlen - t->inoff : len;

    memcpy(buf, t->in + t->inoff, n);
    t->inoff += n;
    return (ssize_t)n;
}

static ssize_t mem_send(struct xs_conn *c, const void *buf, size_t len)
{
    struct mem_tp *t = c->tp;

    if (t->full || t->outlen + len > sizeof(t->out))
        return 0;
    memcpy(t->out + t->outlen, buf, len);
    t->outlen += len;
    return (ssize_t)len;
}

static void mem_destroy(struct xs_conn *c)
{
    free(c->tp);
}

static const struct xs_conn_ops mem_ops = {"mem", mem_recv, mem_send, NULL, NULL, mem_destroy};

static struct xs_conn *open_conn(unsigned domid)
{
    struct xs_caller who = {domid, domid == 0, -1};
    struct mem_tp *t = calloc(1, sizeof(*t));

    return conn_new(&mem_ops, t, &who, domid ? "domU" : "dom0");
}

static void push(struct xs_conn *c, uint32_t type, uint32_t tx, const void *p, uint32_t len)
{
    struct mem_tp *t = c->tp;
    struct xsd_sockmsg h = {type, 77, tx, len};

    if (t->inoff == t->inlen)
        t->inoff = t->inlen = 0;
    ck_assert_uint_le(t->inlen + sizeof(h) + len, sizeof(t->in));
    memcpy(t->in + t->inlen, &h, sizeof(h));
    memcpy(t->in + t->inlen + sizeof(h), p, len);
    t->inlen += sizeof(h) + len;
    conn_input(c);
}

/* Next message from the daemon into h and body (NUL-terminated); false if none. */
static bool pop(struct xs_conn *c, struct xsd_sockmsg *h, char *body)
{
    struct mem_tp *t = c->tp;

    if (t->outlen - t->outoff < sizeof(*h)) {
        t->outlen = t->outoff = 0;
        return false;
    }
    memcpy(h, t->out + t->outoff, sizeof(*h));
    memcpy(body, t->out + t->outoff + sizeof(*h), h->len);
    body[h->len] = '\0';
    t->outoff += sizeof(*h) + h->len;
    return true;
}

/* Send a request and return the reply body; *type gets the reply type. */
static const char *req(struct xs_conn *c, uint32_t type, const void *p, uint32_t len,
                       uint32_t *rtype)
{
    static char body[XENSTORE_PAYLOAD_MAX + 1];
    struct xsd_sockmsg h;

    push(c, type, 0, p, len);
    while (pop(c, &h, body))
        if (h.type != XS_WATCH_EVENT) {
            *rtype = h.type;
            return body;
        }
    *rtype = XS_INVALID;
    return "";
}

#define REQ(c, type, lit, rt) req(c, type, lit, sizeof(lit), rt)

static void setup(void)
{
    ck_assert_int_eq(store_init(&xsd_store), 0);
}

static void teardown(void)
{
    conn_close_all();
    domain_reset();
    store_fini(&xsd_store);
}

START_TEST(write_then_read)
{
    struct xs_conn *c = open_conn(0);
    uint32_t t;

    ck_assert_str_eq(req(c, XS_WRITE, "/a/b\0hello", 10, &t), "OK");
    ck_assert_uint_eq(t, XS_WRITE);
    ck_assert_str_eq(REQ(c, XS_READ, "/a/b", &t), "hello");
    ck_assert_uint_eq(t, XS_READ);
    ck_assert_str_eq(REQ(c, XS_READ, "/a/none", &t), "ENOENT");
    ck_assert_uint_eq(t, XS_ERROR);
}
END_TEST

START_TEST(unknown_and_reply_only_types)
{
    struct xs_conn *c = open_conn(0);
    uint32_t t;

    ck_assert_str_eq(REQ(c, 99, "x", &t), "ENOSYS");
    ck_assert_str_eq(REQ(c, XS_WATCH_EVENT, "x", &t), "ENOSYS");
    ck_assert_str_eq(REQ(c, XS_ERROR, "x", &t), "ENOSYS");
    ck_assert_str_eq(REQ(c, 20, "x", &t), "ENOSYS");
    ck_assert(!c->closing);
}
END_TEST

START_TEST(malformed_payloads)
{
    struct xs_conn *c = open_conn(0);
    uint32_t t;

    ck_assert_str_eq(req(c, XS_READ, "/a", 2, &t), "EINVAL");     /* unterminated */
    ck_assert_str_eq(req(c, XS_READ, "/a\0/b", 6, &t), "EINVAL"); /* two args */
    ck_assert_str_eq(req(c, XS_WRITE, "/a", 2, &t), "EINVAL");    /* no path end */
    ck_assert_str_eq(REQ(c, XS_READ, "/bad path", &t), "EINVAL");
    ck_assert_str_eq(REQ(c, XS_TRANSACTION_END, "X", &t), "EINVAL");
    ck_assert_str_eq(REQ(c, XS_GET_DOMAIN_PATH, "12x", &t), "EINVAL");
    ck_assert_str_eq(REQ(c, XS_GET_DOMAIN_PATH, "12", &t), "/local/domain/12");
    ck_assert(!c->closing);
}
END_TEST

START_TEST(oversized_length_drops_connection)
{
    struct xs_conn *c = open_conn(0), *other = open_conn(0);
    struct mem_tp *tp = c->tp;
    struct xsd_sockmsg h = {XS_READ, 1, 0, XENSTORE_PAYLOAD_MAX + 1};
    uint32_t t;

    memcpy(tp->in, &h, sizeof(h));
    tp->inlen = sizeof(h);
    conn_input(c);
    ck_assert(c->closing);
    ck_assert_str_eq(req(other, XS_WRITE, "/still\0ok", 9, &t), "OK");
}
END_TEST

START_TEST(transaction_ids)
{
    struct xs_conn *c = open_conn(0);
    struct mem_tp *tp = c->tp;
    char body[64];
    struct xsd_sockmsg h;
    uint32_t t;

    push(c, XS_READ, 12345, "/\0", 2);
    ck_assert(pop(c, &h, body));
    ck_assert_str_eq(body, "ENOENT");
    ck_assert_uint_eq(h.tx_id, 12345);
    push(c, XS_TRANSACTION_START, 5, "", 1);
    ck_assert(pop(c, &h, body));
    ck_assert_str_eq(body, "EBUSY");
    ck_assert_str_eq(REQ(c, XS_TRANSACTION_START, "", &t), "1");
    push(c, XS_WRITE, 1, "/txn\0v", 6);
    ck_assert(pop(c, &h, body));
    ck_assert_uint_eq(h.tx_id, 1);
    ck_assert_str_eq(REQ(c, XS_READ, "/txn", &t), "ENOENT");
    push(c, XS_TRANSACTION_END, 1, "T", 2);
    ck_assert(pop(c, &h, body));
    ck_assert_str_eq(body, "OK");
    ck_assert_str_eq(REQ(c, XS_READ, "/txn", &t), "v");
    (void)tp;
}
END_TEST

START_TEST(unprivileged_limits)
{
    struct xs_conn *c0 = open_conn(0), *u = open_conn(5);
    uint32_t t;

    ck_assert_str_eq(req(c0, XS_WRITE, "/local/domain/0/secret\0s", 24, &t), "OK");
    ck_assert_str_eq(REQ(u, XS_INTRODUCE,
                         "6\0"
                         "1\0"
                         "2",
                         &t),
                     "EACCES");
    ck_assert_str_eq(REQ(u, XS_RELEASE, "6", &t), "EACCES");
    ck_assert_str_eq(REQ(u, XS_CONTROL, "quota", &t), "EACCES");
    ck_assert_str_eq(REQ(u, XS_SET_TARGET,
                         "6\0"
                         "7",
                         &t),
                     "EACCES");
    ck_assert_str_eq(REQ(u, XS_READ, "/local/domain/0/secret", &t), "EACCES");
    ck_assert_str_eq(REQ(u, XS_DIRECTORY, "/local/domain/0", &t), "EACCES");
    ck_assert(!u->closing);
}
END_TEST

START_TEST(watch_fires_first_then_on_change)
{
    struct xs_conn *w = open_conn(0), *c = open_conn(0);
    char body[256];
    struct xsd_sockmsg h;
    uint32_t t;

    push(w, XS_WATCH, 0, "/w\0tok", 7);
    ck_assert(pop(w, &h, body) && h.type == XS_WATCH);
    ck_assert(pop(w, &h, body) && h.type == XS_WATCH_EVENT);
    ck_assert_str_eq(body, "/w");
    ck_assert_str_eq(body + 3, "tok");
    ck_assert_str_eq(req(c, XS_WRITE,
                         "/w/x\0"
                         "1",
                         6, &t),
                     "OK");
    ck_assert(pop(w, &h, body) && h.type == XS_WATCH_EVENT);
    ck_assert_str_eq(body, "/w/x");
    ck_assert_str_eq(req(c, XS_WRITE,
                         "/other\0"
                         "1",
                         8, &t),
                     "OK");
    ck_assert(!pop(w, &h, body));
    ck_assert_str_eq(REQ(c, XS_RM, "/", &t), "EINVAL");
    ck_assert_str_eq(REQ(w, XS_UNWATCH, "/w\0tok", &t), "OK");
    ck_assert_str_eq(REQ(w, XS_UNWATCH, "/w\0tok", &t), "ENOENT");
}
END_TEST

START_TEST(watch_events_respect_permissions)
{
    struct xs_conn *c0 = open_conn(0), *u = open_conn(5);
    char body[256];
    struct xsd_sockmsg h;
    uint32_t t;

    ck_assert_str_eq(REQ(c0, XS_MKDIR, "/local/domain/5", &t), "OK");
    ck_assert_str_eq(REQ(c0, XS_SET_PERMS, "/local/domain/5\0n5", &t), "OK");
    push(u, XS_WATCH, 0, "data\0mine", 10); /* relative */
    ck_assert(pop(u, &h, body) && h.type == XS_WATCH);
    ck_assert(pop(u, &h, body) && h.type == XS_WATCH_EVENT);
    ck_assert_str_eq(body, "data");
    ck_assert_str_eq(req(c0, XS_WRITE,
                         "/local/domain/5/data/x\0"
                         "1",
                         24, &t),
                     "OK");
    ck_assert(pop(u, &h, body));
    ck_assert_str_eq(body, "data/x");
    ck_assert_str_eq(REQ(c0, XS_MKDIR, "/local/domain/5/data/hidden", &t), "OK");
    ck_assert(pop(u, &h, body)); /* inherited ACL: readable */
    ck_assert_str_eq(REQ(c0, XS_SET_PERMS, "/local/domain/5/data/hidden\0n0", &t), "OK");
    ck_assert_str_eq(req(c0, XS_WRITE, "/local/domain/5/data/hidden\0s", 29, &t), "OK");
    ck_assert(!pop(u, &h, body)); /* not readable by domain 5 any more */
}
END_TEST

START_TEST(introduce_and_release)
{
    struct xs_conn *c0 = open_conn(0), *w = open_conn(0);
    char body[256];
    struct xsd_sockmsg h;
    uint32_t t;

    push(w, XS_WATCH, 0, "@introduceDomain\0i", 19);
    push(w, XS_WATCH, 0, "@releaseDomain\0r", 17);
    while (pop(w, &h, body))
        ;
    ck_assert_str_eq(REQ(c0, XS_INTRODUCE,
                         "0\0"
                         "1\0"
                         "2",
                         &t),
                     "EINVAL");
    ck_assert_str_eq(REQ(c0, XS_INTRODUCE,
                         "3\0"
                         "4096\0"
                         "7",
                         &t),
                     "OK");
    ck_assert(pop(w, &h, body) && h.type == XS_WATCH_EVENT);
    ck_assert_str_eq(body, "@introduceDomain");
    ck_assert_str_eq(body + strlen(body) + 1, "i");
    ck_assert_str_eq(REQ(c0, XS_IS_DOMAIN_INTRODUCED, "3", &t), "T");
    ck_assert_str_eq(REQ(c0, XS_IS_DOMAIN_INTRODUCED, "4", &t), "F");
    ck_assert_str_eq(req(c0, XS_WRITE, "/local/domain/3/name\0g", 22, &t), "OK");
    ck_assert_str_eq(REQ(c0, XS_SET_PERMS, "/shared\0n0\0r3", &t), "ENOENT");
    ck_assert_str_eq(REQ(c0, XS_MKDIR, "/shared", &t), "OK");
    ck_assert_str_eq(REQ(c0, XS_SET_PERMS, "/shared\0n3\0r3", &t), "OK");
    ck_assert_str_eq(REQ(c0, XS_RELEASE, "3", &t), "OK");
    while (pop(w, &h, body) && strcmp(body, "@releaseDomain") != 0)
        ;
    ck_assert_str_eq(body, "@releaseDomain");
    ck_assert_str_eq(REQ(c0, XS_READ, "/local/domain/3/name", &t), "ENOENT");
    ck_assert_str_eq(REQ(c0, XS_GET_PERMS, "/shared", &t), "n0");
    ck_assert_str_eq(REQ(c0, XS_RELEASE, "3", &t), "ENOENT");
    ck_assert_str_eq(REQ(c0, XS_CONTROL, "check", &t), "OK");
}
END_TEST

START_TEST(stuck_reader_is_bounded)
{
    struct xs_conn *w = open_conn(0), *c = open_conn(0);
    struct mem_tp *wt = w->tp;
    uint32_t t;
    char msg[32];

    push(w, XS_WATCH, 0, "/flood\0t", 9);
    wt->full = true;
    for (unsigned i = 0; i < quota_get(Q_OUTPUT_QUEUE) + 5 && !w->closing; i++) {
        int n = snprintf(msg, sizeof(msg), "/flood/%u", i % 8) + 1;
        memcpy(msg + n, "v", 1);
        ck_assert_str_eq(req(c, XS_WRITE, msg, (uint32_t)n + 1, &t), "OK");
    }
    ck_assert(w->closing);
    ck_assert(!c->closing);
}
END_TEST

START_TEST(outstanding_replies_pause_input)
{
    struct xs_conn *c = open_conn(0);
    struct mem_tp *tp = c->tp;
    struct xsd_sockmsg h = {XS_GET_DOMAIN_PATH, 1, 0, 2};

    tp->full = true;
    for (int i = 0; i < 30; i++) {
        memcpy(tp->in + tp->inlen, &h, sizeof(h));
        memcpy(tp->in + tp->inlen + sizeof(h), "1", 2);
        tp->inlen += sizeof(h) + 2;
    }
    conn_input(c);
    ck_assert(c->stalled);
    ck_assert_uint_eq(c->nreplies, quota_get(Q_OUTSTANDING));
    tp->full = false;
    conn_output(c);
    conn_run_pending();
    ck_assert(!c->stalled);
    ck_assert_uint_eq(tp->outlen, 30 * (sizeof(h) + sizeof("/local/domain/1")));
}
END_TEST

START_TEST(directory_part_pages)
{
    struct xs_conn *c = open_conn(0);
    char path[64], body[XENSTORE_PAYLOAD_MAX + 1], arg[64], all[20000];
    size_t got = 0;
    uint32_t t;

    for (int i = 0; i < 400; i++) {
        int n = snprintf(path, sizeof(path), "/big/child-with-a-long-name-%03d", i) + 1;
        ck_assert_str_eq(req(c, XS_MKDIR, path, (uint32_t)n, &t), "OK");
    }
    ck_assert_str_eq(REQ(c, XS_DIRECTORY, "/big", &t), "E2BIG");
    for (;;) {
        int n = snprintf(arg, sizeof(arg), "/big%c%zu", 0, got) + 1;
        struct xsd_sockmsg h;
        push(c, XS_DIRECTORY_PART, 0, arg, (uint32_t)n);
        ck_assert(pop(c, &h, body));
        ck_assert_uint_eq(h.type, XS_DIRECTORY_PART);
        size_t glen = strlen(body) + 1, clen = h.len - glen;
        memcpy(all + got, body + glen, clen);
        if (clen == 1 || (body[h.len - 1] == '\0' && body[h.len - 2] == '\0')) {
            got += clen - 1;
            break;
        }
        got += clen;
    }
    ck_assert_uint_eq(got, 400 * strlen("child-with-a-long-name-000") + 400);
    ck_assert_str_eq(all + got - 27, "child-with-a-long-name-399");
}
END_TEST

START_TEST(control_commands)
{
    struct xs_conn *c = open_conn(0);
    uint32_t t;

    ck_assert_ptr_nonnull(strstr(REQ(c, XS_CONTROL, "quota", &t), "nodes"));
    ck_assert_str_eq(REQ(c, XS_CONTROL,
                         "quota\0set\0watches\0"
                         "64",
                         &t),
                     "OK");
    ck_assert_uint_eq(quota_get(Q_WATCHES), 64);
    ck_assert_str_eq(REQ(c, XS_CONTROL,
                         "quota\0set\0watches\0"
                         "128",
                         &t),
                     "OK");
    ck_assert_str_eq(REQ(c, XS_CONTROL, "log\0debug", &t), "OK");
    ck_assert_str_eq(REQ(c, XS_CONTROL, "log", &t), "debug");
    ck_assert_str_eq(REQ(c, XS_CONTROL, "log\0info", &t), "OK");
    ck_assert_str_eq(REQ(c, XS_CONTROL, "nonsense", &t), "EINVAL");
    ck_assert_str_eq(REQ(c, XS_CONTROL,
                         "restrict\0"
                         "9",
                         &t),
                     "OK");
    ck_assert_str_eq(REQ(c, XS_CONTROL, "check", &t), "EACCES");
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("xs_proto");
    TCase *t = tcase_create("proto");

    tcase_add_checked_fixture(t, setup, teardown);
    tcase_add_test(t, write_then_read);
    tcase_add_test(t, unknown_and_reply_only_types);
    tcase_add_test(t, malformed_payloads);
    tcase_add_test(t, oversized_length_drops_connection);
    tcase_add_test(t, transaction_ids);
    tcase_add_test(t, unprivileged_limits);
    tcase_add_test(t, watch_fires_first_then_on_change);
    tcase_add_test(t, watch_events_respect_permissions);
    tcase_add_test(t, introduce_and_release);
    tcase_add_test(t, stuck_reader_is_bounded);
    tcase_add_test(t, outstanding_replies_pause_input);
    tcase_add_test(t, directory_part_pages);
    tcase_add_test(t, control_commands);
    suite_add_tcase(s, t);
    return s;
}

int main(void)
{
    return check_run(suite(), true);
}
