/*
 * xsclient.c: a xenstore client guest: reads, writes and watches its own nodes over the store
 * ring and prints one checkable line per step ("xsclient: ok - ..." / "xsclient: FAIL - ...").
 *
 * Command line:
 *   peer=PATH    also check that reading PATH (another domain's node) is refused (EACCES)
 *   loop=N       afterwards, for N seconds: every 200 ms write and read back data/counter,
 *                print events of a watch on data/poke, obey control/shutdown
 *   fast=1       loop without pausing (a request always in flight)
 *   corrupt=1    afterwards, break the request ring's producer index (a hostile guest):
 *                report what xenstored does, then reconnect (Xen's ring reconnection)
 *   idle=N       at the end, sleep N seconds ignoring control/shutdown (a guest without
 *                PV shutdown support: what `xl shutdown -F` is for)
 */
#include <pvguest/pvguest.h>
#include <xen/io/xs_wire.h>

static unsigned passed, failed;

static void check(bool ok, const char *what, long got)
{
    if (ok) {
        passed++;
        printk("xsclient: ok - %s\n", what);
    } else {
        failed++;
        printk("xsclient: FAIL - %s (got %ld%s%s)\n", what, got, got < 0 ? " " : "",
               got < 0 && pv_errno_name((int)-got) ? pv_errno_name((int)-got) : "");
    }
}

/* Waits for the next event of token tok; 0 and its path in path, or -errno. */
static int next_event(const char *tok, char *path, unsigned psize)
{
    char t[32];
    uint64_t deadline = pv_now_ns() + 3 * NSEC_PER_SEC;
    int rc;

    do {
        rc = xenbus_read_watch(path, psize, t, sizeof(t), deadline);
    } while (rc == 0 && strcmp(t, tok) != 0);
    return rc;
}

static void basics(void)
{
    char buf[256], want[64];
    unsigned n = 0;
    int rc, id = xenbus_domid();

    check(id > 0, "domid read from xenstore", id);
    printk("xsclient: domid %d\n", id);
    rc = xenbus_read(XBT_NIL, "name", buf, sizeof(buf));
    check(rc > 0, "read own name", rc);
    if (rc > 0)
        printk("xsclient: name %s\n", buf);
    rc = xenbus_read(XBT_NIL, "store/ring-ref", buf, sizeof(buf));
    snprintf(want, sizeof(want), "%lu", (unsigned long)pv_start_info->store_mfn);
    check(rc > 0 && strcmp(buf, want) == 0, "store/ring-ref is the store page", rc);

    snprintf(want, sizeof(want), "hello from %d", id);
    rc = xenbus_write(XBT_NIL, "data/greeting", want);
    check(rc == 0, "write data/greeting", rc);
    rc = xenbus_read(XBT_NIL, "data/greeting", buf, sizeof(buf));
    check(rc == (int)strlen(want) && strcmp(buf, want) == 0, "read data/greeting back", rc);
    snprintf(buf, sizeof(buf), "/local/domain/%d/data/greeting", id);
    rc = xenbus_read(XBT_NIL, buf, buf, sizeof(buf));
    check(rc == (int)strlen(want), "read it by its absolute path", rc);
    rc = xenbus_read(XBT_NIL, "data/greeting", buf, 4);
    check(rc == (int)strlen(want) && strlen(buf) == 3, "short buffer: truncated, full length", rc);

    rc = xenbus_mkdir(XBT_NIL, "data/dir");
    check(rc == 0, "mkdir data/dir", rc);
    rc = xenbus_directory(XBT_NIL, "data", buf, sizeof(buf), &n);
    bool both = false;
    if (rc > 0) {
        bool g = false, d = false;
        for (const char *p = buf; p < buf + rc; p += strlen(p) + 1) {
            g |= strcmp(p, "greeting") == 0;
            d |= strcmp(p, "dir") == 0;
        }
        both = g && d;
    }
    check(both && n == 2, "directory data lists greeting and dir", rc);
    rc = xenbus_rm(XBT_NIL, "data/dir");
    check(rc == 0, "rm data/dir", rc);
    rc = xenbus_read(XBT_NIL, "data/dir", buf, sizeof(buf));
    check(rc == -ENOENT, "data/dir is gone (ENOENT)", rc);

    rc = xenbus_write(XBT_NIL, "data/shared", "x");
    if (rc == 0) {
        snprintf(want, sizeof(want), "n%d r0", id);
        rc = xenbus_set_perms(XBT_NIL, "data/shared", want);
    }
    check(rc == 0, "set_perms data/shared", rc);
    rc = xenbus_get_perms(XBT_NIL, "data/shared", buf, sizeof(buf));
    check(rc > 0 && strcmp(buf, want) == 0, "get_perms data/shared", rc);
    rc = xenbus_read(XBT_NIL, "control/shutdown", buf, sizeof(buf));
    check(rc == 0, "control/shutdown is readable and empty", rc);
}

