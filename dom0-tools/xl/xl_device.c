/* xl_device.c: what disks and vifs share: their xenstore directories, attach, detach, kept lists.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "xl.h"

#define ATTACH_WAIT_MS 10000 /* the backend must take a device within this */
#define DETACH_WAIT_MS 10000 /* the backend must reach Closed within this */
#define WATCH_TICK_MS  200   /* re-read even without a watch event */
#define WATCH_TOKEN    "xl-device"
#define NOTE_AFTER_MS  1000 /* a wait longer than this says so on a terminal */

/* Xen's xenbus states. */
enum { XB_INIT_WAIT = 2, XB_CONNECTED = 4, XB_CLOSING = 5, XB_CLOSED = 6 };

const struct xl_devkind xl_vbd_kind = {"vbd", "disk", "disks", "blkback", "block"};
const struct xl_devkind xl_vif_kind = {"vif", "vif", "vifs", "netback", "network"};

void xl_dev_init(struct xl_dev *d, const struct xl_devkind *k, uint32_t domid, uint32_t devid)
{
    d->k = k;
    d->domid = domid;
    d->devid = devid;
    snprintf(d->be, sizeof(d->be), "/local/domain/0/backend/%s/%u/%u", k->xs, domid, devid);
    snprintf(d->fe, sizeof(d->fe), "/local/domain/%u/device/%s/%u", domid, k->xs, devid);
}

/* ---- xenstore reads ------------------------------------------------------------------------ */

char *xl_xs_get(struct xs_handle *h, xs_transaction_t t, const char *dir, const char *key)
{
    char path[160];

    snprintf(path, sizeof(path), "%s/%s", dir, key);
    return xs_read(h, t, path, NULL);
}

long xl_xs_num(struct xs_handle *h, const char *dir, const char *key)
{
    char *v = xl_xs_get(h, XBT_NULL, dir, key), *end;
    long n = -1;

    if (v && v[0]) {
        n = strtol(v, &end, 10);
        if (*end || n < 0)
            n = -1;
    }
    free(v);
    return n;
}

bool xl_xs_exists(struct xs_handle *h, xs_transaction_t t, const char *path)
{
    char *v = xs_read(h, t, path, NULL);

    free(v);
    return v != NULL;
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

    return x < y ? -1 : x > y;
}

size_t xl_xs_numbers(struct xs_handle *h, const char *dir, uint32_t **out)
{
    unsigned n = 0;
    char **names = xs_directory(h, XBT_NULL, dir, &n);
    uint32_t *v = names && n ? calloc(n, sizeof(*v)) : NULL;
    size_t k = 0;

    for (unsigned i = 0; v && i < n; i++) {
        char *end;
        unsigned long x = strtoul(names[i], &end, 10);

        if (names[i][0] >= '0' && names[i][0] <= '9' && !*end && x <= UINT32_MAX)
            v[k++] = (uint32_t)x;
    }
    free(names);
    if (v)
        qsort(v, k, sizeof(*v), cmp_u32);
    *out = v;
    return k;
}

/* ---- waiting ------------------------------------------------------------------------------- */

/* Waits up to ms for a watch event (or just sleeps without a watch); drops the events. */
static void wait_event(struct xs_handle *h, bool watching, unsigned ms)
{
    struct pollfd p = {.fd = watching ? xs_fileno(h) : -1, .events = POLLIN};
    char **ev;

    if (p.fd < 0) {
        xl_sleep_ms(ms);
        return;
    }
    poll(&p, 1, (int)ms);
    while ((ev = xs_check_watch(h)) != NULL)
        free(ev);
}

static void unwatch(struct xs_handle *h, bool watching, const char *path)
{
    char **ev;

    if (!watching)
        return;
    xs_unwatch(h, path, WATCH_TOKEN);
    while ((ev = xs_check_watch(h)) != NULL)
        free(ev);
}

/* On a terminal, says once what a wait that has lasted NOTE_AFTER_MS is waiting for. */
static void wait_note(uint64_t start, bool *shown, const char *what)
{
    if (*shown || xl_now_ms() - start < NOTE_AFTER_MS || !isatty(STDERR_FILENO))
        return;
    fprintf(stderr, "xl: waiting for %s (at most 10 s) ...\n", what);
    *shown = true;
}

