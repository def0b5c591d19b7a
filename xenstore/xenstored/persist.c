/* persist.c: the durable log: framed, checksummed records appended before each reply. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include "log.h"
#include "persist.h"
#include "../common/wire.h"

#define MAGIC         "PVXSDB1\n"
#define MAGIC_LEN     8
#define CHUNK         65536       /* snapshot record size */
#define MAX_RECORD    (64u << 20) /* sanity bound on one record */
#define COMPACT_SLACK (1u << 20)

static struct {
    int fd, dirfd;
    bool sync, broken;
    char path[PATH_MAX], tmp[PATH_MAX];
    uint64_t size, snap_size;
    const struct persist_hooks *hooks;
    const struct xs_store *store;
} P = {.fd = -1, .dirfd = -1};

/* --- encoding ------------------------------------------------------------------------ */

static void put(struct pbuf *b, const void *p, size_t len)
{
    if (b->err)
        return;
    if (b->len + len > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->len + len)
            cap *= 2;
        uint8_t *n = realloc(b->p, cap);
        if (!n) {
            b->err = -ENOMEM;
            return;
        }
        b->p = n;
        b->cap = cap;
    }
    memcpy(b->p + b->len, p, len);
    b->len += len;
}

static void put_u8(struct pbuf *b, uint8_t v)
{
    put(b, &v, 1);
}

static void put_u32(struct pbuf *b, uint32_t v)
{
    put(b, &v, 4);
}

static void put_str(struct pbuf *b, const void *s, uint32_t len)
{
    put_u32(b, len);
    put(b, s, len);
}

void pbuf_node(struct pbuf *b, const char *path, const struct xs_node *n)
{
    if (!n)
        return;
    put_u8(b, 'N');
    put_str(b, path, (uint32_t)strlen(path));
    put_str(b, n->value, n->vlen);
    put_u32(b, n->nperms);
    for (uint32_t i = 0; i < n->nperms; i++) {
        put(b, &n->perms[i].domid, 2);
        put_u8(b, n->perms[i].perm);
    }
}

void pbuf_del(struct pbuf *b, const char *path)
{
    put_u8(b, 'D');
    put_str(b, path, (uint32_t)strlen(path));
}

void pbuf_domain(struct pbuf *b, const struct persist_dom *d)
{
    put_u8(b, 'I');
    put_u32(b, d->domid);
    put(b, &d->mfn, 8);
    put_u32(b, d->port);
    put(b, &d->target, 4);
}

void pbuf_undomain(struct pbuf *b, unsigned domid)
{
    put_u8(b, 'R');
    put_u32(b, domid);
}

void pbuf_watch(struct pbuf *b, char op, unsigned domid, const char *path, const char *token,
                bool relative)
{
    put_u8(b, (uint8_t)op);
    put_u32(b, domid);
    if (op == 'C')
        return;
    put_u8(b, relative);
    put_str(b, path, (uint32_t)strlen(path));
    put_str(b, token, (uint32_t)strlen(token));
}

void pbuf_free(struct pbuf *b)
{
    free(b->p);
    memset(b, 0, sizeof(*b));
}

static uint32_t crc32(const uint8_t *p, size_t len)
{
    static uint32_t table[256];
    uint32_t c = 0xFFFFFFFFu;

    if (!table[1])
        for (uint32_t i = 0; i < 256; i++) {
            uint32_t v = i;
            for (int k = 0; k < 8; k++)
                v = v & 1 ? 0xEDB88320u ^ (v >> 1) : v >> 1;
            table[i] = v;
        }
    while (len--)
        c = table[(c ^ *p++) & 0xFF] ^ (c >> 8);
    return c ^ 0xFFFFFFFFu;
}

/* --- decoding ------------------------------------------------------------------------ */

struct rd {
    const uint8_t *p;
    size_t left;
};

static int get(struct rd *r, void *out, size_t len)
{
    if (r->left < len)
        return -EINVAL;
    memcpy(out, r->p, len);
    r->p += len;
    r->left -= len;
    return 0;
}

/* A length-prefixed string copied into buf (NUL-terminated). */
static int get_str(struct rd *r, char *buf, size_t sz, uint32_t *len)
{
    if (get(r, len, 4) < 0 || *len >= sz || r->left < *len)
        return -EINVAL;
    return get(r, buf, *len) < 0 ? -EINVAL : (buf[*len] = '\0', 0);
}

static int ensure_parents(struct xs_store *s, const char *path, const struct xs_perm *p,
                          uint32_t np)
{
    char buf[XSD_PATH_BUF];
    char *slash;

    snprintf(buf, sizeof(buf), "%s", path);
    slash = strrchr(buf, '/');
    if (!slash || slash == buf)
        return 0;
    *slash = '\0';
    if (store_get(s, buf))
        return 0;
    int rc = ensure_parents(s, buf, p, np);
    return rc < 0 ? rc : store_create(s, buf, p, np);
}

