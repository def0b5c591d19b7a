/* xlcfg.h: parser for Xen's xl.cfg domain configuration syntax (pure, no daemon access). */
#ifndef PVISOR_XLCFG_H
#define PVISOR_XLCFG_H

#include <stddef.h>
#include <stdint.h>

/*
 * Two layers:
 *  - a document (struct xlcfg_doc): the generic grammar. `key = value` statements, one
 *    per line or separated by ';', `key += value` appends to a string or list, values are
 *    "string" / 'string' (backslash escapes \\ \" \' \a \b \f \n \r \t \v \xHH \ooo),
 *    numbers (decimal or 0x hex) and lists [ v, v, ] that may span lines. `#` comments
 *    to end of line. A later setting of a key replaces the earlier one.
 *  - a domain configuration (struct xlcfg): the keys pvisor understands, validated.
 *
 * Errors are written to `err` as "SOURCE:LINE: message" (no trailing newline) and the
 * functions return a negative errno (-EINVAL for bad input, -ENOMEM, -EFBIG for input
 * over the limits, or the errno of a failed read). Nothing here prints; warnings (e.g.
 * unknown keys) go to the caller's callback. Not thread-safe per object; no globals.
 */

#define XLCFG_MAX_SIZE     (1u << 20) /* bytes of one config text */
#define XLCFG_MAX_SETTINGS 4096       /* distinct keys in one document */
#define XLCFG_MAX_ITEMS    4096       /* items in one list */

enum xlcfg_vtype { XLCFG_STRING, XLCFG_NUMBER, XLCFG_LIST };

struct xlcfg_value {
    enum xlcfg_vtype type;
    char *str;    /* STRING: the unescaped text (may not contain NUL); NUMBER: its digits */
    char **items; /* LIST: unescaped item texts (strings or number digits) */
    size_t nitems;
};

struct xlcfg_setting {
    char *key;
    char *source; /* where it was last set: file name or "<command line>" */
    int line;     /* line of that statement in source (argument number for overrides) */
    struct xlcfg_value v;
};

struct xlcfg_doc {
    struct xlcfg_setting *set; /* in order of first appearance */
    size_t nset, cap;
};

/* Parse `len` bytes of `text` (named `source` in messages, first line numbered
 * `first_line`) into `doc`, adding to what it already holds. On error `doc` keeps the
 * statements before the failing one. */
int xlcfg_doc_parse(struct xlcfg_doc *doc, const char *source, int first_line, const char *text,
                    size_t len, char *err, size_t errlen);

/* Returns the setting for `key` or NULL. The pointer is valid until the next parse. */
const struct xlcfg_setting *xlcfg_doc_get(const struct xlcfg_doc *doc, const char *key);

/* Frees everything `doc` holds and leaves it empty (safe on a zeroed doc). */
void xlcfg_doc_free(struct xlcfg_doc *doc);

/* What to do when the guest shuts down with a given reason. */
enum xlcfg_action { XLCFG_DESTROY, XLCFG_RESTART, XLCFG_PRESERVE };

struct xl_disk;
struct xl_vif;

struct xlcfg_strlist {
    char **v;
    size_t n;
};

struct xlcfg {
    char *source;       /* config file as given (NULL when built from text only) */
    char *dir;          /* directory relative kernel paths start from ("." if none) */
    char *name;         /* required; not all digits, printable, < 64 bytes */
    uint32_t type;      /* PVCTL_TYPE_PV or PVCTL_TYPE_PVH */
    char *kernel;       /* required; as written until xlcfg_resolve_paths() */
    char *cmdline;      /* cmdline (or "root=ROOT") followed by extra; "" if none */
    uint64_t memory_mb; /* default 32 (like libxl) */
    uint64_t maxmem_mb; /* default memory_mb; >= memory_mb */
    uint32_t vcpus;     /* vCPUs online at boot, default 1 */
    uint32_t maxvcpus;  /* vCPUs created, default vcpus; >= vcpus */
    enum xlcfg_action on_poweroff, on_reboot, on_crash, on_watchdog;
    int have_uuid; /* 0: the caller picks one */
    uint8_t uuid[16];
    struct xlcfg_strlist disk, vif; /* raw specs, as written */
    struct xl_disk *disks;          /* disk[i] parsed (ndisks == disk.n); see below */
    size_t ndisks;
    struct xl_vif *vifs; /* vif[i] parsed (nvifs == vif.n), devids assigned; see below */
    size_t nvifs;
};

/* Called once per warning with a complete "SOURCE:LINE: warning: ..." line. */
typedef void (*xlcfg_warn_fn)(void *opaque, const char *msg);

/* Interpret `doc` into `cfg` (zeroed or freed first by this call). `source` / `dir`
 * may be NULL. Unknown keys produce a warning, not an error. Returns 0 or -EINVAL with
 * the offending key's location in `err`. On error `cfg` is left freed. */
int xlcfg_from_doc(const struct xlcfg_doc *doc, const char *source, struct xlcfg *cfg,
                   xlcfg_warn_fn warn, void *opaque, char *err, size_t errlen);