static void watches(void)
{
    char path[128];
    int rc = xenbus_watch("data", "w1");

    check(rc == 0, "watch data", rc);
    rc = next_event("w1", path, sizeof(path));
    check(rc == 0 && strcmp(path, "data") == 0, "first event (data, w1)", rc);
    rc = xenbus_write(XBT_NIL, "data/w", "1");
    if (rc == 0)
        rc = next_event("w1", path, sizeof(path));
    check(rc == 0 && strcmp(path, "data/w") == 0, "event for data/w", rc);
    rc = xenbus_unwatch("data", "w1");
    check(rc == 0, "unwatch data", rc);
    rc = xenbus_unwatch("data", "w1");
    check(rc == -ENOENT, "second unwatch is ENOENT", rc);
}

static void transactions(void)
{
    xenbus_transaction_t t;
    char buf[32];
    int rc = xenbus_transaction_start(&t);

    check(rc == 0 && t != XBT_NIL, "transaction start", rc);
    if (rc == 0) {
        rc = xenbus_write(t, "data/tx", "1");
        if (rc == 0)
            rc = xenbus_read(XBT_NIL, "data/tx", buf, sizeof(buf));
        check(rc == -ENOENT, "write in a transaction is invisible outside", rc);
        rc = xenbus_transaction_end(t, false);
        check(rc == 0, "commit", rc);
        rc = xenbus_read(XBT_NIL, "data/tx", buf, sizeof(buf));
        check(rc == 1 && buf[0] == '1', "committed value visible", rc);
    }
    rc = xenbus_transaction_start(&t);
    if (rc == 0) {
        rc = xenbus_read(t, "data/tx", buf, sizeof(buf));
        if (rc >= 0)
            rc = xenbus_write(XBT_NIL, "data/tx", "2"); /* someone else's change */
        if (rc >= 0)
            rc = xenbus_write(t, "data/tx", "3");
        if (rc >= 0)
            rc = xenbus_transaction_end(t, false);
    }
    check(rc == -EAGAIN, "conflicting commit is EAGAIN", rc);
}

static void refusals(const char *cmdline)
{
    char peer[128], buf[64];
    int rc;

    if (pv_cmdline_get(cmdline, "peer", peer, sizeof(peer))) {
        rc = xenbus_read(XBT_NIL, peer, buf, sizeof(buf));
        check(rc == -EACCES, "reading another domain's node is EACCES", rc);
        rc = xenbus_write(XBT_NIL, peer, "mine");
        check(rc == -EACCES, "writing another domain's node is EACCES", rc);
    }
    rc = xenbus_write(XBT_NIL, "/tool/xsclient", "x");
    check(rc == -EACCES, "writing outside its home is EACCES", rc);
    rc = xenbus_write(XBT_NIL, "name", "renamed");
    check(rc == -EACCES, "its name is read-only", rc);
    static const char intro[] = "9\0"
                                "1000\0"
                                "1";
    rc = xenbus_request(XS_INTRODUCE, XBT_NIL, intro, sizeof(intro), buf, sizeof(buf));
    check(rc == -EACCES, "INTRODUCE is EACCES", rc);
    rc = xenbus_request(XS_RELEASE, XBT_NIL, "0", 2, buf, sizeof(buf));
    check(rc == -EACCES, "RELEASE is EACCES", rc);
}

