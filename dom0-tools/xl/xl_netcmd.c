/* xl_netcmd.c: `xl network-attach | network-detach | network-list`: vifs of a running domain. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xl.h"

/* The vifs a domain has: numbers under its frontend and backend directories, and MACs. */
struct present {
    uint32_t *ids;
    size_t n;
    uint8_t (*macs)[6];
    size_t nmacs;
};

static void present_free(struct present *p)
{
    free(p->ids);
    free(p->macs);
}

/* A vif's MAC as its frontend (else its backend) states it. */
static bool vif_mac(struct xs_handle *h, const struct xl_dev *d, uint8_t mac[6])
{
    const char *dirs[] = {d->fe, d->be};
    bool ok = false;

    for (size_t i = 0; !ok && i < 2; i++) {
        char *s = xl_xs_get(h, XBT_NULL, dirs[i], "mac"), why[256];

        ok = s && xl_mac_parse(s, mac, why, sizeof(why)) == 0;
        free(s);
    }
    return ok;
}

static int present_read(struct xs_handle *h, uint32_t domid, struct present *p)
{
    char fe[64], be[64];
    uint32_t *a, *b;
    size_t na, nb;

    memset(p, 0, sizeof(*p));
    snprintf(fe, sizeof(fe), "/local/domain/%u/device/vif", domid);
    snprintf(be, sizeof(be), "/local/domain/0/backend/vif/%u", domid);
    na = xl_xs_numbers(h, fe, &a);
    nb = xl_xs_numbers(h, be, &b);
    p->ids = calloc(na + nb + 1, sizeof(*p->ids));
    p->macs = calloc(na + nb + 1, sizeof(*p->macs));
    if (p->ids && p->macs) {
        memcpy(p->ids, a, na * sizeof(*a));
        memcpy(p->ids + na, b, nb * sizeof(*b));
        p->n = na + nb;
    }
    free(a);
    free(b);
    if (!p->ids || !p->macs) {
        present_free(p);
        return -ENOMEM;
    }
    for (size_t i = 0; i < p->n; i++) {
        struct xl_dev d;

        xl_dev_init(&d, &xl_vif_kind, domid, p->ids[i]);
        if (vif_mac(h, &d, p->macs[p->nmacs]))
            p->nmacs++;
    }
    return 0;
}

static bool id_in(const struct present *p, uint32_t id)
{
    for (size_t i = 0; i < p->n; i++)
        if (p->ids[i] == id)
            return true;
    return false;
}

/* ---- network-attach ------------------------------------------------------------------------ */

struct vif_attach {
    uint32_t domid;
    const struct xl_vif *v;
};

static void write_vif(struct xl_xw *w, const void *arg)
{
    const struct vif_attach *a = arg;

    xl_vif_write(w, a->domid, a->v);
}

/* Picks the devid and MAC v does not give, and refuses ones the domain already has. */
static int settle(struct xs_handle *h, const struct pvctl_dominfo *info, struct xl_vif *v)
{
    struct present p;
    char mac[18];
    int rc = present_read(h, info->domid, &p);

    if (rc < 0)
        return rc;
    if (v->devid_given && id_in(&p, v->devid)) {
        xl_err("domain %s (%u) already has vif %u (`xl network-list %s` shows its vifs; leave "
               "devid= out for the next free one)",
               info->name, info->domid, v->devid, info->name);
        rc = -EEXIST;
    }
    if (rc == 0 && !v->devid_given) {
        v->devid = 0;
        while (v->devid <= XL_VIF_DEVID_MAX && id_in(&p, v->devid))
            v->devid++;
        if (v->devid > XL_VIF_DEVID_MAX) {
            xl_err("domain %s (%u) has no free vif number left", info->name, info->domid);
            rc = -ENOSPC;
        }
    }
    for (size_t i = 0; rc == 0 && v->mac_given && i < p.nmacs; i++) {
        if (memcmp(p.macs[i], v->mac, 6) != 0)
            continue;
        xl_mac_format(v->mac, mac);
        xl_err("domain %s (%u) already has a vif with MAC %s (`xl network-list %s` shows its "
               "vifs); give another mac=, or leave it out for a random one",
               info->name, info->domid, mac, info->name);
        rc = -EEXIST;
    }
    if (rc == 0 && !v->mac_given)
        rc = xl_vif_pick_mac(v, p.macs, p.nmacs);
    present_free(&p);
    return rc;
}

