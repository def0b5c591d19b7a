/* xl_net.c: vifs: Xen's vif nodes, MACs picked for them, netback's set-up before the guest runs. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "xl.h"

#define CREATE_WAIT_MS 10000 /* netback must set up every vif of a new domain within this */
#define MAC_TRIES      16    /* random MACs tried before giving up on a unique one */

void xl_vif_write(struct xl_xw *w, uint32_t domid, const struct xl_vif *v)
{
    char be[80], fe[80], num[16], mac[18];

    snprintf(be, sizeof(be), "/local/domain/0/backend/vif/%u/%u", domid, v->devid);
    snprintf(fe, sizeof(fe), "/local/domain/%u/device/vif/%u", domid, v->devid);
    xl_mac_format(v->mac, mac);

    /* The backend's directory: dom0's, the guest may read it. */
    xl_xw_node(w, be, "", 0, (int)domid);
    xl_xw_put(w, fe, "%s/frontend", be);
    snprintf(num, sizeof(num), "%u", domid);
    xl_xw_put(w, num, "%s/frontend-id", be);
    xl_xw_put(w, "1", "%s/online", be);
    snprintf(num, sizeof(num), "%u", v->devid);
    xl_xw_put(w, num, "%s/handle", be);
    xl_xw_put(w, mac, "%s/mac", be);
    xl_xw_put(w, v->bridge, "%s/bridge", be);
    xl_xw_put(w, xl_vif_type_name(v->type), "%s/type", be);
    snprintf(num, sizeof(num), "%u", v->mtu);
    xl_xw_put(w, num, "%s/mtu", be);
    if (v->vifname[0])
        xl_xw_put(w, v->vifname, "%s/vifname", be);
    if (v->ip[0])
        xl_xw_put(w, v->ip, "%s/ip", be);
    xl_xw_put(w, "1", "%s/state", be);

    /* The frontend's directory: the guest's (it writes its rings, event channel, features
     * and state there), dom0 may read it. */
    xl_xw_node(w, fe, "", domid, 0);
    xl_xw_put(w, be, "%s/backend", fe);
    xl_xw_put(w, "0", "%s/backend-id", fe);
    snprintf(num, sizeof(num), "%u", v->devid);
    xl_xw_put(w, num, "%s/handle", fe);
    xl_xw_put(w, mac, "%s/mac", fe);
    xl_xw_put(w, "1", "%s/state", fe);
}

/* ---- MACs ----------------------------------------------------------------------------------- */

static bool mac_in(const uint8_t mac[6], const uint8_t (*taken)[6], size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (memcmp(mac, taken[i], 6) == 0)
            return true;
    return false;
}

int xl_vif_pick_mac(struct xl_vif *v, const uint8_t (*taken)[6], size_t ntaken)
{
    uint8_t r[3];

    for (int i = 0; i < MAC_TRIES; i++) {
        if (getrandom(r, sizeof(r), 0) != (ssize_t)sizeof(r)) {
            int rc = -errno;

            xl_err("cannot get random bytes for a vif's MAC: %s (give it one with mac=)",
                   strerror(-rc));
            return rc;
        }
        xl_vif_random_mac(v, r);
        if (!mac_in(v->mac, taken, ntaken))
            return 0;
    }
    xl_err("no free random MAC found for vif %u in %d tries; give it one with mac=", v->devid,
           MAC_TRIES);
    return -EADDRINUSE;
}

char *xl_vif_complete_spec(const char *spec, const struct xl_vif *v)
{
    char extra[48] = "", mac[18], *out = NULL;
    bool blank = !spec[strspn(spec, " \t\n\r\f\v")];
    size_t n = 0;

    if (!v->mac_given) {
        xl_mac_format(v->mac, mac);
        n += (size_t)snprintf(extra + n, sizeof(extra) - n, ",mac=%s", mac);
    }
    if (!v->devid_given)
        snprintf(extra + n, sizeof(extra) - n, ",devid=%u", v->devid);
    if (asprintf(&out, "%s%s", blank ? "" : spec, blank && extra[0] ? extra + 1 : extra) < 0)
        return NULL;
    return out;
}

int xl_vifs_pick_macs(struct xlcfg *cfg)
{
    uint8_t(*taken)[6] = calloc(cfg->nvifs + 1, sizeof(*taken));
    size_t n = 0;
    int rc = 0;

    if (!taken) {
        xl_err("out of memory");
        return -ENOMEM;
    }
    for (size_t i = 0; i < cfg->nvifs; i++)
        if (cfg->vifs[i].mac_given)
            memcpy(taken[n++], cfg->vifs[i].mac, 6);
    for (size_t i = 0; rc == 0 && i < cfg->nvifs; i++) {
        struct xl_vif *v = &cfg->vifs[i];
        char *spec;

        if (v->mac_given && v->devid_given)
            continue;
        if (!v->mac_given && (rc = xl_vif_pick_mac(v, taken, n)) < 0)
            break;
        spec = xl_vif_complete_spec(cfg->vif.v[i], v);
        if (!spec) {
            rc = -ENOMEM;
            xl_err("out of memory");
            break;
        }
        if (!v->mac_given)
            memcpy(taken[n++], v->mac, 6);
        free(cfg->vif.v[i]);
        cfg->vif.v[i] = spec;
        v->mac_given = v->devid_given = 1;
    }
    free(taken);
    return rc;
}

/* ---- a new domain's vifs -----------------------------------------------------------------------
 */

int xl_vifs_check(struct pvctl *c, const struct xlcfg *cfg)
{
    if (!cfg->nvifs || xl_daemon_running(c, "netback"))
        return 0;
    xl_err("netback is not running in %s: nothing would serve the %zu vif%s of domain %s; start "
           "the stack with `pvisor start`",
           pvctl_get_rundir(c), cfg->nvifs, cfg->nvifs == 1 ? "" : "s", cfg->name);
    return -ENOTCONN;
}

int xl_vifs_wait(struct pvctl *c, const struct xlcfg *cfg, uint32_t domid)
{
    struct pvctl_dominfo info = {.domid = domid};
    uint64_t deadline = xl_now_ms() + CREATE_WAIT_MS;
    struct xs_handle *h;
    int rc = 0;

    if (!cfg->nvifs)
        return 0;
    h = xl_xs_open(c);
    if (!h) {
        xl_err("xenstored is not running in %s (%s): the vifs of domain %s (%u) are set up "
               "through xenstore; start the stack with `pvisor start`",
               pvctl_get_rundir(c), strerror(errno), cfg->name, domid);
        return -ENOTCONN;
    }
    snprintf(info.name, sizeof(info.name), "%s", cfg->name);
    for (size_t i = 0; rc == 0 && i < cfg->nvifs; i++) {
        const struct xl_vif *v = &cfg->vifs[i];
        struct xl_dev d;
        char msg[512] = "", label[64], mac[18];
        long state = -1;

        xl_dev_init(&d, &xl_vif_kind, domid, v->devid);
        rc = xl_dev_wait_backend(h, &d, deadline, &state, msg, sizeof(msg));
        if (rc < 0) {
            xl_mac_format(v->mac, mac);
            snprintf(label, sizeof(label), "vif %u (%s)", v->devid, mac);
            xl_dev_wait_failed(rc, &info, &d, label, state, msg);
        }
    }
    xs_close(h);
    return rc;
}