/* 1: not yet; 0: the backend took the device; or -EIO with its message. */
static int backend_answer(struct xs_handle *h, const char *be, long state, char *msg, size_t len)
{
    static const char *const err_keys[] = {"hotplug-error", "error"};
    char *hs = xl_xs_get(h, XBT_NULL, be, "hotplug-status");
    int rc = 1;

    for (size_t i = 0; rc == 1 && i < sizeof(err_keys) / sizeof(err_keys[0]); i++) {
        char *e = xl_xs_get(h, XBT_NULL, be, err_keys[i]);

        if (e && e[0]) {
            snprintf(msg, len, "%s", e);
            rc = -EIO;
        }
        free(e);
    }
    if (rc == 1 && hs && strcmp(hs, "error") == 0) {
        snprintf(msg, len, "hotplug-status is error (no hotplug-error given)");
        rc = -EIO;
    } else if (rc == 1 && ((hs && strcmp(hs, "connected") == 0) ||
                           (state >= XB_INIT_WAIT && state <= XB_CONNECTED))) {
        rc = 0;
    }
    free(hs);
    return rc;
}

int xl_dev_wait_backend(struct xs_handle *h, const struct xl_dev *d, uint64_t deadline, long *state,
                        char *msg, size_t len)
{
    uint64_t start = xl_now_ms();
    bool watching = xs_watch(h, d->be, WATCH_TOKEN), shown = false;
    char what[64];
    int rc = 1;

    snprintf(what, sizeof(what), "%s to set up %s %u", d->k->daemon, d->k->noun, d->devid);
    while (rc == 1) {
        int64_t left = (int64_t)(deadline - xl_now_ms());

        *state = xl_xs_num(h, d->be, "state");
        rc = backend_answer(h, d->be, *state, msg, len);
        if (rc != 1)
            break;
        if (*state >= XB_CLOSING)
            rc = -ECONNRESET;
        else if (!xl_xs_exists(h, XBT_NULL, d->be))
            rc = -ENOENT;
        else if (left <= 0)
            rc = -ETIMEDOUT;
        else
            wait_event(h, watching, left < WATCH_TICK_MS ? (unsigned)left : WATCH_TICK_MS);
        wait_note(start, &shown, what);
    }
    unwatch(h, watching, d->be);
    return rc;
}

void xl_dev_wait_failed(int rc, const struct pvctl_dominfo *info, const struct xl_dev *d,
                        const char *label, long state, const char *msg)
{
    const char *daemon = d->k->daemon, *who = info->name;

    if (rc == -EIO)
        xl_err("%s could not set up %s for domain %s (%u): %s", daemon, label, who, info->domid,
               msg);
    else if (rc == -ECONNRESET)
        xl_err("%s closed %s of domain %s (%u) at once (backend state %ld); see "
               "$PVISOR_RUNDIR/%s.log",
               daemon, label, who, info->domid, state, daemon);
    else if (rc == -ENOENT)
        xl_err("%s of domain %s (%u) was removed while it was being set up", label, who,
               info->domid);
    else
        xl_err("%s did not pick up %s of domain %s (%u) within %d s (backend state %ld); is it "
               "running? see $PVISOR_RUNDIR/%s.log",
               daemon, label, who, info->domid, ATTACH_WAIT_MS / 1000, state, daemon);
}

/* ---- the guest and its devices --------------------------------------------------------------- */

int xl_dev_open_guest(const char *arg, const char *cmd, const struct xl_devkind *k,
                      struct pvctl **c, struct pvctl_dominfo *info, struct xs_handle **h)
{
    if (strcmp(arg, "0") == 0 || strcmp(arg, "Domain-0") == 0) {
        xl_err("Domain-0 is the host itself; `xl %s` works on guest domains", cmd);
        return XL_FAIL;
    }
    if (xl_connect(c) < 0)
        return XL_FAIL;
    if (xl_resolve(*c, arg, &info->domid, info) < 0) {
        pvctl_close(*c);
        return XL_FAIL;
    }
    *h = xl_xs_open(*c);
    if (!*h) {
        xl_err("xenstored is not running in %s (%s): %s are set up through xenstore (start it "
               "with `pvisor start`)",
               pvctl_get_rundir(*c), strerror(errno), k->nouns);
        pvctl_close(*c);
        return XL_FAIL;
    }
    return -1;
}