/* Read the file at `path`, then each override ("key=value", same grammar, named
 * "<command line>" with its 1-based index as line), and interpret the result.
 * `path` may be NULL (overrides only). */
int xlcfg_load(const char *path, char *const *overrides, int noverrides, struct xlcfg *cfg,
               xlcfg_warn_fn warn, void *opaque, char *err, size_t errlen);

/* Make a relative cfg->kernel absolute: tried in cfg->dir first, then in the current
 * directory; the first that exists wins. Returns 0, or -ENOENT (with both places tried
 * named in err) when neither exists, leaving cfg->kernel unchanged. */
int xlcfg_resolve_paths(struct xlcfg *cfg, char *err, size_t errlen);

/* Render `cfg` as xl.cfg text that parses back to the same configuration. Returns a
 * malloc'd NUL-terminated string the caller frees, or NULL on allocation failure. */
char *xlcfg_format(const struct xlcfg *cfg);

/* Frees everything `cfg` owns and zeroes it (safe on a zeroed cfg). */
void xlcfg_free(struct xlcfg *cfg);

/* "destroy" / "restart" / "preserve". */
const char *xlcfg_action_name(enum xlcfg_action a);

/* "pv" / "pvh". */
const char *xlcfg_type_name(uint32_t type);

/* Format a UUID as 36 characters plus NUL into out[37]. */
void xlcfg_uuid_format(const uint8_t uuid[16], char out[37]);

/* Parse "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx" (hex, either case). 0 or -EINVAL. */
int xlcfg_uuid_parse(const char *s, uint8_t uuid[16]);

/* ---- disks: Xen's disk specification syntax (xlcfg_disk.c, pure) ------------------------ */

/*
 * A DISKSPEC is a comma-separated list of `key=value` pairs, flags and positional values
 * (Xen's xl-disk-configuration): positionals fill target, format, vdev, access in that
 * order, skipping those already given; an empty value means the default; whitespace
 * before each item is ignored; each parameter may be given once. `target=` must come
 * last and takes the rest of the string, commas included. Examples:
 *   "format=raw, vdev=xvda, access=rw, target=/images/g1.img"
 *   "/images/g1.img,raw,xvda,rw"      "/images/cd.iso,,hdc,cdrom"
 *   "phy:/dev/vg/g1,xvda,w" (Xen's deprecated prefix form: no format positional)
 * pvisor serves raw images from Domain-0 only: other formats and backends are refused
 * with a message saying so.
 */

#define XL_DISK_TARGET_MAX 4096 /* bytes of a target path, NUL included */
#define XL_DISK_VDEV_MAX   32   /* bytes of a vdev name, NUL included */
#define XLCFG_MAX_DISKS    256  /* disks of one domain */

enum xl_disk_devtype { XL_DISK_DISK, XL_DISK_CDROM };

/* backendtype=: recorded (and shown by `xl list -l`); pvisor's blkback serves them all. */
enum xl_disk_backend {
    XL_DISK_BE_DEFAULT,
    XL_DISK_BE_PHY,
    XL_DISK_BE_QDISK,
    XL_DISK_BE_TAP,
    XL_DISK_BE_STANDALONE
};

struct xl_disk {
    char target[XL_DISK_TARGET_MAX]; /* absolute ("/dev/" put before a relative path, as in
                                        Xen); "" only for an empty cdrom drive */
    char vdev[XL_DISK_VDEV_MAX];     /* as written, without a ":cdrom" suffix */
    uint32_t devid;                  /* Xen's number for vdev: the xenstore key */
    int readwrite;                   /* 1: access rw/w (default for disks), 0: r/ro */
    enum xl_disk_devtype devtype;    /* default disk; "cdrom" flag or devtype=cdrom */
    enum xl_disk_backend backend;
    int discard;  /* -1 not said, 1 "discard", 0 "no-discard" */
    int blockdev; /* 1: target is a block device; set by xl when it checks the target */
};

/* Parses one DISKSPEC into *out (fully overwritten). No file system access: the target
 * is not checked here. Returns 0, or -EINVAL with a one-line reason in err that names
 * the bad part and what to use instead (e.g. "vdev 'xvq1' is not a virtual device name:
 * ...; use xvda, xvdb1, hdc, sda or a device number"). Never reads past spec's NUL. */
int xl_disk_parse(const char *spec, struct xl_disk *out, char *err, size_t errlen);

/* Xen's device number of a vdev name (xen-vbd-interface): xvd<letters>[<part>] is
 * 202<<8 | disk<<4 | part for disk and part < 16, else 1<<28 | disk<<8 | part (disk <
 * 2^20, part < 256); hd[a-d][<part>] is 3<<8 (disks 0, 1) or 22<<8 (2, 3) | (disk&1)<<6 |
 * part (< 64); sd[a-p][<part>] is 8<<8 | disk<<4 | part (< 16); d<disk>[p<part>] is the
 * xvd form; a plain decimal number is the device number itself. 0 or -EINVAL (err says
 * why and what to use). */
