/* sandbox.c: dom0_sandbox(): capability drop, no_new_privs and a seccomp allowlist for daemons. */
#include <errno.h>
#include <linux/capability.h>
#include <seccomp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <pvisor/sandbox.h>

/* Sanitizer runtimes make system calls of their own at any time (reports, symbolizing,
 * LeakSanitizer's ptrace at exit): a filter would cut their reports short. */
#if defined(PVISOR_SANITIZE)
static const char *const skip_filter = "sanitizer build (SANITIZE=" PVISOR_SANITIZE ")";
#elif defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
static const char *const skip_filter = "sanitizer build";
#else
static const char *const skip_filter = NULL;
#endif

#define SB_MAX_NR 512 /* names kept for the SIGSYS message: x86-64 numbers stay below */

/* Read by the SIGSYS handler: filled before the filter is loaded, never changed after. */
static struct {
    char who[32];
    char names[SB_MAX_NR][24];
} trap;

/* ---- the SIGSYS handler: async-signal-safe formatting only ----------------------------- */

static size_t put(char *buf, size_t at, size_t cap, const char *s)
{
    while (*s && at + 1 < cap)
        buf[at++] = *s++;
    return at;
}

static size_t put_num(char *buf, size_t at, size_t cap, long v)
{
    char tmp[24];
    int n = 0;
    unsigned long u = v < 0 ? 0UL - (unsigned long)v : (unsigned long)v;

    do
        tmp[n++] = (char)('0' + u % 10);
    while ((u /= 10) && n < (int)sizeof(tmp));
    if (v < 0 && at + 1 < cap)
        buf[at++] = '-';
    while (n > 0 && at + 1 < cap)
        buf[at++] = tmp[--n];
    return at;
}

static void on_sigsys(int sig, siginfo_t *si, void *uc)
{
    struct sigaction dfl = {.sa_handler = SIG_DFL};
    int nr = si->si_syscall;
    char line[256];
    size_t n = 0;

    (void)uc;
    n = put(line, n, sizeof(line), trap.who);
    n = put(line, n, sizeof(line), ": sandbox: blocked system call ");
    n = put(line, n, sizeof(line),
            nr >= 0 && nr < SB_MAX_NR && trap.names[nr][0] ? trap.names[nr] : "?");
    n = put(line, n, sizeof(line), " (nr ");
    n = put_num(line, n, sizeof(line), nr);
    n = put(line, n, sizeof(line),
            "); stopping (see docs/security.md: --no-sandbox, "
            "PVISOR_NO_SANDBOX=1)\n");
    if (write(STDERR_FILENO, line, n) < 0) {
        /* nothing better to do */
    }
    /* SIGSYS is blocked while this runs: raised now, it kills the process on return. */
    sigaction(sig, &dfl, NULL);
    raise(sig);
}

static int install_trap_handler(const char *who)
{
    struct sigaction sa = {.sa_sigaction = on_sigsys, .sa_flags = SA_SIGINFO};

    snprintf(trap.who, sizeof(trap.who), "%s", who);
    for (int nr = 0; nr < SB_MAX_NR; nr++) {
        char *name = seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE, nr);

        snprintf(trap.names[nr], sizeof(trap.names[nr]), "%s", name ? name : "");
        free(name);
    }
    sigemptyset(&sa.sa_mask);
    return sigaction(SIGSYS, &sa, NULL) < 0 ? -errno : 0;
}

/* ---- capabilities ------------------------------------------------------------------- */

static int last_cap(void)
{
    int c = CAP_LAST_CAP;

    while (prctl(PR_CAPBSET_READ, c + 1, 0, 0, 0) >= 0) /* a newer kernel than our headers */
        c++;
    return c;
}

static int get_caps(struct __user_cap_data_struct d[2])
{
    struct __user_cap_header_struct h = {.version = _LINUX_CAPABILITY_VERSION_3};

    return syscall(SYS_capget, &h, d) < 0 ? -errno : 0;
}

/* The bounding set needs CAP_SETPCAP; without it (not root) there is nothing to take away
 * that no_new_privs does not already neutralise. */
static int drop_bounding(uint64_t keep, const struct __user_cap_data_struct d[2])
{
    if (!(d[0].effective & (1u << CAP_SETPCAP)))
        return 0;
    for (int c = 0, last = last_cap(); c <= last; c++) {
        if (c < 64 && (keep & SB_CAP(c)))
            continue;
        if (prctl(PR_CAPBSET_DROP, c, 0, 0, 0) < 0 && errno != EINVAL)
            return -errno;
    }
    return 0;
}

static int drop_caps(uint64_t keep)
{
    struct __user_cap_header_struct h = {.version = _LINUX_CAPABILITY_VERSION_3};
    struct __user_cap_data_struct d[2];
    int rc = get_caps(d);

    if (rc < 0 || (rc = drop_bounding(keep, d)) < 0)
        return rc;
    if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
        return -errno;
    for (int i = 0; i < 2; i++) {
        uint32_t k = (uint32_t)(keep >> (32 * i));

        d[i].permitted &= k;
        d[i].effective &= k;
        d[i].inheritable = 0;
    }
    return syscall(SYS_capset, &h, d) < 0 ? -errno : 0;
}

/* ---- the seccomp filter ------------------------------------------------------------- */

