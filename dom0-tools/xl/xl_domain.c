/* xl_domain.c: `xl destroy | shutdown | reboot | pause | unpause`: one domain's lifecycle. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "xl.h"

#define WAIT_LIMIT_MS   60000 /* shutdown -w / reboot -w give up after this */
#define CLEANUP_WAIT_MS 3000  /* then how long a monitor gets to destroy or restart it */
#define ACK_WAIT_MS     10000 /* -F: how long the guest has to acknowledge control/shutdown */

/* Options: `opts` plus exactly one DOMAIN; connects and resolves it. Returns -1 to go
 * on, or an exit status. */
static int one_domain(int argc, char **argv, const char *opts, bool *flag_w, bool *flag_f,
                      struct pvctl **c, uint32_t *domid, struct pvctl_dominfo *info)
{
    int opt;

    while ((opt = xl_getopt(argc, argv, opts)) != -1) {
        if (opt == 'w' && flag_w)
            *flag_w = true;
        else if (opt == 'F' && flag_f)
            *flag_f = true;
        else
            return opt == XL_OPT_HELP ? XL_OK : XL_USAGE;
    }
    if (optind >= argc)
        return xl_usage_error("expected a DOMAIN (name or id)");
    if (argc - optind > 1)
        return xl_usage_error("expected one DOMAIN, got %d arguments", argc - optind);
    if (strcmp(argv[optind], "0") == 0 || strcmp(argv[optind], "Domain-0") == 0) {
        xl_err("Domain-0 is the host itself; `xl %s` works on guest domains", argv[0]);
        return XL_FAIL;
    }
    if (xl_connect(c) < 0)
        return XL_FAIL;
    if (xl_resolve(*c, argv[optind], domid, info) < 0) {
        pvctl_close(*c);
        return XL_FAIL;
    }
    return -1;
}

static int report(int rc, const char *what, const struct pvctl_dominfo *info)
{
    char st[7];

    if (rc == 0)
        return XL_OK;
    xl_state_letters(info, st);
    if (rc == -EBUSY)
        xl_err("cannot %s domain %s (%u) in its current state (%s)", what, info->name, info->domid,
               st);
    else if (rc == -ESRCH)
        xl_err("domain %s (%u) is gone", info->name, info->domid);
    else
        xl_err("cannot %s domain %s (%u): %s", what, info->name, info->domid, pvctl_strerror(rc));
    return XL_FAIL;
}

/* One-domain command: resolve DOMAIN, run op on it, report. */
static int simple_op(int argc, char **argv, int (*op)(struct pvctl *, uint32_t), const char *what,
                     bool forget)
{
    struct pvctl_dominfo info;
    struct pvctl *c;
    uint32_t domid;
    int rc = one_domain(argc, argv, "", NULL, NULL, &c, &domid, &info);

    if (rc >= 0)
        return rc;
    rc = op(c, domid);
    if (rc == 0 && forget)
        xl_forget_cfg(c, domid);
    pvctl_close(c);
    return report(rc, what, &info);
}

int xl_cmd_destroy(int argc, char **argv)
{
    return simple_op(argc, argv, pvctl_domain_destroy, "destroy", true);
}

int xl_cmd_pause(int argc, char **argv)
{
    return simple_op(argc, argv, pvctl_domain_pause, "pause", false);
}

int xl_cmd_unpause(int argc, char **argv)
{
    return simple_op(argc, argv, pvctl_domain_unpause, "unpause", false);
}

/* Waits until the domain has shut down or is gone; then gives a monitor a moment to
 * clean up. 0, or -ETIMEDOUT / -errno. */
static int wait_shutdown(struct pvctl *c, struct pvctl_dominfo *info)
{
    uint64_t deadline = xl_now_ms() + WAIT_LIMIT_MS, left;
    uint32_t domid = info->domid;
    int rc = 0;

    while (rc == 0 && !(info->flags & PVCTL_DOMF_SHUTDOWN)) {
        left = deadline - xl_now_ms();
        if ((int64_t)left <= 0)
            return -ETIMEDOUT;
        rc = pvctl_domain_wait(c, domid, info->flags, left > 1000 ? 1000 : (uint32_t)left, info);
    }
    deadline = xl_now_ms() + CLEANUP_WAIT_MS;
    while (rc == 0 && (int64_t)(deadline - xl_now_ms()) > 0) {
        xl_sleep_ms(20);
        rc = pvctl_domain_getinfo(c, domid, info);
    }
    return rc == -ESRCH ? 0 : rc;
}

/* After a reboot: the name's new domain id (0 if none appeared in time). */
static uint32_t find_successor(struct pvctl *c, const char *name, uint32_t old)
{
    uint64_t deadline = xl_now_ms() + CLEANUP_WAIT_MS;
    uint32_t id;

    do {
        if (pvctl_domid_by_name(c, name, &id) == 0 && id != old)
            return id;
        xl_sleep_ms(20);
    } while ((int64_t)(deadline - xl_now_ms()) > 0);
    return 0;
}

