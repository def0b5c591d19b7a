/* gnttab.c: libpvgnttab: dom0 grant maps (pvisord pins, we mmap its fd) and grant copies. */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <xen/grant_table.h>

#include <pvisor/gnttab.h>
#include <pvisor/pvctl.h>

#define PAGE 4096u

/* One mapped range and the handles pvisord gave for its pages. */
struct range {
    void *addr;
    uint32_t count;
    uint32_t *handles;
    struct range *next;
};

struct pvgnttab {
    struct pvctl *c;
    pthread_mutex_t lock; /* the connection and the range list */
    struct range *ranges;
    uint8_t buf[PVCTL_MAX_PAYLOAD];
};

int pvgnttab_open(const char *rundir, struct pvgnttab **out)
{
    *out = NULL;
    struct pvgnttab *h = calloc(1, sizeof(*h));
    if (!h)
        return -ENOMEM;
    pthread_mutex_init(&h->lock, NULL);
    int r = pvctl_open(rundir, &h->c);
    if (r < 0) {
        pthread_mutex_destroy(&h->lock);
        free(h);
        return r;
    }
    *out = h;
    return 0;
}

void pvgnttab_close(struct pvgnttab *h)
{
    if (!h)
        return;
    pvctl_close(h->c); /* pvisord releases every grant this connection held */
    for (struct range *r = h->ranges, *n; r; r = n) {
        n = r->next;
        munmap(r->addr, (size_t)r->count * PAGE);
        free(r->handles);
        free(r);
    }
    pthread_mutex_destroy(&h->lock);
    free(h);
}

/* Tells pvisord to drop count handles. Lock held. */
static int unpin(struct pvgnttab *h, const uint32_t *handles, uint32_t count)
{
    struct pvctl_gnt_unmap *u = (void *)h->buf;
    *u = (struct pvctl_gnt_unmap){.count = count};
    memcpy(u + 1, handles, count * sizeof(uint32_t));
    return pvctl_call(h->c, PVCTL_GNT_UNMAP, u, (uint32_t)(sizeof(*u) + count * sizeof(uint32_t)),
                      NULL, 0, NULL, NULL);
}

