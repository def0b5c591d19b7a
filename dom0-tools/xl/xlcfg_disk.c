/* xlcfg_disk.c: Xen's disk specification syntax (xl-disk-configuration) and vdev numbers. */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pvisor/xlcfg.h>

#include "xlcfg_spec.h"

/* Xen's device numbers (xen-vbd-interface). */
#define XVD_MAJOR      202
#define SD_MAJOR       8
#define HD_MAJOR_LOW   3          /* hda, hdb */
#define HD_MAJOR_HIGH  22         /* hdc, hdd */
#define XVD_EXT        (1u << 28) /* extended xvd form */
#define XVD_EXT_DISKS  (1u << 20)
#define XVD_EXT_PARTS  256u
#define SMALL_LIMIT    16u /* disks and partitions of the 202 / sd forms */
#define HD_DISKS       4u
#define HD_PARTS       64u
#define DEVID_MAX      0x7fffffffu
#define MAX_LETTERS    6 /* more could not fit under XVD_EXT_DISKS anyway */
#define MAX_PART_CHARS 4

#define VDEV_USE "; use e.g. xvda, xvdb1, hdc, sda or a device number such as 51712"

/* ---- vdev names ------------------------------------------------------------------------- */

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static bool is_lower(char c)
{
    return c >= 'a' && c <= 'z';
}

/* Decimal digits at *p (no leading zero unless the number is 0), at most maxc of them.
 * Returns the count read (0: none), or -1 when malformed. */
static int read_num(const char **p, int maxc, uint64_t *out)
{
    const char *s = *p;
    int n = 0;

    *out = 0;
    while (is_digit(s[n])) {
        if (n == maxc)
            return -1;
        *out = *out * 10 + (uint64_t)(s[n] - '0');
        n++;
    }
    if (n > 1 && s[0] == '0')
        return -1;
    *p = s + n;
    return n;
}

/* Disk letters: a..z are 0..25, aa is 26, ... (bijective base 26). */
static int read_letters(const char **p, uint64_t *disk)
{
    uint64_t v = 0;
    int n = 0;

    while (is_lower((*p)[n])) {
        if (n == MAX_LETTERS)
            return -1;
        v = v * 26 + (uint64_t)((*p)[n] - 'a' + 1);
        n++;
    }
    *p += n;
    *disk = v - 1;
    return n;
}

static int xvd_number(const char *vdev, uint64_t disk, uint64_t part, uint32_t *devid, char *err,
                      size_t errlen)
{
    if (disk < SMALL_LIMIT && part < SMALL_LIMIT) {
        *devid = (uint32_t)(XVD_MAJOR << 8 | disk << 4 | part);
        return 0;
    }
    if (disk >= XVD_EXT_DISKS)
        return errf(err, errlen, "vdev '%s': disk number %llu is over Xen's limit of %u" VDEV_USE,
                    vdev, (unsigned long long)disk, XVD_EXT_DISKS - 1);
    if (part >= XVD_EXT_PARTS)
        return errf(err, errlen, "vdev '%s': partition %llu is over Xen's limit of %u" VDEV_USE,
                    vdev, (unsigned long long)part, XVD_EXT_PARTS - 1);
    *devid = (uint32_t)(XVD_EXT | disk << 8 | part);
    return 0;
}

static int hd_number(const char *vdev, uint64_t disk, uint64_t part, uint32_t *devid, char *err,
                     size_t errlen)
{
    if (disk >= HD_DISKS)
        return errf(err, errlen,
                    "vdev '%s': IDE disks are hda to hdd; use an xvd name (xvde, ...) for more "
                    "disks",
                    vdev);
    if (part >= HD_PARTS)
        return errf(err, errlen, "vdev '%s': IDE partitions go up to %u; use an xvd name", vdev,
                    HD_PARTS - 1);
    *devid = (uint32_t)((disk < 2 ? HD_MAJOR_LOW : HD_MAJOR_HIGH) << 8 | (disk & 1) << 6 | part);
    return 0;
}

