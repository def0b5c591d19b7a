/* main.c: xenstore CLI entry: mode from argv[0] or argv[1], options, transaction retry. */
#include <err.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "cli.h"

static const struct {
    const char *name;
    enum mode mode;
    const char *usage;
} modes[] = {
    {"read", MODE_read, "[-h] [-p] [-s] [-R] key [...]"},
    {"write", MODE_write, "[-h] [-s] [-R] key value [...]"},
    {"rm", MODE_rm, "[-h] [-s] [-t] key [...]"},
    {"exists", MODE_exists, "[-h] [-p] [-s] key [...]"},
    {"list", MODE_list, "[-h] [-p] [-s] key [...]"},
    {"ls", MODE_ls, "[-h] [-f] [-p] [-s] [path]"},
    {"chmod", MODE_chmod, "[-h] [-u] [-r] [-s] key <mode [modes...]>"},
    {"watch", MODE_watch, "[-h] [-n NR] key"},
};
#define NMODES (sizeof(modes) / sizeof(modes[0]))

static void usage(enum mode mode, bool with_mode, const char *prog) __attribute__((noreturn));
static void usage(enum mode mode, bool with_mode, const char *prog)
{
    for (size_t i = 0; i < NMODES; i++)
        if (modes[i].mode == mode)
            errx(1, "Usage: %s %s%s%s", prog, with_mode ? modes[i].name : "", with_mode ? " " : "",
                 modes[i].usage);
    errx(1, "Usage: %s <mode> [-h] [...]", prog);
}

static enum mode lookup_mode(const char *m)
{
    for (size_t i = 0; i < NMODES; i++)
        if (strcmp(m, modes[i].name) == 0)
            return modes[i].mode;
    errx(1, "unknown mode %s\n", m);
}

/* Which options each mode takes (others print the usage). */
static bool option_ok(enum mode m, int c)
{
    switch (c) {
    case 'f':
        return m == MODE_ls;
    case 'p':
        return m == MODE_read || m == MODE_list || m == MODE_ls;
    case 't':
        return m == MODE_rm;
    case 'u':
    case 'r':
        return m == MODE_chmod;
    case 'R':
        return m == MODE_read || m == MODE_write;
    case 'n':
        return m == MODE_watch;
    default:
        return true;
    }
}

static void set_option(struct cli_opts *o, int c)
{
    switch (c) {
    case 'f':
        o->max_width = INT_MAX / 2;
        o->desired_width = 0;
        o->full_path = true;
        break;
    case 's':
        o->socket = true;
        break;
    case 'p':
        o->prefix = true;
        break;
    case 't':
        o->tidy = true;
        break;
    case 'u':
        o->upto = true;
        break;
    case 'r':
        o->recurse = true;
        break;
    case 'R':
        o->raw = true;
        break;
    case 'n':
        o->max_events = atoi(optarg);
        break;
    }
}

static void parse(struct cli_opts *o, int argc, char **argv, int skip, const char *prog)
{
    static const struct option lopts[] = {
        {"help", 0, 0, 'h'}, {"socket", 0, 0, 's'}, {"prefix", 0, 0, 'p'},
        {"tidy", 0, 0, 't'}, {"upto", 0, 0, 'u'},   {"recurse", 0, 0, 'r'},
        {"raw", 0, 0, 'R'},  {"number", 1, 0, 'n'}, {0, 0, 0, 0},
    };
    int c, n;

    argc -= skip;
    argv += skip;
    while ((c = getopt_long(argc, argv, "hfspturRn:", lopts, NULL)) != -1) {
        if (c == 'h' || (c != '?' && !option_ok(o->mode, c)))
            usage(o->mode, skip == 1, prog);
        set_option(o, c);
    }
    o->argc = argc - optind;
    o->argv = argv + optind;
    n = o->argc;
    if (o->mode == MODE_write && n % 2 == 1)
        usage(o->mode, skip == 1, prog);
    if (o->mode != MODE_ls && n == 0)
        usage(o->mode, skip == 1, prog);
}

static bool wants_transaction(const struct cli_opts *o)
{
    switch (o->mode) {
    case MODE_read:
        return o->argc > 1;
    case MODE_write:
        return o->argc > 2;
    case MODE_ls:
    case MODE_watch:
        return false;
    default:
        return true;
    }
}

static void ls_width(struct cli_opts *o)
{
    struct winsize ws = {0};

    if (o->mode == MODE_ls && !o->full_path && ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0)
        o->max_width = ws.ws_col - 2;
}

int main(int argc, char **argv)
{
    struct cli_opts o = {.max_events = -1, .max_width = 80, .desired_width = 60};
    const char *base = strrchr(argv[0], '/');
    struct xs_handle *h;
    xs_transaction_t t = XBT_NULL;
    int skip = 0, ret;

    base = base ? base + 1 : argv[0];
    if (strncmp(base, "xenstore-", 9) == 0) {
        o.mode = lookup_mode(base + 9);
    } else if (argc < 2) {
        usage(MODE_unknown, false, argv[0]);
    } else {
        o.mode = lookup_mode(argv[1]);
        skip = 1;
    }
    parse(&o, argc, argv, skip, argv[0]);
    ls_width(&o);
    h = xs_open(o.socket ? XS_OPEN_SOCKETONLY : 0);
    if (!h)
        err(1, "xs_open");
    for (;;) {
        if (wants_transaction(&o) && (t = xs_transaction_start(h)) == XBT_NULL)
            errx(1, "couldn't start transaction");
        ret = cli_perform(&o, h, t);
        if (t == XBT_NULL || xs_transaction_end(h, t, ret != 0))
            break;
        if (ret != 0 || errno != EAGAIN)
            errx(1, "couldn't end transaction");
        out_reset();
    }
    out_flush();
    xs_close(h);
    return ret;
}
