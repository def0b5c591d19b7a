/* hvm/e820.h: Xen 4.17 fixed HVM memory-layout constants (E820 page, 4 GiB MMIO hole). */
#ifndef PVISOR_XEN_HVM_E820_H
#define PVISOR_XEN_HVM_E820_H

#include "../xen.h"

/* Where hvmloader-era HVM guests find their E820 table. */
#define HVM_E820_PAGE 0x00090000
#define HVM_E820_NR_OFFSET 0x000001E8
#define HVM_E820_OFFSET 0x000002D0

/* RAM below 4 GiB ends where the MMIO hole starts. */
#define HVM_BELOW_4G_RAM_END 0xF0000000
#define HVM_BELOW_4G_MMIO_START HVM_BELOW_4G_RAM_END
#define HVM_BELOW_4G_MMIO_LENGTH ((xen_mk_ullong(1) << 32) - HVM_BELOW_4G_MMIO_START)

#endif /* PVISOR_XEN_HVM_E820_H */