static int sd_number(const char *vdev, uint64_t disk, uint64_t part, uint32_t *devid, char *err,
                     size_t errlen)
{
    if (disk >= SMALL_LIMIT)
        return errf(err, errlen,
                    "vdev '%s': SCSI disks are sda to sdp; use an xvd name (xvdq, ...) for more "
                    "disks",
                    vdev);
    if (part >= SMALL_LIMIT)
        return errf(err, errlen, "vdev '%s': SCSI partitions go up to %u; use an xvd name", vdev,
                    SMALL_LIMIT - 1);
    *devid = (uint32_t)(SD_MAJOR << 8 | disk << 4 | part);
    return 0;
}

typedef int (*number_fn)(const char *vdev, uint64_t disk, uint64_t part, uint32_t *devid, char *err,
                         size_t errlen);

/* Name forms with disk letters; longest prefix first. */
static const struct {
    const char *prefix;
    number_fn fn;
} lettered[] = {
    {"xvd", xvd_number},
    {"hd", hd_number},
    {"sd", sd_number},
};

/* The partition after the disk (letters or d<N>p): digits to the end of the name. */
static int read_part(const char *vdev, const char **p, uint64_t *part, char *err, size_t errlen)
{
    int n = read_num(p, MAX_PART_CHARS, part);

    if (n < 0)
        return errf(err, errlen,
                    "vdev '%s': the partition number is malformed (a leading zero, or over "
                    "4 digits)" VDEV_USE,
                    vdev);
    if (**p)
        return errf(err, errlen, "vdev '%s': unexpected '%c' after the %s" VDEV_USE, vdev, **p,
                    n ? "partition number" : "disk");
    return 0;
}

static int lettered_number(const char *vdev, const char *p, number_fn fn, uint32_t *devid,
                           char *err, size_t errlen)
{
    uint64_t disk, part = 0;
    int n = read_letters(&p, &disk);

    if (n == 0)
        return errf(err, errlen, "vdev '%s' has no disk letter after its prefix" VDEV_USE, vdev);
    if (n < 0)
        return errf(err, errlen, "vdev '%s': too many disk letters" VDEV_USE, vdev);
    if (read_part(vdev, &p, &part, err, errlen) < 0)
        return -EINVAL;
    return fn(vdev, disk, part, devid, err, errlen);
}

/* d<disk>[p<part>]: the xvd numbering with numbers. */
static int dp_number(const char *vdev, uint32_t *devid, char *err, size_t errlen)
{
    const char *p = vdev + 1;
    uint64_t disk, part = 0;

    if (read_num(&p, 8, &disk) <= 0)
        return errf(err, errlen,
                    "vdev '%s': 'd' must be followed by a disk number; use e.g. d0 or d1p2", vdev);
    if (*p == 'p') {
        p++;
        if (!is_digit(*p))
            return errf(err, errlen,
                        "vdev '%s': 'p' must be followed by a partition number; use e.g. d1p2",
                        vdev);
    }
    if (read_part(vdev, &p, &part, err, errlen) < 0)
        return -EINVAL;
    return xvd_number(vdev, disk, part, devid, err, errlen);
}

static int plain_number(const char *vdev, uint32_t *devid, char *err, size_t errlen)
{
    const char *p = vdev;
    uint64_t v;

    if (read_num(&p, 10, &v) < 0 || *p || v > DEVID_MAX)
        return errf(
            err, errlen,
            "vdev '%s' is not a device number (decimal, no leading zero, at most %u)" VDEV_USE,
            vdev, DEVID_MAX);
    *devid = (uint32_t)v;
    return 0;
}

