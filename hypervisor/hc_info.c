/* hc_info.c: xen_version and console_io. */
#include <errno.h>
#include <string.h>

#include <xen/compat.h>
#include <xen/features.h>
#include <xen/version.h>

#include "pvisord.h"

#define CONSOLE_CHUNK 4096
#define CONLOG_RATE   (16u << 10) /* bytes/s of a domain's console lines in the hypervisor log */
#define CONLOG_BURST  (64u << 10)
#define PV_VIRT_START 0xffff800000000000ULL /* Xen's HYPERVISOR_VIRT_START for x86-64 PV */
#define COMPAT_VIRT_START 0xf5800000u           /* and for 32-bit guests */

static long put_fixed(struct vcpu *v, uint64_t arg, const char *s, size_t size)
{
    char buf[1024] = {0}; /* fixed-size results are zero padded, as Xen does */
    strncpy(buf, s, size - 1);
    return copy_to_guest(v, arg, buf, size) ? -EFAULT : 0;
}

static long compile_info(struct vcpu *v, uint64_t arg)
{
    struct xen_compile_info ci;
    memset(&ci, 0, sizeof ci);
    strncpy(ci.compiler, "gcc " __VERSION__, sizeof ci.compiler - 1);
    strncpy(ci.compile_by, "pvisor", sizeof ci.compile_by - 1);
    strncpy(ci.compile_domain, "pvisor", sizeof ci.compile_domain - 1);
    strncpy(ci.compile_date, __DATE__, sizeof ci.compile_date - 1);
    return copy_to_guest(v, arg, &ci, sizeof ci) ? -EFAULT : 0;
}

static long features(struct vcpu *v, uint64_t arg)
{
    struct xen_feature_info fi;
    if (copy_from_guest(v, &fi, arg, sizeof fi))
        return -EFAULT;
    if (fi.submap_idx >= XENFEAT_NR_SUBMAPS)
        return -EINVAL;
    if (fi.submap_idx != 0)
        fi.submap = 0;
    else if (v->pvh) /* Xen's set for translated HVM guests, minus what we do not offer */
        fi.submap = (1u << XENFEAT_writable_page_tables) | (1u << XENFEAT_auto_translated_physmap) |
                    (1u << XENFEAT_hvm_callback_vector) | (1u << XENFEAT_hvm_safe_pvclock);
    else
        fi.submap = (1u << XENFEAT_writable_page_tables) | (1u << XENFEAT_highmem_assist) |
                    (1u << XENFEAT_direct_mapped);
    return copy_to_guest(v, arg, &fi, sizeof fi) ? -EFAULT : 0;
}

long hc_xen_version(struct vcpu *v, const struct hc_args *a)
{
    uint64_t arg = a->a[1];
    switch (a->a[0]) {
    case XENVER_version:
        return (PVISOR_XEN_MAJOR << 16) | PVISOR_XEN_MINOR;
    case XENVER_extraversion:
        return put_fixed(v, arg, ".0-pvisor", sizeof(xen_extraversion_t));
    case XENVER_compile_info:
        return compile_info(v, arg);
    case XENVER_capabilities: /* the host's guest types, as Xen lists them */
        return put_fixed(v, arg, "xen-3.0-x86_64 hvm-3.0-x86_32 hvm-3.0-x86_32p hvm-3.0-x86_64",
                         sizeof(xen_capabilities_info_t));
    case XENVER_changeset:
        return put_fixed(v, arg, "pvisor " PVISOR_VERSION, sizeof(xen_changeset_info_t));
    case XENVER_platform_parameters: {
        if (hc_compat(v)) {
            struct compat_xen_platform_parameters p = {.virt_start = COMPAT_VIRT_START};
            return copy_to_guest(v, arg, &p, sizeof p) ? -EFAULT : 0;
        }
        struct xen_platform_parameters p = {.virt_start = PV_VIRT_START};
        return copy_to_guest(v, arg, &p, sizeof p) ? -EFAULT : 0;
    }
    case XENVER_get_features:
        return features(v, arg);
    case XENVER_pagesize:
        return arg ? -EINVAL : (long)PVISOR_PAGE_SIZE;
    case XENVER_guest_handle:
        return copy_to_guest(v, arg, v->d->uuid, sizeof v->d->uuid) ? -EFAULT : 0;
    case XENVER_commandline: /* as Xen: answered, but denied to unprivileged domains */
        return put_fixed(v, arg, "<denied>", sizeof(xen_commandline_t));
    case XENVER_build_id:
        return -EPERM;
    default:
        return -ENOSYS;
    }
}

