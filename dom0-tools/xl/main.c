/* main.c: xl's entry point: the command table, help texts and shared option parsing. */
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xl.h"

static int cmd_help(int argc, char **argv);

static const struct xl_cmd commands[] = {
    {"create", xl_cmd_create, "[-c] [-p] [-q] [-n] [-e] [-f CONFIG] CONFIG [KEY=VALUE ...]",
     "build a domain from an xl.cfg file and start it",
     "Reads CONFIG (xl.cfg syntax, see docs/xl.md), applies each KEY=VALUE given after it\n"
     "(same syntax: memory=64 'name=\"web2\"'), builds the domain and starts it. A\n"
     "relative kernel path is looked up next to CONFIG first, then in the current\n"
     "directory. Without -c, a detached monitor (log: $PVISOR_RUNDIR/xl-NAME.log) applies\n"
     "on_poweroff/on_reboot/on_crash when the guest shuts down, and xl returns once the\n"
     "domain runs.\n"
     "\n"
     "  -c   attach to the console (as `xl console` does): show the guest's output and\n"
     "       pass typed input to it until it shuts down, applying the on_* policies here.\n"
     "       Exit status 0 when the guest powers off, 1 when it crashes. Ctrl-] detaches\n"
     "       (the domain keeps running under a monitor).\n"
     "  -p   leave the domain paused after building it (`xl unpause` starts it)\n"
     "  -q   quiet: no progress messages\n"
     "  -n   dry run: parse and check the configuration, print it as JSON, build nothing\n"
     "  -e   start no monitor: nothing applies the on_* policies when the guest shuts down\n"
     "  -f CONFIG  the config file, given as an option\n"},
    {"list", xl_cmd_list, "[-l] [DOMAIN ...]", "list domains",
     "Lists Domain-0 and every domain (or the DOMAINs given, by name or id) with Xen's\n"
     "columns: name, id, memory (MiB), online vCPUs, state and CPU time in seconds.\n"
     "State letters: r running, b blocked, p paused, s shut down, c crashed, d dying.\n"
     "\n"
     "  -l   long: a JSON array with each domain's id and configuration\n"},
    {"destroy", xl_cmd_destroy, "DOMAIN", "terminate a domain at once",
     "Stops DOMAIN immediately and frees everything it holds. The guest gets no chance\n"
     "to shut down cleanly: prefer `xl shutdown`.\n"},
    {"shutdown", xl_cmd_shutdown, "[-w] [-F] DOMAIN", "ask a domain to power off",
     "Asks DOMAIN to power off: writes \"poweroff\" to its control/shutdown node in\n"
     "xenstore; the guest acknowledges and shuts down with reason poweroff, and\n"
     "on_poweroff then applies (default: destroy). Without -w, xl returns at once.\n"
     "\n"
     "  -w   wait (up to 60 s) until the domain has finished shutting down\n"
     "  -F   fall back to the hypervisor's shutdown when the guest has no PV control\n"
     "       path (no xenstored, not introduced) or does not acknowledge within 10 s\n"},
    {"reboot", xl_cmd_reboot, "[-w] [-F] DOMAIN", "ask a domain to reboot",
     "Asks DOMAIN to reboot (\"reboot\" in control/shutdown); once it shuts down with\n"
     "reason reboot, on_reboot applies (default: restart, i.e. the domain is built\n"
     "again from its configuration under a new id).\n"
     "\n"
     "  -w   wait (up to 60 s) until the old domain is gone\n"
     "  -F   as for shutdown\n"},
    {"pause", xl_cmd_pause, "DOMAIN", "pause a domain",
     "Stops scheduling DOMAIN's vCPUs. Its memory and state stay; `xl unpause` resumes.\n"},
    {"unpause", xl_cmd_unpause, "DOMAIN", "unpause a domain",
     "Resumes a domain paused by `xl pause` or created with `xl create -p`.\n"},
    {"console", xl_cmd_console, "[-e CHAR] [-t pv] [-n 0] DOMAIN", "attach to a domain's console",
     "Attaches to DOMAIN's PV console through xenconsoled: the guest's output since it\n"
     "booted (as far as xenconsoled kept it) and everything after it go to stdout, what\n"
     "you type goes to the guest. On a terminal, the terminal is raw (Ctrl-C goes to the\n"
     "guest) and the escape character detaches, leaving the domain running; the terminal\n"
     "is restored. When stdin is not a terminal, it is copied to the guest until it ends\n"
     "and the output keeps flowing. xl console ends when the domain is gone.\n"
     "Without xenconsoled (or when it disconnected this console) xl follows the domain's\n"
     "console_io log instead, output only, and says so.\n"
     "\n"
     "  -e CHAR  escape character: ^X notation, one character or a number (default ^])\n"
     "  -t, -n   console type and number: only the first PV console exists\n"},
    {"dmesg", xl_cmd_dmesg, "[-c]", "show the hypervisor's log",
     "Prints pvisord's log: its own messages, domain events, crash reports and every\n"
     "guest's console lines prefixed with (dID).\n"
     "\n"
     "  -c   clear: after printing, later `xl dmesg` calls start after what was shown\n"},
    {"info", xl_cmd_info, "", "show information about the host and hypervisor",
     "Prints Xen's `xl info` fields that pvisor can fill: host, release, machine,\n"
     "nr_cpus, total_memory, free_memory, xen_major/minor/extra, xen_caps, ...\n"},
    {"vcpu-list", xl_cmd_vcpu_list, "[DOMAIN ...]", "list the vCPUs of domains",
     "One line per vCPU: domain name and id, vCPU number, host CPU it last ran on,\n"
     "state (r running, b blocked, p offline) and CPU time in seconds.\n"},
    {"block-attach", xl_cmd_block_attach, "DOMAIN DISKSPEC...",
     "attach a virtual disk to a running domain",
     "Adds a disk to DOMAIN while it runs. DISKSPEC has the syntax of one entry of xl.cfg's\n"
     "disk list (Xen's xl-disk-configuration); several arguments are joined with commas:\n"
     "  xl block-attach web1 'format=raw, vdev=xvdb, access=rw, target=/images/data.img'\n"
     "  xl block-attach web1 /images/data.img,raw,xvdb,rw\n"
     "The target must be a raw image file or a block device. xl writes the backend\n"
     "(/local/domain/0/backend/vbd/ID/DEV) and frontend (/local/domain/ID/device/vbd/DEV)\n"
     "nodes in one transaction and waits up to 10 s until blkback has opened the target\n"
     "(backend state InitWait); if blkback reports an error or does not answer, the nodes\n"
     "are removed again and xl says why. The guest's frontend connects by itself. A vdev\n"
     "already in use is refused. Needs xenstored and blkback (`pvisor start`).\n"},
    {"block-detach", xl_cmd_block_detach, "[-f] DOMAIN VDEV", "detach a virtual disk from a domain",
     "Removes DOMAIN's disk VDEV (its name, e.g. xvdb, or its number, e.g. 51728, as\n"
     "`xl block-list` shows). As in Xen, xl sets the backend's online to 0 and its state\n"
     "to Closing (5); the guest's frontend then closes and blkback reaches Closed (6),\n"
     "after which xl removes the frontend and backend nodes. xl waits up to 10 s for that;\n"
     "a disk whose frontend never connected (or of a domain that has shut down) is\n"
     "removed at once.\n"
     "\n"
     "  -f   force: remove the nodes at once, without waiting for the guest\n"},
    {"block-list", xl_cmd_block_list, "DOMAIN...", "list the virtual disks of domains",
     "One line per disk of each DOMAIN, from xenstore, as Xen prints them: Vdev (the\n"
     "device number), BE (backend domain), handle (the domain id), state (the frontend's\n"
     "xenbus state: 1 Initialising, 2 InitWait, 3 Initialised, 4 Connected, 5 Closing,\n"
     "6 Closed), evt-ch and ring-ref (what the frontend published; -1 when not yet) and\n"
     "BE-path (the backend's xenstore directory).\n"},
    {"network-attach", xl_cmd_network_attach, "DOMAIN [VIFSPEC...]",
     "attach a network interface (vif) to a running domain",
     "Adds a vif to DOMAIN while it runs. VIFSPEC has the syntax of one entry of xl.cfg's\n"
     "vif list (Xen's xl-network-configuration: mac=, bridge=, type=vif|tap, vifname=,\n"
     "mtu=, ip=, devid=); several arguments are joined with commas, and none means every\n"
     "default (a random 00:16:3e MAC on bridge xenbr0):\n"
     "  xl network-attach web1 mac=00:16:3e:01:02:03 bridge=xenbr0\n"
     "  xl network-attach web1 'type=tap,vifname=web1-eth1'\n"
     "The vif gets the lowest free devid unless devid= names one; a devid or MAC the domain\n"
     "already has is refused. xl writes the backend (/local/domain/0/backend/vif/ID/DEVID)\n"
     "and frontend (/local/domain/ID/device/vif/DEVID) nodes in one transaction and waits up\n"
     "to 10 s until netback has set the vif up (hotplug-status connected); if netback\n"
     "reports an error (hotplug-error) or does not answer, the nodes are removed again and\n"
     "xl says why. The guest's netfront connects by itself. The vif is added to the config\n"
     "kept for the domain (`xl list -l`, restarts). Needs xenstored and netback\n"
     "(`pvisor start`).\n"},
    {"network-detach", xl_cmd_network_detach, "[-f] DOMAIN DEVID|MAC",
     "detach a network interface from a domain",
     "Removes DOMAIN's vif, named by its devid (the Idx of `xl network-list`) or its MAC\n"
     "address. As in Xen, xl sets the backend's online to 0 and its state to Closing (5);\n"
     "the guest's netfront then closes and netback unplugs the vif and reaches Closed (6),\n"
     "after which xl removes the frontend and backend nodes. xl waits up to 10 s for that;\n"
     "a vif whose frontend never connected (or of a domain that has shut down) is removed\n"
     "at once. On timeout nothing is removed and xl names the -f command.\n"
     "\n"
     "  -f   force: remove the nodes at once, without waiting for the guest\n"},
    {"network-list", xl_cmd_network_list, "DOMAIN...", "list the network interfaces of domains",
     "One line per vif of each DOMAIN, from xenstore, as Xen prints them: Idx (the devid),\n"
     "BE (backend domain), Mac Addr., handle, state (the frontend's xenbus state: 1\n"
     "Initialising, 2 InitWait, 3 Initialised, 4 Connected, 5 Closing, 6 Closed), evt-ch\n"
     "and tx-/rx-ring-ref (what the frontend published; -1 when not yet) and BE-path (the\n"
     "backend's xenstore directory).\n"},
    {"help", cmd_help, "[COMMAND]", "show the commands, or the help for one",
     "Without COMMAND lists every command; with it prints that command's help.\n"},
};

