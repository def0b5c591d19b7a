/* version.h: Xen 4.17 xen_version hypercall (XENVER_*) commands and result buffers. */
#ifndef PVISOR_XEN_VERSION_H
#define PVISOR_XEN_VERSION_H

#include "xen.h"

/* HYPERVISOR_xen_version(cmd, arg) commands; string results are NUL-padded buffers. */
#define XENVER_version 0 /* arg NULL; returns (major << 16) | minor */

#define XENVER_extraversion 1
#ifndef __ASSEMBLY__
typedef char xen_extraversion_t[16];
#define XEN_EXTRAVERSION_LEN (sizeof(xen_extraversion_t))
#endif

#define XENVER_compile_info 2
#ifndef __ASSEMBLY__
struct xen_compile_info {
    char compiler[64];
    char compile_by[16];
    char compile_domain[32];
    char compile_date[32];
};
typedef struct xen_compile_info xen_compile_info_t;
#endif

#define XENVER_capabilities 3
#ifndef __ASSEMBLY__
typedef char xen_capabilities_info_t[1024];
#define XEN_CAPABILITIES_INFO_LEN (sizeof(xen_capabilities_info_t))
#endif

#define XENVER_changeset 4
#ifndef __ASSEMBLY__
typedef char xen_changeset_info_t[64];
#define XEN_CHANGESET_INFO_LEN (sizeof(xen_changeset_info_t))
#endif

#define XENVER_platform_parameters 5
#ifndef __ASSEMBLY__
struct xen_platform_parameters {
    xen_ulong_t virt_start; /* lowest virtual address the hypervisor uses */
};
typedef struct xen_platform_parameters xen_platform_parameters_t;
#endif

#define XENVER_get_features 6
#ifndef __ASSEMBLY__
struct xen_feature_info {
    unsigned int submap_idx; /* IN: which group of 32 XENFEAT_* bits */
    uint32_t submap;         /* OUT: the bits */
};
typedef struct xen_feature_info xen_feature_info_t;
#endif

#include "features.h"

#define XENVER_pagesize 7     /* arg NULL; returns the page size */
#define XENVER_guest_handle 8 /* arg: xen_domain_handle_t */
#define XENVER_commandline 9  /* arg: xen_commandline_t (privileged) */
#ifndef __ASSEMBLY__
typedef char xen_commandline_t[1024];
#endif

#define XENVER_build_id 10
#ifndef __ASSEMBLY__
struct xen_build_id {
    uint32_t len; /* IN: size of buf */
    unsigned char buf[XEN_FLEX_ARRAY_DIM];
};
typedef struct xen_build_id xen_build_id_t;
#endif

#endif /* PVISOR_XEN_VERSION_H */
