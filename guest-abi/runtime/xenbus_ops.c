/* xenbus_ops.c: the typed xenstore requests (read, write, directory, perms, watches,
 * transactions) over xenbus.c's transport. */
#include <pvguest/pvguest.h>
#include <pvguest/xenbus.h>
#include "xenbus_priv.h"

#include <xen/io/xs_wire.h>

static int own_domid = -1; /* read once */

/* A request of string s (with its NUL) then blen bytes of b, reply discarded; 0 or -errno. */
static int simple(uint32_t type, xenbus_transaction_t t, const char *s, const void *b,
                  unsigned blen)
{
    int rc = xenbus_request2(type, t, s, (unsigned)strlen(s) + 1, b, blen, NULL, 0);
    return rc < 0 ? rc : 0;
}

int xenbus_domid(void)
{
    char buf[16];
    unsigned long v;
    char *end;
    int rc;

    if (own_domid >= 0)
        return own_domid;
    rc = xenbus_read(XBT_NIL, "domid", buf, sizeof(buf));
    if (rc < 0)
        return rc;
    v = strtoul(buf, &end, 10);
    if (rc == 0 || *end || v >= 0x7ff0)
        return -EIO;
    own_domid = (int)v;
    return own_domid;
}

int xenbus_read(xenbus_transaction_t t, const char *path, char *buf, unsigned size)
{
    return xenbus_request(XS_READ, t, path, (unsigned)strlen(path) + 1, buf, size);
}

int xenbus_write(xenbus_transaction_t t, const char *path, const char *value)
{
    return simple(XS_WRITE, t, path, value, (unsigned)strlen(value));
}

int xenbus_mkdir(xenbus_transaction_t t, const char *path)
{
    return simple(XS_MKDIR, t, path, NULL, 0);
}

int xenbus_rm(xenbus_transaction_t t, const char *path)
{
    return simple(XS_RM, t, path, NULL, 0);
}

int xenbus_directory(xenbus_transaction_t t, const char *path, char *buf, unsigned size,
                     unsigned *n)
{
    static char tmp[XENSTORE_PAYLOAD_MAX + 1];
    static volatile unsigned long tmp_busy;
    int rc;

    while (pv_xchg(&tmp_busy, 1))
        pv_yield();
    rc = xenbus_request(XS_DIRECTORY, t, path, (unsigned)strlen(path) + 1, tmp, sizeof(tmp));
    if (rc >= 0 && (unsigned)rc > size)
        rc = -E2BIG;
    if (rc >= 0) {
        unsigned count = 0;
        for (int i = 0; i < rc; i++)
            count += tmp[i] == '\0';
        if (rc > 0 && tmp[rc - 1] != '\0') { /* not NUL-terminated: add it */
            if ((unsigned)rc + 1 > size)
                rc = -E2BIG;
            else {
                tmp[rc++] = '\0';
                count++;
            }
        }
        if (rc >= 0) {
            memcpy(buf, tmp, (unsigned)rc);
            if (n)
                *n = count;
        }
    }
    __atomic_store_n(&tmp_busy, 0, __ATOMIC_RELEASE);
    return rc;
}

/* "n1 r2" -> "n1\0r2\0" in out; returns its length or -EINVAL. */
static int perms_to_wire(const char *perms, char *out, unsigned size)
{
    unsigned len = 0;

    while (*perms) {
        while (*perms == ' ' || *perms == ',')
            perms++;
        if (!*perms)
            break;
        const char *s = perms;
        while (*perms && *perms != ' ' && *perms != ',')
            perms++;
        unsigned n = (unsigned)(perms - s);
        if (len + n + 1 > size)
            return -E2BIG;
        memcpy(out + len, s, n);
        len += n;
        out[len++] = '\0';
    }
    return len ? (int)len : -EINVAL;
}

int xenbus_set_perms(xenbus_transaction_t t, const char *path, const char *perms)
{
    char acl[256];
    int n = perms_to_wire(perms, acl, sizeof(acl));

    return n < 0 ? n : simple(XS_SET_PERMS, t, path, acl, (unsigned)n);
}

int xenbus_get_perms(xenbus_transaction_t t, const char *path, char *buf, unsigned size)
{
    int rc = xenbus_request(XS_GET_PERMS, t, path, (unsigned)strlen(path) + 1, buf, size);

    if (rc < 0 || size == 0)
        return rc;
    if ((unsigned)rc >= size)
        return -E2BIG;
    for (int i = 0; i < rc; i++)
        if (buf[i] == '\0')
            buf[i] = i == rc - 1 ? '\0' : ' ';
    if (rc > 0 && buf[rc - 1] == '\0')
        rc--;
    return rc;
}

int xenbus_watch(const char *path, const char *token)
{
    return simple(XS_WATCH, XBT_NIL, path, token, (unsigned)strlen(token) + 1);
}

int xenbus_unwatch(const char *path, const char *token)
{
    return simple(XS_UNWATCH, XBT_NIL, path, token, (unsigned)strlen(token) + 1);
}

int xenbus_transaction_start(xenbus_transaction_t *t)
{
    char buf[16];
    unsigned long v;
    char *end;
    int rc = xenbus_request(XS_TRANSACTION_START, XBT_NIL, "", 1, buf, sizeof(buf));

    if (rc < 0)
        return rc;
    v = strtoul(buf, &end, 10);
    if (end == buf || v == 0 || v > 0xffffffffUL)
        return -EIO;
    *t = (xenbus_transaction_t)v;
    return 0;
}

int xenbus_transaction_end(xenbus_transaction_t t, bool abort)
{
    return simple(XS_TRANSACTION_END, t, abort ? "F" : "T", NULL, 0);
}
