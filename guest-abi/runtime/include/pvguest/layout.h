/* layout.h: PV guest memory layout constants shared by the start code (asm) and C. */
#ifndef PVGUEST_LAYOUT_H
#define PVGUEST_LAYOUT_H

#define PV_PAGE_SHIFT 12
#define PV_PAGE_SIZE  4096
#define PV_IMAGE_BASE 0x100000 /* pv.lds links every image here (1 MiB, lower half) */

/* Each vCPU gets one naturally aligned stack; struct pv_cpu sits at its lowest address. */
#define PV_STACK_SIZE 16384
/* vCPUs the runtime supports: the vcpu_info slots in shared_info (XEN_LEGACY_MAX_VCPUS). */
#define PV_MAX_CPUS 32

#endif /* PVGUEST_LAYOUT_H */
