/* xlcfg.c: the xl.cfg keys pvisor understands: per-key validation, defaults, cross checks. */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pvisor/ctl_wire.h>
#include <pvisor/xlcfg.h>

#define MAX_MEMORY_MB (1ULL << 20) /* 1 TiB: keeps KiB arithmetic far from overflow */
#define MAX_VCPUS     4096         /* pvisord enforces the real limit */

struct ictx {
    struct xlcfg *cfg;
    char *cmdline, *root, *extra; /* borrowed from the document */
    const struct xlcfg_setting *memory, *maxmem, *vcpus, *maxvcpus, *cmdline_set;
    bool have_maxmem, have_maxvcpus;
    xlcfg_warn_fn warn;
    void *opaque;
    char *err;
    size_t errlen;
};

static int fail(struct ictx *c, const struct xlcfg_setting *s, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Writes "SOURCE:LINE: message" for setting s (or "SOURCE: message" without one). */
static int fail(struct ictx *c, const struct xlcfg_setting *s, const char *fmt, ...)
{
    char msg[384];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    if (!c->errlen)
        return -EINVAL;
    if (s)
        snprintf(c->err, c->errlen, "%s:%d: %s", s->source, s->line, msg);
    else
        snprintf(c->err, c->errlen, "%s: %s", c->cfg->source ? c->cfg->source : "<command line>",
                 msg);
    return -EINVAL;
}

static void warnf(struct ictx *c, const struct xlcfg_setting *s, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void warnf(struct ictx *c, const struct xlcfg_setting *s, const char *fmt, ...)
{
    char msg[384], line[512];
    va_list ap;

    if (!c->warn)
        return;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    snprintf(line, sizeof(line), "%s:%d: warning: %s", s->source, s->line, msg);
    c->warn(c->opaque, line);
}

/* --- typed access to a setting ------------------------------------------------------- */

static int get_str(struct ictx *c, const struct xlcfg_setting *s, char **out)
{
    if (s->v.type == XLCFG_LIST)
        return fail(c, s, "'%s' takes a single value, not a list", s->key);
    *out = s->v.str;
    return 0;
}

/* Decimal or 0x hex, whole string, fits in 64 bits. */
static int parse_u64(const char *t, uint64_t *out)
{
    char *end;
    int base = (t[0] == '0' && (t[1] == 'x' || t[1] == 'X')) ? 16 : 10;

    if (!(t[0] >= '0' && t[0] <= '9'))
        return -EINVAL;
    errno = 0;
    *out = strtoull(t, &end, base);
    return (errno || *end) ? -EINVAL : 0;
}

static int get_num(struct ictx *c, const struct xlcfg_setting *s, uint64_t lo, uint64_t hi,
                   uint64_t *out)
{
    if (s->v.type == XLCFG_LIST || parse_u64(s->v.str, out) < 0)
        return fail(c, s, "'%s' must be a number (decimal or 0x hex)", s->key);
    if (*out < lo || *out > hi)
        return fail(c, s, "'%s' = %llu is out of range (%llu..%llu)", s->key,
                    (unsigned long long)*out, (unsigned long long)lo, (unsigned long long)hi);
    return 0;
}

static int copy_list(struct ictx *c, const struct xlcfg_setting *s, struct xlcfg_strlist *l)
{
    if (s->v.type != XLCFG_LIST)
        return fail(c, s, "'%s' must be a list, e.g. %s = [ '...' ]", s->key, s->key);
    l->v = calloc(s->v.nitems + 1, sizeof(char *));
    if (!l->v)
        return -ENOMEM;
    for (l->n = 0; l->n < s->v.nitems; l->n++) {
        l->v[l->n] = strdup(s->v.items[l->n]);
        if (!l->v[l->n])
            return -ENOMEM;
    }
    return 0;
}

static int dup_into(char **dst, const char *src)
{
    char *d = strdup(src);

    if (!d)
        return -ENOMEM;
    free(*dst);
    *dst = d;
    return 0;
}

/* --- one handler per key --------------------------------------------------------------- */

static int set_name(struct ictx *c, const struct xlcfg_setting *s)
{
    char *v = NULL;
    size_t n, digits = 0;
    int rc = get_str(c, s, &v);

    if (rc < 0)
        return rc;
    n = strlen(v);
    if (n == 0 || n >= PVCTL_NAME_LEN)
        return fail(c, s, "name must be 1..%d characters", PVCTL_NAME_LEN - 1);
    for (size_t i = 0; i < n; i++) {
        if (v[i] <= ' ' || v[i] > '~' || v[i] == '/')
            return fail(c, s,
                        "name \"%s\" may only hold printable characters, no spaces "
                        "or '/'",
                        v);
        digits += v[i] >= '0' && v[i] <= '9';
    }
    if (digits == n)
        return fail(c, s, "name \"%s\" is all digits and would read as a domain id", v);
    if (strcmp(v, "Domain-0") == 0)
        return fail(c, s, "name \"Domain-0\" is reserved for the control domain");
    return dup_into(&c->cfg->name, v);
}

static int set_type_word(struct ictx *c, const struct xlcfg_setting *s, const char *v)
{
    if (strcmp(v, "pv") == 0 || (strcmp(v, "generic") == 0 && strcmp(s->key, "builder") == 0))
        c->cfg->type = PVCTL_TYPE_PV;
    else if (strcmp(v, "pvh") == 0)
        c->cfg->type = PVCTL_TYPE_PVH;
    else if (strcmp(v, "hvm") == 0)
        return fail(c, s,
                    "%s \"hvm\" is not supported: pvisor runs PV and PVH guests "
                    "(type = \"pv\" or \"pvh\")",
                    s->key);
    else
        return fail(c, s, "unknown %s \"%s\" (use type = \"pv\" or \"pvh\")", s->key, v);
    return 0;
}

static int set_type(struct ictx *c, const struct xlcfg_setting *s)
{
    char *v = NULL;
    int rc = get_str(c, s, &v);

    return rc < 0 ? rc : set_type_word(c, s, v);
}

/* builder = "generic" is the old spelling of type = "pv"; type wins when both appear. */
static int set_builder(struct ictx *c, const struct xlcfg_setting *s)
{
    char *v = NULL;
    int rc = get_str(c, s, &v);

    return rc < 0 ? rc : set_type_word(c, s, v);
}

static int set_kernel(struct ictx *c, const struct xlcfg_setting *s)
{
    char *v = NULL;
    int rc = get_str(c, s, &v);

    if (rc == 0 && v[0] == '\0')
        return fail(c, s, "kernel is empty");
    return rc < 0 ? rc : dup_into(&c->cfg->kernel, v);
}

static int set_ramdisk(struct ictx *c, const struct xlcfg_setting *s)
{
    return fail(c, s, "ramdisk is not supported yet; remove the ramdisk line");
}

static int set_cmdline(struct ictx *c, const struct xlcfg_setting *s)
{
    c->cmdline_set = s;
    return get_str(c, s, &c->cmdline);
}

static int set_root(struct ictx *c, const struct xlcfg_setting *s)
{
    return get_str(c, s, &c->root);
}

static int set_extra(struct ictx *c, const struct xlcfg_setting *s)
{
    return get_str(c, s, &c->extra);
}

static int set_memory(struct ictx *c, const struct xlcfg_setting *s)
{
    c->memory = s;
    return get_num(c, s, 1, MAX_MEMORY_MB, &c->cfg->memory_mb);
}

static int set_maxmem(struct ictx *c, const struct xlcfg_setting *s)
{
    c->maxmem = s;
    return get_num(c, s, 1, MAX_MEMORY_MB, &c->cfg->maxmem_mb);
}

static int set_vcpus(struct ictx *c, const struct xlcfg_setting *s)
{
    uint64_t v;
    int rc = get_num(c, s, 1, MAX_VCPUS, &v);

    c->vcpus = s;
    c->cfg->vcpus = (uint32_t)v;
    return rc;
}

static int set_maxvcpus(struct ictx *c, const struct xlcfg_setting *s)
{
    uint64_t v;
    int rc = get_num(c, s, 1, MAX_VCPUS, &v);

    c->maxvcpus = s;
    c->cfg->maxvcpus = (uint32_t)v;
    return rc;
}

static int parse_action(struct ictx *c, const struct xlcfg_setting *s, enum xlcfg_action *a)
{
    static const char *const unsupported[] = {"rename-restart", "coredump-destroy",
                                              "coredump-restart", "soft-reset"};
    char *v = NULL;
    int rc = get_str(c, s, &v);

    if (rc < 0)
        return rc;
    for (int i = XLCFG_DESTROY; i <= XLCFG_PRESERVE; i++) {
        if (strcmp(v, xlcfg_action_name((enum xlcfg_action)i)) == 0) {
            *a = (enum xlcfg_action)i;
            return 0;
        }
    }
    for (size_t i = 0; i < sizeof(unsupported) / sizeof(unsupported[0]); i++)
        if (strcmp(v, unsupported[i]) == 0)
            return fail(c, s,
                        "%s = \"%s\" is not supported by pvisor; use \"destroy\", "
                        "\"restart\" or \"preserve\"",
                        s->key, v);
    return fail(c, s,
                "unknown %s action \"%s\" (use \"destroy\", \"restart\" or "
                "\"preserve\")",
                s->key, v);
}

static int set_on_poweroff(struct ictx *c, const struct xlcfg_setting *s)
{
    return parse_action(c, s, &c->cfg->on_poweroff);
}

static int set_on_reboot(struct ictx *c, const struct xlcfg_setting *s)
{
    return parse_action(c, s, &c->cfg->on_reboot);
}

static int set_on_crash(struct ictx *c, const struct xlcfg_setting *s)
{
    return parse_action(c, s, &c->cfg->on_crash);
}

static int set_on_watchdog(struct ictx *c, const struct xlcfg_setting *s)
{
    return parse_action(c, s, &c->cfg->on_watchdog);
}

static int set_uuid(struct ictx *c, const struct xlcfg_setting *s)
{
    char *v = NULL;
    int rc = get_str(c, s, &v);

    if (rc == 0 && xlcfg_uuid_parse(v, c->cfg->uuid) < 0)
        return fail(c, s,
                    "uuid \"%.60s\" is not of the form "
                    "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx",
                    v);
    c->cfg->have_uuid = rc == 0;
    return rc;
}

static int set_disk(struct ictx *c, const struct xlcfg_setting *s)
{
    int rc = copy_list(c, s, &c->cfg->disk);

    return rc < 0 ? rc : xlcfg_parse_disks(c->cfg, s->source, s->line, c->err, c->errlen);
}

static int set_vif(struct ictx *c, const struct xlcfg_setting *s)
{
    int rc = copy_list(c, s, &c->cfg->vif);

    return rc < 0 ? rc : xlcfg_parse_vifs(c->cfg, s->source, s->line, c->err, c->errlen);
}

struct key_handler {
    const char *key;
    int (*fn)(struct ictx *c, const struct xlcfg_setting *s);
};

static const struct key_handler keys[] = {
    {"name", set_name},
    {"type", set_type},
    {"builder", set_builder},
    {"kernel", set_kernel},
    {"ramdisk", set_ramdisk},
    {"cmdline", set_cmdline},
    {"root", set_root},
    {"extra", set_extra},
    {"memory", set_memory},
    {"maxmem", set_maxmem},
    {"vcpus", set_vcpus},
    {"maxvcpus", set_maxvcpus},
    {"on_poweroff", set_on_poweroff},
    {"on_reboot", set_on_reboot},
    {"on_crash", set_on_crash},
    {"on_watchdog", set_on_watchdog},
    {"uuid", set_uuid},
    {"disk", set_disk},
    {"vif", set_vif},
};

/* --- whole-configuration checks ---------------------------------------------------- */

static int build_cmdline(struct ictx *c)
{
    const char *base = c->cmdline ? c->cmdline : "";
    char *root = NULL, *out;

    if (c->cmdline && c->root)
        warnf(c, c->cmdline_set, "root = \"%s\" is ignored because cmdline is set", c->root);
    if (!c->cmdline && c->root) {
        if (asprintf(&root, "root=%s", c->root) < 0)
            return -ENOMEM;
        base = root;
    }
    if (c->extra && c->extra[0]) {
        if (asprintf(&out, "%s%s%s", base, base[0] ? " " : "", c->extra) < 0)
            out = NULL;
    } else {
        out = strdup(base);
    }
    free(root);
    if (!out)
        return -ENOMEM;
    c->cfg->cmdline = out;
    return 0;
}

static int finish(struct ictx *c)
{
    struct xlcfg *cfg = c->cfg;

    if (!cfg->name)
        return fail(c, NULL, "no name: add a line like name = \"guest1\"");
    if (!cfg->kernel)
        return fail(c, NULL, "no kernel: add a line like kernel = \"/path/to/guest\"");
    if (!c->maxmem)
        cfg->maxmem_mb = cfg->memory_mb;
    else if (cfg->maxmem_mb < cfg->memory_mb)
        return fail(c, c->maxmem, "maxmem (%llu MiB) is below memory (%llu MiB)",
                    (unsigned long long)cfg->maxmem_mb, (unsigned long long)cfg->memory_mb);
    if (!c->maxvcpus)
        cfg->maxvcpus = cfg->vcpus;
    else if (cfg->maxvcpus < cfg->vcpus)
        return fail(c, c->maxvcpus, "maxvcpus (%u) is below vcpus (%u)", cfg->maxvcpus, cfg->vcpus);
    return build_cmdline(c);
}

static void set_defaults(struct xlcfg *cfg)
{
    cfg->type = PVCTL_TYPE_PV;
    cfg->memory_mb = 32;
    cfg->vcpus = 1;
    cfg->on_poweroff = XLCFG_DESTROY;
    cfg->on_reboot = XLCFG_RESTART;
    cfg->on_crash = XLCFG_DESTROY;
    cfg->on_watchdog = XLCFG_DESTROY;
}

static int apply(struct ictx *c, const struct xlcfg_setting *s)
{
    for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]); k++)
        if (strcmp(keys[k].key, s->key) == 0)
            return keys[k].fn(c, s);
    warnf(c, s, "unknown or unsupported setting '%.60s' ignored", s->key);
    return 0;
}

