/* xl_monitor.c: building a domain and following it: console streaming, on_* policies, the detached
 * monitor. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <pvisor/daemon.h>
#include <pvisor/dombuild.h>

#include "xl.h"

#define RESTART_LIMIT     10    /* restarts allowed ... */
#define RESTART_WINDOW_MS 60000 /* ... within this window */
#define MONITOR_WAIT_MS   10000
#define POLL_MIN_MS       10
#define POLL_MAX_MS       50
#define REPORT_TAIL       16384

enum { FOLLOW_ON = -1 }; /* handle_shutdown(): the domain was restarted, keep going */

static bool detach_requested; /* Ctrl-] on the terminal */

int xl_build(struct pvctl *c, struct xl_running *r)
{
    const struct xlcfg *cfg = r->cfg;
    struct dombuild_params p = {
        .name = cfg->name,
        .kernel_path = cfg->kernel,
        .cmdline = cfg->cmdline,
        .mem_kb = cfg->memory_mb * 1024,
        .max_mem_kb = cfg->maxmem_mb * 1024,
        .vcpus = cfg->maxvcpus,
        .type = cfg->type,
    };
    struct dombuild_result res;
    char err[512] = "";
    int rc;

    memcpy(p.uuid, cfg->uuid, sizeof(p.uuid));
    rc = xl_disks_check(r->cfg);
    if (rc == 0)
        rc = xl_vifs_check(c, cfg);
    if (rc == 0)
        rc = xl_vifs_pick_macs(r->cfg);
    if (rc < 0)
        return rc;
    rc = dombuild_create(c, &p, &res, err, sizeof(err));
    if (rc == -EEXIST) {
        xl_err("domain name '%s' is already in use (pick another name or `xl destroy %s`)",
               cfg->name, cfg->name);
        return rc;
    }
    if (rc < 0) {
        xl_err("cannot build domain '%s': %s", cfg->name, err[0] ? err : pvctl_strerror(rc));
        return rc;
    }
    r->domid = res.domid;
    rc = xl_xs_setup(c, cfg, &res);
    if (rc == 0)
        rc = xl_vifs_wait(c, cfg, r->domid); /* netback's set-up, before the guest runs */
    if (rc < 0) {
        pvctl_domain_destroy(c, r->domid);
        xl_xs_release(c, r->domid);
        return rc;
    }
    rc = xl_save_cfg(c, r->domid, cfg);
    if (rc < 0)
        xl_err("warning: cannot keep the config of domain %u: %s", r->domid, strerror(-rc));
    return 0;
}

/* ---- crash reports and actions ------------------------------------------------------- */

/* Prints the last crash report ("*** domain ..." and its indented lines) of the log. */
static void print_crash_report(struct pvctl *c, uint32_t domid, FILE *f)
{
    static char buf[REPORT_TAIL + 1];
    uint64_t off = 0, next = 0, kept = 0;
    uint32_t len = 0;
    char *at, *p;

    while (pvctl_domain_log_read(c, domid, off, buf + kept, (uint32_t)(REPORT_TAIL - kept), &len,
                                 &next, NULL) == 0 &&
           len) {
        kept += len;
        off = next;
        if (kept == REPORT_TAIL) { /* keep the newest half and read on */
            memmove(buf, buf + REPORT_TAIL / 2, REPORT_TAIL / 2);
            kept = REPORT_TAIL / 2;
        }
    }
    buf[kept] = '\0';
    for (at = NULL, p = buf; (p = strstr(p, "*** domain")) != NULL; p++)
        at = p;
    for (p = at; p && *p && (p == at || strncmp(p, "    ", 4) == 0);) {
        char *nl = strchr(p, '\n');
        int n = nl ? (int)(nl - p) : (int)strlen(p);

        fprintf(f, "%.*s\n", n, p);
        p += n + (nl ? 1 : 0);
    }
}

static enum xlcfg_action action_for(const struct xlcfg *cfg, unsigned reason, const char **key)
{
    switch (reason) {
    case XL_SHUTDOWN_POWEROFF:
        *key = "on_poweroff";
        return cfg->on_poweroff;
    case XL_SHUTDOWN_REBOOT:
    case XL_SHUTDOWN_SOFT_RESET:
        *key = "on_reboot";
        return cfg->on_reboot;
    case XL_SHUTDOWN_SUSPEND:
        *key = "suspend";
        return XLCFG_PRESERVE;
    case XL_SHUTDOWN_WATCHDOG:
        *key = "on_watchdog";
        return cfg->on_watchdog;
    default:
        *key = "on_crash";
        return cfg->on_crash;
    }
}