static int attach(struct pvctl *c, struct xs_handle *h, const struct pvctl_dominfo *info,
                  struct xl_vif *v, const char *spec)
{
    struct vif_attach a = {info->domid, v};
    struct xl_dev dev;
    char label[64], mac[18], *full;
    int rc = settle(h, info, v);

    if (rc < 0)
        return rc;
    full = xl_vif_complete_spec(spec, v);
    if (!full) {
        xl_err("out of memory");
        return -ENOMEM;
    }
    xl_dev_init(&dev, &xl_vif_kind, info->domid, v->devid);
    xl_mac_format(v->mac, mac);
    snprintf(label, sizeof(label), "vif %u (%s)", v->devid, mac);
    rc = xl_dev_attach(c, h, info, &dev, label, write_vif, &a, full);
    if (rc == -EEXIST)
        xl_err("vif %u of domain %s (%u) appeared while it was being attached; try again", v->devid,
               info->name, info->domid);
    free(full);
    return rc;
}

int xl_cmd_network_attach(int argc, char **argv)
{
    struct pvctl_dominfo info;
    struct xs_handle *h;
    struct pvctl *c;
    struct xl_vif v;
    char why[512], *spec;
    int rc, opt;

    while ((opt = xl_getopt(argc, argv, "")) != -1)
        return opt == XL_OPT_HELP ? XL_OK : XL_USAGE;
    if (argc - optind < 1)
        return xl_usage_error("expected a DOMAIN (and optionally a VIFSPEC, e.g. "
                              "mac=00:16:3e:01:02:03)");
    spec = xl_join_spec(argc - optind - 1, argv + optind + 1);
    if (!spec)
        return XL_FAIL;
    if (xl_vif_parse(spec, &v, why, sizeof(why)) < 0) {
        xl_err("vif '%.80s%s': %s", spec, strlen(spec) > 80 ? "..." : "", why);
        free(spec);
        return XL_FAIL;
    }
    rc = xl_dev_open_guest(argv[optind], argv[0], &xl_vif_kind, &c, &info, &h);
    if (rc >= 0) {
        free(spec);
        return rc;
    }
    rc = xl_dev_attach_checks(c, h, &info, &xl_vif_kind);
    if (rc == 0)
        rc = attach(c, h, &info, &v, spec);
    xl_dev_close_guest(c, h);
    free(spec);
    return rc < 0 ? XL_FAIL : XL_OK;
}

/* ---- network-detach ------------------------------------------------------------------------ */

/* DEVID or MAC (Xen: anything with a ':' is a MAC) to a devid of the domain's. */
static int which_vif(struct xs_handle *h, const struct pvctl_dominfo *info, const char *arg,
                     uint32_t *devid)
{
    struct present p;
    uint8_t mac[6], have[6];
    char why[512], *end;
    unsigned long n;
    int rc;

    if (!strchr(arg, ':')) {
        n = strtoul(arg, &end, 10);
        if (arg[0] < '0' || arg[0] > '9' || *end || n > XL_VIF_DEVID_MAX) {
            xl_err("'%s' is neither a vif number (0..%u) nor a MAC address "
                   "(xx:xx:xx:xx:xx:xx); `xl network-list %s` shows both",
                   arg, XL_VIF_DEVID_MAX, info->name);
            return -EINVAL;
        }
        *devid = (uint32_t)n;
        return 0;
    }
    if (xl_mac_parse(arg, mac, why, sizeof(why)) < 0) {
        xl_err("%s", why);
        return -EINVAL;
    }
    rc = present_read(h, info->domid, &p);
    for (size_t i = 0; rc == 0 && i < p.n; i++) {
        struct xl_dev d;

        xl_dev_init(&d, &xl_vif_kind, info->domid, p.ids[i]);
        if (vif_mac(h, &d, have) && memcmp(have, mac, 6) == 0) {
            *devid = p.ids[i];
            present_free(&p);
            return 0;
        }
    }
    if (rc == 0) {
        present_free(&p);
        xl_err("domain %s (%u) has no vif with MAC %s; `xl network-list %s` shows its vifs",
               info->name, info->domid, arg, info->name);
        rc = -ENOENT;
    }
    return rc;
}

