/* xl_blockcmd.c: `xl block-attach | block-detach | block-list`: disks of a running domain. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xl.h"

/* ---- block-attach -------------------------------------------------------------------------- */

struct vbd_attach {
    uint32_t domid;
    const struct xl_disk *d;
};

static void write_disk(struct xl_xw *w, const void *arg)
{
    const struct vbd_attach *a = arg;

    xl_vbd_write(w, a->domid, a->d);
}

static int attach(struct pvctl *c, struct xs_handle *h, const struct pvctl_dominfo *info,
                  const struct xl_disk *d, const char *spec)
{
    struct vbd_attach a = {info->domid, d};
    struct xl_dev dev;
    char label[64];
    int rc;

    xl_dev_init(&dev, &xl_vbd_kind, info->domid, d->devid);
    snprintf(label, sizeof(label), "disk %s", d->vdev);
    rc = xl_dev_attach(c, h, info, &dev, label, write_disk, &a, spec);
    if (rc == -EEXIST)
        xl_err("vdev %s (device %u) is already in use by domain %s (%u) (`xl block-list %s` "
               "shows its disks, `xl block-detach %s %s` removes it)",
               d->vdev, d->devid, info->name, info->domid, info->name, info->name, d->vdev);
    return rc;
}

int xl_cmd_block_attach(int argc, char **argv)
{
    static struct xl_disk d; /* 4 KiB of target path */
    struct pvctl_dominfo info;
    struct xs_handle *h;
    struct pvctl *c;
    char why[512], label[256], *spec;
    int rc, opt;

    while ((opt = xl_getopt(argc, argv, "")) != -1)
        return opt == XL_OPT_HELP ? XL_OK : XL_USAGE;
    if (argc - optind < 2)
        return xl_usage_error("expected a DOMAIN and a DISKSPEC");
    spec = xl_join_spec(argc - optind - 1, argv + optind + 1);
    if (!spec)
        return XL_FAIL;
    snprintf(label, sizeof(label), "disk '%.80s%s'", spec, strlen(spec) > 80 ? "..." : "");
    if (xl_disk_parse(spec, &d, why, sizeof(why)) < 0) {
        xl_err("%s: %s", label, why);
        free(spec);
        return XL_FAIL;
    }
    rc = xl_dev_open_guest(argv[optind], argv[0], &xl_vbd_kind, &c, &info, &h);
    if (rc >= 0) {
        free(spec);
        return rc;
    }
    rc = xl_disk_check(&d, label);
    if (rc == 0)
        rc = xl_dev_attach_checks(c, h, &info, &xl_vbd_kind);
    if (rc == 0)
        rc = attach(c, h, &info, &d, spec);
    xl_dev_close_guest(c, h);
    free(spec);
    return rc < 0 ? XL_FAIL : XL_OK;
}

/* ---- block-detach -------------------------------------------------------------------------- */

int xl_cmd_block_detach(int argc, char **argv)
{
    struct pvctl_dominfo info;
    struct xs_handle *h;
    struct pvctl *c;
    struct xl_dev dev;
    bool force = false;
    uint32_t devid;
    char why[512], label[160];
    int rc, opt;

    while ((opt = xl_getopt(argc, argv, "f")) != -1) {
        if (opt != 'f')
            return opt == XL_OPT_HELP ? XL_OK : XL_USAGE;
        force = true;
    }
    if (argc - optind != 2)
        return xl_usage_error("expected a DOMAIN and a VDEV (e.g. xvdb, or its number)");
    if (xl_vdev_parse(argv[optind + 1], &devid, why, sizeof(why)) < 0) {
        xl_err("%s", why);
        return XL_FAIL;
    }
    rc = xl_dev_open_guest(argv[optind], argv[0], &xl_vbd_kind, &c, &info, &h);
    if (rc >= 0)
        return rc;
    xl_dev_init(&dev, &xl_vbd_kind, info.domid, devid);
    snprintf(label, sizeof(label), "disk %s (device %u)", argv[optind + 1], devid);
    rc = xl_dev_detach(c, h, &info, &dev, label, argv[optind + 1], force);
    xl_dev_close_guest(c, h);
    return rc < 0 ? XL_FAIL : XL_OK;
}

/* ---- block-list ------------------------------------------------------------------------------ */

static void list_domain(struct xs_handle *h, uint32_t domid)
{
    char dir[64];
    uint32_t *ids;
    size_t n;

    snprintf(dir, sizeof(dir), "/local/domain/%u/device/vbd", domid);
    n = xl_xs_numbers(h, dir, &ids);
    for (size_t i = 0; i < n; i++) {
        struct xl_dev v;
        char *be;

        xl_dev_init(&v, &xl_vbd_kind, domid, ids[i]);
        be = xl_xs_get(h, XBT_NULL, v.fe, "backend");
        printf("%-5u %-3ld %-6u %-5ld %-6ld %-8ld %-30s\n", ids[i],
               xl_xs_num(h, v.fe, "backend-id"), domid, xl_xs_num(h, v.fe, "state"),
               xl_xs_num(h, v.fe, "event-channel"), xl_xs_num(h, v.fe, "ring-ref"),
               be && be[0] ? be : "-");
        free(be);
    }
    free(ids);
}

int xl_cmd_block_list(int argc, char **argv)
{
    char header[128];

    snprintf(header, sizeof(header), "%-5s %-3s %-6s %-5s %-6s %-8s %-30s\n", "Vdev", "BE",
             "handle", "state", "evt-ch", "ring-ref", "BE-path");
    return xl_dev_list_cmd(argc, argv, "disks", header, list_domain);
}