#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

static const struct xl_cmd *current;

static const struct xl_cmd *find_cmd(const char *name)
{
    for (size_t i = 0; i < NCOMMANDS; i++)
        if (strcmp(commands[i].name, name) == 0)
            return &commands[i];
    return NULL;
}

static void print_cmd_help(const struct xl_cmd *c, FILE *f)
{
    fprintf(f, "NAME\n    xl %s - %s\n\nSYNOPSIS\n    xl %s %s\n\nDESCRIPTION\n", c->name,
            c->summary, c->name, c->usage);
    for (const char *p = c->help; *p;) {
        const char *nl = strchr(p, '\n');
        int n = nl ? (int)(nl - p) : (int)strlen(p);

        fprintf(f, "%s%.*s\n", n ? "    " : "", n, p);
        p += n + (nl ? 1 : 0);
    }
    fprintf(f, "\nEnvironment: PVISOR_RUNDIR (default /run/pvisor) selects the pvisord "
               "instance.\n");
}

static void print_overview(FILE *f)
{
    fprintf(f, "usage: xl COMMAND [OPTIONS] [ARGS]\n\nCommands:\n");
    for (size_t i = 0; i < NCOMMANDS; i++)
        fprintf(f, "  %-15s %s\n", commands[i].name, commands[i].summary);
    fprintf(f, "\n`xl help COMMAND` or `xl COMMAND --help` describes a command. DOMAIN is a "
               "name or an id.\nEnvironment: PVISOR_RUNDIR (default /run/pvisor). "
               "Exit status: 0 ok, 1 failed, 2 usage error.\n");
}

