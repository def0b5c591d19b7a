/* image.c: opening a vbd's backing image (raw file or block device): size, locking, O_DIRECT probe.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/falloc.h>
#include <linux/fs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "blkback.h"

/* "<what> <path>: <strerror>" into msg; returns err. */
static int fail(char *msg, size_t len, int err, const char *what, const char *path)
{
    snprintf(msg, len, "%s %s: %s", what, path, strerror(-err));
    return err;
}

/* A message without an errno text; returns err. */
static int fail_because(char *msg, size_t len, int err, const char *path, const char *why)
{
    snprintf(msg, len, "%s %s", path, why);
    return err;
}

/* Finds the smallest O_DIRECT alignment (512 or 4096) a read at offset 0 accepts. */
static unsigned probe_direct(int fd, uint64_t size)
{
    static const unsigned aligns[] = {512, 4096};
    void *buf;
    unsigned found = 0;

    if (size < BLK_PAGE || posix_memalign(&buf, BLK_PAGE, BLK_PAGE) != 0)
        return 0;
    for (unsigned i = 0; i < sizeof(aligns) / sizeof(aligns[0]) && !found; i++)
        if (pread(fd, (char *)buf + (BLK_PAGE - aligns[i]) % BLK_PAGE, aligns[i], 0) ==
            (ssize_t)aligns[i])
            found = aligns[i];
    free(buf);
    return found;
}

static int size_of(struct blk_image *img, const struct stat *st, uint64_t *bytes)
{
    if (!img->is_blockdev) {
        *bytes = (uint64_t)st->st_size;
        img->phys_sector = st->st_blksize >= BLK_SECTOR && st->st_blksize <= BLK_PAGE
                               ? (unsigned)st->st_blksize
                               : BLK_SECTOR;
        return 0;
    }
    unsigned int pbs = BLK_SECTOR;
    if (ioctl(img->fd, BLKGETSIZE64, bytes) < 0)
        return -errno;
    if (ioctl(img->fd, BLKPBSZGET, &pbs) == 0 && pbs >= BLK_SECTOR)
        img->phys_sector = pbs;
    else
        img->phys_sector = BLK_SECTOR;
    return 0;
}

static void open_direct(struct blk_image *img, const char *path, bool writable, uint64_t bytes)
{
    img->fd_direct = open(path, (writable ? O_RDWR : O_RDONLY) | O_DIRECT | O_CLOEXEC);
    if (img->fd_direct < 0)
        return;
    img->dio_align = probe_direct(img->fd_direct, bytes);
    if (!img->dio_align) {
        close(img->fd_direct);
        img->fd_direct = -1;
    }
}

int blk_image_open(struct blk_image *img, const char *path, bool writable, char *msg, size_t len)
{
    struct stat st;
    uint64_t bytes = 0;
    int rc;

    memset(img, 0, sizeof(*img));
    img->fd = img->fd_direct = -1;
    img->readonly = !writable;
    if (path[0] != '/')
        return fail_because(msg, len, -EINVAL, path,
                            "is not an absolute path (params must name the image absolutely)");
    img->fd = open(path, (writable ? O_RDWR : O_RDONLY) | O_CLOEXEC);
    if (img->fd < 0)
        return fail(msg, len, -errno, "cannot open", path);
    if (fstat(img->fd, &st) < 0) {
        rc = fail(msg, len, -errno, "cannot stat", path);
        goto out;
    }
    img->is_blockdev = S_ISBLK(st.st_mode);
    if (!img->is_blockdev && !S_ISREG(st.st_mode)) {
        rc = fail_because(msg, len, -EINVAL, path, "is neither a regular file nor a block device");
        goto out;
    }
    if (flock(img->fd, (writable ? LOCK_EX : LOCK_SH) | LOCK_NB) < 0) {
        rc = -errno;
        snprintf(msg, len,
                 "%s is in use by another vbd (%s); a writable image can serve one "
                 "vbd only",
                 path, strerror(-rc));
        goto out;
    }
    if ((rc = size_of(img, &st, &bytes)) < 0) {
        fail(msg, len, rc, "cannot find the size of", path);
        goto out;
    }
    img->sectors = bytes / BLK_SECTOR;
    if (img->sectors == 0) {
        rc = fail_because(msg, len, -EINVAL, path, "is smaller than one 512-byte sector");
        goto out;
    }
    img->discard = writable;
    if (!B.o.no_direct)
        open_direct(img, path, writable, bytes);
    return 0;
out:
    blk_image_close(img);
    return rc;
}

void blk_image_close(struct blk_image *img)
{
    if (img->fd_direct >= 0)
        close(img->fd_direct);
    if (img->fd >= 0)
        close(img->fd);
    img->fd = img->fd_direct = -1;
}