int xl_vdev_parse(const char *vdev, uint32_t *devid, char *err, size_t errlen);

/* "phy" / "qdisk" / "tap" / "standalone", and "phy" for the default. */
const char *xl_disk_backend_name(enum xl_disk_backend b);

/* Parses every cfg->disk spec into cfg->disks (replacing what was there) and refuses two
 * disks with the same device number and lists over XLCFG_MAX_DISKS. Errors read
 * "SOURCE:LINE: disk N ('SPEC'): reason" (N counts from 1). 0, -EINVAL or -ENOMEM. */
int xlcfg_parse_disks(struct xlcfg *cfg, const char *source, int line, char *err, size_t errlen);

/* ---- vifs: Xen's network specification syntax (xlcfg_vif.c, pure) ----------------------- */

/*
 * A VIFSPEC is a comma-separated list of `key=value` pairs (Xen's xl-network-configuration);
 * blanks around keys and values are ignored, an empty item or value means the default, each
 * key may be given once, and '' is a vif with every default. Keys: mac, bridge, type
 * (vif|tap), vifname, mtu, ip, devid; backend=0 and script=vif-bridge are accepted as what
 * pvisor does anyway. Refused with a message saying why: type=ioemu and model= (emulated
 * NICs), other scripts, rate=, gatewaydev= / netdev=, forwarddev=, accel=, other backends.
 * Examples:  ''   'mac=00:16:3e:01:02:03,bridge=xenbr0'   'type=tap,vifname=web1,mtu=9000'
 */

#define XL_VIF_IFNAME_MAX  16     /* bytes of an interface name, NUL included (IFNAMSIZ) */
#define XL_VIF_IP_MAX      256    /* bytes of ip=, NUL included */
#define XL_VIF_DEVID_MAX   65535u /* highest devid= */
#define XL_VIF_MTU_MIN     68u
#define XL_VIF_MTU_MAX     65517u /* a 65535-byte frame: 14-byte header + VLAN tag */
#define XL_VIF_MTU_DEFAULT 1500u
#define XL_VIF_BRIDGE      "xenbr0" /* the default bridge */
#define XLCFG_MAX_VIFS     256      /* vifs of one domain */

enum xl_vif_type {
    XL_VIF_TYPE_VIF, /* the embedded switch, or a host Linux bridge of that name */
    XL_VIF_TYPE_TAP  /* always a host TAP device */
};

struct xl_vif {
    uint8_t mac[6];                  /* unicast, not all zero; zero until set when !mac_given */
    int mac_given;                   /* 1: mac= was given; 0: the toolstack picks one */
    enum xl_vif_type type;           /* default vif */
    char bridge[XL_VIF_IFNAME_MAX];  /* default "xenbr0" */
    char vifname[XL_VIF_IFNAME_MAX]; /* "": netback's default vif<domid>.<devid> */
    uint32_t mtu;                    /* 68..65517, default 1500 */
    char ip[XL_VIF_IP_MAX];          /* blank-separated addresses (checked), "" if none */
    uint32_t devid;                  /* the xenstore key; 0 until assigned when !devid_given */
    int devid_given;                 /* 1: devid= was given */
};

/* Parses one VIFSPEC into *out (fully overwritten; defaults filled in). Pure: no I/O and no
 * randomness, so a MAC that was not given stays zero (mac_given = 0) until
 * xl_vif_random_mac(). Returns 0, or -EINVAL with a one-line reason in err naming the key
 * and what to use instead (e.g. "mac '01:00:5e:00:00:01' is a multicast address ...").
 * Never reads past spec's NUL. */
int xl_vif_parse(const char *spec, struct xl_vif *out, char *err, size_t errlen);

/* Sets v->mac to Xen's 00:16:3e:(r[0] & 0x7f):r[1]:r[2] (r: three random bytes). */
void xl_vif_random_mac(struct xl_vif *v, const uint8_t r[3]);

/* Parses "xx:xx:xx:xx:xx:xx" (two hex digits per octet, either case) and refuses multicast
 * and all-zero addresses. 0 or -EINVAL (err says why and what to use). */
int xl_mac_parse(const char *s, uint8_t mac[6], char *err, size_t errlen);

/* The MAC in lower case, "xx:xx:xx:xx:xx:xx" plus NUL, into out[18]. */
void xl_mac_format(const uint8_t mac[6], char out[18]);

/* "vif" / "tap". */
const char *xl_vif_type_name(enum xl_vif_type t);

/* Parses every cfg->vif spec into cfg->vifs (replacing what was there), gives each vif
 * without devid= the lowest number no other vif has (so 0..n-1 when none is given), and
 * refuses two vifs with the same devid, MAC or vifname and lists over XLCFG_MAX_VIFS.
 * Errors read "SOURCE:LINE: vif N ('SPEC'): reason" (N counts from 1). 0, -EINVAL or
 * -ENOMEM. */
int xlcfg_parse_vifs(struct xlcfg *cfg, const char *source, int line, char *err, size_t errlen);

#endif
