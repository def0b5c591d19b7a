/* ls.c: xenstore-ls: the indented `name = "value"` tree, with -f full paths, -p ACLs. */
#include <err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

#define TAG     " = \"...\""
#define TAG_LEN ((int)strlen(TAG))
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
        if (asprintf(&child, "%s%s%s", path, plen && path[plen - 1] == '/' ? "" : "/",
                     kids[i]) < 0)
            err(1, "malloc");
        print_line(o, h, child, kids[i], depth);
        cli_ls(o, h, child, depth + 1);
        free(child);
    }
    free(kids);
}
