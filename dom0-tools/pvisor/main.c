/* main.c: `pvisor start|stop|status [--rundir DIR]`: runs pvisor's host daemons for one run
 * directory. */
#include <errno.h>
#include <getopt.h>
#include <glob.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <pvisor/pvctl.h>

#include "launcher.h"

static const char usage[] =
    "usage: pvisor start|stop|status [--rundir DIR]\n"
    "\n"
    "Runs pvisor's host stack for one run directory: pvisord (the hypervisor), then\n"
    "xenstored, xenconsoled, blkback and netback when they are built (daemons whose\n"
    "binary is missing next to pvisor are skipped, except pvisord).\n"
    "\n"
    "  start    start what is not running, in the background; wait until each answers\n"
    "           (10 s at most each). Stale pid files and sockets are cleaned up.\n"
    "  stop     SIGTERM in reverse order, SIGKILL after 10 s; pvisord destroys its\n"
    "           domains when it stops. Removes pid files and sockets.\n"
    "  status   one line per daemon; exit status 0 only if all built daemons run.\n"
    "\n"
    "  --rundir DIR   run directory (default: $PVISOR_RUNDIR, else /run/pvisor); created\n"
    "                 with mode 0700. Logs: DIR/NAME.log, pid files: DIR/NAME.pid.\n"
    "  -h, --help     this text\n"
    "\n"
    "Exit status: 0 success, 1 failure, 2 usage error.\n";

static void die(const char *msg, const char *arg)
{
    fprintf(stderr, "pvisor: %s%s%s\n", msg, arg ? ": " : "", arg ? arg : "");
    exit(1);
}

/* mkdir -p, the last component 0700. */
static int make_rundir(const char *dir)
{
    char tmp[PATH_MAX];

    if (strlen(dir) >= sizeof(tmp))
        return -ENAMETOOLONG;
    strcpy(tmp, dir);
    for (char *p = tmp + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(tmp, 0755) < 0 && errno != EEXIST)
            return -errno;
        *p = '/';
    }
    if (mkdir(tmp, 0700) < 0 && errno != EEXIST)
        return -errno;
    return 0;
}

static int cmd_start(const struct launch_ctx *x)
{
    for (unsigned i = 0; i < launch_ndaemons; i++) {
        int rc = daemon_start(x, &launch_daemons[i]);

        if (rc < 0) {
            fprintf(stderr, "pvisor: %s did not start; stopping what was started\n",
                    launch_daemons[i].name);
            while (i-- > 0)
                daemon_stop(x, &launch_daemons[i]);
            return 1;
        }
    }
    printf("pvisor: ready in %s (export PVISOR_RUNDIR=%s for xl)\n", x->rundir, x->rundir);
    return 0;
}

/* The configs xl kept for domains: they all died with pvisord. */
static void forget_xl_configs(const struct launch_ctx *x)
{
    char pattern[PATH_MAX];
    glob_t g;

    snprintf(pattern, sizeof(pattern), "%s/xl/domain-*.cfg", x->rundir);
    if (glob(pattern, 0, NULL, &g) != 0)
        return;
    for (size_t i = 0; i < g.gl_pathc; i++)
        unlink(g.gl_pathv[i]);
    globfree(&g);
}

static int cmd_stop(const struct launch_ctx *x)
{
    int failed = 0, running = 0;

    for (unsigned i = launch_ndaemons; i-- > 0;) {
        running += daemon_running(x, &launch_daemons[i]) > 0;
        failed |= daemon_stop(x, &launch_daemons[i]) < 0;
    }
    forget_xl_configs(x);
    if (!running)
        printf("pvisor: nothing was running in %s\n", x->rundir);
    return failed;
}

static int cmd_status(const struct launch_ctx *x)
{
    int missing = 0;
    char bin[PATH_MAX];

    for (unsigned i = 0; i < launch_ndaemons; i++) {
        const struct daemon *d = &launch_daemons[i];
        pid_t pid = daemon_running(x, d);

        if (pid > 0) {
            printf("%-12s running (pid %d)\n", d->name, (int)pid);
        } else if (!daemon_installed(x, d, bin, sizeof(bin)) && !d->required) {
            printf("%-12s not built (%s)\n", d->name, bin);
        } else {
            printf("%-12s stopped\n", d->name);
            missing++;
        }
    }
    return missing ? 1 : 0;
}

/* The directory of the running executable: the daemons are installed next to it. */
static char *own_dir(void)
{
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    char *slash;

    if (n <= 0)
        return NULL;
    exe[n] = '\0';
    slash = strrchr(exe, '/');
    if (slash)
        *slash = '\0';
    return strdup(exe);
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {{"rundir", required_argument, NULL, 'r'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    const char *rundir = NULL, *cmd;
    struct launch_ctx x;
    char abs[PATH_MAX];
    int opt;

    while ((opt = getopt_long(argc, argv, "hr:", opts, NULL)) != -1) {
        if (opt == 'h') {
            fputs(usage, stdout);
            return 0;
        }
        if (opt != 'r') {
            fputs(usage, stderr);
            return 2;
        }
        rundir = optarg;
    }
    if (argc - optind != 1) {
        fprintf(stderr, "pvisor: %s\n%s",
                optind < argc ? "one command at a time" : "which command?", usage);
        return 2;
    }
    cmd = argv[optind];
    rundir = pvctl_rundir(rundir);
    if (strcmp(cmd, "start") == 0 && make_rundir(rundir) < 0)
        die("cannot create the run directory", rundir);
    if (!realpath(rundir, abs)) {
        if (strcmp(cmd, "start") == 0)
            die("cannot use the run directory", rundir);
        snprintf(abs, sizeof(abs), "%s", rundir); /* stop / status of nothing */
    }
    x.rundir = abs;
    x.bindir = own_dir();
    if (!x.bindir)
        die("cannot find my own binary (/proc/self/exe)", NULL);
    static const struct {
        const char *name;
        int (*fn)(const struct launch_ctx *x);
    } cmds[] = {{"start", cmd_start}, {"stop", cmd_stop}, {"status", cmd_status}};
    int rc = -1;

    for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]) && rc < 0; i++)
        if (strcmp(cmd, cmds[i].name) == 0)
            rc = cmds[i].fn(&x);
    free((char *)x.bindir);
    if (rc >= 0)
        return rc;
    fprintf(stderr, "pvisor: unknown command '%s'\n%s", cmd, usage);
    return 2;
}
