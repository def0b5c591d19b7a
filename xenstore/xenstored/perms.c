/* perms.c: permission evaluation (owner, per-domain entries, default) and ACL strings. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/wire.h"
#include "path.h"
#include "perms.h"

static bool is_me(const struct xs_caller *who, unsigned domid)
{
    return domid == who->domid || (who->target >= 0 && domid == (unsigned)who->target);
}

unsigned perm_rights(const struct xs_caller *who, const struct xs_perm *p, uint32_t np)
{
    const unsigned all = XS_PERM_READ | XS_PERM_WRITE | XS_PERM_OWNER;

    if (who->priv)
        return all;
    if (np == 0)
        return 0;
    if (is_me(who, p[0].domid))
        return all;
    for (uint32_t i = 1; i < np; i++)
        if (p[i].domid == who->domid)
            return p[i].perm & XS_PERM_BOTH;
    if (who->target >= 0)
        for (uint32_t i = 1; i < np; i++)
            if (p[i].domid == (unsigned)who->target)
                return p[i].perm & XS_PERM_BOTH;
    return p[0].perm & XS_PERM_BOTH;
}

int perm_check(const struct xs_caller *who, const struct xs_perm *p, uint32_t np, unsigned want)
{
    return (perm_rights(who, p, np) & want) == want ? 0 : -EACCES;
}

static int parse_one(const char *s, struct xs_perm *out)
{
    unsigned domid;

    switch (s[0]) {
    case 'n': out->perm = XS_PERM_NONE; break;
    case 'r': out->perm = XS_PERM_READ; break;
    case 'w': out->perm = XS_PERM_WRITE; break;
    case 'b': out->perm = XS_PERM_BOTH; break;
    default: return -EINVAL;
    }
    if (path_parse_domid(s + 1, &domid) < 0)
        return -EINVAL;
    out->domid = (uint16_t)domid;
    return 0;
}

int perms_parse(const char *buf, size_t len, struct xs_perm **out, uint32_t *n)
{
    uint32_t cnt = 0, i = 0;
    struct xs_perm *p;
    size_t off;

    if (len == 0 || buf[len - 1] != '\0')
        return -EINVAL;
    for (off = 0; off < len; off++)
        cnt += buf[off] == '\0';
    p = malloc(cnt * sizeof(*p));
    if (!p)
        return -ENOMEM;
    for (off = 0; off < len; off += strlen(buf + off) + 1) {
        if (parse_one(buf + off, &p[i++]) < 0) {
            free(p);
            return -EINVAL;
        }
    }
    *out = p;
    *n = cnt;
    return 0;
}

int perm_format(const struct xs_perm *p, char *buf, size_t sz)
{
    static const char letters[] = "nrwb";

    return snprintf(buf, sz, "%c%u", letters[p->perm & XS_PERM_BOTH], p->domid);
}

int perms_format_all(const struct xs_perm *p, uint32_t np, char *buf, size_t sz)
{
    size_t used = 0;
    char one[16];

    for (uint32_t i = 0; i < np; i++) {
        int n = perm_format(&p[i], one, sizeof(one));
        if (used + (size_t)n + 1 > sz)
            return -E2BIG;
        memcpy(buf + used, one, (size_t)n + 1);
        used += (size_t)n + 1;
    }
    return (int)used;
}
