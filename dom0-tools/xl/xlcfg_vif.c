/* xlcfg_vif.c: Xen's network interface specification syntax (xl-network-configuration). */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pvisor/xlcfg.h>

#include "xlcfg_spec.h"

#define ITEM_MAX 512 /* bytes of one key=value item, NUL included */
#define MAC_USE  "e.g. mac=00:16:3e:12:34:56, or leave mac= out for a random 00:16:3e:xx:xx:xx"
#define IF_RULE  "1 to 15 characters, no '/', ':' or blanks, not '.' or '..'"

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* ---- MAC addresses ---------------------------------------------------------------------- */

int xl_mac_parse(const char *s, uint8_t mac[6], char *err, size_t errlen)
{
    uint8_t m[6];
    unsigned or = 0;

    for (int i = 0; i < 6; i++) {
        const char *p = s + i * 3;
        int hi = hexval(p[0]), lo = hi < 0 ? -1 : hexval(p[1]);

        if (lo < 0 || p[2] != (i == 5 ? '\0' : ':'))
            return errf(err, errlen,
                        "mac '%.40s' is not a MAC address (six two-digit hex octets separated by "
                        "colons); " MAC_USE,
                        s);
        m[i] = (uint8_t)(hi << 4 | lo);
        or |= m[i];
    }
    if (m[0] & 1)
        return errf(err, errlen,
                    "mac '%s' is a multicast address (the low bit of the first octet is set); a "
                    "vif needs a unicast MAC, " MAC_USE,
                    s);
    if (! or)
        return errf(err, errlen, "mac '%s' is all zeros; " MAC_USE, s);
    memcpy(mac, m, 6);
    return 0;
}

void xl_mac_format(const uint8_t mac[6], char out[18])
{
    snprintf(out, 18, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2], mac[3], mac[4],
             mac[5]);
}

void xl_vif_random_mac(struct xl_vif *v, const uint8_t r[3])
{
    v->mac[0] = 0x00; /* Xen's OUI, as libxl picks them */
    v->mac[1] = 0x16;
    v->mac[2] = 0x3e;
    v->mac[3] = r[0] & 0x7f;
    v->mac[4] = r[1];
    v->mac[5] = r[2];
}

const char *xl_vif_type_name(enum xl_vif_type t)
{
    return t == XL_VIF_TYPE_TAP ? "tap" : "vif";
}

/* ---- the keys ----------------------------------------------------------------------------- */

struct vctx {
    struct xl_vif *v;
    char *err;
    size_t errlen;
};

/* A decimal number without sign or leading zero in lo..hi. */
static bool decimal(const char *s, unsigned long lo, unsigned long hi, uint32_t *out)
{
    unsigned long n = 0;
    size_t i = 0;

    if (!s[0] || (s[0] == '0' && s[1]))
        return false;
    for (; s[i]; i++) {
        if (s[i] < '0' || s[i] > '9' || i >= 10)
            return false;
        n = n * 10 + (unsigned long)(s[i] - '0');
    }
    if (n < lo || n > hi)
        return false;
    *out = (uint32_t)n;
    return true;
}

/* Linux's rule for interface names (dev_valid_name). */
static bool ifname_ok(const char *s)
{
    size_t n = strlen(s);

    if (!n || n >= XL_VIF_IFNAME_MAX || strcmp(s, ".") == 0 || strcmp(s, "..") == 0)
        return false;
    for (size_t i = 0; i < n; i++)
        if (s[i] == '/' || s[i] == ':' || is_blank(s[i]) || (unsigned char)s[i] < 0x20 ||
            s[i] == 0x7f)
            return false;
    return true;
}

static int set_mac(struct vctx *c, const char *val)
{
    if (!val[0])
        return 0;
    c->v->mac_given = 1;
    return xl_mac_parse(val, c->v->mac, c->err, c->errlen);
}

static int set_bridge(struct vctx *c, const char *val)
{
    if (!val[0])
        return 0;
    if (!ifname_ok(val))
        return errf(c->err, c->errlen,
                    "bridge '%.40s' is not a network interface name (" IF_RULE
                    "); e.g. bridge=" XL_VIF_BRIDGE,
                    val);
    snprintf(c->v->bridge, sizeof(c->v->bridge), "%s", val);
    return 0;
}