static int apply_all(struct ictx *c, const struct xlcfg_doc *doc)
{
    const struct xlcfg_setting *type = xlcfg_doc_get(doc, "type");
    int rc = 0;

    for (size_t i = 0; rc == 0 && i < doc->nset; i++) {
        if (type && strcmp(doc->set[i].key, "builder") == 0)
            continue; /* type takes precedence over the old builder key */
        rc = apply(c, &doc->set[i]);
    }
    return rc;
}

int xlcfg_from_doc(const struct xlcfg_doc *doc, const char *source, struct xlcfg *cfg,
                   xlcfg_warn_fn warn, void *opaque, char *err, size_t errlen)
{
    struct ictx c = {.cfg = cfg, .warn = warn, .opaque = opaque, .err = err, .errlen = errlen};
    int rc;

    memset(cfg, 0, sizeof(*cfg));
    set_defaults(cfg);
    if (source && (rc = dup_into(&cfg->source, source)) < 0)
        return rc;
    rc = apply_all(&c, doc);
    if (rc == 0)
        rc = finish(&c);
    if (rc == -ENOMEM && errlen)
        snprintf(err, errlen, "%s: out of memory", source ? source : "config");
    if (rc < 0)
        xlcfg_free(cfg);
    return rc;
}

void xlcfg_free(struct xlcfg *cfg)
{
    struct xlcfg_strlist *lists[] = {&cfg->disk, &cfg->vif};

    free(cfg->source);
    free(cfg->dir);
    free(cfg->name);
    free(cfg->kernel);
    free(cfg->cmdline);
    for (size_t l = 0; l < 2; l++) {
        for (size_t i = 0; lists[l]->v && i < lists[l]->n; i++)
            free(lists[l]->v[i]);
        free(lists[l]->v);
    }
    free(cfg->disks);
    free(cfg->vifs);
    memset(cfg, 0, sizeof(*cfg));
}

const char *xlcfg_action_name(enum xlcfg_action a)
{
    switch (a) {
    case XLCFG_DESTROY:
        return "destroy";
    case XLCFG_RESTART:
        return "restart";
    case XLCFG_PRESERVE:
        return "preserve";
    }
    return "?";
}

const char *xlcfg_type_name(uint32_t type)
{
    return type == PVCTL_TYPE_PVH ? "pvh" : "pv";
}