int xl_vdev_parse(const char *vdev, uint32_t *devid, char *err, size_t errlen)
{
    if (!vdev[0])
        return errf(err, errlen, "vdev is empty" VDEV_USE);
    if (strlen(vdev) >= XL_DISK_VDEV_MAX)
        return errf(err, errlen, "vdev '%.20s...' is too long (at most %d characters)" VDEV_USE,
                    vdev, XL_DISK_VDEV_MAX - 1);
    if (is_digit(vdev[0]))
        return plain_number(vdev, devid, err, errlen);
    for (size_t i = 0; i < sizeof(lettered) / sizeof(lettered[0]); i++) {
        size_t n = strlen(lettered[i].prefix);

        if (strncmp(vdev, lettered[i].prefix, n) == 0)
            return lettered_number(vdev, vdev + n, lettered[i].fn, devid, err, errlen);
    }
    if (vdev[0] == 'd' && is_digit(vdev[1]))
        return dp_number(vdev, devid, err, errlen);
    return errf(err, errlen,
                "vdev '%s' is not a virtual device name (Xen's names start with xvd, hd or sd, "
                "or are d<disk>p<partition> or a device number)" VDEV_USE,
                vdev);
}

/* ---- the disk spec ------------------------------------------------------------------------ */

enum slot {
    S_TARGET,
    S_FORMAT,
    S_VDEV,
    S_ACCESS,
    S_DEVTYPE,
    S_BACKEND,
    S_BACKENDTYPE,
    S_DISCARD,
    NSLOTS
};

static const char *const slot_names[NSLOTS] = {
    "target", "format", "vdev", "access", "devtype", "backend", "backendtype", "discard",
};

struct dctx {
    struct xl_disk *d;
    bool given[NSLOTS];
    bool depr_prefix; /* "phy:/dev/x" style target: no format positional follows */
    bool access_set;  /* a non-empty access was given */
    char *err;
    size_t errlen;
};

static int set_target(struct dctx *c, const char *v)
{
    const char *pre = v[0] && v[0] != '/' ? "/dev/" : "";
    size_t need = strlen(pre) + strlen(v) + 1;

    if (need > sizeof(c->d->target))
        return errf(c->err, c->errlen, "target is longer than %zu bytes", sizeof(c->d->target) - 1);
    memcpy(c->d->target, pre, strlen(pre));
    memcpy(c->d->target + strlen(pre), v, strlen(v) + 1);
    return 0;
}

static int set_format(struct dctx *c, const char *v)
{
    static const char *const other[] = {"qcow", "qcow2", "vhd", "qed"};

    if (!v[0] || strcmp(v, "raw") == 0)
        return 0;
    for (size_t i = 0; i < sizeof(other) / sizeof(other[0]); i++)
        if (strcmp(v, other[i]) == 0)
            return errf(c->err, c->errlen,
                        "format '%s' is not supported: only raw images; convert it (`qemu-img "
                        "convert -O raw IN OUT`) and use format=raw",
                        v);
    return errf(c->err, c->errlen, "unknown format '%.40s'; use format=raw", v);
}

static int set_devtype_word(struct dctx *c, const char *v)
{
    if (!v[0] || strcmp(v, "disk") == 0)
        c->d->devtype = XL_DISK_DISK;
    else if (strcmp(v, "cdrom") == 0)
        c->d->devtype = XL_DISK_CDROM;
    else
        return errf(c->err, c->errlen, "unknown devtype '%.40s'; use devtype=disk or cdrom", v);
    return 0;
}

/* vdev, with Xen's deprecated ":cdrom" / ":disk" suffix. */
static int set_vdev(struct dctx *c, const char *v)
{
    const char *colon = strchr(v, ':');
    size_t n = colon ? (size_t)(colon - v) : strlen(v);

    if (!n)
        return 0; /* empty: no default; checked at the end */
    if (n >= sizeof(c->d->vdev))
        return errf(c->err, c->errlen, "vdev '%.20s...' is too long (at most %zu characters)", v,
                    sizeof(c->d->vdev) - 1);
    memcpy(c->d->vdev, v, n);
    c->d->vdev[n] = '\0';
    if (colon && set_devtype_word(c, colon + 1) < 0)
        return errf(c->err, c->errlen, "vdev '%.40s': the part after ':' must be cdrom or disk", v);
    return xl_vdev_parse(c->d->vdev, &c->d->devid, c->err, c->errlen);
}