static int set_type(struct vctx *c, const char *val)
{
    if (!val[0] || strcmp(val, "vif") == 0)
        c->v->type = XL_VIF_TYPE_VIF;
    else if (strcmp(val, "tap") == 0)
        c->v->type = XL_VIF_TYPE_TAP;
    else if (strcmp(val, "ioemu") == 0 || strcmp(val, "vif_ioemu") == 0)
        return errf(c->err, c->errlen,
                    "type '%s' (an emulated NIC) is not supported: pvisor has no device model; "
                    "use type=vif (the guest's PV netfront) or type=tap",
                    val);
    else
        return errf(c->err, c->errlen, "unknown type '%.40s'; use type=vif or type=tap", val);
    return 0;
}

static int set_vifname(struct vctx *c, const char *val)
{
    if (!val[0])
        return 0;
    if (!ifname_ok(val))
        return errf(c->err, c->errlen,
                    "vifname '%.40s' is not a network interface name (" IF_RULE
                    "); e.g. vifname=web1-eth0",
                    val);
    snprintf(c->v->vifname, sizeof(c->v->vifname), "%s", val);
    return 0;
}

static int set_mtu(struct vctx *c, const char *val)
{
    if (!val[0])
        return 0;
    if (!decimal(val, XL_VIF_MTU_MIN, XL_VIF_MTU_MAX, &c->v->mtu))
        return errf(c->err, c->errlen,
                    "mtu '%.40s' is not a number in %u..%u; e.g. mtu=1500 (or mtu=9000 for "
                    "jumbo frames)",
                    val, XL_VIF_MTU_MIN, XL_VIF_MTU_MAX);
    return 0;
}

/* One address of ip=: IPv4 or IPv6, optionally /prefix. */
static bool address_ok(const char *a)
{
    char buf[INET6_ADDRSTRLEN + 8], bin[16];
    const char *slash = strchr(a, '/');
    size_t n = slash ? (size_t)(slash - a) : strlen(a);
    uint32_t prefix;
    int family;

    if (!n || n >= INET6_ADDRSTRLEN)
        return false;
    memcpy(buf, a, n);
    buf[n] = '\0';
    family = strchr(buf, ':') ? AF_INET6 : AF_INET;
    if (inet_pton(family, buf, bin) != 1)
        return false;
    return !slash || decimal(slash + 1, 0, family == AF_INET ? 32 : 128, &prefix);
}

/* The n bytes at p as one address of ip=. */
static bool word_ok(const char *p, size_t n)
{
    char word[INET6_ADDRSTRLEN + 8];

    if (n >= sizeof(word))
        return false;
    memcpy(word, p, n);
    word[n] = '\0';
    return address_ok(word);
}

static int set_ip(struct vctx *c, const char *val)
{
    const char *p = val;

    if (strlen(val) >= sizeof(c->v->ip))
        return errf(c->err, c->errlen, "ip '%.20s...' is too long (at most %zu characters)", val,
                    sizeof(c->v->ip) - 1);
    while (*p) {
        size_t n = strcspn(p, " \t");

        if (n && !word_ok(p, n))
            return errf(c->err, c->errlen,
                        "ip: '%.*s' is not an IPv4 or IPv6 address (optionally /prefix); give "
                        "addresses separated by blanks, e.g. ip=192.0.2.10",
                        (int)(n > 60 ? 60 : n), p);
        p += n;
        p += strspn(p, " \t");
    }
    snprintf(c->v->ip, sizeof(c->v->ip), "%s", val);
    return 0;
}

static int set_devid(struct vctx *c, const char *val)
{
    if (!val[0])
        return 0;
    if (!decimal(val, 0, XL_VIF_DEVID_MAX, &c->v->devid))
        return errf(c->err, c->errlen,
                    "devid '%.40s' is not a device number in 0..%u (decimal, no leading zero); "
                    "e.g. devid=1, or leave it out for the next free one",
                    val, XL_VIF_DEVID_MAX);
    c->v->devid_given = 1;
    return 0;
}

static int set_model(struct vctx *c, const char *val)
{
    return errf(c->err, c->errlen,
                "model '%.40s' is not supported: model= picks an emulated NIC and pvisor has no "
                "device model; guests use the PV netfront, so remove model=",
                val);
}

/* Xen's default script: what netback does by itself. */
static int set_script(struct vctx *c, const char *val)
{
    const char *base = strrchr(val, '/');

    base = base ? base + 1 : val;
    if (!val[0] || strcmp(base, "vif-bridge") == 0)
        return 0;
    return errf(c->err, c->errlen,
                "script '%.60s' is not supported: pvisor runs no hotplug scripts; netback joins "
                "the vif to its bridge itself (what vif-bridge does), so remove script= or use "
                "script=vif-bridge",
                val);
}

