/* main.c: netback: options and start-up (the backend core runs the process). */
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

static const struct be_flag flags[] = {
    {"no-persistent", &N.o.no_persistent},
    {NULL, NULL},
};

static const struct be_number nums[] = {
    {"queue-bytes", NB_MAX_FRAME + 1, 1u << 30, &N.o.queue_bytes, NULL},
    {"max-persistent", 0, 1u << 20, &N.o.max_pgrants, " pages"},
    {NULL, 0, 0, NULL, NULL},
};

int main(int argc, char **argv)
{
    static const struct be_cmdline cl = {usage_text, help_text, flags, nums};
    int rc;

    N.o.queue_bytes = 256u * 1024;
    N.o.max_pgrants = 1024;
    rc = be_parse_args(&N.core, &cl, argc, argv);
    return rc >= 0 ? rc : be_main(&N.core);
}
