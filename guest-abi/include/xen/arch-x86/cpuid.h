/* arch-x86/cpuid.h: Xen 4.17 hypervisor CPUID leaves (base 0x40000000 + n*0x100) and flags. */
#ifndef PVISOR_XEN_ARCH_X86_CPUID_H
#define PVISOR_XEN_ARCH_X86_CPUID_H

/*
 * The Xen leaves start at the first 0x100-aligned base from 0x40000000 whose signature
 * is "XenVMMXenVMM" (another hypervisor's leaves, e.g. Viridian, may come first).
 * Leaf numbers below are relative to that base.
 */
#define XEN_CPUID_FIRST_LEAF 0x40000000
#define XEN_CPUID_LEAF(i) (XEN_CPUID_FIRST_LEAF + (i))

/* base+0: eax = last Xen leaf; ebx, ecx, edx = "XenV" "MMXe" "nVMM". */
#define XEN_CPUID_SIGNATURE_EBX 0x566e6558
#define XEN_CPUID_SIGNATURE_ECX 0x65584d4d
#define XEN_CPUID_SIGNATURE_EDX 0x4d4d566e

/* base+1: eax = (major << 16) | minor version. */

/*
 * base+2: eax = number of hypercall pages (1), ebx = MSR whose write installs the
 * hypercall page (value = guest physical address | page index), ecx/edx = feature bits.
 */
#define _XEN_CPUID_FEAT1_MMU_PT_UPDATE_PRESERVE_AD 0
#define XEN_CPUID_FEAT1_MMU_PT_UPDATE_PRESERVE_AD (1u << 0)

/* base+3: TSC mode and frequencies (sub-leaves 0-2). */

/* base+4: HVM/PVH features in eax; ebx = vCPU id, ecx = domid when flagged. */
#define XEN_HVM_CPUID_APIC_ACCESS_VIRT (1u << 0) /* APIC register access virtualised */
#define XEN_HVM_CPUID_X2APIC_VIRT (1u << 1)      /* x2APIC access virtualised */
#define XEN_HVM_CPUID_IOMMU_MAPPINGS (1u << 2)   /* foreign mappings have IOMMU entries */
#define XEN_HVM_CPUID_VCPU_ID_PRESENT (1u << 3)  /* ebx holds the vCPU id */
#define XEN_HVM_CPUID_DOMID_PRESENT (1u << 4)    /* ecx holds the domid */
#define XEN_HVM_CPUID_EXT_DEST_ID (1u << 5)      /* 15-bit APIC destination ids */
#define XEN_HVM_CPUID_UPCALL_VECTOR (1u << 6)    /* per-vCPU upcall vectors work */

/* base+5: PV parameters; ebx bits 0-7 = machine address width. */
#define XEN_CPUID_MACHINE_ADDRESS_WIDTH_MASK (0xffu << 0)

#define XEN_CPUID_MAX_NUM_LEAVES 5

#endif /* PVISOR_XEN_ARCH_X86_CPUID_H */