/* Rate limit: false when RESTART_LIMIT restarts already happened inside the window. */
static bool may_restart(struct xl_running *r)
{
    uint64_t now = xl_now_ms();
    unsigned slot = r->nrestarts % RESTART_LIMIT;

    if (r->nrestarts >= RESTART_LIMIT && now - r->restarts[slot] < RESTART_WINDOW_MS)
        return false;
    r->restarts[slot] = now;
    r->nrestarts++;
    return true;
}

static int restart(struct pvctl *c, struct xl_running *r)
{
    uint32_t old = r->domid;
    int rc;

    bool again = may_restart(r);

    rc = pvctl_domain_destroy(c, old);
    if (rc < 0 && rc != -ESRCH) {
        xl_err("cannot destroy domain %u to restart it: %s", old, pvctl_strerror(rc));
        return XL_FAIL;
    }
    xl_devices_refresh(c, r, old); /* devices attached or detached while it ran */
    xl_forget_cfg(c, old);
    if (!again) {
        xl_err("domain '%s' restarted %d times within %d s: destroyed, not restarted again "
               "(see `xl dmesg`)",
               r->cfg->name, RESTART_LIMIT, RESTART_WINDOW_MS / 1000);
        return XL_FAIL;
    }
    if (xl_build(c, r) < 0)
        return XL_FAIL;
    rc = pvctl_domain_unpause(c, r->domid);
    if (rc < 0) {
        xl_err("cannot start domain %u: %s", r->domid, pvctl_strerror(rc));
        return XL_FAIL;
    }
    if (!r->quiet)
        xl_err("domain '%s' restarted as domain %u", r->cfg->name, r->domid);
    return FOLLOW_ON;
}

/* The domain shut down: say so, apply the policy. Returns FOLLOW_ON or an exit status. */
static int handle_shutdown(struct pvctl *c, struct xl_running *r, const struct pvctl_dominfo *info)
{
    unsigned reason = xl_shutdown_reason(info);
    bool bad = reason == XL_SHUTDOWN_CRASH || reason == XL_SHUTDOWN_WATCHDOG ||
               reason > XL_SHUTDOWN_SOFT_RESET;
    const char *key;
    enum xlcfg_action act = action_for(r->cfg, reason, &key);
    int rc;

    if (bad && (!r->console || r->console_pty)) /* the pty does not carry pvisord's report */
        print_crash_report(c, r->domid, stderr);
    if (bad)
        xl_err("domain %s (%u) %s; see `xl dmesg`", r->cfg->name, r->domid,
               reason == XL_SHUTDOWN_CRASH ? "crashed" : "was stopped by its watchdog");
    else if (!r->quiet)
        xl_err("domain %s (%u) shut down (%s); %s=%s", r->cfg->name, r->domid,
               xl_reason_name(reason), key, xlcfg_action_name(act));
    if (act == XLCFG_RESTART)
        return restart(c, r);
    if (act == XLCFG_DESTROY) {
        rc = pvctl_domain_destroy(c, r->domid);
        if (rc < 0 && rc != -ESRCH)
            xl_err("cannot destroy domain %u: %s", r->domid, pvctl_strerror(rc));
        xl_forget_cfg(c, r->domid);
    }
    return bad ? XL_FAIL : XL_OK;
}

/* ---- following ----------------------------------------------------------------------- */

static int detach(struct pvctl *c, struct xl_running *r)
{
    bool sig = xl_interrupted() != 0;
    char log[4096];

    xl_tty_leave();
    snprintf(log, sizeof(log), "%s/xl-%s.log", pvctl_get_rundir(c), r->cfg->name);
    if (xl_spawn_monitor(c, r) < 0)
        xl_err("detached from domain %s (%u); no monitor could be started, so on_* "
               "policies will not apply",
               r->cfg->name, r->domid);
    else
        xl_err("detached from domain %s (%u); it keeps running (monitor log: %s)", r->cfg->name,
               r->domid, log);
    return sig ? 128 + SIGINT : XL_OK;
}

/* One wait: short in console mode (the log is polled), long for a monitor. */
static int wait_change(struct pvctl *c, struct xl_running *r, struct pvctl_dominfo *info,
                       unsigned *poll_ms, struct xl_stream *s)
{
    long n = 0;
    uint64_t t0 = xl_now_ms();
    int rc;

    if (r->console) {
        n = xl_stream_drain(c, s);
        if (n == -ENOTCONN) { /* xenconsoled closed the pty: the log is what is left */
            xl_stream_close(s);
            r->console_pty = false;
            n = 0;
        }
        if (n < 0)
            return (int)n;
        *poll_ms = n > 0 ? POLL_MIN_MS : (*poll_ms * 2 > POLL_MAX_MS ? POLL_MAX_MS : *poll_ms * 2);
    }
    rc = pvctl_domain_wait(c, r->domid, info->flags, r->console ? 0 : MONITOR_WAIT_MS, info);
    if (rc == 0 && r->console && !(info->flags & PVCTL_DOMF_SHUTDOWN) &&
        xl_stream_wait(c, s, *poll_ms, XL_DETACH_CHAR))
        detach_requested = true;
    if (rc == 0 && !r->console && xl_now_ms() - t0 < POLL_MAX_MS)
        xl_sleep_ms(POLL_MAX_MS); /* flags flicker between running and blocked */
    return rc;
}

