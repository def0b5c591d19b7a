/* main.c: pvisord's command line, startup checks, signal handling and orderly shutdown. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pvisord.h"

static volatile sig_atomic_t g_stop;

static void on_term(int sig)
{
    (void)sig;
    g_stop = 1;
}

static void usage(FILE *f)
{
    fprintf(f,
            "Usage: pvisord [--rundir DIR] [--pidfile FILE] [--log FILE]\n"
            "\n"
            "pvisord is pvisor's hypervisor: it owns domains, their memory and vCPUs (one KVM\n"
            "VM per domain), serves Xen's hypercall ABI to guests and dom0 tools' requests on\n"
            "DIR/pvisord.sock (mode 0600). It runs in the foreground; `pvisor start` runs it in\n"
            "the background together with the other host daemons.\n"
            "\n"
            "Options:\n"
            "  --rundir DIR    run directory (default: $PVISOR_RUNDIR or /run/pvisor)\n"
            "  --pidfile FILE  write the process id to FILE\n"
            "  --log FILE      append the hypervisor log to FILE instead of stderr\n"
            "  --trace         log every hypercall (number, arguments, result) to the log\n"
            "  -h, --help      show this help\n"
            "\n"
            "Signals: SIGTERM/SIGINT destroy every domain and exit.\n"
            "Exit status: 0 after an orderly stop, 1 on a startup error (e.g. no /dev/kvm).\n");
}

static void destroy_cb(struct domain *d, void *arg)
{
    struct domain **list = arg;
    for (unsigned i = 0; i < PVISOR_MAX_DOMAINS; i++)
        if (!list[i]) {
            atomic_fetch_add(&d->refs, 1);
            list[i] = d;
            return;
        }
}

static void destroy_all(void)
{
    struct domain **list = calloc(PVISOR_MAX_DOMAINS, sizeof *list);
    if (!list)
        return;
    domain_foreach(destroy_cb, list);
    for (unsigned i = 0; i < PVISOR_MAX_DOMAINS && list[i]; i++) {
        domain_destroy(list[i]);
        domain_put(list[i]);
    }
    free(list);
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {{"rundir", required_argument, 0, 'r'},
                                         {"pidfile", required_argument, 0, 'p'},
                                         {"log", required_argument, 0, 'l'},
                                         {"trace", no_argument, 0, 't'},
                                         {"help", no_argument, 0, 'h'},
                                         {0, 0, 0, 0}};
    const char *rundir = getenv("PVISOR_RUNDIR"), *pidfile = NULL, *logfile = NULL;
    int c;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'r': rundir = optarg; break;
        case 'p': pidfile = optarg; break;
        case 'l': logfile = optarg; break;
        case 't': g_trace_hypercalls = true; break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 1;
        }
    }
    if (!rundir || !*rundir)
        rundir = "/run/pvisor";
    if (logfile && !freopen(logfile, "a", stderr)) {
        fprintf(stderr, "pvisord: cannot open log %s: %s\n", logfile, strerror(errno));
        return 1;
    }
    setvbuf(stderr, NULL, _IOLBF, 0);
    if (logbuf_init(&g_hvlog, 1 << 20) < 0)
        return 1;
    int r = sub_init();
    if (r == 0)
        r = domain_dom0_init();
    if (r < 0) {
        fprintf(stderr, "pvisord: cannot use /dev/kvm: %s\n%s", strerror(-r),
                r == -ENOENT ? "pvisord: load the kvm module (modprobe kvm_intel / kvm_amd) or "
                               "run on a host with virtualisation\n"
                             : r == -EACCES ? "pvisord: run as root or join the kvm group\n" : "");
        return 1;
    }
    if (mkdir(rundir, 0700) < 0 && errno != EEXIST) {
        fprintf(stderr, "pvisord: cannot create run directory %s: %s\n", rundir, strerror(errno));
        return 1;
    }
    char sock[512];
    snprintf(sock, sizeof sock, "%s/pvisord.sock", rundir);
    struct sigaction sa = {.sa_handler = on_term};
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    if (pidfile) {
        FILE *f = fopen(pidfile, "w");
        if (f) {
            fprintf(f, "%d\n", (int)getpid());
            fclose(f);
        }
    }
    hvlog("pvisord %s: Xen %d.%d ABI on %s, control socket %s", PVISOR_VERSION,
          PVISOR_XEN_MAJOR, PVISOR_XEN_MINOR, sub_name(), sock);
    r = ctl_serve(sock, &g_stop);
    if (r < 0) {
        fprintf(stderr, "pvisord: cannot listen on %s: %s\n", sock, strerror(-r));
        return 1;
    }
    hvlog("pvisord: stopping: destroying all domains");
    destroy_all();
    if (pidfile)
        unlink(pidfile);
    return 0;
}