static void loop(unsigned long secs, bool fast)
{
    unsigned every = fast ? 500 : 5;
    uint64_t pause = fast ? 0 : 200 * NSEC_PER_MSEC;
    uint64_t end = pv_now_ns() + secs * NSEC_PER_SEC;
    unsigned ok = 0, bad = 0, i = 0;
    char val[32], got[32], path[128], tok[32];
    int rc = xenbus_watch("data/poke", "poke");

    if (rc < 0)
        printk("xsclient: loop: watch data/poke: %d\n", rc);
    xenbus_shutdown_watch();
    printk("xsclient: looping for %lu s\n", secs);
    while (pv_now_ns() < end) {
        xenbus_shutdown_poll();
        snprintf(val, sizeof(val), "%u", ++i);
        rc = xenbus_write(XBT_NIL, "data/counter", val);
        if (rc == 0)
            rc = xenbus_read(XBT_NIL, "data/counter", got, sizeof(got));
        if (rc >= 0 && strcmp(got, val) == 0) {
            ok++;
            if (i % every == 0)
                printk("xsclient: loop %u ok\n", i);
        } else {
            bad++;
            printk("xsclient: loop %u FAILED: %d %s\n", i, rc,
                   rc < 0 && pv_errno_name(-rc) ? pv_errno_name(-rc) : "");
        }
        while (xenbus_read_watch(path, sizeof(path), tok, sizeof(tok), pv_now_ns() + pause) == 0)
            printk("xsclient: event %s %s\n", path, tok);
    }
    printk("xsclient: loop done, %u ok, %u failed\n", ok, bad);
}

static bool ring_error(void *arg)
{
    (void)arg;
    return xenbus_ring_error() != 0;
}

static void corrupt(void)
{
    struct xenstore_domain_interface *in = pv_mfn_to_virt(pv_start_info->store_mfn);
    char buf[32];
    int rc;

    WRITE_ONCE(in->req_prod, READ_ONCE(in->req_cons) + 5000);
    pv_mb();
    evtchn_send(pv_start_info->store_evtchn);
    printk("xsclient: corrupted the request ring (req_prod = req_cons + 5000)\n");
    for (int i = 0; i < 300 && !ring_error(NULL); i++)
        pv_wait_until(ring_error, NULL, pv_now_ns() + 10 * NSEC_PER_MSEC);
    printk("xsclient: ring error field = %u\n", xenbus_ring_error());
    rc = xenbus_read(XBT_NIL, "data/greeting", buf, sizeof(buf));
    printk("xsclient: read after corruption: %d %s\n", rc,
           rc < 0 && pv_errno_name(-rc) ? pv_errno_name(-rc) : "");
    rc = xenbus_reconnect(5 * NSEC_PER_SEC);
    printk("xsclient: reconnect: %d\n", rc);
    rc = xenbus_read(XBT_NIL, "data/greeting", buf, sizeof(buf));
    check(rc > 0, "read after reconnecting", rc);
}

int main(const char *cmdline)
{
    int rc = xenbus_init();

    if (rc < 0) {
        printk("xsclient: no xenstore ring: %d\n", rc);
        return 1;
    }
    basics();
    watches();
    transactions();
    refusals(cmdline);
    printk("xsclient: %u passed, %u failed\n", passed, failed);
    unsigned long secs = pv_cmdline_ulong(cmdline, "loop", 0);
    if (secs)
        loop(secs, pv_cmdline_ulong(cmdline, "fast", 0) != 0);
    if (pv_cmdline_ulong(cmdline, "corrupt", 0))
        corrupt();
    secs = pv_cmdline_ulong(cmdline, "idle", 0);
    if (secs) {
        printk("xsclient: idle for %lu s, deaf to control/shutdown\n", secs);
        pv_sleep_ns(secs * NSEC_PER_SEC);
    }
    printk("xsclient: done\n");
    return 0;
}