void xl_dev_close_guest(struct pvctl *c, struct xs_handle *h)
{
    xs_close(h);
    pvctl_close(c);
}

bool xl_domain_down(const struct pvctl_dominfo *info)
{
    return info->flags & (PVCTL_DOMF_SHUTDOWN | PVCTL_DOMF_DYING);
}

int xl_dev_attach_checks(struct pvctl *c, struct xs_handle *h, const struct pvctl_dominfo *info,
                         const struct xl_devkind *k)
{
    if (xl_domain_down(info)) {
        xl_err("domain %s (%u) has shut down; %s can be attached to running domains only",
               info->name, info->domid, k->nouns);
        return -EINVAL;
    }
    if (!xs_is_domain_introduced(h, info->domid)) {
        xl_err("domain %s (%u) is not known to xenstored (it was created without it), so it "
               "cannot find a %s; recreate it with xenstored running",
               info->name, info->domid, k->noun);
        return -ENOENT;
    }
    if (!xl_daemon_running(c, k->daemon)) {
        xl_err("%s is not running in %s: nothing would serve the %s; start the stack with "
               "`pvisor start`",
               k->daemon, pvctl_get_rundir(c), k->noun);
        return -ENOTCONN;
    }
    return 0;
}

static void remove_body(struct xl_xw *w, void *arg)
{
    const struct xl_dev *d = arg;

    if (!xs_rm(w->h, w->t, d->fe) && errno != ENOENT) {
        w->err = errno;
        w->where = d->fe;
    }
    if (!w->err && !xs_rm(w->h, w->t, d->be) && errno != ENOENT) {
        w->err = errno;
        w->where = d->be;
    }
}

int xl_dev_remove(struct xs_handle *h, const struct xl_dev *d)
{
    const char *where = NULL;
    int rc = xl_xs_transact(h, remove_body, (void *)d, &where);

    if (rc < 0)
        xl_err("cannot remove %s: %s", where ? where : d->be, strerror(-rc));
    return rc;
}

/* ---- attach ---------------------------------------------------------------------------------- */

struct attach {
    const struct xl_dev *d;
    void (*write)(struct xl_xw *w, const void *arg);
    const void *arg;
};

static void attach_body(struct xl_xw *w, void *arg)
{
    struct attach *a = arg;

    if (xl_xs_exists(w->h, w->t, a->d->be) || xl_xs_exists(w->h, w->t, a->d->fe)) {
        w->err = EEXIST;
        w->where = a->d->be;
        return;
    }
    a->write(w, a->arg);
}

int xl_dev_attach(struct pvctl *c, struct xs_handle *h, const struct pvctl_dominfo *info,
                  const struct xl_dev *d, const char *label,
                  void (*write)(struct xl_xw *w, const void *arg), const void *arg,
                  const char *spec)
{
    struct attach a = {d, write, arg};
    const char *where = NULL;
    char msg[512] = "";
    long state = -1;
    int rc;

    rc = xl_xs_transact(h, attach_body, &a, &where);
    if (rc == -EEXIST)
        return rc;
    if (rc < 0) {
        xl_err("cannot write %s of domain %s (%u) to xenstore (%s: %s)", label, info->name,
               info->domid, where ? where : "?", strerror(-rc));
        return rc;
    }
    rc = xl_dev_wait_backend(h, d, xl_now_ms() + ATTACH_WAIT_MS, &state, msg, sizeof(msg));
    if (rc < 0) {
        xl_dev_wait_failed(rc, info, d, label, state, msg);
        xl_dev_remove(h, d);
        return rc;
    }
    rc = xl_saved_devs_update(c, info, d->k, d->devid, spec);
    if (rc < 0)
        xl_err("warning: %s is attached, but the config kept for domain %s (%u) was not "
               "updated: %s",
               label, info->name, info->domid, strerror(-rc));
    return 0;
}

char *xl_join_spec(int argc, char **argv)
{
    size_t len = 1;
    char *s;

    for (int i = 0; i < argc; i++)
        len += strlen(argv[i]) + 1;
    s = calloc(1, len);
    for (int i = 0; s && i < argc; i++) {
        if (i)
            strcat(s, ",");
        strcat(s, argv[i]);
    }
    return s;
}

/* ---- detach ---------------------------------------------------------------------------------- */

