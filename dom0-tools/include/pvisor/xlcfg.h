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
    struct xlcfg_strlist disk, vif; /* raw specs, parsed by later tools */
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

#endif