/* -F: waits until the guest acknowledged control/shutdown or went down. 0 or -ETIMEDOUT. */
static int wait_ack(struct pvctl *c, uint32_t domid, const char *word)
{
    uint64_t deadline = xl_now_ms() + ACK_WAIT_MS;
    struct pvctl_dominfo info;

    do {
        int rc = pvctl_domain_getinfo(c, domid, &info);
        if (rc == -ESRCH || (rc == 0 && (info.flags & PVCTL_DOMF_SHUTDOWN)))
            return 0;
        if (xl_xs_shutdown_acked(c, domid, word) == 1)
            return 0;
        xl_sleep_ms(100);
    } while ((int64_t)(deadline - xl_now_ms()) > 0);
    return -ETIMEDOUT;
}

/*
 * Xen's way: ask the guest through control/shutdown. With -F, a guest that has no PV
 * control path, or does not acknowledge within ACK_WAIT_MS, is shut down by the
 * hypervisor instead. Returns 0, XL_FAIL after printing, or -errno for report().
 */
static int request_shutdown(struct pvctl *c, const char *name, uint32_t domid, unsigned reason,
                            bool force)
{
    const char *word = reason == XL_SHUTDOWN_REBOOT ? "reboot" : "poweroff";
    const char *cmd = reason == XL_SHUTDOWN_REBOOT ? "reboot" : "shutdown";
    int rc = xl_xs_shutdown_request(c, domid, word);

    if (rc == 0 && !force)
        return 0;
    if (rc == 0) {
        if (wait_ack(c, domid, word) == 0)
            return 0;
        xl_err("domain %s (%u) did not acknowledge control/shutdown within %d s; shutting it "
               "down from the hypervisor (-F)",
               name, domid, ACK_WAIT_MS / 1000);
        return pvctl_domain_shutdown(c, domid, reason);
    }
    const char *why = rc == -ENOTCONN ? "xenstored is not running"
                      : rc == -ENOENT ? "the domain is not known to xenstored"
                                      : strerror(-rc);
    if (force) {
        xl_err("note: domain %s (%u) has no PV control path (%s); shutting it down from the "
               "hypervisor (-F)",
               name, domid, why);
        return pvctl_domain_shutdown(c, domid, reason);
    }
    xl_err("cannot ask domain %s (%u) to %s: no PV control path (%s); `xl %s -F %s` has the "
           "hypervisor do it, `xl destroy %s` stops it at once",
           name, domid, reason == XL_SHUTDOWN_REBOOT ? "reboot" : "shut down", why, cmd, name,
           name);
    return XL_FAIL;
}

static int shutdown_common(int argc, char **argv, unsigned reason)
{
    const char *what = reason == XL_SHUTDOWN_REBOOT ? "reboot" : "shut down";
    struct pvctl_dominfo info;
    struct pvctl *c;
    uint32_t domid, next;
    bool wait = false, force = false;
    char name[PVCTL_NAME_LEN + 1];
    int rc = one_domain(argc, argv, "wF", &wait, &force, &c, &domid, &info);

    if (rc >= 0)
        return rc;
    snprintf(name, sizeof(name), "%.*s", PVCTL_NAME_LEN, info.name);
    if (info.flags & PVCTL_DOMF_SHUTDOWN) {
        xl_err("domain %s (%u) has already shut down (%s); `xl destroy %s` removes it", name, domid,
               xl_reason_name(xl_shutdown_reason(&info)), name);
        pvctl_close(c);
        return XL_FAIL;
    }
    rc = request_shutdown(c, name, domid, reason, force);
    if (rc == XL_FAIL) {
        pvctl_close(c);
        return XL_FAIL;
    }
    if (rc == 0 && wait) {
        rc = wait_shutdown(c, &info);
        if (rc == -ETIMEDOUT)
            xl_err("domain %s (%u) did not %s within %d s (`xl %s -F %s` or `xl destroy %s` "
                   "stops it)",
                   name, domid, reason == XL_SHUTDOWN_REBOOT ? "reboot" : "shut down",
                   WAIT_LIMIT_MS / 1000, reason == XL_SHUTDOWN_REBOOT ? "reboot" : "shutdown", name,
                   name);
        else if (rc == 0 && reason == XL_SHUTDOWN_REBOOT && (next = find_successor(c, name, domid)))
            printf("Domain %s rebooted as domain %u\n", name, next);
        else if (rc == 0)
            printf("Domain %s (%u) has %s\n", name, domid,
                   reason == XL_SHUTDOWN_REBOOT ? "shut down for reboot" : "shut down");
        if (rc == -ETIMEDOUT) {
            pvctl_close(c);
            return XL_FAIL;
        }
    }
    pvctl_close(c);
    return report(rc, what, &info);
}

int xl_cmd_shutdown(int argc, char **argv)
{
    return shutdown_common(argc, argv, XL_SHUTDOWN_POWEROFF);
}

int xl_cmd_reboot(int argc, char **argv)
{
    return shutdown_common(argc, argv, XL_SHUTDOWN_REBOOT);
}
