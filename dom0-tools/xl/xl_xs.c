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

struct xs_handle *xl_xs_open(struct pvctl *c)
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

void xl_xw_put(struct xl_xw *w, const char *val, const char *fmt, ...)
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

void xl_xw_acl(struct xl_xw *w, const char *path, unsigned owner, int reader)
{
    struct xs_permissions p[2] = {{owner, XS_PERM_NONE}, {(unsigned)reader, XS_PERM_READ}};

    if (w->err)
        return;
    if (!xs_set_permissions(w->h, w->t, path, p, reader < 0 ? 1 : 2)) {
        w->err = errno;
        w->where = path;
    }
}

void xl_xw_node(struct xl_xw *w, const char *path, const char *val, unsigned owner, int reader)
{
    xl_xw_put(w, val, "%s", path);
    xl_xw_acl(w, path, owner, reader);
}

int xl_xs_transact(struct xs_handle *h, void (*body)(struct xl_xw *w, void *arg), void *arg,
                   const char **where)
{
    struct xl_xw w = {.h = h};
    int tries = 0;

    do {
        w.err = 0;
        w.t = xs_transaction_start(h);
        if (w.t == XBT_NULL) {
            w.err = errno;
            w.where = "transaction start";
            break;
        }
        body(&w, arg);
        if (!xs_transaction_end(h, w.t, w.err != 0) && !w.err) {
            w.err = errno;
            w.where = "commit";
        }
    } while (w.err == EAGAIN && ++tries < 10);
    if (where)
        *where = w.where;
    return -w.err;
}

static void layout(struct xl_xw *w, const struct xlcfg *cfg, const struct dombuild_result *res)
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
    snprintf(path, sizeof(path), "/local/domain/0/backend/vbd/%u", id);
    xs_rm(w->h, w->t, path);
    snprintf(path, sizeof(path), "/local/domain/0/backend/vif/%u", id);
    xs_rm(w->h, w->t, path);
    /* Domain 0's own entries, as Xen's start-up scripts leave them. */
    xl_xw_put(w, "Domain-0", "/local/domain/0/name");
    xl_xw_put(w, "0", "/local/domain/0/domid");
    xl_xw_put(w, "", "/local/domain/0/backend");

    /* /vm/<uuid>: read-only for the guest. */
    xl_xw_node(w, vm, "", 0, rd);
    xl_xw_put(w, uuid, "%s/uuid", vm);
    xl_xw_put(w, cfg->name, "%s/name", vm);
    xl_xw_put(w, "linux", "%s/image/ostype", vm);
    xl_xw_put(w, cfg->kernel, "%s/image/kernel", vm);
    xl_xw_put(w, cfg->cmdline ? cfg->cmdline : "", "%s/image/cmdline", vm);
    clock_gettime(CLOCK_REALTIME, &now);
    snprintf(num, sizeof(num), "%lld.%02ld", (long long)now.tv_sec, now.tv_nsec / 10000000);
    xl_xw_put(w, num, "%s/start_time", vm);

    /* The home belongs to the guest; what the toolstack states is read-only to it. */
    xl_xw_node(w, home, "", id, -1);
    for (unsigned i = 0; i < sizeof(ro_dirs) / sizeof(ro_dirs[0]); i++) {
        snprintf(path, sizeof(path), "%s/%s", home, ro_dirs[i]);
        xl_xw_node(w, path, "", 0, rd);
    }
    snprintf(path, sizeof(path), "%s/name", home);
    xl_xw_node(w, path, cfg->name, 0, rd);
    snprintf(path, sizeof(path), "%s/domid", home);
    snprintf(num, sizeof(num), "%u", id);
    xl_xw_node(w, path, num, 0, rd);
    snprintf(path, sizeof(path), "%s/vm", home);
    xl_xw_node(w, path, vm, 0, rd);
    snprintf(num, sizeof(num), "%llu", (unsigned long long)cfg->maxmem_mb * 1024);
    xl_xw_put(w, num, "%s/memory/static-max", home);
    snprintf(num, sizeof(num), "%llu", (unsigned long long)cfg->memory_mb * 1024);
    xl_xw_put(w, num, "%s/memory/target", home);
    for (unsigned v = 0; v < cfg->maxvcpus; v++)
        xl_xw_put(w, v < cfg->vcpus ? "online" : "offline", "%s/cpu/%u/availability", home, v);
    xl_xw_put(w, "1", "%s/control/platform-feature-multiprocessor-suspend", home);
    xl_xw_put(w, "1", "%s/control/platform-feature-xs_reset_watches", home);
    snprintf(num, sizeof(num), "%llu", (unsigned long long)res->store_pfn);
    xl_xw_put(w, num, "%s/store/ring-ref", home);
    snprintf(num, sizeof(num), "%u", res->store_port);
    xl_xw_put(w, num, "%s/store/port", home);
    snprintf(num, sizeof(num), "%llu", (unsigned long long)res->console_pfn);
    xl_xw_put(w, num, "%s/console/ring-ref", home);
    snprintf(num, sizeof(num), "%u", res->console_port);
    xl_xw_put(w, num, "%s/console/port", home);
    xl_xw_put(w, "xenconsoled", "%s/console/type", home);
    xl_xw_put(w, "pty", "%s/console/output", home);
    xl_xw_put(w, CONSOLE_LIMIT, "%s/console/limit", home);
    /* The guest answers in control/shutdown and announces its features. */
    for (unsigned i = 0; i < sizeof(control_rw) / sizeof(control_rw[0]); i++) {
        snprintf(path, sizeof(path), "%s/control/%s", home, control_rw[i]);
        xl_xw_node(w, path, "", id, -1);
    }
    for (unsigned i = 0; i < sizeof(guest_dirs) / sizeof(guest_dirs[0]); i++) {
        snprintf(path, sizeof(path), "%s/%s", home, guest_dirs[i]);
        xl_xw_node(w, path, "", id, -1);
    }
    for (size_t i = 0; i < cfg->ndisks; i++)
        xl_vbd_write(w, id, &cfg->disks[i]);
    for (size_t i = 0; i < cfg->nvifs; i++)
        xl_vif_write(w, id, &cfg->vifs[i]);
}

