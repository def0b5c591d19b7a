/* options.c: a backend's command line: the options every backend takes (--rundir,
 * --foreground, --verbose, --help) plus the driver's flags and bounded numbers, from tables. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "core.h"

#define MAX_OPTS 32

enum { O_RUNDIR = 1, O_FG, O_VERB, O_HELP, O_FLAG = 0x100, O_NUM = 0x200 };

static int usage_error(const struct backend *b, const struct be_cmdline *cl, const char *what,
                       const char *arg)
{
    fprintf(stderr, "%s: %s%s\n%s", b->name, what, arg, cl->usage);
    return 2;
}

static bool num_arg(const char *s, const struct be_number *n)
{
    char *end;
    unsigned long v;

    errno = 0;
    v = strtoul(s, &end, 10);
    if (errno || end == s || *end || v < n->min || v > n->max)
        return false;
    *n->out = (unsigned)v;
    return true;
}

/* The getopt table: the common options, then the driver's flags and numbers. */
static void build(const struct be_cmdline *cl, struct option *o)
{
    static const struct option common[] = {
        {"rundir", required_argument, NULL, O_RUNDIR},
        {"foreground", no_argument, NULL, O_FG},
        {"verbose", no_argument, NULL, O_VERB},
        {"help", no_argument, NULL, O_HELP},
    };
    unsigned k = 0;

    for (unsigned i = 0; i < sizeof(common) / sizeof(common[0]); i++)
        o[k++] = common[i];
    for (unsigned i = 0; cl->flags && cl->flags[i].name && k < MAX_OPTS - 1; i++)
        o[k++] = (struct option){cl->flags[i].name, no_argument, NULL, O_FLAG + (int)i};
    for (unsigned i = 0; cl->nums && cl->nums[i].name && k < MAX_OPTS - 1; i++)
        o[k++] = (struct option){cl->nums[i].name, required_argument, NULL, O_NUM + (int)i};
    o[k] = (struct option){NULL, 0, NULL, 0};
}

/* One option; -1: carry on, otherwise the exit status. */
static int take(struct backend *b, const struct be_cmdline *cl, int c, char **argv)
{
    char what[128];

    if (c >= O_NUM) {
        const struct be_number *n = &cl->nums[c - O_NUM];

        if (num_arg(optarg, n))
            return -1;
        snprintf(what, sizeof(what), "--%s must be %u to %u%s", n->name, n->min, n->max,
                 n->unit ? n->unit : "");
        return usage_error(b, cl, what, "");
    }
    if (c >= O_FLAG) {
        *cl->flags[c - O_FLAG].set = true;
        return -1;
    }
    switch (c) {
    case O_RUNDIR:
        b->rundir = optarg;
        return -1;
    case O_FG:
        b->foreground = true;
        return -1;
    case O_VERB:
        b->verbose = true;
        return -1;
    case O_HELP:
    case 'h':
        printf("%s%s", cl->usage, cl->help);
        return 0;
    default:
        return usage_error(b, cl, "unknown option or missing argument: ", argv[optind - 1]);
    }
}

int be_parse_args(struct backend *b, const struct be_cmdline *cl, int argc, char **argv)
{
    struct option opts[MAX_OPTS];
    int c, rc;

    build(cl, opts);
    opterr = 0;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1)
        if ((rc = take(b, cl, c, argv)) >= 0)
            return rc;
    if (optind < argc)
        return usage_error(b, cl, "unexpected argument: ", argv[optind]);
    return -1;
}
