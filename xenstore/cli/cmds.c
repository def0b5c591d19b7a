/* cmds.c: the per-key work of read, write, rm, exists, list, chmod and watch. */
#include <err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

#define MAX_PERMS 16

static int do_read(const struct cli_opts *o, struct xs_handle *h, xs_transaction_t t,
                   const char *key)
{
    unsigned int len;
    char *val = xs_read(h, t, key, &len);

    if (!val) {
        warnx("couldn't read path %s", key);
        return 1;
    }
    if (o->prefix)
        out_printf("%s: ", key);
    if (o->raw)
        out_write(val, len); /* as is: no escaping, no newline */
    else
        out_printf("%s\n", cli_sanitise(val, len));
    free(val);
    return 0;
}

static int do_write(const struct cli_opts *o, struct xs_handle *h, xs_transaction_t t,
                    const char *key, const char *spec)
{
    char *buf = malloc(strlen(spec) + 1);
    unsigned int len = (unsigned int)strlen(spec);
    bool ok;

    if (!buf)
        err(1, "malloc");
    if (o->raw)
        memcpy(buf, spec, len + 1);
    else
        cli_unsanitise(spec, buf, &len);
    ok = xs_write(h, t, key, buf, len);
    free(buf);
    if (!ok) {
        warnx("could not write path %s", key);
        return 1;
    }
    return 0;
}

/* With tidy, also remove parents left empty and without a value. */
static int do_rm(const struct cli_opts *o, struct xs_handle *h, xs_transaction_t t, const char *key)
{
    char *p = strdup(key), *slash;
    int rc = 0;

    if (!p)
        err(1, "malloc");
    for (;;) {
        if (!xs_rm(h, t, p)) {
            warnx("could not remove path %s", p);
            rc = 1;
            break;
        }
        if (!o->tidy || !(slash = strrchr(p, '/')))
            break;
        *slash = '\0';
        unsigned int len, num;
        char *val = xs_read(h, t, p, &len);
        char **list = val && len == 0 ? xs_directory(h, t, p, &num) : NULL;
        bool again = list && num == 0;
        free(val);
        free(list);
        if (!again)
            break;
    }
    free(p);
    return rc;
}

static int do_exists(struct xs_handle *h, xs_transaction_t t, const char *key)
{
    char *val = xs_read(h, t, key, NULL);

    free(val);
    return val ? 0 : 1;
}

static int do_list(const struct cli_opts *o, struct xs_handle *h, xs_transaction_t t,
                   const char *key)
{
    unsigned int num;
    char **list = xs_directory(h, t, key, &num);

    if (!list) {
        warnx("could not list path %s", key);
        return 1;
    }
    for (unsigned int i = 0; i < num; i++)
        out_printf("%s%s%s\n", o->prefix ? key : "", o->prefix ? "/" : "", list[i]);
    free(list);
    return 0;
}

static void chmod_path(const struct cli_opts *o, struct xs_handle *h, xs_transaction_t t,
                       char *path, struct xs_permissions *p, int np, bool upto, bool recurse)
{
    if (!path[0])
        return;
    if (!xs_set_permissions(h, t, path, p, (unsigned int)np))
        err(1, "Error occurred setting permissions on '%s'", path);
    if (upto) {
        char *sep = strrchr(path, '/');
        if (!sep)
            errx(1, "Unable to locate path separator '/' in '%s'", path);
        *sep = '\0';
        chmod_path(o, h, t, path, p, np, true, false);
        *sep = '/';
    }
    if (recurse) {
        unsigned int num;
        char **kids = xs_directory(h, t, path, &num);
        for (unsigned int i = 0; kids && i < num; i++) {
            char *child;
            if (asprintf(&child, "%s/%s", path, kids[i]) < 0)
                err(1, "malloc");
            chmod_path(o, h, t, child, p, np, false, true);
            free(child);
        }
        free(kids);
    }
}

static int do_chmod(const struct cli_opts *o, struct xs_handle *h, xs_transaction_t t)
{
    struct xs_permissions p[MAX_PERMS];
    char *path = strdup(o->argv[0]);
    int np = 0;

    if (!path)
        err(1, "malloc");
    for (int i = 1; i < o->argc; i++, np++) {
        const char *s = o->argv[i];
        if (np >= MAX_PERMS)
            errx(1, "Too many permissions specified.  Maximum per invocation is %d.", MAX_PERMS);
        p[np].id = (unsigned int)atoi(s + 1);
        switch (s[0]) {
        case 'n':
            p[np].perms = XS_PERM_NONE;
            break;
        case 'r':
            p[np].perms = XS_PERM_READ;
            break;
        case 'w':
            p[np].perms = XS_PERM_WRITE;
            break;
        case 'b':
            p[np].perms = XS_PERM_BOTH;
            break;
        default:
            errx(1, "Invalid permission specification: '%c'", s[0]);
        }
    }
    chmod_path(o, h, t, path, p, np, o->upto, o->recurse);
    free(path);
    return 0;
}

static int do_watch(const struct cli_opts *o, struct xs_handle *h)
{
    for (int i = 0; i < o->argc; i++)
        if (!xs_watch(h, o->argv[i], o->argv[i]))
            errx(1, "Unable to add watch on %s\n", o->argv[i]);
    for (int n = 0; o->max_events < 0 || n < o->max_events; n++) {
        unsigned int num;
        char **v = xs_read_watch(h, &num);
        if (!v)
            err(1, "xs_read_watch");
        printf("%s\n", v[XS_WATCH_PATH]);
        fflush(stdout);
        free(v);
    }
    return 0;
}

int cli_perform(const struct cli_opts *o, struct xs_handle *h, xs_transaction_t t)
{
    int rc = 0;

    switch (o->mode) {
    case MODE_chmod:
        return do_chmod(o, h, t);
    case MODE_watch:
        return do_watch(o, h);
    case MODE_ls:
        if (o->argc == 0)
            cli_ls(o, h, "/", 0);
        for (int i = 0; i < o->argc; i++)
            cli_ls(o, h, o->argv[i], 0);
        return 0;
    default:
        break;
    }
    for (int i = 0; i < o->argc && rc == 0; i++) {
        const char *k = o->argv[i];
        switch (o->mode) {
        case MODE_read:
            rc = do_read(o, h, t, k);
            break;
        case MODE_write:
            rc = do_write(o, h, t, k, o->argv[++i]);
            break;
        case MODE_rm:
            rc = do_rm(o, h, t, k);
            break;
        case MODE_exists:
            rc = do_exists(h, t, k);
            break;
        case MODE_list:
            rc = do_list(o, h, t, k);
            break;
        default:
            errx(1, "invalid mode %d", o->mode);
        }
    }
    return rc;
}