/* Whether a console line of n bytes may go to the hypervisor log (the log file and
 * `xl dmesg`): a token bucket per domain, so that a guest writing console_io in a loop can
 * neither fill the host's disk nor push other domains' lines out of `xl dmesg`. Its own
 * log (`xl console` without xenconsoled) keeps everything. Caller holds d->lock. */
static bool conlog_allow(struct domain *d, size_t n)
{
    uint64_t now = now_ns(), since = now - d->conlog_at;
    if (!d->conlog_at || since > 10 * NSEC_PER_SEC)
        since = 10 * NSEC_PER_SEC; /* anything longer refills the whole burst anyway */
    d->conlog_tokens += since * CONLOG_RATE / NSEC_PER_SEC;
    if (d->conlog_tokens > CONLOG_BURST)
        d->conlog_tokens = CONLOG_BURST;
    d->conlog_at = now;
    /* once over the limit, resume only with half the burst back: not a line at a time */
    if (d->conlog_tokens >= (d->conlog_dropped ? CONLOG_BURST / 2 : n)) {
        d->conlog_tokens -= n;
        if (d->conlog_dropped)
            hvlog("(d%u) [%llu console lines not in this log: over %u bytes/s; `xl console` "
                  "has them while they fit the domain's own log]",
                  d->domid, (unsigned long long)d->conlog_dropped, CONLOG_RATE);
        d->conlog_dropped = 0;
        return true;
    }
    if (d->conlog_dropped++ == 0)
        hvlog("(d%u) [console output over the limit of %u bytes/s (burst %u): lines are left "
              "out of this log until the rate drops]",
              d->domid, CONLOG_RATE, CONLOG_BURST);
    return false;
}

/* Output goes to the domain's log (xl console / create -c) and, line by line, to xl dmesg.
 * Called with the domain's lock held. */
void domain_console_write(struct domain *d, const char *s, size_t n)
{
    logbuf_write(&d->log, s, n);
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c == '\n' || d->conline_len == sizeof d->conline - 1) {
            if (conlog_allow(d, d->conline_len + 8))
                hvlog("(d%u) %.*s", d->domid, (int)d->conline_len, d->conline);
            d->conline_len = 0;
        }
        if (c != '\n' && c != '\r')
            d->conline[d->conline_len++] = (c >= 32 && c < 127) || c == '\t' ? c : '?';
    }
}

long hc_console_io(struct vcpu *v, const struct hc_args *a)
{
    if (a->a[0] == CONSOLEIO_read)
        return -EPERM;
    if (a->a[0] != CONSOLEIO_write)
        return -ENOSYS;
    uint64_t count = a->a[1], buf = a->a[2];
    char chunk[CONSOLE_CHUNK];
    while (count) {
        size_t n = count < sizeof chunk ? (size_t)count : sizeof chunk;
        if (hc_preempted(v))
            return -EINTR;
        if (copy_from_guest(v, chunk, buf, n))
            return -EFAULT;
        pthread_mutex_lock(&v->d->lock);
        domain_console_write(v->d, chunk, n);
        pthread_mutex_unlock(&v->d->lock);
        count -= n;
        buf += n;
    }
    return 0;
}