static int set_backend(struct vctx *c, const char *val)
{
    if (!val[0] || strcmp(val, "0") == 0 || strcmp(val, "Domain-0") == 0)
        return 0;
    return errf(c->err, c->errlen,
                "backend '%.40s' is not supported: pvisor's netback runs in Domain-0 only; remove "
                "backend= or use backend=0",
                val);
}

static int set_rate(struct vctx *c, const char *val)
{
    (void)val;
    return errf(c->err, c->errlen,
                "rate= is not supported: netback does not limit a vif's bandwidth; remove it");
}

static int set_gatewaydev(struct vctx *c, const char *val)
{
    (void)val;
    return errf(c->err, c->errlen,
                "gatewaydev= (netdev=) is not supported: it is for Xen's vif-route and vif-nat "
                "scripts, and pvisor runs no hotplug scripts (netback switches frames itself or "
                "uses a host bridge or TAP device); remove it");
}

static int set_forwarddev(struct vctx *c, const char *val)
{
    (void)val;
    return errf(c->err, c->errlen, "forwarddev= (COLO replication) is not supported; remove it");
}

static int set_accel(struct vctx *c, const char *val)
{
    (void)val;
    return errf(c->err, c->errlen, "accel= is obsolete (Xen ignores it too); remove it");
}

enum { K_MAC, K_BRIDGE, K_TYPE, K_VIFNAME, K_MTU, K_IP, K_DEVID, K_SCRIPT, K_BACKEND, NKEYS };

struct key {
    const char *name;
    int slot; /* NKEYS: refused anyway, no "given twice" check needed */
    int (*fn)(struct vctx *c, const char *val);
};

static const struct key keys[] = {
    {"mac", K_MAC, set_mac},
    {"bridge", K_BRIDGE, set_bridge},
    {"type", K_TYPE, set_type},
    {"vifname", K_VIFNAME, set_vifname},
    {"mtu", K_MTU, set_mtu},
    {"ip", K_IP, set_ip},
    {"devid", K_DEVID, set_devid},
    {"script", K_SCRIPT, set_script},
    {"backend", K_BACKEND, set_backend},
    {"model", NKEYS, set_model},
    {"rate", NKEYS, set_rate},
    {"gatewaydev", NKEYS, set_gatewaydev},
    {"netdev", NKEYS, set_gatewaydev},
    {"forwarddev", NKEYS, set_forwarddev},
    {"accel", NKEYS, set_accel},
};

/* ---- the spec ------------------------------------------------------------------------------ */

/* Removes leading and trailing blanks in place. */
static char *trim(char *s)
{
    size_t n;

    while (is_blank(*s))
        s++;
    n = strlen(s);
    while (n && is_blank(s[n - 1]))
        s[--n] = '\0';
    return s;
}

static int item(struct vctx *c, char *t, bool given[NKEYS])
{
    char *eq = strchr(t, '='), *key, *val;

    if (!eq)
        return errf(c->err, c->errlen,
                    "'%.40s' is not key=value; a vif spec is a list like "
                    "'mac=00:16:3e:12:34:56,bridge=xenbr0'",
                    t);
    *eq = '\0';
    key = trim(t);
    val = trim(eq + 1);
    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
        if (strcmp(key, keys[i].name) != 0)
            continue;
        if (keys[i].slot < NKEYS) {
            if (given[keys[i].slot])
                return errf(c->err, c->errlen, "%s is given twice", key);
            given[keys[i].slot] = true;
        }
        return keys[i].fn(c, val);
    }
    return errf(c->err, c->errlen,
                "unknown key '%.40s' (pvisor knows mac, bridge, type, vifname, mtu, ip, devid, "
                "backend=0 and script=vif-bridge)",
                key);
}