int xl_cmd_network_detach(int argc, char **argv)
{
    struct pvctl_dominfo info;
    struct xs_handle *h;
    struct pvctl *c;
    struct xl_dev dev;
    bool force = false;
    uint32_t devid = 0;
    char label[64];
    int rc, opt;

    while ((opt = xl_getopt(argc, argv, "f")) != -1) {
        if (opt != 'f')
            return opt == XL_OPT_HELP ? XL_OK : XL_USAGE;
        force = true;
    }
    if (argc - optind != 2)
        return xl_usage_error("expected a DOMAIN and a DEVID or MAC (as `xl network-list` "
                              "shows them)");
    rc = xl_dev_open_guest(argv[optind], argv[0], &xl_vif_kind, &c, &info, &h);
    if (rc >= 0)
        return rc;
    rc = which_vif(h, &info, argv[optind + 1], &devid);
    if (rc == 0) {
        xl_dev_init(&dev, &xl_vif_kind, info.domid, devid);
        snprintf(label, sizeof(label), "vif %u", devid);
        rc = xl_dev_detach(c, h, &info, &dev, label, argv[optind + 1], force);
    }
    xl_dev_close_guest(c, h);
    return rc < 0 ? XL_FAIL : XL_OK;
}

/* ---- network-list -------------------------------------------------------------------------- */

static void list_domain(struct xs_handle *h, uint32_t domid)
{
    char dir[64], mac[18];
    uint32_t *ids;
    size_t n;

    snprintf(dir, sizeof(dir), "/local/domain/%u/device/vif", domid);
    n = xl_xs_numbers(h, dir, &ids);
    for (size_t i = 0; i < n; i++) {
        struct xl_dev v;
        uint8_t m[6];
        char *be;

        xl_dev_init(&v, &xl_vif_kind, domid, ids[i]);
        be = xl_xs_get(h, XBT_NULL, v.fe, "backend");
        if (vif_mac(h, &v, m))
            xl_mac_format(m, mac);
        else
            snprintf(mac, sizeof(mac), "-");
        printf("%-3u %-2ld %-17s %6ld %5ld %6ld %5ld/%-11ld %-30s\n", ids[i],
               xl_xs_num(h, v.fe, "backend-id"), mac, xl_xs_num(h, v.fe, "handle"),
               xl_xs_num(h, v.fe, "state"), xl_xs_num(h, v.fe, "event-channel"),
               xl_xs_num(h, v.fe, "tx-ring-ref"), xl_xs_num(h, v.fe, "rx-ring-ref"),
               be && be[0] ? be : "-");
        free(be);
    }
    free(ids);
}

int xl_cmd_network_list(int argc, char **argv)
{
    char header[128];

    snprintf(header, sizeof(header), "%-3s %-2s %-17s %-6s %-5s %-6s %5s/%-5s %-30s\n", "Idx", "BE",
             "Mac Addr.", "handle", "state", "evt-ch", "tx-", "rx-ring-ref", "BE-path");
    return xl_dev_list_cmd(argc, argv, "vifs", header, list_domain);
}
