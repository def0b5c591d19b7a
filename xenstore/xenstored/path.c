/* path.c: xenstore path validation and canonicalisation (Xen's character and length rules). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "../common/wire.h"
#include "path.h"

static bool valid_char(char ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
           ch == '-' || ch == '/' || ch == '_' || ch == '@';
}

static int check_syntax(const char *p)
{
    size_t n = strlen(p);

    if (n == 0)
        return -EINVAL;
    for (size_t i = 0; i < n; i++) {
        if (!valid_char(p[i]))
            return -EINVAL;
        if (p[i] == '/' && p[i + 1] == '/')
            return -EINVAL;
    }
    if (n > 1 && p[n - 1] == '/')
        return -EINVAL;
    return 0;
}

/* Offset just after "/local/domain/<id>/" when p starts with it, else 0. */
static size_t home_prefix_len(const char *p)
{
    static const char pre[] = "/local/domain/";
    size_t i = sizeof(pre) - 1, digits = 0;

    if (strncmp(p, pre, i) != 0)
        return 0;
    while (p[i] >= '0' && p[i] <= '9' && digits < 5)
        i++, digits++;
    if (digits == 0 || p[i] != '/')
        return 0;
    return i + 1;
}

static int check_length(const char *p, unsigned max_rel)
{
    size_t n = strlen(p);

    if (n > XENSTORE_ABS_PATH_MAX)
        return -ENAMETOOLONG;
    if (n > home_prefix_len(p) + max_rel)
        return -ENAMETOOLONG;
    return 0;
}

int path_canon(unsigned domid, const char *in, bool allow_special, unsigned max_rel, char *out,
               size_t outsz)
{
    int n, rc;

    if (in[0] == '@') {
        if (!allow_special || check_syntax(in) < 0)
            return -EINVAL;
        n = snprintf(out, outsz, "%s", in);
        return (size_t)n >= outsz ? -ENAMETOOLONG : 0;
    }
    if (in[0] == '/')
        n = snprintf(out, outsz, "%s", in);
    else if (in[0] == '\0')
        return -EINVAL;
    else
        n = snprintf(out, outsz, "/local/domain/%u/%s", domid, in);
    if (n < 0 || (size_t)n >= outsz)
        return strlen(in) > 0 && check_syntax(in) < 0 ? -EINVAL : -ENAMETOOLONG;
    rc = check_syntax(out);
    if (rc < 0)
        return rc;
    return check_length(out, max_rel);
}

bool path_is_special(const char *p)
{
    return p[0] == '@';
}

bool path_is_child(const char *child, const char *parent)
{
    size_t n = strlen(parent);

    if (strcmp(parent, "/") == 0)
        return child[0] == '/';
    return strncmp(child, parent, n) == 0 && (child[n] == '\0' || child[n] == '/');
}

void path_domain_home(unsigned domid, char *buf, size_t sz)
{
    snprintf(buf, sz, "/local/domain/%u", domid);
}

const char *path_strip_home(const char *abs, unsigned domid)
{
    char home[40];
    size_t n;

    n = (size_t)snprintf(home, sizeof(home), "/local/domain/%u/", domid);
    if (strncmp(abs, home, n) != 0 || abs[n] == '\0')
        return NULL;
    return abs + n;
}

int path_parse_domid(const char *s, unsigned *out)
{
    unsigned long v = 0;

    if (*s == '\0' || strlen(s) > 5)
        return -EINVAL;
    for (; *s; s++) {
        if (*s < '0' || *s > '9')
            return -EINVAL;
        v = v * 10 + (unsigned long)(*s - '0');
    }
    if (v > 65535)
        return -EINVAL;
    *out = (unsigned)v;
    return 0;
}