static int apply_node(struct xs_store *s, struct rd *r)
{
    static char path[XSD_PATH_BUF], val[65536];
    struct xs_perm perms[4096];
    uint32_t plen, vlen, np;
    int rc;

    if (get_str(r, path, sizeof(path), &plen) < 0 || get_str(r, val, sizeof(val), &vlen) < 0 ||
        get(r, &np, 4) < 0 || np == 0 || np > 4096 || (path[0] != '/' && path[0] != '@'))
        return -EINVAL;
    for (uint32_t i = 0; i < np; i++)
        if (get(r, &perms[i].domid, 2) < 0 || get(r, &perms[i].perm, 1) < 0)
            return -EINVAL;
    if (!store_get(s, path)) {
        rc = ensure_parents(s, path, perms, np);
        if (rc == 0)
            rc = store_create(s, path, perms, np);
        if (rc < 0)
            return rc;
    }
    rc = store_set_perms(s, path, perms, np);
    return rc < 0 || path[0] == '@' ? rc : store_set_value(s, path, val, vlen);
}

static int apply_watch(struct rd *r, char op)
{
    static char path[XSD_PATH_BUF], token[XENSTORE_PAYLOAD_MAX + 1];
    uint32_t domid, len;
    uint8_t rel = 0;

    if (get(r, &domid, 4) < 0)
        return -EINVAL;
    if (op != 'C' && (get(r, &rel, 1) < 0 || get_str(r, path, sizeof(path), &len) < 0 ||
                      get_str(r, token, sizeof(token), &len) < 0))
        return -EINVAL;
    if (op == 'C')
        path[0] = token[0] = '\0';
    return P.hooks && P.hooks->watch_restore
               ? P.hooks->watch_restore(domid, op, path, token, rel != 0)
               : 0;
}

static int apply_entry(struct xs_store *s, struct rd *r)
{
    static char path[XSD_PATH_BUF];
    struct persist_dom d;
    uint8_t kind;
    uint32_t len;

    if (get(r, &kind, 1) < 0)
        return -EINVAL;
    switch (kind) {
    case 'N':
        return apply_node(s, r);
    case 'D':
        if (get_str(r, path, sizeof(path), &len) < 0)
            return -EINVAL;
        return store_get(s, path) ? store_delete(s, path) : 0;
    case 'I':
        if (get(r, &d.domid, 4) || get(r, &d.mfn, 8) || get(r, &d.port, 4) || get(r, &d.target, 4))
            return -EINVAL;
        return P.hooks ? P.hooks->domain_restore(&d) : 0;
    case 'R':
        if (get(r, &d.domid, 4) < 0)
            return -EINVAL;
        if (P.hooks)
            P.hooks->domain_forget(d.domid);
        return 0;
    case 'W':
    case 'U':
    case 'C':
        return apply_watch(r, (char)kind);
    }
    return -EINVAL;
}

int persist_apply(struct xs_store *s, const uint8_t *body, size_t len)
{
    struct rd r = {body, len};
    int rc = 0;

    while (rc == 0 && r.left > 0)
        rc = apply_entry(s, &r);
    return rc;
}

/* --- file handling ------------------------------------------------------------------- */