static void close_body(struct xl_xw *w, void *arg)
{
    const struct xl_dev *d = arg;

    if (!xl_xs_exists(w->h, w->t, d->be))
        return;
    xl_xw_put(w, "0", "%s/online", d->be);
    xl_xw_put(w, "5", "%s/state", d->be);
}

/* Waits until the backend is Closed (or gone). 0 or -ETIMEDOUT. */
static int wait_closed(struct xs_handle *h, const struct xl_dev *d)
{
    uint64_t start = xl_now_ms(), deadline = start + DETACH_WAIT_MS;
    bool watching = xs_watch(h, d->be, WATCH_TOKEN), shown = false;
    char what[64];
    int rc = 1;

    snprintf(what, sizeof(what), "the guest to release the %s", d->k->noun);
    while (rc == 1) {
        int64_t left = (int64_t)(deadline - xl_now_ms());

        if (xl_xs_num(h, d->be, "state") == XB_CLOSED || !xl_xs_exists(h, XBT_NULL, d->be))
            rc = 0;
        else if (left <= 0)
            rc = -ETIMEDOUT;
        else
            wait_event(h, watching, left < WATCH_TICK_MS ? (unsigned)left : WATCH_TICK_MS);
        wait_note(start, &shown, what);
    }
    unwatch(h, watching, d->be);
    return rc;
}

/* Whether to wait for the guest to let go: only a live guest whose frontend took part in
 * the handshake, with a backend daemon to answer it. */
static bool should_wait(struct pvctl *c, struct xs_handle *h, const struct pvctl_dominfo *info,
                        const struct xl_dev *d)
{
    long fe_state = xl_xs_num(h, d->fe, "state");

    return !xl_domain_down(info) && xl_xs_exists(h, XBT_NULL, d->be) &&
           xl_daemon_running(c, d->k->daemon) && fe_state >= XB_INIT_WAIT && fe_state <= XB_CLOSING;
}

int xl_dev_detach(struct pvctl *c, struct xs_handle *h, const struct pvctl_dominfo *info,
                  const struct xl_dev *d, const char *label, const char *arg, bool force)
{
    const char *where = NULL, *cmd = d->k->cmd;
    bool wait;
    int rc;

    if (!xl_xs_exists(h, XBT_NULL, d->be) && !xl_xs_exists(h, XBT_NULL, d->fe)) {
        xl_err("domain %s (%u) has no %s; `xl %s-list %s` shows its %s", info->name, info->domid,
               label, cmd, info->name, d->k->nouns);
        return -ENOENT;
    }
    wait = !force && should_wait(c, h, info, d);
    rc = xl_xs_transact(h, close_body, (void *)d, &where);
    if (rc < 0 && !force) {
        xl_err("cannot ask the backend of %s to close (%s: %s); `xl %s-detach -f %s %s` "
               "removes it without asking",
               label, where ? where : "?", strerror(-rc), cmd, info->name, arg);
        return rc;
    }
    if (rc == 0 && wait && wait_closed(h, d) < 0) {
        xl_err("%s of domain %s (%u) did not close within %d s (backend state %ld, frontend "
               "state %ld: the guest has not released it); `xl %s-detach -f %s %s` removes it "
               "anyway",
               label, info->name, info->domid, DETACH_WAIT_MS / 1000, xl_xs_num(h, d->be, "state"),
               xl_xs_num(h, d->fe, "state"), cmd, info->name, arg);
        return -ETIMEDOUT;
    }
    rc = xl_dev_remove(h, d);
    if (rc == 0 && xl_saved_devs_update(c, info, d->k, d->devid, NULL) < 0)
        xl_err("warning: %s is detached, but the config kept for domain %s (%u) still lists it",
               label, info->name, info->domid);
    return rc;
}

/* ---- the device lists kept with a running domain's config ---------------------------------- */

/* Removes the specs whose parsed device number is devid from l and appends spec (if not
 * NULL). devids[i] is l->v[i]'s number (i < n). */
