/* xl_util.c: xl's helpers: connecting with helpful errors, domain lookup, states, saved configs. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "xl.h"

void xl_err(const char *fmt, ...)
{
    va_list ap;

    fputs("xl: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

int xl_connect(struct pvctl **c)
{
    const char *dir = pvctl_rundir(NULL);
    int rc = pvctl_open(NULL, c);

    if (rc == 0)
        return 0;
    if (rc == -ENOENT || rc == -ECONNREFUSED) {
        xl_err("pvisord is not running in %s (start it with `pvisor start`%s)", dir,
               getenv("PVISOR_RUNDIR") ? "" : ", or set PVISOR_RUNDIR");
        if (access("/dev/kvm", F_OK) != 0)
            xl_err("note: /dev/kvm is missing, and pvisord needs it (load kvm_intel or "
                   "kvm_amd, or enable nested virtualisation)");
    } else if (rc == -EACCES || rc == -EPERM) {
        xl_err("not allowed to use %s/%s: %s (run xl as root or as the user running "
               "pvisord)",
               dir, PVCTL_SOCKET_NAME, pvctl_strerror(rc));
    } else {
        xl_err("cannot connect to pvisord in %s: %s", dir, pvctl_strerror(rc));
    }
    return rc;
}

int xl_resolve(struct pvctl *c, const char *arg, uint32_t *domid, struct pvctl_dominfo *info)
{
    struct pvctl_dominfo tmp;
    int rc = pvctl_domid_by_name(c, arg, domid);

    if (rc == 0)
        rc = pvctl_domain_getinfo(c, *domid, info ? info : &tmp);
    if (rc == -ESRCH || rc == -EINVAL)
        xl_err("no domain '%s' (`xl list` shows the domains)", arg);
    else if (rc < 0)
        xl_err("cannot look up domain '%s': %s", arg, pvctl_strerror(rc));
    return rc;
}

unsigned xl_shutdown_reason(const struct pvctl_dominfo *d)
{
    return (d->flags >> PVCTL_DOMF_SHUTDOWN_SHIFT) & 0xff;
}

const char *xl_reason_name(unsigned reason)
{
    static const char *const names[] = {"poweroff", "reboot",   "suspend",
                                        "crash",    "watchdog", "soft_reset"};
    return reason < sizeof(names) / sizeof(names[0]) ? names[reason] : "unknown";
}

void xl_state_letters(const struct pvctl_dominfo *d, char out[7])
{
    bool shut = d->flags & PVCTL_DOMF_SHUTDOWN;
    bool crashed = shut && xl_shutdown_reason(d) == XL_SHUTDOWN_CRASH;

    out[0] = (d->flags & PVCTL_DOMF_RUNNING) ? 'r' : '-';
    out[1] = (d->flags & PVCTL_DOMF_BLOCKED) ? 'b' : '-';
    out[2] = (d->flags & PVCTL_DOMF_PAUSED) ? 'p' : '-';
    out[3] = shut && !crashed ? 's' : '-';
    out[4] = crashed ? 'c' : '-';
    out[5] = (d->flags & PVCTL_DOMF_DYING) ? 'd' : '-';
    out[6] = '\0';
}

uint64_t xl_now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

void xl_sleep_ms(unsigned ms)
{
    struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000};

    while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
        ;
}

/* ---- the host daemons ------------------------------------------------------------------ */

/* A process that exited but was not reaped yet ("Z" in /proc/PID/stat). */
static bool is_zombie(long pid)
{
    char path[64], buf[256], *paren;
    FILE *f;
    bool z = false;

    snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
    f = fopen(path, "re");
    if (!f)
        return false;
    if (fgets(buf, sizeof(buf), f) && (paren = strrchr(buf, ')')) != NULL)
        z = paren[1] == ' ' && paren[2] == 'Z';
    fclose(f);
    return z;
}

bool xl_daemon_running(struct pvctl *c, const char *name)
{
    char path[4200], comm[32] = "";
    long pid = 0;
    FILE *f;

    snprintf(path, sizeof(path), "%s/%s.pid", pvctl_get_rundir(c), name);
    f = fopen(path, "re");
    if (!f)
        return false;
    if (fscanf(f, "%ld", &pid) != 1)
        pid = 0;
    fclose(f);
    if (pid <= 0 || pid > 0x3fffffff || (kill((pid_t)pid, 0) < 0 && errno == ESRCH) ||
        is_zombie(pid))
        return false;
    snprintf(path, sizeof(path), "/proc/%ld/comm", pid);
    f = fopen(path, "re");
    if (!f)
        return true; /* no /proc: trust the pid file */
    if (!fgets(comm, sizeof(comm), f))
        comm[0] = '\0';
    fclose(f);
    comm[strcspn(comm, "\n")] = '\0';
    return strncmp(comm, name, 15) == 0; /* the kernel keeps 15 characters of a name */
}

/* ---- configs kept for running domains ------------------------------------------------- */

int xl_saved_cfg_path(struct pvctl *c, uint32_t domid, char *buf, size_t len)
{
    int n = snprintf(buf, len, "%s/xl/domain-%u.cfg", pvctl_get_rundir(c), domid);

    return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

int xl_save_cfg(struct pvctl *c, uint32_t domid, const struct xlcfg *cfg)
{
    char path[4096], tmp[4200], *text;
    FILE *f;
    int rc;

    snprintf(path, sizeof(path), "%s/xl", pvctl_get_rundir(c));
    if (mkdir(path, 0700) < 0 && errno != EEXIST)
        return -errno;
    rc = xl_saved_cfg_path(c, domid, path, sizeof(path));
    text = rc == 0 ? xlcfg_format(cfg) : NULL;
    if (!text)
        return rc < 0 ? rc : -ENOMEM;
    snprintf(tmp, sizeof(tmp), "%s.tmp", path);
    f = fopen(tmp, "we");
    rc = f ? 0 : -errno;
    if (f) {
        fprintf(f, "# written by xl create from %s\n%s", cfg->source ? cfg->source : "-", text);
        rc = fclose(f) == 0 && rename(tmp, path) == 0 ? 0 : -errno;
    }
    free(text);
    return rc;
}

int xl_load_saved_cfg(struct pvctl *c, const struct pvctl_dominfo *info, struct xlcfg *cfg)
{
    char path[4096], err[256];
    int rc = xl_saved_cfg_path(c, info->domid, path, sizeof(path));

    if (rc == 0)
        rc = xlcfg_load(path, NULL, 0, cfg, NULL, NULL, err, sizeof(err));
    if (rc == 0 && (!cfg->have_uuid || memcmp(cfg->uuid, info->uuid, 16) != 0)) {
        xlcfg_free(cfg);
        rc = -ENOENT; /* left over from an earlier domain with the same id */
    }
    return rc;
}

void xl_forget_cfg(struct pvctl *c, uint32_t domid)
{
    char path[4096];

    if (xl_saved_cfg_path(c, domid, path, sizeof(path)) == 0)
        unlink(path);
    xl_xs_release(c, domid);
}
