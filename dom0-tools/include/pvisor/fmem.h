/* fmem.h: libpvfmem, foreign mapping of guest frames for privileged dom0 tools (the analogue of libxenforeignmemory). */
#ifndef PVISOR_FMEM_H
#define PVISOR_FMEM_H

#include <stdint.h>

/*
 * Dom0 is privileged: it may map any frame of any guest (the domain builder, xenstored
 * and xenconsoled map a guest's xenstore and console pages this way). Frames are
 * guest-physical frame numbers (MFN == PFN in pvisor). Mappings are MAP_SHARED on the
 * guest's memory: stores are seen by the guest at once, and the memory stays valid
 * until munmap() even if the guest is destroyed meanwhile.
 */

struct pvfmem;

int pvfmem_open(const char *rundir, struct pvfmem **out);
void pvfmem_close(struct pvfmem *h); /* existing mappings stay valid; NULL allowed */

/*
 * Maps n frames of domid (pfns[i] -> page i of the result), prot PROT_READ[|PROT_WRITE].
 * Returns the address or NULL with *err: -ESRCH no such domain, -EINVAL n == 0 or a
 * frame outside the domain (errs[i], if errs is not NULL, says which: 0 or -EINVAL),
 * or mmap's errno.
 */
void *pvfmem_map(struct pvfmem *h, uint32_t domid, int prot, uint32_t n, const uint64_t *pfns,
                 int *errs, int *err);

/* Undoes pvfmem_map(). 0 or -errno from munmap. */
int pvfmem_unmap(struct pvfmem *h, void *addr, uint32_t n);

#endif
