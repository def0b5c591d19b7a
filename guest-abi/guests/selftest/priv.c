/*
 * priv.c: selftest of calls a domU may make but not use: physdev_op, hvm_op, sysctl,
 * domctl, remote_shutdown (all must be refused with Xen's error codes).
 */
#include <xen/hvm/hvm_op.h>
#include <xen/hvm/params.h>
#include "st.h"

/*
 * sysctl/domctl requests.  Xen's headers for them are tools-only; a domU only needs the
 * common prefix (cmd, interface_version, and for domctl the target domain) followed by
 * the command's payload, which these refused calls never read.  Values from Xen 4.17's
 * public sysctl.h / domctl.h.
 */
#define CTL_SYSCTL_INTERFACE_VERSION 0x00000015
#define CTL_DOMCTL_INTERFACE_VERSION 0x00000015
#define CTL_SYSCTL_physinfo          3
#define CTL_DOMCTL_getdomaininfo     5

struct ctl_request {
    uint32_t cmd;
    uint32_t interface_version;
    domid_t domain; /* domctl only */
    uint8_t payload[512];
} __attribute__((aligned(8)));

void st_privileged(void)
{
    st_eq(HYPERVISOR_physdev_op(999, NULL), -ENOSYS, "physdev_op unknown command 999");

    struct xen_hvm_param hp = {.domid = DOMID_SELF, .index = HVM_PARAM_STORE_PFN};
    if (!pv_pvh) {
        st_eq(HYPERVISOR_hvm_op(HVMOP_get_param, &hp), -EINVAL, "hvm_op get_param on a PV domain");
    } else {
        st_eq(HYPERVISOR_hvm_op(HVMOP_get_param, &hp), 0, "hvm_op get_param STORE_PFN (PVH)");
        st_eq((long)hp.value, (long)pv_start_info->store_mfn, "STORE_PFN is the xenstore ring");
        hp.index = HVM_PARAM_IOREQ_PFN;
        st_eq(HYPERVISOR_hvm_op(HVMOP_get_param, &hp), -EPERM,
              "hvm_op get_param of a toolstack-only param");
        hp.index = HVM_PARAM_STORE_PFN;
        st_eq(HYPERVISOR_hvm_op(HVMOP_set_param, &hp), -EPERM, "hvm_op set_param STORE_PFN");
        hp.index = HVM_NR_PARAMS;
        st_eq(HYPERVISOR_hvm_op(HVMOP_get_param, &hp), -EINVAL, "hvm_op get_param out of range");
    }

    static struct ctl_request req;
    memset(&req, 0, sizeof(req));
    req.cmd = CTL_SYSCTL_physinfo;
    req.interface_version = CTL_SYSCTL_INTERFACE_VERSION;
    st_eq(HYPERVISOR_sysctl(&req), -EPERM, "sysctl physinfo is refused to a domU");
    req.interface_version = 1;
    st_eq(HYPERVISOR_sysctl(&req), -EACCES, "sysctl with a wrong interface version");

    memset(&req, 0, sizeof(req));
    req.cmd = CTL_DOMCTL_getdomaininfo;
    req.interface_version = CTL_DOMCTL_INTERFACE_VERSION;
    req.domain = st_domid;
    st_eq(HYPERVISOR_domctl(&req), -EPERM, "domctl getdomaininfo (of ourselves) is refused");
    req.interface_version = 1;
    st_eq(HYPERVISOR_domctl(&req), -EACCES, "domctl with a wrong interface version");

    /* Even aimed at ourselves, remote_shutdown is for dom0 (Xen: XSM_DM_PRIV). */
    struct sched_remote_shutdown rs = {.domain_id = st_domid, .reason = SHUTDOWN_crash};
    st_eq(HYPERVISOR_sched_op(SCHEDOP_remote_shutdown, &rs), -EPERM,
          "sched_op remote_shutdown is refused to a domU");
}