static enum scmp_compare cmp_op(enum sandbox_cmp c)
{
    return c == SB_EQ || c == SB_SELF ? SCMP_CMP_EQ : SCMP_CMP_MASKED_EQ;
}

static int add_rule(scmp_filter_ctx ctx, const struct sandbox_syscall *s)
{
    uint32_t act = s->err > 0 ? SCMP_ACT_ERRNO((uint32_t)s->err) : SCMP_ACT_ALLOW;
    int nr = seccomp_syscall_resolve_name(s->name);
    struct scmp_arg_cmp a = {.arg = s->arg, .op = cmp_op(s->cmp)};
    int rc = 0;

    if (nr == __NR_SCMP_ERROR)
        return -ENOENT;
    switch (s->cmp) {
    case SB_ANY:
        return seccomp_rule_add(ctx, act, nr, 0);
    case SB_EQ:
        for (unsigned i = 0; i < s->nvals && rc == 0; i++) {
            a.datum_a = s->vals[i];
            rc = seccomp_rule_add(ctx, act, nr, 1, a);
        }
        return rc;
    case SB_MASK_CLEAR:
    case SB_MASK_SET:
        a.datum_a = s->vals[0];
        a.datum_b = s->cmp == SB_MASK_SET ? s->vals[0] : 0;
        return seccomp_rule_add(ctx, act, nr, 1, a);
    case SB_SELF:
        a.datum_a = (scmp_datum_t)getpid();
        return seccomp_rule_add(ctx, act, nr, 1, a);
    }
    return -EINVAL;
}

/* Adds every set; on failure *bad names the entry. Returns the number of rules or -errno. */
static int add_sets(scmp_filter_ctx ctx, const struct sandbox_policy *p, const char **bad)
{
    int n = 0, rc;

    for (const struct sandbox_syscall *const *set = p->sets; *set; set++)
        for (const struct sandbox_syscall *s = *set; s->name; s++, n++)
            if ((rc = add_rule(ctx, s)) < 0) {
                *bad = s->name;
                return rc;
            }
    return n;
}

static int load_filter(const struct sandbox_policy *p, int *nrules, const char **bad)
{
    scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_TRAP);
    int rc;

    *bad = "seccomp_init";
    if (!ctx)
        return -ENOMEM;
    if ((rc = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS)) < 0 ||
        (rc = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_TSYNC, 1)) < 0)
        goto out;
    if ((rc = add_sets(ctx, p, bad)) < 0)
        goto out;
    *nrules = rc;
    *bad = "seccomp_load";
    rc = seccomp_load(ctx);
out:
    seccomp_release(ctx);
    return rc;
}

/* ---- the entry point ---------------------------------------------------------------- */

static const char *disabled_by_env(void)
{
    const char *v = getenv("PVISOR_NO_SANDBOX");

    return v && *v && strcmp(v, "0") != 0 ? v : NULL;
}

static int count_caps(uint64_t caps)
{
    return __builtin_popcountll(caps);
}

static int apply_filter(const struct sandbox_policy *p, char *msg, size_t len)
{
    const char *bad = NULL;
    int nrules = 0, rc;

    if (skip_filter) {
        snprintf(msg, len,
                 "sandbox: %d capabilities kept, no_new_privs; seccomp filter skipped in this %s",
                 count_caps(p->keep_caps), skip_filter);
        return 0;
    }
    if ((rc = install_trap_handler(p->name)) < 0) {
        snprintf(msg, len, "sandbox: cannot install the SIGSYS handler: %s", strerror(-rc));
        return rc;
    }
    if ((rc = load_filter(p, &nrules, &bad)) < 0) {
        snprintf(msg, len, "sandbox: cannot set up the seccomp filter (%s): %s", bad,
                 strerror(-rc));
        return rc;
    }
    snprintf(msg, len,
             "sandbox: %d capabilities kept, no_new_privs, seccomp allowlist of %d rules (any "
             "other system call: SIGSYS)",
             count_caps(p->keep_caps), nrules);
    return 0;
}

int dom0_sandbox(const struct sandbox_policy *p, char *msg, size_t len)
{
    char dummy[1];
    const char *env = disabled_by_env();
    int rc;

    if (!len) {
        msg = dummy;
        len = sizeof(dummy);
    }
    if (!p || env) {
        snprintf(msg, len, "sandbox: off (%s%s)", p ? "PVISOR_NO_SANDBOX=" : "--no-sandbox",
                 p ? env : "");
        return 0;
    }
    if ((rc = drop_caps(p->keep_caps)) < 0) {
        snprintf(msg, len, "sandbox: cannot drop capabilities: %s", strerror(-rc));
        return rc;
    }
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) {
        rc = -errno;
        snprintf(msg, len, "sandbox: cannot set no_new_privs: %s", strerror(-rc));
        return rc;
    }
    return apply_filter(p, msg, len);
}

bool dom0_sandbox_filters(void)
{
    return !skip_filter;
}

bool dom0_sandbox_allows(const struct sandbox_policy *p, const char *name)
{
    for (const struct sandbox_syscall *const *set = p->sets; *set; set++)
        for (const struct sandbox_syscall *s = *set; s->name; s++)
            if (strcmp(s->name, name) == 0 && s->err <= 0)
                return true;
    return false;
}