/* mmaps each granted frame of fd into one reserved range. */
static void *map_pages(int fd, const struct pvctl_gnt_mapped *m, uint32_t count, int prot, int *err)
{
    uint8_t *base = mmap(NULL, (size_t)count * PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (base == MAP_FAILED) {
        *err = -errno;
        return NULL;
    }
    for (uint32_t i = 0; i < count; i++)
        if (mmap(base + (size_t)i * PAGE, PAGE, prot, MAP_SHARED | MAP_FIXED, fd,
                 (off_t)m[i].offset) == MAP_FAILED) {
            *err = -errno;
            munmap(base, (size_t)count * PAGE);
            return NULL;
        }
    return base;
}

static void *map_locked(struct pvgnttab *h, uint32_t count, uint32_t domid, const uint32_t *refs,
                        int prot, int16_t *status, int *err)
{
    struct pvctl_gnt_map *req = (void *)h->buf;
    *req = (struct pvctl_gnt_map){
        .domid = domid, .count = count, .flags = (prot & PROT_WRITE) ? 0 : PVCTL_GNT_RO};
    memcpy(req + 1, refs, count * sizeof(uint32_t));
    struct pvctl_gnt_mapped *m = malloc(count * sizeof(*m));
    struct range *rg = calloc(1, sizeof(*rg));
    uint32_t *handles = malloc(count * sizeof(uint32_t));
    uint32_t len = 0;
    int fd = -1, r = !m || !rg || !handles ? -ENOMEM : 0;
    if (r == 0)
        r = pvctl_call(h->c, PVCTL_GNT_MAP, req,
                       (uint32_t)(sizeof(*req) + count * sizeof(uint32_t)), m,
                       count * (uint32_t)sizeof(*m), &len, &fd);
    if ((r == 0 || r == -EIO) && len != count * sizeof(*m))
        r = -EPROTO;
    for (uint32_t i = 0; status && i < count && (r == 0 || r == -EIO); i++)
        status[i] = m[i].status;
    void *addr = NULL;
    if (r == 0) {
        for (uint32_t i = 0; i < count; i++)
            handles[i] = m[i].handle;
        addr = fd >= 0 ? map_pages(fd, m, count, prot, &r) : (r = -EPROTO, NULL);
        if (!addr)
            unpin(h, handles, count);
    }
    if (fd >= 0)
        close(fd);
    if (addr) {
        *rg = (struct range){.addr = addr, .count = count, .handles = handles, .next = h->ranges};
        h->ranges = rg;
        rg = NULL;
        handles = NULL;
    }
    free(m);
    free(rg);
    free(handles);
    *err = r;
    return addr;
}

void *pvgnttab_map_refs(struct pvgnttab *h, uint32_t count, uint32_t domid, const uint32_t *refs,
                        int prot, int16_t *status, int *err)
{
    int e = 0;
    if (count == 0 || count > PVGNTTAB_MAX_BATCH || count > PVCTL_GNT_MAX_BATCH) {
        if (err)
            *err = -EINVAL;
        return NULL;
    }
    pthread_mutex_lock(&h->lock);
    void *addr = map_locked(h, count, domid, refs, prot, status, &e);
    pthread_mutex_unlock(&h->lock);
    if (err)
        *err = e;
    return addr;
}

void *pvgnttab_map_ref(struct pvgnttab *h, uint32_t domid, uint32_t ref, int prot, int16_t *gntst,
                       int *err)
{
    return pvgnttab_map_refs(h, 1, domid, &ref, prot, gntst, err);
}

int pvgnttab_unmap(struct pvgnttab *h, void *addr, uint32_t count)
{
    pthread_mutex_lock(&h->lock);
    struct range **p = &h->ranges;
    while (*p && ((*p)->addr != addr || (*p)->count != count))
        p = &(*p)->next;
    struct range *rg = *p;
    int r = -EINVAL;
    if (rg) {
        *p = rg->next;
        munmap(rg->addr, (size_t)rg->count * PAGE); /* first: the guest may reuse it after */
        r = unpin(h, rg->handles, rg->count);
        free(rg->handles);
        free(rg);
    }
    pthread_mutex_unlock(&h->lock);
    return r;
}

/* ---- copy ------------------------------------------------------------------------------- */

static int copy_locked(struct pvgnttab *h, uint32_t count, struct pvgnttab_copy_seg *segs)
{
    struct pvctl_gnt_copy *hdr = (void *)h->buf;
    struct pvctl_gnt_seg *ws = (void *)(hdr + 1);
    uint8_t *data = (uint8_t *)(ws + count);
    size_t in = 0, out = 0;
    *hdr = (struct pvctl_gnt_copy){.count = count};
    for (uint32_t i = 0; i < count; i++) {
        const struct pvgnttab_copy_seg *s = &segs[i];
        ws[i] = (struct pvctl_gnt_seg){.domid = s->domid,
                                       .ref = s->ref,
                                       .offset = s->offset,
                                       .len = s->len,
                                       .to_guest = s->to_guest};
        if (s->to_guest) {
            memcpy(data + in, s->buf, s->len);
            in += s->len;
        } else {
            out += s->len;
        }
    }
    size_t status_len = (count * 2 + 7) & ~(size_t)7;
    uint8_t *ans = malloc(status_len + out);
    uint32_t len;
    int r = ans ? pvctl_call(h->c, PVCTL_GNT_COPY, h->buf,
                             (uint32_t)(sizeof(*hdr) + count * sizeof(*ws) + in), ans,
                             (uint32_t)(status_len + out), &len, NULL)
                : -ENOMEM;
    if (r == 0 && len != status_len + out)
        r = -EPROTO;
    const uint8_t *from = ans + status_len;
    for (uint32_t i = 0; r == 0 && i < count; i++) {
        memcpy(&segs[i].status, ans + 2 * i, sizeof(int16_t));
        if (!segs[i].to_guest) {
            if (segs[i].status == GNTST_okay)
                memcpy(segs[i].buf, from, segs[i].len);
            from += segs[i].len;
        }
    }
    free(ans);
    return r;
}

int pvgnttab_copy(struct pvgnttab *h, uint32_t count, struct pvgnttab_copy_seg *segs)
{
    size_t bytes = 0;
    for (uint32_t i = 0; i < count; i++)
        bytes += segs[i].len;
    if (count == 0 || count > PVCTL_GNT_COPY_MAX_SEGS || bytes > PVGNTTAB_COPY_MAX)
        return -EINVAL;
    pthread_mutex_lock(&h->lock);
    int r = copy_locked(h, count, segs);
    pthread_mutex_unlock(&h->lock);
    return r;
}

const char *pvgnttab_strstatus(int gntst)
{
    static const char *const msgs[] = GNTTABOP_error_msgs;
    unsigned i = gntst <= 0 ? (unsigned)-gntst : ~0u;
    return i < sizeof(msgs) / sizeof(msgs[0]) ? msgs[i] : "unknown grant status";
}
