/* xl_xs.c: xl's xenstore side: a new domain's nodes (Xen's layout), INTRODUCE/RELEASE,
 * control/shutdown. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <pvisor/dombuild.h>
#include <pvisor/xs.h>

#include "xl.h"

#define CONSOLE_LIMIT "1048576" /* libxl's default console/limit */

/* A connection to xenstored in c's run directory, or NULL (errno set). */
static struct xs_handle *xs_connect(struct pvctl *c)
{
    char path[4200];

    if (!getenv("XENSTORED_PATH")) {
        snprintf(path, sizeof(path), "%s/xenstored/socket", pvctl_get_rundir(c));
        setenv("XENSTORED_PATH", path, 1);
    }
    return xs_open(0);
}

static void uuid_str(const uint8_t u[16], char out[37])
{
    snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", u[0],
             u[1], u[2], u[3], u[4], u[5], u[6], u[7], u[8], u[9], u[10], u[11], u[12], u[13],
             u[14], u[15]);
}

/* Writes within a transaction; the first failure sticks (errno kept in err). */
struct xw {
    struct xs_handle *h;
    xs_transaction_t t;
    int err;
    const char *where;
};

static void put(struct xw *w, const char *val, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void put(struct xw *w, const char *val, const char *fmt, ...)
{
    static char path[512];
    va_list ap;

    if (w->err)
        return;
    va_start(ap, fmt);
    vsnprintf(path, sizeof(path), fmt, ap);
    va_end(ap);
    if (!xs_write(w->h, w->t, path, val, (unsigned)strlen(val))) {
        w->err = errno;
        w->where = path;
    }
}

/* ACL of a node: owner `owner` (no access for others) plus `reader` may read (-1: none). */
static void acl(struct xw *w, const char *path, unsigned owner, int reader)
{
    struct xs_permissions p[2] = {{owner, XS_PERM_NONE}, {(unsigned)reader, XS_PERM_READ}};

    if (w->err)
        return;
    if (!xs_set_permissions(w->h, w->t, path, p, reader < 0 ? 1 : 2)) {
        w->err = errno;
        w->where = path;
    }
}

/* Creates path with an ACL (children created later inherit it). */
static void node(struct xw *w, const char *path, const char *val, unsigned owner, int reader)
{
    put(w, val, "%s", path);
    acl(w, path, owner, reader);
}

static void layout(struct xw *w, const struct xlcfg *cfg, const struct dombuild_result *res)
{
    static const char *const guest_dirs[] = {"data", "drivers", "feature", "attr", "error"};
    static const char *const control_rw[] = {"shutdown", "feature-poweroff", "feature-reboot",
                                             "feature-suspend", "sysrq"};
    static const char *const ro_dirs[] = {"memory", "cpu", "control", "device", "store", "console"};
    unsigned id = res->domid;
    int rd = (int)id; /* the guest may read what the toolstack states */
    char home[48], vm[48], uuid[37], num[32], path[128];
    struct timespec now;

    uuid_str(cfg->uuid, uuid);
    snprintf(home, sizeof(home), "/local/domain/%u", id);
    snprintf(vm, sizeof(vm), "/vm/%s", uuid);
    xs_rm(w->h, w->t, home); /* a reused domid starts clean */
    xs_rm(w->h, w->t, vm);
    /* Domain 0's own entries, as Xen's start-up scripts leave them. */
    put(w, "Domain-0", "/local/domain/0/name");
    put(w, "0", "/local/domain/0/domid");
    put(w, "", "/local/domain/0/backend");

    /* /vm/<uuid>: read-only for the guest. */
    node(w, vm, "", 0, rd);
    put(w, uuid, "%s/uuid", vm);
    put(w, cfg->name, "%s/name", vm);
    put(w, "linux", "%s/image/ostype", vm);
    put(w, cfg->kernel, "%s/image/kernel", vm);
    put(w, cfg->cmdline ? cfg->cmdline : "", "%s/image/cmdline", vm);
    clock_gettime(CLOCK_REALTIME, &now);
    snprintf(num, sizeof(num), "%lld.%02ld", (long long)now.tv_sec, now.tv_nsec / 10000000);
    put(w, num, "%s/start_time", vm);

    /* The home belongs to the guest; what the toolstack states is read-only to it. */
    node(w, home, "", id, -1);
    for (unsigned i = 0; i < sizeof(ro_dirs) / sizeof(ro_dirs[0]); i++) {
        snprintf(path, sizeof(path), "%s/%s", home, ro_dirs[i]);
        node(w, path, "", 0, rd);
    }
    snprintf(path, sizeof(path), "%s/name", home);
    node(w, path, cfg->name, 0, rd);
    snprintf(path, sizeof(path), "%s/domid", home);
    snprintf(num, sizeof(num), "%u", id);
    node(w, path, num, 0, rd);
    snprintf(path, sizeof(path), "%s/vm", home);
    node(w, path, vm, 0, rd);
    snprintf(num, sizeof(num), "%llu", (unsigned long long)cfg->maxmem_mb * 1024);
    put(w, num, "%s/memory/static-max", home);
    snprintf(num, sizeof(num), "%llu", (unsigned long long)cfg->memory_mb * 1024);
    put(w, num, "%s/memory/target", home);
    for (unsigned v = 0; v < cfg->maxvcpus; v++)
        put(w, v < cfg->vcpus ? "online" : "offline", "%s/cpu/%u/availability", home, v);
    put(w, "1", "%s/control/platform-feature-multiprocessor-suspend", home);
    put(w, "1", "%s/control/platform-feature-xs_reset_watches", home);
    snprintf(num, sizeof(num), "%llu", (unsigned long long)res->store_pfn);
    put(w, num, "%s/store/ring-ref", home);
    snprintf(num, sizeof(num), "%u", res->store_port);
    put(w, num, "%s/store/port", home);
    snprintf(num, sizeof(num), "%llu", (unsigned long long)res->console_pfn);
    put(w, num, "%s/console/ring-ref", home);
    snprintf(num, sizeof(num), "%u", res->console_port);
    put(w, num, "%s/console/port", home);
    put(w, "xenconsoled", "%s/console/type", home);
    put(w, "pty", "%s/console/output", home);
    put(w, CONSOLE_LIMIT, "%s/console/limit", home);
    /* The guest answers in control/shutdown and announces its features. */
    for (unsigned i = 0; i < sizeof(control_rw) / sizeof(control_rw[0]); i++) {
        snprintf(path, sizeof(path), "%s/control/%s", home, control_rw[i]);
        node(w, path, "", id, -1);
    }
    for (unsigned i = 0; i < sizeof(guest_dirs) / sizeof(guest_dirs[0]); i++) {
        snprintf(path, sizeof(path), "%s/%s", home, guest_dirs[i]);
        node(w, path, "", id, -1);
    }
}

int xl_xs_setup(struct pvctl *c, const struct xlcfg *cfg, const struct dombuild_result *res)
{
    static bool warned;
    struct xw w = {0};
    int tries = 0;

    w.h = xs_connect(c);
    if (!w.h) {
        if (!warned)
            xl_err("warning: xenstored is not running in %s (%s): domain %u gets no "
                   "xenstore entries and no store ring (start it with `pvisor start`)",
                   pvctl_get_rundir(c), strerror(errno), res->domid);
        warned = true;
        return 0;
    }
    do {
        w.err = 0;
        w.t = xs_transaction_start(w.h);
        if (w.t == XBT_NULL) {
            w.err = errno;
            w.where = "transaction start";
            break;
        }
        layout(&w, cfg, res);
        if (!xs_transaction_end(w.h, w.t, w.err != 0) && !w.err) {
            w.err = errno;
            w.where = "commit";
        }
    } while (w.err == EAGAIN && ++tries < 10);
    if (!w.err &&
        !xs_introduce_domain(w.h, res->domid, (unsigned long)res->store_pfn, res->store_port)) {
        w.err = errno;
        w.where = "INTRODUCE";
    }
    xs_close(w.h);
    if (w.err) {
        xl_err("cannot register domain %u with xenstored (%s: %s)", res->domid, w.where,
               strerror(w.err));
        return -w.err;
    }
    return 0;
}

void xl_xs_release(struct pvctl *c, uint32_t domid)
{
    struct xs_handle *h = xs_connect(c);
    char home[48], *vm;

    if (!h)
        return;
    snprintf(home, sizeof(home), "/local/domain/%u/vm", domid);
    vm = xs_read(h, XBT_NULL, home, NULL);
    if (!xs_release_domain(h, domid) && errno != ENOENT)
        xl_err("warning: xenstored did not release domain %u: %s", domid, strerror(errno));
    snprintf(home, sizeof(home), "/local/domain/%u", domid);
    xs_rm(h, XBT_NULL, home);
    if (vm && strncmp(vm, "/vm/", 4) == 0 && !strchr(vm + 4, '/'))
        xs_rm(h, XBT_NULL, vm);
    free(vm);
    xs_close(h);
}

int xl_xs_shutdown_request(struct pvctl *c, uint32_t domid, const char *word)
{
    struct xs_handle *h = xs_connect(c);
    char path[64];
    int rc = 0;

    if (!h)
        return -ENOTCONN;
    if (!xs_is_domain_introduced(h, domid)) {
        xs_close(h);
        return -ENOENT;
    }
    snprintf(path, sizeof(path), "/local/domain/%u/control/shutdown", domid);
    if (!xs_write(h, XBT_NULL, path, word, (unsigned)strlen(word)))
        rc = -errno;
    xs_close(h);
    return rc;
}

int xl_xs_shutdown_acked(struct pvctl *c, uint32_t domid, const char *word)
{
    struct xs_handle *h = xs_connect(c);
    char path[64], *v;
    int rc;

    if (!h)
        return -ENOTCONN;
    snprintf(path, sizeof(path), "/local/domain/%u/control/shutdown", domid);
    v = xs_read(h, XBT_NULL, path, NULL);
    rc = v ? strcmp(v, word) != 0 : -errno;
    free(v);
    xs_close(h);
    return rc;
}
