/* gnttab.h: libpvgnttab, grant maps and grant copies for dom0 processes (the analogue of libxengnttab). */
#ifndef PVISOR_GNTTAB_H
#define PVISOR_GNTTAB_H

#include <stddef.h>
#include <stdint.h>

/*
 * A dom0 process maps exactly what a guest granted to domain 0. pvisord checks every
 * map against the guest's grant entry (GTF_permit_access, domid 0, GTF_readonly) and
 * sets GTF_reading / GTF_writing in it while the mapping exists, so the guest cannot
 * silently revoke a grant in use; read-only grants come back on a read-only fd, so even
 * mprotect() cannot make them writable. Closing the handle (or the process dying)
 * releases every grant it holds; pages already mmap()ed stay valid until munmap(), as in
 * Xen (the guest's memory is freed after the last unmap).
 *
 * Errors: functions return 0 / a pointer on success; a negative errno (or NULL with
 * *err set) on failure. Per-grant outcomes are Xen's GNTST_* codes (0 = GNTST_okay,
 * GNTST_bad_domain -2, GNTST_bad_gntref -4, GNTST_permission_denied -8, ...).
 * A handle may be used from several threads; calls are serialised inside.
 */

struct pvgnttab;

int pvgnttab_open(const char *rundir, struct pvgnttab **out);
void pvgnttab_close(struct pvgnttab *h); /* releases every mapping; NULL allowed */

/* PROT_READ, or PROT_READ | PROT_WRITE. */
#define PVGNTTAB_MAX_BATCH 1024 /* refs per map call */

/*
 * Maps count grant refs of domid (all from one domain) into one contiguous range of
 * count pages, in order. On success returns the address; status[i] (if status is not
 * NULL) is GNTST_okay for every i. On failure returns NULL, nothing stays mapped,
 * status[i] tells each ref's outcome (GNTST_okay for the refs that would have worked)
 * and *err is -EIO when some ref failed its grant check, or another -errno (-EINVAL
 * count 0 or > PVGNTTAB_MAX_BATCH, transport errors, mmap's errno).
 */
void *pvgnttab_map_refs(struct pvgnttab *h, uint32_t count, uint32_t domid, const uint32_t *refs,
                        int prot, int16_t *status, int *err);

/* Single-ref convenience: as pvgnttab_map_refs(h, 1, ...). *gntst gets the GNTST_ code. */
void *pvgnttab_map_ref(struct pvgnttab *h, uint32_t domid, uint32_t ref, int prot, int16_t *gntst,
                       int *err);

/* Unmaps a range returned by a map call (addr and count exactly as mapped); the grants
 * become idle for the guest once every mapper let go. -EINVAL unknown range. */
int pvgnttab_unmap(struct pvgnttab *h, void *addr, uint32_t count);

/*
 * Grant copy between a guest's granted page and a buffer of this process, without
 * mapping. Each segment is checked and done by pvisord; its outcome lands in .status.
 * to_guest: copy len bytes from buf into domid's grant ref at offset (needs a writable
 * grant); otherwise from the grant into buf. offset + len must fit in the page; len 0
 * is a no-op. Returns 0 when every segment was attempted (check each .status), or
 * -errno (-EINVAL: count 0 or too many bytes for one call, see PVGNTTAB_COPY_MAX).
 */
#define PVGNTTAB_COPY_MAX 57344 /* payload bytes per call, summed over segments */
struct pvgnttab_copy_seg {
    uint32_t domid;
    uint32_t ref;
    uint16_t offset;
    uint16_t len;
    uint8_t to_guest;
    int16_t status; /* out: GNTST_* */
    void *buf;
};
int pvgnttab_copy(struct pvgnttab *h, uint32_t count, struct pvgnttab_copy_seg *segs);

/* The text of a GNTST_* code ("okay", "bad grant reference", ...). */
const char *pvgnttab_strstatus(int gntst);

#endif
