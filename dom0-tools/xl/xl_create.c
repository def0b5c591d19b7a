/* xl_create.c: `xl create`: parse the config and overrides, build, start, follow or hand to a
 * monitor. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "xl.h"

struct create_opts {
    bool console, paused, quiet, dry_run, no_monitor;
    const char *config;
    char **overrides;
    int noverrides;
};

static void print_warning(void *opaque, const char *msg)
{
    (void)opaque;
    fprintf(stderr, "%s\n", msg);
}

/* CONFIG first (or -f FILE), then KEY=VALUE overrides, like Xen's xl. */
static int parse_args(int argc, char **argv, struct create_opts *o)
{
    int opt;

    while ((opt = xl_getopt(argc, argv, "cpqnef:")) != -1) {
        switch (opt) {
        case 'c':
            o->console = true;
            break;
        case 'p':
            o->paused = true;
            break;
        case 'q':
            o->quiet = true;
            break;
        case 'n':
            o->dry_run = true;
            break;
        case 'e':
            o->no_monitor = true;
            break;
        case 'f':
            o->config = optarg;
            break;
        case XL_OPT_HELP:
            return XL_OK;
        default:
            return XL_USAGE;
        }
    }
    if (!o->config && optind < argc && !strchr(argv[optind], '='))
        o->config = argv[optind++];
    if (!o->config)
        return xl_usage_error("no CONFIG file given");
    for (int i = optind; i < argc; i++)
        if (!strchr(argv[i], '='))
            return xl_usage_error("'%s' is neither an option nor a KEY=VALUE override", argv[i]);
    o->overrides = argv + optind;
    o->noverrides = argc - optind;
    return -1;
}

/* A random (version 4) UUID when the config gives none. */
static int pick_uuid(struct xlcfg *cfg)
{
    if (cfg->have_uuid)
        return 0;
    if (getrandom(cfg->uuid, sizeof(cfg->uuid), 0) != (ssize_t)sizeof(cfg->uuid))
        return -errno;
    cfg->uuid[6] = (uint8_t)((cfg->uuid[6] & 0x0f) | 0x40);
    cfg->uuid[8] = (uint8_t)((cfg->uuid[8] & 0x3f) | 0x80);
    cfg->have_uuid = 1;
    return 0;
}

static int load_config(const struct create_opts *o, struct xlcfg *cfg)
{
    char err[512];
    int rc;

    if (!o->quiet)
        fprintf(stderr, "Parsing config from %s\n", o->config);
    rc = xlcfg_load(o->config, o->overrides, o->noverrides, cfg, print_warning, NULL, err,
                    sizeof(err));
    if (rc == 0) {
        rc = xlcfg_resolve_paths(cfg, err, sizeof(err));
        if (rc < 0)
            xlcfg_free(cfg);
    }
    if (rc < 0)
        fprintf(stderr, "xl: %s\n", err);
    return rc;
}

static int dry_run(const struct xlcfg *cfg)
{
    struct xl_json *j = xj_new();
    int rc;

    if (!j)
        return XL_FAIL;
    xl_json_config(j, cfg, NULL);
    rc = xj_print(j, stdout);
    xj_free(j);
    return rc < 0 ? XL_FAIL : XL_OK;
}

/* Refuses early what pvisord would refuse later, with a clearer message. */
static int precheck(struct pvctl *c, const struct xlcfg *cfg)
{
    struct pvctl_physinfo pi;
    uint32_t id;

    if (pvctl_domid_by_name(c, cfg->name, &id) == 0) {
        xl_err("domain name '%s' is already in use by domain %u (pick another name, e.g. "
               "'name=\"%s-2\"', or `xl destroy %s`)",
               cfg->name, id, cfg->name, cfg->name);
        return -EEXIST;
    }
    if (pvctl_physinfo(c, &pi) == 0 && pi.max_vcpus_per_domain &&
        cfg->maxvcpus > pi.max_vcpus_per_domain) {
        xl_err("%s: %u vCPUs asked for, pvisord allows at most %u per domain", cfg->source,
               cfg->maxvcpus, pi.max_vcpus_per_domain);
        return -EINVAL;
    }
    return 0;
}

static int start(struct pvctl *c, struct xl_running *r, const struct create_opts *o)
{
    int rc;

    if (o->paused)
        return 0;
    rc = pvctl_domain_unpause(c, r->domid);
    if (rc < 0)
        xl_err("domain %s (%u) was built but cannot start: %s", r->cfg->name, r->domid,
               pvctl_strerror(rc));
    return rc;
}

static int run(struct pvctl *c, struct xlcfg *cfg, const struct create_opts *o)
{
    struct xl_running r = {.cfg = cfg, .console = o->console, .quiet = o->quiet};
    int rc;

    if (precheck(c, cfg) < 0 || xl_build(c, &r) < 0)
        return XL_FAIL;
    if (start(c, &r, o) < 0) {
        pvctl_domain_destroy(c, r.domid);
        xl_forget_cfg(c, r.domid);
        return XL_FAIL;
    }
    if (o->console) {
        xl_catch_signals();
        xl_tty_enter();
        rc = xl_follow(c, &r);
        xl_tty_leave();
        return rc;
    }
    if (!o->no_monitor && xl_spawn_monitor(c, &r) < 0)
        xl_err("warning: no monitor started for domain %s (%u): on_poweroff/on_reboot/"
               "on_crash will not apply",
               cfg->name, r.domid);
    if (o->paused && !o->quiet)
        fprintf(stderr, "Domain %s (%u) is paused; `xl unpause %s` starts it\n", cfg->name, r.domid,
                cfg->name);
    return XL_OK;
}

int xl_cmd_create(int argc, char **argv)
{
    struct create_opts o = {0};
    struct xlcfg cfg;
    struct pvctl *c;
    int rc = parse_args(argc, argv, &o);

    if (rc >= 0)
        return rc;
    if (load_config(&o, &cfg) < 0)
        return XL_FAIL;
    if (pick_uuid(&cfg) < 0) {
        xl_err("cannot get random bytes for the domain's uuid: %s", strerror(errno));
        rc = XL_FAIL;
    } else if (o.dry_run) {
        rc = dry_run(&cfg);
    } else if (xl_connect(&c) < 0) {
        rc = XL_FAIL;
    } else {
        rc = run(c, &cfg, &o);
        pvctl_close(c);
    }
    xlcfg_free(&cfg);
    return rc;
}