struct setup_arg {
    const struct xlcfg *cfg;
    const struct dombuild_result *res;
};

static void setup_body(struct xl_xw *w, void *arg)
{
    const struct setup_arg *a = arg;

    layout(w, a->cfg, a->res);
}

int xl_xs_setup(struct pvctl *c, const struct xlcfg *cfg, const struct dombuild_result *res)
{
    static bool warned;
    struct setup_arg arg = {cfg, res};
    struct xs_handle *h = xl_xs_open(c);
    const char *where = NULL;
    int rc;

    if (!h) {
        if (!warned)
            xl_err("warning: xenstored is not running in %s (%s): domain %u gets no "
                   "xenstore entries and no store ring (start it with `pvisor start`)",
                   pvctl_get_rundir(c), strerror(errno), res->domid);
        warned = true;
        return 0;
    }
    rc = xl_xs_transact(h, setup_body, &arg, &where);
    if (!rc &&
        !xs_introduce_domain(h, res->domid, (unsigned long)res->store_pfn, res->store_port)) {
        rc = -errno;
        where = "INTRODUCE";
    }
    xs_close(h);
    if (rc) {
        xl_err("cannot register domain %u with xenstored (%s: %s)", res->domid, where,
               strerror(-rc));
        return rc;
    }
    if (cfg->ndisks && !xl_daemon_running(c, "blkback"))
        xl_err("warning: blkback is not running in %s: the %zu disk%s of domain %s (%u) will "
               "not be served (start it with `pvisor start`)",
               pvctl_get_rundir(c), cfg->ndisks, cfg->ndisks == 1 ? "" : "s", cfg->name,
               res->domid);
    return 0;
}

void xl_xs_release(struct pvctl *c, uint32_t domid)
{
    struct xs_handle *h = xl_xs_open(c);
    char home[48], *vm;

    if (!h)
        return;
    snprintf(home, sizeof(home), "/local/domain/%u/vm", domid);
    vm = xs_read(h, XBT_NULL, home, NULL);
    if (!xs_release_domain(h, domid) && errno != ENOENT)
        xl_err("warning: xenstored did not release domain %u: %s", domid, strerror(errno));
    snprintf(home, sizeof(home), "/local/domain/%u", domid);
    xs_rm(h, XBT_NULL, home);
    snprintf(home, sizeof(home), "/local/domain/0/backend/vbd/%u", domid);
    xs_rm(h, XBT_NULL, home);
    snprintf(home, sizeof(home), "/local/domain/0/backend/vif/%u", domid);
    xs_rm(h, XBT_NULL, home);
    if (vm && strncmp(vm, "/vm/", 4) == 0 && !strchr(vm + 4, '/'))
        xs_rm(h, XBT_NULL, vm);
    free(vm);
    xs_close(h);
}

int xl_xs_shutdown_request(struct pvctl *c, uint32_t domid, const char *word)
{
    struct xs_handle *h = xl_xs_open(c);
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
    struct xs_handle *h = xl_xs_open(c);
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
