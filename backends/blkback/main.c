/* main.c: blkback: options and start-up (the backend core runs the process). */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "blkback.h"

struct blkback B = {.core = {.name = "blkback", .kind = "vbd", .ops = &vbd_ops}};

static const char usage_text[] =
    "usage: blkback [--rundir DIR] [--foreground] [--verbose] [--no-uring] [--no-direct]\n"
    "               [--no-persistent] [--max-ring-order N] [--max-indirect N]\n"
    "               [--max-persistent PAGES] [--no-sandbox] [--help]\n";

static const char help_text[] =
    "\n"
    "NAME\n"
    "    blkback - the block device backend of pvisor (Xen's blkif protocol)\n"
    "\n"
    "DESCRIPTION\n"
    "    One process serves every virtual block device (vbd) of every guest. The toolstack\n"
    "    (xl create, xl block-attach) describes each vbd in xenstore under\n"
    "    /local/domain/0/backend/vbd/DOMID/DEVID (params = image path, mode = r or w);\n"
    "    blkback opens the raw image or block device, publishes its size and features\n"
    "    (flush, discard, persistent grants, indirect segments, multi-page rings) and\n"
    "    waits for the guest's blkfront. Each connected ring gets a worker thread that\n"
    "    copies every request off the ring once, validates it (operation, segment count\n"
    "    and bounds, sector range, read-only disks, grant references) and runs its I/O\n"
    "    through io_uring (O_DIRECT when the file system allows it). Bad requests get an\n"
    "    error response and a log line; a frontend that overruns its ring is\n"
    "    disconnected; other guests are not affected.\n"
    "\n"
    "    A FLUSH_DISKCACHE is answered after fdatasync(2) of the image: acknowledged\n"
    "    writes before it are on stable storage. When blkback is restarted, it finds the\n"
    "    vbds again and asks each connected frontend to redo the handshake (backend state\n"
    "    InitWait); frontends reissue their unfinished requests.\n"
    "\n"
    "OPTIONS\n"
    "    --rundir DIR          run directory (default: $PVISOR_RUNDIR, else /run/pvisor)\n"
    "    --foreground          stay in the foreground, log to stderr (`pvisor start` uses\n"
    "                          this); otherwise detach once ready, log to DIR/blkback.log\n"
    "    --verbose             log every connection step\n"
    "    --no-uring            use synchronous preadv/pwritev instead of io_uring\n"
    "    --no-direct           never open images with O_DIRECT\n"
    "    --no-persistent       do not offer persistent grants (every request is served by\n"
    "                          grant copy)\n"
    "    --max-ring-order N    largest ring offered: 2^N pages (0-4, default 4)\n"
    "    --max-indirect N      segments per indirect request (0 = no indirect requests;\n"
    "                          at most 256, the default)\n"
    "    --max-persistent PAGES  grant pages kept mapped per vbd (default 4096); beyond\n"
    "                          that, requests are served by grant copy\n"
    "    --no-sandbox          keep every capability and no seccomp filter (debugging;\n"
    "                          PVISOR_NO_SANDBOX=1 does the same, see docs/security.md)\n"
    "    --help                this text\n"
    "\n"
    "FILES\n"
    "    RUNDIR/blkback.sock   control socket: send \"stats\" for one line per vbd (state and\n"
    "                          counters), ending with \"end\"\n"
    "\n"
    "EXIT STATUS\n"
    "    0 after SIGTERM/SIGINT, 1 if it cannot start, 2 usage error.\n";

/* ---- options --------------------------------------------------------------------------------- */

static int usage_error(const char *what, const char *arg)
{
    fprintf(stderr, "blkback: %s%s\n%s", what, arg, usage_text);
    return 2;
}

static bool num_arg(const char *s, unsigned max, unsigned *out)
{
    char *end;
    unsigned long v;

    errno = 0;
    v = strtoul(s, &end, 10);
    if (errno || end == s || *end || v > max)
        return false;
    *out = (unsigned)v;
    return true;
}

/* -1: carry on; otherwise the exit status. */
static int parse_args(int argc, char **argv)
{
    enum {
        O_RUNDIR = 1,
        O_FG,
        O_VERB,
        O_NOURING,
        O_NODIRECT,
        O_NOPERS,
        O_ORDER,
        O_INDIR,
        O_PERS,
        O_NOSANDBOX,
        O_HELP
    };
    static const struct option opts[] = {
        {"rundir", required_argument, NULL, O_RUNDIR},
        {"foreground", no_argument, NULL, O_FG},
        {"verbose", no_argument, NULL, O_VERB},
        {"no-uring", no_argument, NULL, O_NOURING},
        {"no-direct", no_argument, NULL, O_NODIRECT},
        {"no-persistent", no_argument, NULL, O_NOPERS},
        {"max-ring-order", required_argument, NULL, O_ORDER},
        {"max-indirect", required_argument, NULL, O_INDIR},
        {"max-persistent", required_argument, NULL, O_PERS},
        {"no-sandbox", no_argument, NULL, O_NOSANDBOX},
        {"help", no_argument, NULL, O_HELP},
        {NULL, 0, NULL, 0},
    };
    static const struct {
        unsigned max;
        const char *what;
    } nums[] = {[O_ORDER] = {BLK_MAX_RING_ORDER, "--max-ring-order must be 0 to 4"},
                [O_INDIR] = {BLK_MAX_INDIRECT_SEGS, "--max-indirect must be 0 to 256"},
                [O_PERS] = {1u << 20, "--max-persistent must be 0 to 1048576 pages"}};
    unsigned *num_of[] = {[O_ORDER] = &B.o.max_ring_order,
                          [O_INDIR] = &B.o.max_indirect,
                          [O_PERS] = &B.o.max_pgrants};
    int c;

    B.o.max_ring_order = BLK_MAX_RING_ORDER;
    B.o.max_indirect = BLK_MAX_INDIRECT_SEGS;
    B.o.max_pgrants = 4096;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case O_RUNDIR:
            B.core.rundir = optarg;
            break;
        case O_FG:
            B.core.foreground = true;
            break;
        case O_VERB:
            B.core.verbose = true;
            break;
        case O_NOURING:
            B.o.no_uring = true;
            break;
        case O_NODIRECT:
            B.o.no_direct = true;
            break;
        case O_NOPERS:
            B.o.no_persistent = true;
            break;
        case O_NOSANDBOX:
            B.o.no_sandbox = true;
            break;
        case O_ORDER:
        case O_INDIR:
        case O_PERS:
            if (!num_arg(optarg, nums[c].max, num_of[c]))
                return usage_error(nums[c].what, "");
            break;
        case O_HELP:
        case 'h':
            printf("%s%s", usage_text, help_text);
            return 0;
        default:
            return usage_error("unknown option or missing argument: ", argv[optind - 1]);
        }
    }
    if (optind < argc)
        return usage_error("unexpected argument: ", argv[optind]);
    return -1;
}

int main(int argc, char **argv)
{
    int rc = parse_args(argc, argv);

    return rc >= 0 ? rc : be_main(&B.core);
}