/* Console mode: the domain's pty (raw terminal) or its log (see xl_stream_open). */
static void open_console(struct pvctl *c, struct xl_running *r, struct xl_stream *s)
{
    xl_stream_open(c, s, r->domid, r->quiet);
    r->console_pty = s->pty_fd >= 0;
    if (r->console_pty && !xl_tty_is_raw()) {
        xl_tty_leave();
        xl_tty_enter_raw();
    }
}

static int follow(struct pvctl *c, struct xl_running *r, struct xl_stream *s)
{
    struct pvctl_dominfo info = {0};
    unsigned poll_ms = POLL_MIN_MS;
    int rc = pvctl_domain_getinfo(c, r->domid, &info);

    if (rc == 0 && r->console)
        open_console(c, r, s);
    while (rc == 0) {
        if (info.flags & PVCTL_DOMF_SHUTDOWN) {
            if (r->console)
                xl_stream_finish(c, s);
            rc = handle_shutdown(c, r, &info);
            if (rc != FOLLOW_ON)
                return rc;
            rc = pvctl_domain_getinfo(c, r->domid, &info);
            if (rc == 0 && r->console) {
                xl_stream_close(s);
                open_console(c, r, s);
            }
            continue;
        }
        if (r->console && (xl_interrupted() || detach_requested))
            return detach(c, r);
        rc = wait_change(c, r, &info, &poll_ms, s);
    }
    if (rc == -EPIPE && r->console) /* nobody reads the console any more */
        return detach(c, r);
    if (rc == -ESRCH) {
        if (!r->quiet)
            xl_err("domain %s (%u) is gone (destroyed)", r->cfg->name, r->domid);
        xl_forget_cfg(c, r->domid);
        return XL_OK;
    }
    xl_err("lost track of domain %s (%u): %s", r->cfg->name, r->domid, pvctl_strerror(rc));
    return XL_FAIL;
}

int xl_follow(struct pvctl *c, struct xl_running *r)
{
    struct xl_stream s = {.domid = r->domid, .out_fd = STDOUT_FILENO, .pty_fd = -1};
    int rc = follow(c, r, &s);

    xl_stream_close(&s);
    return rc;
}

/* ---- the detached monitor ------------------------------------------------------------ */

static void monitor_main(const char *rundir, struct xl_running *r)
{
    struct pvctl *c;
    char path[4096], when[32];
    time_t now = time(NULL);
    int rc;

    snprintf(path, sizeof(path), "%s/xl-%s.log", rundir, r->cfg->name);
    dom0_stdio_to_log(path);
    setvbuf(stderr, NULL, _IOLBF, 0);
    if (chdir("/") < 0 || pvctl_open(rundir, &c) < 0)
        _exit(XL_FAIL);
    strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", localtime(&now));
    fprintf(stderr, "[%s] xl monitor %d: following domain %s (%u)\n", when, (int)getpid(),
            r->cfg->name, r->domid);
    r->console = false;
    r->quiet = false; /* the log records every event */
    rc = xl_follow(c, r);
    now = time(NULL);
    strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", localtime(&now));
    fprintf(stderr, "[%s] xl monitor %d: done (status %d)\n", when, (int)getpid(), rc);
    pvctl_close(c);
    _exit(rc);
}

int xl_spawn_monitor(struct pvctl *c, struct xl_running *r)
{
    char *rundir = strdup(pvctl_get_rundir(c));
    int status = 0;
    pid_t pid;

    if (!rundir)
        return -ENOMEM;
    fflush(NULL);
    pid = fork();
    if (pid == 0) {
        struct sigaction ign = {.sa_handler = SIG_IGN};

        setsid();
        sigaction(SIGHUP, &ign, NULL);
        sigaction(SIGPIPE, &ign, NULL);
        signal(SIGINT, SIG_DFL);
        signal(SIGTERM, SIG_DFL);
        pid = fork();
        if (pid != 0)
            _exit(pid < 0 ? XL_FAIL : XL_OK);
        pvctl_close(c); /* our copy of the parent's connection */
        monitor_main(rundir, r);
    }
    free(rundir);
    if (pid < 0)
        return -errno;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -ECHILD;
}
