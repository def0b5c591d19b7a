/* format.c: output as xenstore-utils prints it: value escaping, buffered output, ls trees. */
#include <err.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static char *obuf;
static size_t olen, ocap;

void out_printf(const char *fmt, ...)
{
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        err(1, "output");
    if (olen + (size_t)n + 1 > ocap) {
        ocap = olen + (size_t)n + 1024;
        obuf = realloc(obuf, ocap);
        if (!obuf)
            err(1, "malloc");
    }
    va_start(ap, fmt);
    vsnprintf(obuf + olen, (size_t)n + 1, fmt, ap);
    va_end(ap);
    olen += (size_t)n;
}

void out_write(const void *p, size_t len)
{
    if (olen + len + 1 > ocap) {
        ocap = olen + len + 1024;
        obuf = realloc(obuf, ocap);
        if (!obuf)
            err(1, "malloc");
    }
    memcpy(obuf + olen, p, len);
    olen += len;
}

void out_reset(void)
{
    olen = 0;
}

void out_flush(void)
{
    if (olen)
        fwrite(obuf, 1, olen, stdout);
    olen = 0;
}

const char *cli_sanitise(const char *val, unsigned int len)
{
    static char *buf;
    static size_t cap;
    size_t used = 0;

    if ((size_t)len * 4 + 1 > cap) {
        cap = (size_t)len * 4 + 1;
        buf = realloc(buf, cap);
        if (!buf)
            err(1, "malloc");
    }
    for (unsigned int i = 0; i < len; i++) {
        unsigned char c = (unsigned char)val[i];
        if (c >= ' ' && c <= '~' && c != '\\') {
            buf[used++] = (char)c;
            continue;
        }
        buf[used++] = '\\';
        switch (c) {
        case '\t':
            buf[used++] = 't';
            break;
        case '\n':
            buf[used++] = 'n';
            break;
        case '\r':
            buf[used++] = 'r';
            break;
        case '\\':
            buf[used++] = '\\';
            break;
        default:
            used += (size_t)sprintf(buf + used, c < 010 ? "%03o" : "x%02x", c);
        }
    }
    buf[used] = '\0';
    return buf;
}

/* Up to `max` digits of `base` at *ip; advances *ip. */
static unsigned digits(const char **ip, int base, int max)
{
    unsigned v = 0;

    for (int i = 0; i < max; i++) {
        char c = **ip;
        int d = c >= '0' && c <= '9'   ? c - '0'
                : c >= 'a' && c <= 'f' ? c - 'a' + 10
                : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                       : 99;
        if (d >= base)
            break;
        v = v * (unsigned)base + (unsigned)d;
        (*ip)++;
    }
    return v;
}

void cli_unsanitise(const char *in, char *out, unsigned int *outlen)
{
    const char *ip = in;
    char *op = out;

    while (*ip) {
        char c = *ip++;
        if (c == '\\') {
            c = *ip++;
            switch (c) {
            case 't':
                c = '\t';
                break;
            case 'n':
                c = '\n';
                break;
            case 'r':
                c = '\r';
                break;
            case 'x': {
                const char *start = ip;
                unsigned v = digits(&ip, 16, 2);
                c = ip == start ? 'x' : (char)v;
                break;
            }
            case '0':
            case '1':
            case '2':
            case '3':
            case '4':
            case '5':
            case '6':
            case '7':
                ip--;
                c = (char)digits(&ip, 8, 3);
                break;
            case '\0':
                ip--;
                break;
            default:
                break; /* "\q" is "q", "\\" is "\" */
            }
        }
        *op++ = c;
    }
    *op = '\0';
    *outlen = (unsigned int)(op - out);
}

/* --- xenstore-ls ------------------------------------------------------------------- */

#define TAG       " = \"...\""
#define TAG_LEN   ((int)strlen(TAG))
#define MIN(a, b) ((a) < (b) ? (a) : (b))

static void print_perms(struct xs_handle *h, const char *path, const char *name)
{
    unsigned int n;
    struct xs_permissions *p = xs_get_permissions(h, XBT_NULL, path, &n);
    char buf[16];

    if (!p) {
        warn("\ncould not access permissions for %s", name);
        return;
    }
    fputs("  (", stdout);
    for (unsigned int i = 0; i < n; i++) {
        if (i)
            putchar(',');
        xs_perm_to_string(&p[i], buf, sizeof(buf));
        fputs(buf, stdout);
    }
    putchar(')');
    free(p);
}

/* One line: indent + name (or full path), the value, then padding and ACL (-p). */
static void print_line(const struct cli_opts *o, struct xs_handle *h, const char *path,
                       const char *name, int depth)
{
    unsigned int len;
    char *val = xs_read(h, XBT_NULL, path, &len);
    int w = 0;

    if (o->full_path) {
        fputs(path, stdout);
    } else {
        for (; w < depth; w++)
            putchar(' ');
        w += printf("%.*s", o->max_width - TAG_LEN - w, name);
    }
    if (!val) {
        printf(":\n");
    } else if (o->max_width < w + (int)len + TAG_LEN) {
        printf(" = \"%.*s\\...\"", o->max_width - TAG_LEN - w, cli_sanitise(val, len));
    } else {
        w += printf(" = \"%s\"", cli_sanitise(val, len));
        if (o->prefix) {
            putchar(' ');
            for (w++; w < MIN(o->desired_width, o->max_width); w++)
                putchar((w & 1) ? '.' : ' ');
        }
    }
    free(val);
    if (o->prefix)
        print_perms(h, path, name);
    putchar('\n');
}

void cli_ls(const struct cli_opts *o, struct xs_handle *h, const char *path, int depth)
{
    unsigned int num;
    char **kids = xs_directory(h, XBT_NULL, path, &num);
    size_t plen = strlen(path);

    if (!kids)
        err(1, "xs_directory (%s)", path);
    for (unsigned int i = 0; i < num; i++) {
        char *child;
        if (asprintf(&child, "%s%s%s", path, plen && path[plen - 1] == '/' ? "" : "/", kids[i]) < 0)
            err(1, "malloc");
        print_line(o, h, child, kids[i], depth);
        cli_ls(o, h, child, depth + 1);
        free(child);
    }
    free(kids);
}
