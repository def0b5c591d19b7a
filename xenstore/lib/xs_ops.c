/* xs_ops.c: libpvxs operations: read/write/ls/rm, permissions, watches, transactions. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/wire.h"
#include "xs_internal.h"

void *xs_read(struct xs_handle *h, xs_transaction_t t, const char *path, unsigned int *len)
{
    return xs_single(h, t, XS_READ, path, len);
}

bool xs_write(struct xs_handle *h, xs_transaction_t t, const char *path, const void *data,
              unsigned int len)
{
    struct iovec iov[2] = {{(void *)path, strlen(path) + 1}, {(void *)data, len}};

    return xs_ok(xs_talk(h, t, XS_WRITE, iov, 2, NULL));
}

bool xs_mkdir(struct xs_handle *h, xs_transaction_t t, const char *path)
{
    return xs_ok(xs_single(h, t, XS_MKDIR, path, NULL));
}

bool xs_rm(struct xs_handle *h, xs_transaction_t t, const char *path)
{
    return xs_ok(xs_single(h, t, XS_RM, path, NULL));
}

/* --- directories ------------------------------------------------------------------------ */

/* Split len bytes of NUL-terminated names into a vector (one allocation). */
static char **split_names(const char *buf, unsigned int len, unsigned int *num)
{
    unsigned int n = 0;
    char **v, *s;

    for (unsigned int i = 0; i < len; i++)
        n += buf[i] == '\0';
    v = malloc((n + 1) * sizeof(char *) + len + 1);
    if (!v)
        return NULL;
    s = (char *)&v[n + 1];
    memcpy(s, buf, len);
    s[len] = '\0';
    for (unsigned int i = 0; i < n; i++) {
        v[i] = s;
        s += strlen(s) + 1;
    }
    v[n] = NULL;
    *num = n;
    return v;
}

/* Append one DIRECTORY_PART chunk; 1 = list complete, 0 = more, -1 = error/changed. */
static int part_append(const char *rep, unsigned int rlen, const char *gen, char **acc,
                       size_t *alen)
{
    size_t glen = strlen(rep) + 1, clen;
    char *n;

    if (glen > rlen || strcmp(rep, gen) != 0)
        return -1;
    clen = rlen - glen;
    n = realloc(*acc, *alen + clen + 1);
    if (!n)
        return -1;
    *acc = n;
    memcpy(*acc + *alen, rep + glen, clen);
    /* The list ends with an empty name: a chunk that is empty or ends in "\0\0". */
    if (clen == 0 || (clen >= 1 && rep[glen + clen - 1] == '\0' &&
                      (clen == 1 || rep[glen + clen - 2] == '\0'))) {
        *alen += clen ? clen - 1 : 0;
        return 1;
    }
    *alen += clen;
    return 0;
}

static char **directory_parts(struct xs_handle *h, xs_transaction_t t, const char *path,
                              unsigned int *num)
{
    for (int attempt = 0; attempt < 8; attempt++) {
        char gen[32] = "", off[24], *acc = NULL;
        size_t alen = 0;
        int rc = 0;
        while (rc == 0) {
            struct iovec iov[2] = {{(void *)path, strlen(path) + 1}, {off, 0}};
            unsigned int rlen;
            iov[1].iov_len = (size_t)snprintf(off, sizeof(off), "%zu", alen) + 1;
            char *rep = xs_talk(h, t, XS_DIRECTORY_PART, iov, 2, &rlen);
            if (!rep) {
                free(acc);
                return NULL;
            }
            if (!gen[0])
                snprintf(gen, sizeof(gen), "%s", rep);
            rc = part_append(rep, rlen, gen, &acc, &alen);
            free(rep);
        }
        if (rc == 1) {
            char **v = split_names(acc ? acc : "", (unsigned int)alen, num);
            free(acc);
            return v;
        }
        free(acc); /* the directory changed while we read it: start over */
    }
    errno = EAGAIN;
    return NULL;
}

char **xs_directory(struct xs_handle *h, xs_transaction_t t, const char *path, unsigned int *num)
{
    unsigned int len;
    char *rep = xs_single(h, t, XS_DIRECTORY, path, &len), **v;

    if (!rep)
        return errno == E2BIG ? directory_parts(h, t, path, num) : NULL;
    v = split_names(rep, len, num);
    free(rep);
    return v;
}

/* --- permissions ------------------------------------------------------------------------- */

bool xs_perm_to_string(const struct xs_permissions *perm, char *buf, size_t len)
{
    static const char letters[] = "nrwb";

    if (perm->perms > XS_PERM_BOTH)
        return false;
    return (size_t)snprintf(buf, len, "%c%u", letters[perm->perms], perm->id) < len;
}

static int parse_perm(const char *s, struct xs_permissions *p)
{
    const char *letters = "nrwb", *c = *s ? strchr(letters, *s) : NULL;
    char *end;
    unsigned long id;

    if (!c || !s[1])
        return -1;
    id = strtoul(s + 1, &end, 10);
    if (*end || id > 65535)
        return -1;
    p->perms = (unsigned int)(c - letters);
    p->id = (unsigned int)id;
    return 0;
}

