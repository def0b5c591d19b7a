/* features.h: Xen 4.17 XENFEAT_* bit numbers returned by XENVER_get_features. */
#ifndef PVISOR_XEN_FEATURES_H
#define PVISOR_XEN_FEATURES_H

#define XENFEAT_writable_page_tables 0       /* PV: page tables may be written directly */
#define XENFEAT_writable_descriptor_tables 1 /* PV: GDT/LDT may be written directly */
#define XENFEAT_auto_translated_physmap 2    /* hypervisor translates PFN -> MFN (PVH) */
#define XENFEAT_supervisor_mode_kernel 3     /* guest kernel runs in ring 0 */
#define XENFEAT_pae_pgdir_above_4gb 4        /* 32-bit PAE: L3 may live above 4 GiB */
#define XENFEAT_mmu_pt_update_preserve_ad 5  /* MMU_PT_UPDATE_PRESERVE_AD available */
#define XENFEAT_highmem_assist 6             /* MMUEXT_{CLEAR,COPY}_PAGE available */
#define XENFEAT_gnttab_map_avail_bits 7      /* GNTMAP_guest_avail_mask honoured */
#define XENFEAT_hvm_callback_vector 8        /* event delivery by a vector (HVM/PVH) */
#define XENFEAT_hvm_safe_pvclock 9           /* pvclock usable by HVM guests */
#define XENFEAT_hvm_pirqs 10                 /* physical IRQs as event channels */
#define XENFEAT_dom0 11                      /* this is the control domain */
/* 12 (grant_map_identity) is retired and deliberately not defined. */
#define XENFEAT_memory_op_vnode_supported 13 /* XENMEMF_vnode understood */
#define XENFEAT_ARM_SMCCC_supported 14       /* ARM: SMCCC v1.1 */
#define XENFEAT_linux_rsdp_unrestricted 15   /* PVH Linux: RSDP may sit above 1 MiB */
#define XENFEAT_not_direct_mapped 16         /* this domain's gfn != mfn */
#define XENFEAT_direct_mapped 17             /* this domain's gfn == mfn */

/* Number of 32-bit submaps (xen_feature_info.submap_idx range). */
#define XENFEAT_NR_SUBMAPS 1

#endif /* PVISOR_XEN_FEATURES_H */
