/* xl_block.c: virtual block devices: Xen's vbd nodes and the checks of their targets. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "xl.h"

void xl_vbd_write(struct xl_xw *w, uint32_t domid, const struct xl_disk *d)
{
    const char *devtype = d->devtype == XL_DISK_CDROM ? "cdrom" : "disk";
    char be[80], fe[80], num[16];

    snprintf(be, sizeof(be), "/local/domain/0/backend/vbd/%u/%u", domid, d->devid);
    snprintf(fe, sizeof(fe), "/local/domain/%u/device/vbd/%u", domid, d->devid);

    /* The backend's directory: dom0's, the guest may read it. */
    xl_xw_node(w, be, "", 0, (int)domid);
    xl_xw_put(w, fe, "%s/frontend", be);
    snprintf(num, sizeof(num), "%u", domid);
    xl_xw_put(w, num, "%s/frontend-id", be);
    xl_xw_put(w, d->target, "%s/params", be);
    xl_xw_put(w, d->blockdev ? "phy" : "file", "%s/type", be);
    xl_xw_put(w, d->readwrite ? "w" : "r", "%s/mode", be);
    xl_xw_put(w, d->vdev, "%s/dev", be);
    xl_xw_put(w, devtype, "%s/device-type", be);
    xl_xw_put(w, d->devtype == XL_DISK_CDROM ? "1" : "0", "%s/removable", be);
    xl_xw_put(w, "1", "%s/bootable", be);
    xl_xw_put(w, "1", "%s/online", be);
    xl_xw_put(w, "raw", "%s/format", be);
    if (d->discard >= 0)
        xl_xw_put(w, d->discard ? "1" : "0", "%s/discard-enable", be);
    xl_xw_put(w, "1", "%s/state", be);

    /* The frontend's directory: the guest's (it writes ring-ref, event-channel, protocol
     * and state there), dom0 may read it. */
    xl_xw_node(w, fe, "", domid, 0);
    xl_xw_put(w, be, "%s/backend", fe);
    xl_xw_put(w, "0", "%s/backend-id", fe);
    snprintf(num, sizeof(num), "%u", d->devid);
    xl_xw_put(w, num, "%s/virtual-device", fe);
    xl_xw_put(w, devtype, "%s/device-type", fe);
    xl_xw_put(w, "1", "%s/state", fe);
}

/* ---- targets ------------------------------------------------------------------------------ */

static const char *kind_of(mode_t m)
{
    if (S_ISDIR(m))
        return "a directory";
    if (S_ISCHR(m))
        return "a character device";
    if (S_ISFIFO(m))
        return "a FIFO";
    if (S_ISSOCK(m))
        return "a socket";
    return "not a regular file";
}

int xl_disk_check(struct xl_disk *d, const char *label)
{
    struct stat st;
    int rc;

    if (!d->target[0]) {
        xl_err("%s: an empty cdrom drive is not supported; give an image, e.g. "
               "target=/images/cd.iso",
               label);
        return -EINVAL;
    }
    if (stat(d->target, &st) < 0) {
        rc = -errno;
        xl_err("%s: target %s: %s; %s", label, d->target, strerror(-rc),
               rc != -ENOENT ? "fix the path or its permissions"
               : strncmp(d->target, "/dev/", 5) == 0
                   ? "fix the path (a relative target is taken from /dev, as in Xen: give an "
                     "image's absolute path)"
                   : "create the image (e.g. `truncate -s 1G FILE`) or fix the path");
        return rc;
    }
    if (!S_ISREG(st.st_mode) && !S_ISBLK(st.st_mode)) {
        xl_err("%s: target %s is %s; a disk must be a regular file (raw image) or a block device",
               label, d->target, kind_of(st.st_mode));
        return -EINVAL;
    }
    if (access(d->target, d->readwrite ? R_OK | W_OK : R_OK) < 0) {
        rc = -errno;
        xl_err("%s: target %s cannot be opened for %s: %s (fix its permissions%s)", label,
               d->target, d->readwrite ? "reading and writing" : "reading", strerror(-rc),
               d->readwrite ? ", or give access=ro for a read-only disk" : "");
        return rc;
    }
    d->blockdev = S_ISBLK(st.st_mode);
    return 0;
}

static void disk_label(const struct xlcfg *cfg, size_t i, char *out, size_t len)
{
    snprintf(out, len, "%s: disk %zu ('%.80s%s')", cfg->source ? cfg->source : "<command line>",
             i + 1, cfg->disk.v[i], strlen(cfg->disk.v[i]) > 80 ? "..." : "");
}

/* blkback gives a writable image to one vbd only: refuse a config that would share one. */
static int check_shared(const struct xlcfg *cfg, size_t i, const struct stat *sti)
{
    char label[256];
    struct stat st;

    for (size_t j = 0; j < i; j++) {
        const struct xl_disk *a = &cfg->disks[j], *b = &cfg->disks[i];

        if ((!a->readwrite && !b->readwrite) || stat(a->target, &st) < 0 ||
            st.st_dev != sti->st_dev || st.st_ino != sti->st_ino)
            continue;
        disk_label(cfg, i, label, sizeof(label));
        xl_err("%s: target %s is also disk %zu's, and a writable image can serve one disk only "
               "(give both access=ro, or use a copy)",
               label, b->target, j + 1);
        return -EBUSY;
    }
    return 0;
}

int xl_disks_check(struct xlcfg *cfg)
{
    char label[256];
    struct stat st;

    for (size_t i = 0; i < cfg->ndisks; i++) {
        int rc;

        disk_label(cfg, i, label, sizeof(label));
        rc = xl_disk_check(&cfg->disks[i], label);
        if (rc == 0 && stat(cfg->disks[i].target, &st) == 0)
            rc = check_shared(cfg, i, &st);
        if (rc < 0)
            return rc;
    }
    return 0;
}