struct xs_permissions *xs_get_permissions(struct xs_handle *h, xs_transaction_t t, const char *path,
                                          unsigned int *num)
{
    unsigned int len, n;
    char *rep = xs_single(h, t, XS_GET_PERMS, path, &len);
    char **names = rep ? split_names(rep, len, &n) : NULL;
    struct xs_permissions *p = names && n ? malloc(n * sizeof(*p)) : NULL;

    for (unsigned int i = 0; p && i < n; i++) {
        if (parse_perm(names[i], &p[i]) < 0) {
            free(p);
            p = NULL;
            errno = EBADMSG;
        }
    }
    if (p)
        *num = n;
    else if (names && !n)
        errno = EBADMSG;
    free(names);
    free(rep);
    return p;
}

bool xs_set_permissions(struct xs_handle *h, xs_transaction_t t, const char *path,
                        struct xs_permissions *perms, unsigned int num)
{
    char buf[XENSTORE_PAYLOAD_MAX];
    size_t used = 0;

    for (unsigned int i = 0; i < num; i++) {
        if (!xs_perm_to_string(&perms[i], buf + used, sizeof(buf) - used)) {
            errno = EINVAL;
            return false;
        }
        used += strlen(buf + used) + 1;
    }
    struct iovec iov[2] = {{(void *)path, strlen(path) + 1}, {buf, used}};
    return xs_ok(xs_talk(h, t, XS_SET_PERMS, iov, 2, NULL));
}

/* --- watches and transactions ------------------------------------------------------------ */

static void *two_strings(struct xs_handle *h, uint32_t type, const char *a, const char *b)
{
    struct iovec iov[2] = {{(void *)a, strlen(a) + 1}, {(void *)b, strlen(b) + 1}};

    return xs_talk(h, XBT_NULL, type, iov, 2, NULL);
}

bool xs_watch(struct xs_handle *h, const char *path, const char *token)
{
    return xs_ok(two_strings(h, XS_WATCH, path, token));
}

bool xs_unwatch(struct xs_handle *h, const char *path, const char *token)
{
    return xs_ok(two_strings(h, XS_UNWATCH, path, token));
}

char **xs_read_watch(struct xs_handle *h, unsigned int *num)
{
    return xs_next_event(h, true, num);
}

char **xs_check_watch(struct xs_handle *h)
{
    return xs_next_event(h, false, NULL);
}

xs_transaction_t xs_transaction_start(struct xs_handle *h)
{
    char *rep = xs_single(h, XBT_NULL, XS_TRANSACTION_START, "", NULL), *end;
    unsigned long id;

    if (!rep)
        return XBT_NULL;
    id = strtoul(rep, &end, 10);
    if (*end || id == 0 || id > UINT32_MAX) {
        free(rep);
        errno = EBADMSG;
        return XBT_NULL;
    }
    free(rep);
    return (xs_transaction_t)id;
}

bool xs_transaction_end(struct xs_handle *h, xs_transaction_t t, bool abort)
{
    return xs_ok(xs_single(h, t, XS_TRANSACTION_END, abort ? "F" : "T", NULL));
}

/* --- domains and control ----------------------------------------------------------------- */

static void *domid_request(struct xs_handle *h, uint32_t type, unsigned int domid)
{
    char buf[16];

    snprintf(buf, sizeof(buf), "%u", domid);
    return xs_single(h, XBT_NULL, type, buf, NULL);
}

char *xs_get_domain_path(struct xs_handle *h, unsigned int domid)
{
    return domid_request(h, XS_GET_DOMAIN_PATH, domid);
}

bool xs_introduce_domain(struct xs_handle *h, unsigned int domid, unsigned long mfn,
                         unsigned int eventchn)
{
    char a[16], b[24], c[16];
    struct iovec iov[3] = {{a, 0}, {b, 0}, {c, 0}};

    iov[0].iov_len = (size_t)snprintf(a, sizeof(a), "%u", domid) + 1;
    iov[1].iov_len = (size_t)snprintf(b, sizeof(b), "%ld", (long)mfn) + 1;
    iov[2].iov_len = (size_t)snprintf(c, sizeof(c), "%u", eventchn) + 1;
    return xs_ok(xs_talk(h, XBT_NULL, XS_INTRODUCE, iov, 3, NULL));
}

bool xs_release_domain(struct xs_handle *h, unsigned int domid)
{
    return xs_ok(domid_request(h, XS_RELEASE, domid));
}

bool xs_resume_domain(struct xs_handle *h, unsigned int domid)
{
    return xs_ok(domid_request(h, XS_RESUME, domid));
}

bool xs_is_domain_introduced(struct xs_handle *h, unsigned int domid)
{
    char *rep = domid_request(h, XS_IS_DOMAIN_INTRODUCED, domid);
    bool yes = rep && strcmp(rep, "T") == 0;

    free(rep);
    return yes;
}

bool xs_set_target(struct xs_handle *h, unsigned int domid, unsigned int target)
{
    char a[16], b[16];
    struct iovec iov[2] = {{a, 0}, {b, 0}};

    iov[0].iov_len = (size_t)snprintf(a, sizeof(a), "%u", domid) + 1;
    iov[1].iov_len = (size_t)snprintf(b, sizeof(b), "%u", target) + 1;
    return xs_ok(xs_talk(h, XBT_NULL, XS_SET_TARGET, iov, 2, NULL));
}

char *xs_control_command(struct xs_handle *h, const char *cmd, const void *args, unsigned int len,
                         unsigned int *rlen)
{
    struct iovec iov[2] = {{(void *)cmd, strlen(cmd) + 1}, {(void *)args, len}};

    return xs_talk(h, XBT_NULL, XS_CONTROL, iov, args && len ? 2 : 1, rlen);
}
