/* json.c: xl's one adapter over libyajl, and the domain "config" object of `xl list -l`. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <yajl/yajl_gen.h>

#include "xl.h"

struct xl_json {
    yajl_gen g;
    int failed; /* first yajl_gen_status that was not yajl_gen_status_ok */
};

static void check(struct xl_json *j, yajl_gen_status st)
{
    if (st != yajl_gen_status_ok && !j->failed)
        j->failed = (int)st;
}

struct xl_json *xj_new(void)
{
    struct xl_json *j = calloc(1, sizeof(*j));

    if (!j)
        return NULL;
    j->g = yajl_gen_alloc(NULL);
    if (!j->g) {
        free(j);
        return NULL;
    }
    yajl_gen_config(j->g, yajl_gen_beautify, 1);
    yajl_gen_config(j->g, yajl_gen_indent_string, "    ");
    return j;
}

void xj_free(struct xl_json *j)
{
    if (!j)
        return;
    yajl_gen_free(j->g);
    free(j);
}

void xj_map(struct xl_json *j)
{
    check(j, yajl_gen_map_open(j->g));
}

void xj_end_map(struct xl_json *j)
{
    check(j, yajl_gen_map_close(j->g));
}

void xj_array(struct xl_json *j)
{
    check(j, yajl_gen_array_open(j->g));
}

void xj_end_array(struct xl_json *j)
{
    check(j, yajl_gen_array_close(j->g));
}

void xj_str(struct xl_json *j, const char *s)
{
    check(j, yajl_gen_string(j->g, (const unsigned char *)s, strlen(s)));
}

void xj_key(struct xl_json *j, const char *k)
{
    xj_str(j, k);
}

void xj_u64(struct xl_json *j, uint64_t v)
{
    char num[24];
    int n = snprintf(num, sizeof(num), "%llu", (unsigned long long)v);

    check(j, yajl_gen_number(j->g, num, (size_t)n));
}

void xj_bool(struct xl_json *j, bool v)
{
    check(j, yajl_gen_bool(j->g, v));
}

void xj_kstr(struct xl_json *j, const char *k, const char *s)
{
    xj_key(j, k);
    xj_str(j, s);
}

void xj_ku64(struct xl_json *j, const char *k, uint64_t v)
{
    xj_key(j, k);
    xj_u64(j, v);
}

int xj_print(struct xl_json *j, FILE *f)
{
    const unsigned char *buf;
    size_t len;

    if (j->failed || yajl_gen_get_buf(j->g, &buf, &len) != yajl_gen_status_ok)
        return -EINVAL;
    fwrite(buf, 1, len, f);
    if (len && buf[len - 1] != '\n')
        fputc('\n', f);
    return 0;
}

/* ---- the shape of a domain's configuration (Xen's libxl_domain_config, abridged) ---- */

static void json_c_info(struct xl_json *j, const struct xlcfg *cfg,
                        const struct pvctl_dominfo *info)
{
    char uuid[37];

    xj_key(j, "c_info");
    xj_map(j);
    xj_kstr(j, "type", xlcfg_type_name(cfg ? cfg->type : info->type));
    xj_kstr(j, "name", cfg ? cfg->name : info->name);
    xlcfg_uuid_format(cfg && cfg->have_uuid ? cfg->uuid : info->uuid, uuid);
    if (cfg ? cfg->have_uuid : true)
        xj_kstr(j, "uuid", uuid);
    xj_end_map(j);
}

static void json_b_info(struct xl_json *j, const struct xlcfg *cfg,
                        const struct pvctl_dominfo *info)
{
    xj_key(j, "b_info");
    xj_map(j);
    if (cfg) {
        xj_ku64(j, "max_vcpus", cfg->maxvcpus);
        xj_ku64(j, "avail_vcpus_count", cfg->vcpus);
        xj_ku64(j, "max_memkb", cfg->maxmem_mb * 1024);
        xj_ku64(j, "target_memkb", cfg->memory_mb * 1024);
        xj_kstr(j, "kernel", cfg->kernel);
        xj_kstr(j, "cmdline", cfg->cmdline);
    } else {
        xj_ku64(j, "max_vcpus", info->nr_vcpus);
        xj_ku64(j, "max_memkb", info->max_pages * 4);
        xj_ku64(j, "target_memkb", info->nr_pages * 4);
    }
    xj_end_map(j);
}

/* libxl_device_disk's fields that pvisor has (defaults left out, as libxl does). */
static void json_disks(struct xl_json *j, const struct xlcfg *cfg)
{
    xj_key(j, "disks");
    xj_array(j);
    for (size_t i = 0; i < cfg->ndisks; i++) {
        const struct xl_disk *d = &cfg->disks[i];

        xj_map(j);
        xj_kstr(j, "pdev_path", d->target);
        xj_kstr(j, "vdev", d->vdev);
        xj_kstr(j, "backend", xl_disk_backend_name(d->backend));
        xj_kstr(j, "format", "raw");
        if (d->devtype == XL_DISK_CDROM) {
            xj_ku64(j, "removable", 1);
            xj_ku64(j, "is_cdrom", 1);
        }
        xj_ku64(j, "readwrite", (uint64_t)d->readwrite);
        if (d->discard >= 0)
            xj_kstr(j, "discard_enable", d->discard ? "True" : "False");
        xj_end_map(j);
    }
    xj_end_array(j);
}

/* libxl_device_nic's fields that pvisor has, plus its vif type ("vif" or "tap"). */
static void json_nics(struct xl_json *j, const struct xlcfg *cfg)
{
    char mac[18];

    xj_key(j, "nics");
    xj_array(j);
    for (size_t i = 0; i < cfg->nvifs; i++) {
        const struct xl_vif *v = &cfg->vifs[i];

        xj_map(j);
        xj_ku64(j, "devid", v->devid);
        xj_ku64(j, "mtu", v->mtu);
        if (v->mac_given) {
            xl_mac_format(v->mac, mac);
            xj_kstr(j, "mac", mac);
        }
        if (v->ip[0])
            xj_kstr(j, "ip", v->ip);
        xj_kstr(j, "bridge", v->bridge);
        if (v->vifname[0])
            xj_kstr(j, "ifname", v->vifname);
        xj_kstr(j, "nictype", "vif");
        xj_kstr(j, "type", xl_vif_type_name(v->type));
        xj_end_map(j);
    }
    xj_end_array(j);
}

void xl_json_config(struct xl_json *j, const struct xlcfg *cfg, const struct pvctl_dominfo *info)
{
    xj_map(j);
    json_c_info(j, cfg, info);
    json_b_info(j, cfg, info);
    if (cfg && cfg->ndisks)
        json_disks(j, cfg);
    if (cfg && cfg->nvifs)
        json_nics(j, cfg);
    if (cfg) {
        xj_kstr(j, "on_poweroff", xlcfg_action_name(cfg->on_poweroff));
        xj_kstr(j, "on_reboot", xlcfg_action_name(cfg->on_reboot));
        xj_kstr(j, "on_watchdog", xlcfg_action_name(cfg->on_watchdog));
        xj_kstr(j, "on_crash", xlcfg_action_name(cfg->on_crash));
    }
    xj_end_map(j);
}
