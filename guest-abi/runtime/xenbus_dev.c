/* xenbus_dev.c: xenstore helpers for split-device frontends: keys of a device directory,
 * numbers, the other end's state. */
#include <pvguest/pvguest.h>
#include <pvguest/xenbus.h>
#include <xen/io/xenbus.h>

/* dir/key into path (XENBUS_PATH_MAX bytes); 0 or -ENAMETOOLONG. */
static int join(char *path, const char *dir, const char *key)
{
    return (size_t)snprintf(path, XENBUS_PATH_MAX, "%s/%s", dir, key) < XENBUS_PATH_MAX
               ? 0
               : -ENAMETOOLONG;
}

int xenbus_read_at(const char *dir, const char *key, char *buf, unsigned int size)
{
    char path[XENBUS_PATH_MAX];
    int rc = join(path, dir, key);

    if (rc == 0)
        rc = xenbus_read(XBT_NIL, path, buf, size);
    return rc >= 0 && (unsigned int)rc >= size ? -E2BIG : rc;
}

int xenbus_read_ulong(const char *dir, const char *key, unsigned long *out)
{
    char buf[32], *end;
    int rc = xenbus_read_at(dir, key, buf, sizeof(buf));

    if (rc < 0)
        return rc;
    *out = strtoul(buf, &end, 10);
    return rc == 0 || *end || buf[0] < '0' || buf[0] > '9' ? -EINVAL : 0;
}

unsigned long xenbus_read_ulong_def(const char *dir, const char *key, unsigned long def)
{
    unsigned long v;

    return xenbus_read_ulong(dir, key, &v) == 0 ? v : def;
}

int xenbus_write_at(xenbus_transaction_t t, const char *dir, const char *key, const char *val)
{
    char path[XENBUS_PATH_MAX];
    int rc = join(path, dir, key);

    return rc < 0 ? rc : xenbus_write(t, path, val);
}

int xenbus_write_ulong(xenbus_transaction_t t, const char *dir, const char *key, unsigned long v)
{
    char val[24];

    snprintf(val, sizeof(val), "%lu", v);
    return xenbus_write_at(t, dir, key, val);
}

void xenbus_rm_at(xenbus_transaction_t t, const char *dir, const char *key)
{
    char path[XENBUS_PATH_MAX];

    if (join(path, dir, key) == 0)
        (void)xenbus_rm(t, path); /* -ENOENT is fine */
}

int xenbus_read_state(const char *dir)
{
    unsigned long v;
    int rc = xenbus_read_ulong(dir, "state", &v);

    if (rc == -ENOENT || rc == -EINVAL)
        return XenbusStateUnknown;
    return rc < 0 ? rc : (int)PV_MIN(v, 255UL);
}

bool xenbus_dev_offline(const char *dir)
{
    unsigned long v;

    return xenbus_read_ulong(dir, "online", &v) == 0 && v == 0;
}

int xenbus_read_backend(const char *fe, char *be, unsigned int size, domid_t *id)
{
    unsigned long bid;
    int rc = xenbus_read_at(fe, "backend", be, size);

    if (rc == 0 || (rc > 0 && be[0] != '/'))
        return -EINVAL;
    if (rc < 0)
        return rc;
    rc = xenbus_read_ulong(fe, "backend-id", &bid);
    if (rc < 0)
        return rc;
    if (bid >= DOMID_FIRST_RESERVED)
        return -EINVAL;
    *id = (domid_t)bid;
    return 0;
}

int xenbus_watch_state(const char *dir, const char *token, bool on)
{
    char path[XENBUS_PATH_MAX];
    int rc = join(path, dir, "state");

    if (rc < 0)
        return rc;
    return on ? xenbus_watch(path, token) : xenbus_unwatch(path, token);
}

bool xenbus_watch_fired(const char *token)
{
    char path[8]; /* the path is not needed: the token names the device */
    bool fired = false;

    while (xenbus_read_watch_token(token, path, sizeof(path), XENBUS_NO_WAIT) == 0)
        fired = true;
    return fired;
}

int xenbus_transact(int (*fn)(xenbus_transaction_t t, void *arg), void *arg)
{
    for (int i = 0; i < XENBUS_TRANSACT_RETRIES; i++) {
        xenbus_transaction_t t;
        int rc = xenbus_transaction_start(&t);

        if (rc < 0)
            return rc;
        rc = fn(t, arg);
        int end = xenbus_transaction_end(t, rc < 0);
        if (rc < 0)
            return rc;
        if (end != -EAGAIN)
            return end;
    }
    return -EAGAIN;
}