static int write_all(int fd, const struct iovec *iov, int n)
{
    struct iovec v[2];

    memcpy(v, iov, (size_t)n * sizeof(*v));
    while (n > 0) {
        ssize_t w = writev(fd, v, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return w < 0 ? -errno : -EIO;
        while (n > 0 && (size_t)w >= v[0].iov_len) {
            w -= (ssize_t)v[0].iov_len;
            memmove(v, v + 1, sizeof(*v) * (size_t)--n);
        }
        if (n > 0) {
            v[0].iov_base = (uint8_t *)v[0].iov_base + w;
            v[0].iov_len -= (size_t)w;
        }
    }
    return 0;
}

static int write_frame(int fd, const struct pbuf *b)
{
    uint32_t hdr[2] = {(uint32_t)b->len, crc32(b->p, b->len)};
    struct iovec iov[2] = {{hdr, sizeof(hdr)}, {b->p, b->len}};

    return write_all(fd, iov, 2);
}

int persist_commit(const struct pbuf *b)
{
    int rc;

    if (b->err)
        return b->err;
    if (b->len == 0 || P.fd < 0)
        return 0;
    if (P.broken)
        return persist_compact(P.store);
    rc = write_frame(P.fd, b);
    if (rc == 0 && P.sync && fdatasync(P.fd) < 0)
        rc = -errno;
    if (rc < 0) {
        log_err("persist: append to %s failed: %s", P.path, strerror(-rc));
        if (ftruncate(P.fd, (off_t)P.size) < 0)
            P.broken = true;
        return rc;
    }
    P.size += 8 + b->len;
    return 0;
}

bool persist_want_compact(void)
{
    return P.fd >= 0 && (P.broken || P.size > 2 * P.snap_size + COMPACT_SLACK);
}

uint64_t persist_log_size(void)
{
    return P.size;
}

struct snap {
    int fd;
    int err;
    struct pbuf b;
};

static void snap_flush(struct snap *s, bool force)
{
    if (s->err == 0 && s->b.err)
        s->err = s->b.err;
    if (s->err == 0 && s->b.len && (force || s->b.len >= CHUNK))
        s->err = write_frame(s->fd, &s->b);
    if (force || s->b.len >= CHUNK)
        s->b.len = 0;
}

static int snap_node(const char *path, const struct xs_node *n, void *arg)
{
    struct snap *s = arg;

    pbuf_node(&s->b, path, n);
    snap_flush(s, false);
    return s->err;
}

static int write_snapshot(int fd, const struct xs_store *st)
{
    struct snap s = {.fd = fd};
    static const char *const specials[] = {"@introduceDomain", "@releaseDomain"};

    if (write(fd, MAGIC, MAGIC_LEN) != MAGIC_LEN)
        return -EIO;
    store_walk(st, "/", snap_node, &s);
    for (int i = 0; i < 2; i++)
        pbuf_node(&s.b, specials[i], store_get(st, specials[i]));
    if (P.hooks)
        P.hooks->domain_dump(&s.b);
    snap_flush(&s, true);
    pbuf_free(&s.b);
    if (s.err == 0 && fsync(fd) < 0)
        s.err = -errno;
    return s.err;
}

int persist_compact(const struct xs_store *st)
{
    int fd = open(P.tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    struct stat sb;
    int rc;

    if (fd < 0)
        return -errno;
    rc = write_snapshot(fd, st);
    if (rc == 0 && rename(P.tmp, P.path) < 0)
        rc = -errno;
    if (rc == 0 && fstat(fd, &sb) < 0)
        rc = -errno;
    if (rc < 0) {
        close(fd);
        unlink(P.tmp);
        log_err("persist: compaction failed: %s", strerror(-rc));
        return rc;
    }
    fsync(P.dirfd);
    close(fd);
    if (P.fd >= 0)
        close(P.fd);
    P.fd = open(P.path, O_WRONLY | O_APPEND | O_CLOEXEC);
    if (P.fd < 0)
        return -errno;
    P.size = P.snap_size = (uint64_t)sb.st_size;
    P.broken = false;
    log_debug("persist: compacted %s to %llu bytes", P.path, (unsigned long long)P.size);
    return 0;
}

static int read_file(const char *path, uint8_t **out, size_t *len)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat sb;
    uint8_t *buf;
    size_t got = 0;

    if (fd < 0)
        return errno == ENOENT ? (*out = NULL, *len = 0, 0) : -errno;
    if (fstat(fd, &sb) < 0 || !(buf = malloc((size_t)sb.st_size + 1))) {
        close(fd);
        return -ENOMEM;
    }
    while (got < (size_t)sb.st_size) {
        ssize_t r = read(fd, buf + got, (size_t)sb.st_size - got);
        if (r <= 0)
            break;
        got += (size_t)r;
    }
    close(fd);
    *out = buf;
    *len = got;
    return 0;
}

static int load(struct xs_store *s, const uint8_t *buf, size_t len)
{
    size_t off = MAGIC_LEN, n = 0;

    if (len == 0)
        return 0;
    if (len < MAGIC_LEN || memcmp(buf, MAGIC, MAGIC_LEN) != 0)
        return -EINVAL;
    while (off + 8 <= len) {
        uint32_t hdr[2];
        memcpy(hdr, buf + off, 8);
        if (hdr[0] > MAX_RECORD || off + 8 + hdr[0] > len || crc32(buf + off + 8, hdr[0]) != hdr[1])
            break;
        int rc = persist_apply(s, buf + off + 8, hdr[0]);
        if (rc < 0)
            return rc;
        off += 8 + hdr[0];
        n++;
    }
    if (off != len)
        log_warn("persist: dropped %zu bytes of torn or corrupt tail at offset %zu", len - off,
                 off);
    log_info("persist: loaded %zu records from %s", n, P.path);
    return 0;
}

int persist_open(const char *dir, bool sync, struct xs_store *s, const struct persist_hooks *h)
{
    uint8_t *buf;
    size_t len;
    int rc;

    P.sync = sync;
    P.hooks = h;
    P.store = s;
    snprintf(P.path, sizeof(P.path), "%s/store.db", dir);
    snprintf(P.tmp, sizeof(P.tmp), "%s/store.db.tmp", dir);
    P.dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (P.dirfd < 0)
        return -errno;
    rc = read_file(P.path, &buf, &len);
    if (rc < 0)
        return rc;
    rc = load(s, buf, len);
    free(buf);
    if (rc < 0) {
        log_err("persist: %s is not a xenstored state file or is damaged", P.path);
        return rc;
    }
    return persist_compact(s);
}

void persist_close(void)
{
    if (P.fd >= 0)
        close(P.fd);
    if (P.dirfd >= 0)
        close(P.dirfd);
    P.fd = P.dirfd = -1;
}