static int set_access(struct dctx *c, const char *v)
{
    c->access_set = v[0] != '\0'; /* if not, the default depends on devtype */
    if (!v[0])
        return 0;
    if (strcmp(v, "r") == 0 || strcmp(v, "ro") == 0)
        c->d->readwrite = 0;
    else if (strcmp(v, "w") == 0 || strcmp(v, "rw") == 0)
        c->d->readwrite = 1;
    else
        return errf(c->err, c->errlen, "access '%.40s' is not one of r, ro, rw, w", v);
    return 0;
}

static int set_devtype(struct dctx *c, const char *v)
{
    return set_devtype_word(c, v);
}

static int set_backend(struct dctx *c, const char *v)
{
    if (!v[0] || strcmp(v, "0") == 0 || strcmp(v, "Domain-0") == 0)
        return 0;
    return errf(c->err, c->errlen,
                "backend '%.40s' is not supported: pvisor serves disks from Domain-0 only; "
                "remove backend= or use backend=0",
                v);
}

static int set_backendtype(struct dctx *c, const char *v)
{
    static const char *const names[] = {"", "phy", "qdisk", "tap", "standalone"};

    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        if (strcmp(v, names[i]) == 0) {
            c->d->backend = (enum xl_disk_backend)i;
            return 0;
        }
    }
    return errf(c->err, c->errlen,
                "unknown backendtype '%.40s'; use phy, qdisk, tap or standalone (pvisor's "
                "blkback serves raw images for all of them)",
                v);
}

static int set_script(struct dctx *c, const char *v)
{
    (void)v;
    return errf(c->err, c->errlen,
                "script= is not supported: pvisor runs no hotplug scripts (blkback opens the "
                "target itself); remove it");
}

struct named {
    const char *key;
    enum slot slot;
    int (*fn)(struct dctx *c, const char *v);
};

static const struct named named[] = {
    {"format", S_FORMAT, set_format},    {"vdev", S_VDEV, set_vdev},
    {"access", S_ACCESS, set_access},    {"devtype", S_DEVTYPE, set_devtype},
    {"backend", S_BACKEND, set_backend}, {"backendtype", S_BACKENDTYPE, set_backendtype},
    {"script", NSLOTS, set_script},
};

/* Positional values fill these, in this order. */
static const struct named positional[] = {
    {"target", S_TARGET, set_target},
    {"format", S_FORMAT, set_format},
    {"vdev", S_VDEV, set_vdev},
    {"access", S_ACCESS, set_access},
};

static int take(struct dctx *c, const struct named *n, const char *v)
{
    if (n->slot < NSLOTS) {
        if (c->given[n->slot])
            return errf(c->err, c->errlen, "%s is given twice", slot_names[n->slot]);
        c->given[n->slot] = true;
    }
    return n->fn(c, v);
}

static int flag(struct dctx *c, const char *w)
{
    static const char *const ignored[] = {"direct-io-safe", "trusted", "untrusted"};

    if (strcmp(w, "cdrom") == 0) {
        if (c->given[S_DEVTYPE])
            return errf(c->err, c->errlen, "devtype is given twice");
        c->given[S_DEVTYPE] = true;
        c->d->devtype = XL_DISK_CDROM;
        return 1;
    }
    if (strcmp(w, "discard") == 0 || strcmp(w, "no-discard") == 0) {
        if (c->given[S_DISCARD])
            return errf(c->err, c->errlen, "discard / no-discard is given twice");
        c->given[S_DISCARD] = true;
        c->d->discard = w[0] == 'd';
        return 1;
    }
    for (size_t i = 0; i < sizeof(ignored) / sizeof(ignored[0]); i++)
        if (strcmp(w, ignored[i]) == 0)
            return 1;
    return 0;
}