static int edit_list(struct xlcfg_strlist *l, const uint32_t *devids, size_t n, uint32_t devid,
                     const char *spec)
{
    char **v = calloc(l->n + 2, sizeof(char *));
    size_t k = 0;

    if (!v)
        return -ENOMEM;
    for (size_t i = 0; i < l->n; i++) {
        if (i < n && devids[i] == devid)
            free(l->v[i]);
        else
            v[k++] = l->v[i];
    }
    if (spec && !(v[k] = strdup(spec))) {
        for (size_t i = 0; i < k; i++)
            free(v[i]);
        free(v);
        free(l->v);
        l->v = NULL;
        l->n = 0;
        return -ENOMEM;
    }
    free(l->v);
    l->v = v;
    l->n = k + (spec != NULL);
    return 0;
}

static int edit_cfg(struct xlcfg *cfg, bool vif, uint32_t devid, const char *spec)
{
    size_t n = vif ? cfg->nvifs : cfg->ndisks;
    uint32_t *ids = calloc(n + 1, sizeof(*ids));
    char err[512];
    int rc;

    if (!ids)
        return -ENOMEM;
    for (size_t i = 0; i < n; i++)
        ids[i] = vif ? cfg->vifs[i].devid : cfg->disks[i].devid;
    rc = edit_list(vif ? &cfg->vif : &cfg->disk, ids, n, devid, spec);
    free(ids);
    if (rc == 0 && vif)
        rc = xlcfg_parse_vifs(cfg, "saved config", 0, err, sizeof(err));
    else if (rc == 0)
        rc = xlcfg_parse_disks(cfg, "saved config", 0, err, sizeof(err));
    return rc;
}

int xl_saved_devs_update(struct pvctl *c, const struct pvctl_dominfo *info,
                         const struct xl_devkind *k, uint32_t devid, const char *spec)
{
    struct xlcfg cfg;
    int rc = xl_load_saved_cfg(c, info, &cfg);

    if (rc == -ENOENT)
        return 0; /* not created by this xl: nothing kept */
    if (rc < 0)
        return rc;
    rc = edit_cfg(&cfg, k == &xl_vif_kind, devid, spec);
    if (rc == 0)
        rc = xl_save_cfg(c, info->domid, &cfg);
    xlcfg_free(&cfg);
    return rc;
}

void xl_devices_refresh(struct pvctl *c, struct xl_running *r, uint32_t old)
{
    struct pvctl_dominfo info = {.domid = old};
    struct xlcfg saved, *cfg = r->cfg;
    struct xlcfg_strlist disk = cfg->disk, vif = cfg->vif;
    struct xl_disk *disks = cfg->disks;
    struct xl_vif *vifs = cfg->vifs;
    size_t ndisks = cfg->ndisks, nvifs = cfg->nvifs;

    memcpy(info.uuid, cfg->uuid, sizeof(info.uuid));
    if (xl_load_saved_cfg(c, &info, &saved) < 0)
        return;
    cfg->disk = saved.disk, cfg->disks = saved.disks, cfg->ndisks = saved.ndisks;
    cfg->vif = saved.vif, cfg->vifs = saved.vifs, cfg->nvifs = saved.nvifs;
    saved.disk = disk, saved.disks = disks, saved.ndisks = ndisks;
    saved.vif = vif, saved.vifs = vifs, saved.nvifs = nvifs;
    xlcfg_free(&saved);
}

int xl_dev_list_cmd(int argc, char **argv, const char *what, const char *header,
                    void (*list)(struct xs_handle *h, uint32_t domid))
{
    struct xs_handle *h;
    struct pvctl *c;
    uint32_t domid;
    int opt, status = XL_OK;

    while ((opt = xl_getopt(argc, argv, "")) != -1)
        return opt == XL_OPT_HELP ? XL_OK : XL_USAGE;
    if (optind >= argc)
        return xl_usage_error("expected at least one DOMAIN");
    if (xl_connect(&c) < 0)
        return XL_FAIL;
    h = xl_xs_open(c);
    if (!h) {
        xl_err("xenstored is not running in %s (%s): %s are listed from xenstore (start it "
               "with `pvisor start`)",
               pvctl_get_rundir(c), strerror(errno), what);
        pvctl_close(c);
        return XL_FAIL;
    }
    fputs(header, stdout);
    for (int i = optind; i < argc; i++) {
        if (strcmp(argv[i], "0") == 0 || strcmp(argv[i], "Domain-0") == 0)
            domid = 0;
        else if (xl_resolve(c, argv[i], &domid, NULL) < 0) {
            status = XL_FAIL;
            continue;
        }
        list(h, domid);
    }
    xl_dev_close_guest(c, h);
    return status;
}
