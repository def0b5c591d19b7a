/* fmem.c: libpvfmem: privileged foreign mapping of guest frames through the domain's memory fd. */
#include <errno.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include <pvisor/fmem.h>
#include <pvisor/pvctl.h>

#define PAGE 4096u

struct pvfmem {
    struct pvctl *c;
};

int pvfmem_open(const char *rundir, struct pvfmem **out)
{
    *out = NULL;
    struct pvfmem *h = calloc(1, sizeof(*h));
    if (!h)
        return -ENOMEM;
    int r = pvctl_open(rundir, &h->c);
    if (r < 0) {
        free(h);
        return r;
    }
    *out = h;
    return 0;
}

void pvfmem_close(struct pvfmem *h)
{
    if (!h)
        return;
    pvctl_close(h->c);
    free(h);
}

/* Checks every frame against the domain's size; 0 or -EINVAL (errs says which). */
static int check_frames(const struct pvctl_map *info, uint32_t n, const uint64_t *pfns, int *errs)
{
    int r = 0;
    for (uint32_t i = 0; i < n; i++) {
        int e = pfns[i] < info->size / PAGE ? 0 : -EINVAL;
        if (errs)
            errs[i] = e;
        if (e)
            r = e;
    }
    return r;
}

static void *map_frames(int fd, int prot, uint32_t n, const uint64_t *pfns, int *err)
{
    uint8_t *base = mmap(NULL, (size_t)n * PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (base == MAP_FAILED) {
        *err = -errno;
        return NULL;
    }
    for (uint32_t i = 0; i < n; i++)
        if (mmap(base + (size_t)i * PAGE, PAGE, prot, MAP_SHARED | MAP_FIXED, fd,
                 (off_t)(pfns[i] * PAGE)) == MAP_FAILED) {
            *err = -errno;
            munmap(base, (size_t)n * PAGE);
            return NULL;
        }
    return base;
}

void *pvfmem_map(struct pvfmem *h, uint32_t domid, int prot, uint32_t n, const uint64_t *pfns,
                 int *errs, int *err)
{
    struct pvctl_domid id = {.domid = domid};
    struct pvctl_map info;
    uint32_t len;
    int fd = -1, e = n == 0 ? -EINVAL : 0;
    void *addr = NULL;
    if (e == 0)
        e = pvctl_call(h->c, PVCTL_DOMAIN_MAP, &id, sizeof(id), &info, sizeof(info), &len, &fd);
    if (e == 0 && (len != sizeof(info) || fd < 0))
        e = -EPROTO;
    if (e == 0)
        e = check_frames(&info, n, pfns, errs);
    if (e == 0)
        addr = map_frames(fd, prot, n, pfns, &e);
    if (fd >= 0)
        close(fd);
    if (err)
        *err = e;
    return addr;
}

int pvfmem_unmap(struct pvfmem *h, void *addr, uint32_t n)
{
    (void)h;
    return munmap(addr, (size_t)n * PAGE) < 0 ? -errno : 0;
}