/* Xen's deprecated "format:" / "phy:" / "tap:aio:" prefixes of a positional target. */
static int strip_prefixes(struct dctx *c, const char **v)
{
    static const char *const formats[] = {"raw", "qcow", "qcow2", "vhd", "qed"};
    static const char *const scripts[] = {"phy", "file", "tap", "tap2", "aio", "tapdisk"};
    const char *colon;
    int rc = 0;

    while (**v != '/' && (colon = strchr(*v, ':')) != NULL) {
        size_t n = (size_t)(colon - *v);
        bool known = false;

        for (size_t i = 0; i < sizeof(formats) / sizeof(formats[0]) && !known; i++) {
            if (strlen(formats[i]) == n && strncmp(*v, formats[i], n) == 0) {
                known = true;
                rc = set_format(c, formats[i]);
            }
        }
        for (size_t i = 0; i < sizeof(scripts) / sizeof(scripts[0]) && !known; i++)
            known = strlen(scripts[i]) == n && strncmp(*v, scripts[i], n) == 0;
        if (!known || rc < 0)
            return rc;
        c->depr_prefix = true;
        *v = colon + 1;
    }
    return 0;
}

static int positional_value(struct dctx *c, const char *v)
{
    for (size_t i = 0; i < sizeof(positional) / sizeof(positional[0]); i++) {
        enum slot s = positional[i].slot;

        if (c->given[s] || (s == S_FORMAT && c->depr_prefix))
            continue;
        if (s == S_TARGET && strip_prefixes(c, &v) < 0)
            return -EINVAL;
        return take(c, &positional[i], v);
    }
    return errf(c->err, c->errlen,
                "too many positional values at '%.40s' (their order is target, format, vdev, "
                "access; name the others, e.g. devtype=cdrom)",
                v);
}

/* One comma-separated item, leading and trailing blanks removed. */
static int item(struct dctx *c, char *t)
{
    char *eq = strchr(t, '=');
    int rc;

    if (!eq) {
        rc = flag(c, t);
        return rc != 0 ? (rc < 0 ? rc : 0) : positional_value(c, t);
    }
    *eq = '\0';
    for (size_t i = 0; i < sizeof(named) / sizeof(named[0]); i++)
        if (strcmp(t, named[i].key) == 0)
            return take(c, &named[i], eq + 1);
    return errf(c->err, c->errlen,
                "unknown parameter '%.40s' (pvisor knows target, format, vdev, access, devtype, "
                "backend, backendtype and the flags cdrom, discard, no-discard)",
                t);
}

/* Copies the item at p (up to a comma or the end) into buf without surrounding blanks. */
static int copy_item(struct dctx *c, const char *p, size_t len, char *buf, size_t size)
{
    while (len && is_blank(p[len - 1]))
        len--;
    if (len >= size)
        return errf(c->err, c->errlen, "the item '%.20s...' is too long (at most %zu bytes)", p,
                    size - 1);
    memcpy(buf, p, len);
    buf[len] = '\0';
    return 0;
}

static int walk(struct dctx *c, const char *spec, char *buf, size_t size)
{
    const char *p = spec;

    for (;;) {
        const char *comma;
        size_t len;

        while (is_blank(*p))
            p++;
        if (strncmp(p, "target=", 7) == 0) {
            if (c->given[S_TARGET])
                return errf(c->err, c->errlen, "target is given twice");
            c->given[S_TARGET] = true;
            return set_target(c, p + 7); /* the rest of the spec, commas included */
        }
        comma = strchr(p, ',');
        len = comma ? (size_t)(comma - p) : strlen(p);
        if (!comma && len == 0 && p != spec)
            return 0; /* a trailing comma */
        if (copy_item(c, p, len, buf, size) < 0 || item(c, buf) < 0)
            return -EINVAL;
        if (!comma)
            return 0;
        p = comma + 1;
    }
}

