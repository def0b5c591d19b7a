/* main.c: netback: options and start-up (the backend core runs the process). */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "netback.h"

struct netback N = {.core = {.name = "netback", .kind = "vif", .ops = &vif_ops}};

static const char usage_text[] =
    "usage: netback [--rundir DIR] [--foreground] [--verbose] [--no-persistent]\n"
    "               [--queue-bytes N] [--max-persistent PAGES] [--help]\n";

static const char help_text[] =
    "\n"
    "NAME\n"
    "    netback - the network backend of pvisor (Xen's netif protocol)\n"
    "\n"
    "DESCRIPTION\n"
    "    One process serves every virtual network interface (vif) of every guest. The\n"
    "    toolstack (xl create, xl network-attach) describes each vif in xenstore under\n"
    "    /local/domain/0/backend/vif/DOMID/DEVID (mac, bridge, type, mtu, vifname);\n"
    "    netback publishes its features (scatter-gather, rx-copy, persistent grants) and\n"
    "    waits for the guest's netfront.\n"
    "\n"
    "    vifs with the same bridge name are joined by a switch inside netback (MAC\n"
    "    learning, flooding of broadcast and unknown destinations); no host configuration\n"
    "    is needed. When the host has a Linux bridge of that name, or the vif has\n"
    "    type=tap, the vif is a host TAP device instead (named vifDOMID.DEVID or vifname),\n"
    "    joined to the host bridge when there is one. TAP devices need CAP_NET_ADMIN.\n"
    "\n"
    "    One data thread moves every packet. Each tx request is copied off the ring once\n"
    "    and validated (slot count, sizes, page bounds, grant references, frame length\n"
    "    against the MTU); bad packets are answered with an error, counted and logged. A\n"
    "    frontend that overruns a ring is disconnected. Frames for a guest wait in a\n"
    "    queue bounded in bytes: a guest that never reads loses frames, netback does not\n"
    "    grow. No vif can starve another (each gets a budget per round).\n"
    "\n"
    "OPTIONS\n"
    "    --rundir DIR          run directory (default: $PVISOR_RUNDIR, else /run/pvisor)\n"
    "    --foreground          stay in the foreground, log to stderr (`pvisor start` uses\n"
    "                          this); otherwise detach once ready, log to DIR/netback.log\n"
    "    --verbose             log every connection step\n"
    "    --no-persistent       never keep guest pages mapped (every packet by grant copy)\n"
    "    --queue-bytes N       receive queue bound per vif in bytes (default 262144,\n"
    "                          at least 65536)\n"
    "    --max-persistent PAGES  grant pages kept mapped per vif (default 1024); beyond\n"
    "                          that, packets are moved by grant copy\n"
    "    --help                this text\n"
    "\n"
    "FILES\n"
    "    RUNDIR/netback.sock   control socket: send \"stats\" for one line per vif (state,\n"
    "                          MAC, bridge and counters), ending with \"end\"\n"
    "\n"
    "EXIT STATUS\n"
    "    0 after SIGTERM/SIGINT, 1 if it cannot start, 2 usage error.\n";

static int usage_error(const char *what, const char *arg)
{
    fprintf(stderr, "netback: %s%s\n%s", what, arg, usage_text);
    return 2;
}

static bool num_arg(const char *s, unsigned min, unsigned max, unsigned *out)
{
    char *end;
    unsigned long v;

    errno = 0;
    v = strtoul(s, &end, 10);
    if (errno || end == s || *end || v < min || v > max)
        return false;
    *out = (unsigned)v;
    return true;
}

/* -1: carry on; otherwise the exit status. */
static int parse_args(int argc, char **argv)
{
    enum { O_RUNDIR = 1, O_FG, O_VERB, O_NOPERS, O_QBYTES, O_PERS, O_HELP };
    static const struct option opts[] = {
        {"rundir", required_argument, NULL, O_RUNDIR},
        {"foreground", no_argument, NULL, O_FG},
        {"verbose", no_argument, NULL, O_VERB},
        {"no-persistent", no_argument, NULL, O_NOPERS},
        {"queue-bytes", required_argument, NULL, O_QBYTES},
        {"max-persistent", required_argument, NULL, O_PERS},
        {"help", no_argument, NULL, O_HELP},
        {NULL, 0, NULL, 0},
    };
    int c;

    N.o.queue_bytes = 256u * 1024;
    N.o.max_pgrants = 1024;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case O_RUNDIR:
            N.core.rundir = optarg;
            break;
        case O_FG:
            N.core.foreground = true;
            break;
        case O_VERB:
            N.core.verbose = true;
            break;
        case O_NOPERS:
            N.o.no_persistent = true;
            break;
        case O_QBYTES:
            if (!num_arg(optarg, NB_MAX_FRAME + 1, 1u << 30, &N.o.queue_bytes))
                return usage_error("--queue-bytes must be 65536 to 1073741824", "");
            break;
        case O_PERS:
            if (!num_arg(optarg, 0, 1u << 20, &N.o.max_pgrants))
                return usage_error("--max-persistent must be 0 to 1048576 pages", "");
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

    return rc >= 0 ? rc : be_main(&N.core);
}