int xl_vif_parse(const char *spec, struct xl_vif *out, char *err, size_t errlen)
{
    struct vctx c = {.v = out, .err = err, .errlen = errlen};
    bool given[NKEYS] = {false};
    char buf[ITEM_MAX], *t;
    const char *p = spec;

    memset(out, 0, sizeof(*out));
    out->type = XL_VIF_TYPE_VIF;
    out->mtu = XL_VIF_MTU_DEFAULT;
    snprintf(out->bridge, sizeof(out->bridge), "%s", XL_VIF_BRIDGE);
    for (;;) {
        const char *comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strlen(p);

        if (len >= sizeof(buf))
            return errf(err, errlen, "the item '%.20s...' is too long (at most %zu bytes)", p,
                        sizeof(buf) - 1);
        memcpy(buf, p, len);
        buf[len] = '\0';
        t = trim(buf);
        if (t[0] && item(&c, t, given) < 0)
            return -EINVAL;
        if (!comma)
            return 0;
        p = comma + 1;
    }
}

/* ---- a configuration's vif list ----------------------------------------------------------- */

static void spec_label(char *out, size_t len, size_t n, const char *spec)
{
    snprintf(out, len, "vif %zu ('%.80s%s')", n + 1, spec, strlen(spec) > 80 ? "..." : "");
}

/* Two vifs given the same devid, MAC or vifname. */
static int check_duplicate(const struct xlcfg *cfg, size_t i, const char *source, int line,
                           char *err, size_t errlen)
{
    const struct xl_vif *a = &cfg->vifs[i];
    char la[128], lb[128], mac[18];

    for (size_t j = 0; j < i; j++) {
        const struct xl_vif *b = &cfg->vifs[j];
        const char *what = NULL, *fix = NULL;
        char val[32];

        if (a->devid_given && b->devid_given && a->devid == b->devid) {
            what = "devid";
            snprintf(val, sizeof(val), "%u", a->devid);
            fix = "give each vif its own devid, or leave devid= out";
        } else if (a->mac_given && b->mac_given && memcmp(a->mac, b->mac, 6) == 0) {
            what = "mac";
            xl_mac_format(a->mac, mac);
            snprintf(val, sizeof(val), "%s", mac);
            fix = "give each vif its own MAC, or leave mac= out for a random one";
        } else if (a->vifname[0] && strcmp(a->vifname, b->vifname) == 0) {
            what = "vifname";
            snprintf(val, sizeof(val), "%s", a->vifname);
            fix = "give each vif its own vifname";
        } else {
            continue;
        }
        spec_label(la, sizeof(la), i, cfg->vif.v[i]);
        spec_label(lb, sizeof(lb), j, cfg->vif.v[j]);
        return errf(err, errlen, "%s:%d: %s: %s %s is already used by %s; %s", source, line, la,
                    what, val, lb, fix);
    }
    return 0;
}

static bool devid_taken(const struct xlcfg *cfg, size_t upto, uint32_t devid)
{
    for (size_t i = 0; i < cfg->nvifs; i++)
        if ((cfg->vifs[i].devid_given || i < upto) && cfg->vifs[i].devid == devid)
            return true;
    return false;
}

/* The vifs without devid= get the lowest numbers no other vif has, in list order. */
static void assign_devids(struct xlcfg *cfg)
{
    uint32_t next = 0;

    for (size_t i = 0; i < cfg->nvifs; i++) {
        if (cfg->vifs[i].devid_given)
            continue;
        while (devid_taken(cfg, i, next))
            next++;
        cfg->vifs[i].devid = next++;
    }
}

int xlcfg_parse_vifs(struct xlcfg *cfg, const char *source, int line, char *err, size_t errlen)
{
    char why[512], label[128];

    free(cfg->vifs);
    cfg->vifs = NULL;
    cfg->nvifs = 0;
    if (cfg->vif.n > XLCFG_MAX_VIFS)
        return errf(err, errlen, "%s:%d: %zu vifs given; a domain may have at most %d", source,
                    line, cfg->vif.n, XLCFG_MAX_VIFS);
    if (!cfg->vif.n)
        return 0;
    cfg->vifs = calloc(cfg->vif.n, sizeof(*cfg->vifs));
    if (!cfg->vifs)
        return -ENOMEM;
    for (size_t i = 0; i < cfg->vif.n; i++) {
        int rc = xl_vif_parse(cfg->vif.v[i], &cfg->vifs[i], why, sizeof(why));

        if (rc == 0) {
            rc = check_duplicate(cfg, i, source, line, err, errlen);
        } else {
            spec_label(label, sizeof(label), i, cfg->vif.v[i]);
            errf(err, errlen, "%s:%d: %s: %s", source, line, label, why);
        }
        if (rc < 0)
            return rc;
        cfg->nvifs = i + 1;
    }
    assign_devids(cfg);
    return 0;
}