static int finish(struct dctx *c)
{
    struct xl_disk *d = c->d;

    if (!d->vdev[0])
        return errf(c->err, c->errlen,
                    "no vdev: name the device the guest sees, e.g. vdev=xvda (or give it as the "
                    "third positional value)");
    if (!d->target[0] && d->devtype != XL_DISK_CDROM)
        return errf(c->err, c->errlen,
                    "no target: give the image file or block device, e.g. "
                    "target=/images/disk.img");
    if (!c->access_set)
        d->readwrite = d->devtype != XL_DISK_CDROM;
    return 0;
}

int xl_disk_parse(const char *spec, struct xl_disk *out, char *err, size_t errlen)
{
    struct dctx c = {.d = out, .err = err, .errlen = errlen};
    char *buf;
    int rc;

    memset(out, 0, sizeof(*out));
    out->discard = -1;
    if (!spec[strspn(spec, " \t\n\r\f\v")])
        return errf(err, errlen,
                    "the disk spec is empty; e.g. 'format=raw, vdev=xvda, "
                    "access=rw, target=/images/disk.img'");
    buf = malloc(XL_DISK_TARGET_MAX);
    if (!buf) {
        errf(err, errlen, "out of memory");
        return -ENOMEM;
    }
    rc = walk(&c, spec, buf, XL_DISK_TARGET_MAX);
    free(buf);
    return rc < 0 ? rc : finish(&c);
}

const char *xl_disk_backend_name(enum xl_disk_backend b)
{
    switch (b) {
    case XL_DISK_BE_QDISK:
        return "qdisk";
    case XL_DISK_BE_TAP:
        return "tap";
    case XL_DISK_BE_STANDALONE:
        return "standalone";
    case XL_DISK_BE_DEFAULT:
    case XL_DISK_BE_PHY:
        break;
    }
    return "phy";
}

/* ---- a configuration's disk list ---------------------------------------------------------- */

/* "disk N ('SPEC'): " with a long spec shortened. */
static void spec_label(char *out, size_t len, size_t n, const char *spec)
{
    snprintf(out, len, "disk %zu ('%.80s%s')", n + 1, spec, strlen(spec) > 80 ? "..." : "");
}

static int check_duplicate(const struct xlcfg *cfg, size_t i, const char *source, int line,
                           char *err, size_t errlen)
{
    char a[128], b[128];

    for (size_t j = 0; j < i; j++) {
        if (cfg->disks[j].devid != cfg->disks[i].devid)
            continue;
        spec_label(a, sizeof(a), i, cfg->disk.v[i]);
        spec_label(b, sizeof(b), j, cfg->disk.v[j]);
        return errf(err, errlen,
                    "%s:%d: %s: vdev '%s' (device %u) is already used by %s; give each disk "
                    "its own vdev",
                    source, line, a, cfg->disks[i].vdev, cfg->disks[i].devid, b);
    }
    return 0;
}

int xlcfg_parse_disks(struct xlcfg *cfg, const char *source, int line, char *err, size_t errlen)
{
    char why[512], label[128];

    free(cfg->disks);
    cfg->disks = NULL;
    cfg->ndisks = 0;
    if (cfg->disk.n > XLCFG_MAX_DISKS)
        return errf(err, errlen, "%s:%d: %zu disks given; a domain may have at most %d", source,
                    line, cfg->disk.n, XLCFG_MAX_DISKS);
    if (!cfg->disk.n)
        return 0;
    cfg->disks = calloc(cfg->disk.n, sizeof(*cfg->disks));
    if (!cfg->disks)
        return -ENOMEM;
    for (size_t i = 0; i < cfg->disk.n; i++) {
        int rc = xl_disk_parse(cfg->disk.v[i], &cfg->disks[i], why, sizeof(why));

        if (rc == 0)
            rc = check_duplicate(cfg, i, source, line, err, errlen);
        else if (rc == -EINVAL) {
            spec_label(label, sizeof(label), i, cfg->disk.v[i]);
            errf(err, errlen, "%s:%d: %s: %s", source, line, label, why);
        }
        if (rc < 0)
            return rc;
        cfg->ndisks = i + 1;
    }
    return 0;
}