static int cmd_help(int argc, char **argv)
{
    const struct xl_cmd *c;
    int opt;

    while ((opt = xl_getopt(argc, argv, "")) != -1)
        return opt == XL_OPT_HELP ? XL_OK : XL_USAGE;
    if (optind >= argc) {
        print_overview(stdout);
        return XL_OK;
    }
    c = find_cmd(argv[optind]);
    if (!c)
        return xl_usage_error("no command '%s' (`xl help` lists them)", argv[optind]);
    print_cmd_help(c, stdout);
    return XL_OK;
}

int xl_usage_error(const char *fmt, ...)
{
    va_list ap;

    fprintf(stderr, "xl %s: ", current->name);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\nusage: xl %s %s\n", current->name, current->usage);
    return XL_USAGE;
}

int xl_getopt(int argc, char **argv, const char *opts)
{
    static const struct option longopts[] = {{"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
    char spec[32];
    int opt;

    snprintf(spec, sizeof(spec), ":h%s", opts);
    opt = getopt_long(argc, argv, spec, longopts, NULL);
    if (opt == 'h') {
        print_cmd_help(current, stdout);
        return XL_OPT_HELP;
    }
    if (opt == '?') {
        if (optopt)
            xl_usage_error("unknown option -%c", optopt);
        else
            xl_usage_error("unknown option %s", argv[optind - 1]);
        return XL_OPT_BAD;
    }
    if (opt == ':') {
        xl_usage_error("option -%c needs a value", optopt);
        return XL_OPT_BAD;
    }
    return opt;
}

int main(int argc, char **argv)
{
    const char *name = argc > 1 ? argv[1] : NULL;

    if (!name) {
        print_overview(stderr);
        return XL_USAGE;
    }
    if (strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0) {
        print_overview(stdout);
        return XL_OK;
    }
    current = find_cmd(name);
    if (!current) {
        fprintf(stderr, "xl: unknown command '%s' (`xl help` lists the commands)\n", name);
        return XL_USAGE;
    }
    optind = 1;
    opterr = 0;
    return current->fn(argc - 1, argv + 1);
}
