/* main.c: blkback: options and start-up (the backend core runs the process). */
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

static const struct be_flag flags[] = {
    {"no-uring", &B.o.no_uring},
    {"no-direct", &B.o.no_direct},
    {"no-persistent", &B.o.no_persistent},
    {"no-sandbox", &B.o.no_sandbox},
    {NULL, NULL},
};

static const struct be_number nums[] = {
    {"max-ring-order", 0, BLK_MAX_RING_ORDER, &B.o.max_ring_order, NULL},
    {"max-indirect", 0, BLK_MAX_INDIRECT_SEGS, &B.o.max_indirect, NULL},
    {"max-persistent", 0, 1u << 20, &B.o.max_pgrants, " pages"},
    {NULL, 0, 0, NULL, NULL},
};

int main(int argc, char **argv)
{
    static const struct be_cmdline cl = {usage_text, help_text, flags, nums};
    int rc;

    B.o.max_ring_order = BLK_MAX_RING_ORDER;
    B.o.max_indirect = BLK_MAX_INDIRECT_SEGS;
    B.o.max_pgrants = 4096;
    rc = be_parse_args(&B.core, &cl, argc, argv);
    return rc >= 0 ? rc : be_main(&B.core);
}
