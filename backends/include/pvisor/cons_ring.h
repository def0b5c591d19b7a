/* cons_ring.h: the dom0 end of Xen's PV console ring (xencons_interface), guest indexes bounded. */
#ifndef PVISOR_CONS_RING_H
#define PVISOR_CONS_RING_H

#include <stdbool.h>
#include <stddef.h>

#include <xen/io/console.h>

/*
 * The page is shared with a guest that may change any byte of it at any time. These
 * functions keep the backend's own indexes (out_cons, in_prod) in the caller's memory and
 * only ever write them to the page; the guest's indexes (out_prod, in_cons) are read once
 * per call and checked against the ring size, and every data byte is read once.
 *
 * Notification rules (no event-index fields exist in this ring, so both sides decide
 * from the indexes; each side stores its index, issues a full barrier, then reads the
 * other's):
 *  - the guest waits for room in out[] only when it is full, so the backend notifies after
 *    consuming iff the guest's out_prod, read after our out_cons store, is a whole ring
 *    ahead of the out_cons we had before the store;
 *  - the guest waits for input only when in[] is empty, so the backend notifies after
 *    producing iff the guest's in_cons, read after our in_prod store, equals our in_prod
 *    from before the store (it had consumed everything).
 * Mirror rules hold on the guest side (guest-abi/runtime/console.c).
 */

#define CONS_OUT_SIZE ((XENCONS_RING_IDX)sizeof(((struct xencons_interface *)0)->out))
#define CONS_IN_SIZE  ((XENCONS_RING_IDX)sizeof(((struct xencons_interface *)0)->in))

/* Bytes of guest output waiting in out[] for our index cons (0..CONS_OUT_SIZE), or -EPROTO
 * if the guest's out_prod is not within one ring of cons. *prod (may be NULL) gets it. */
int cons_ring_out_avail(const struct xencons_interface *intf, XENCONS_RING_IDX cons,
                        XENCONS_RING_IDX *prod);

/* Copies up to max bytes of guest output into dst and advances *cons (also written to the
 * page). Returns the count (0 if nothing waits or max is 0) or -EPROTO (indexes out of
 * range; nothing consumed). *notify is set (never cleared) when the guest may be waiting
 * for room. */
int cons_ring_read(struct xencons_interface *intf, XENCONS_RING_IDX *cons, char *dst, size_t max,
                   bool *notify);

/* Free bytes in in[] for our index prod (0..CONS_IN_SIZE), or -EPROTO if the guest's in_cons
 * is not within one ring behind prod. */
int cons_ring_in_space(const struct xencons_interface *intf, XENCONS_RING_IDX prod);

/* Copies up to len bytes of input into in[] and advances *prod (also written to the page).
 * Returns the count (0: full) or -EPROTO. *notify is set when the guest had consumed all
 * earlier input (it may be waiting for more). */
int cons_ring_write(struct xencons_interface *intf, XENCONS_RING_IDX *prod, const char *src,
                    size_t len, bool *notify);

#endif
