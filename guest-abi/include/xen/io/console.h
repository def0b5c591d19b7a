/* io/console.h: Xen 4.17 PV console ring page (xencons_interface). */
#ifndef PVISOR_XEN_IO_CONSOLE_H
#define PVISOR_XEN_IO_CONSOLE_H

#include <stdint.h>

typedef uint32_t XENCONS_RING_IDX;

/* Offset in ring (a char array) for free-running index idx. */
#define MASK_XENCONS_IDX(idx, ring) ((idx) & (sizeof(ring) - 1))

/* The console page: "in" carries bytes to the guest, "out" bytes from it. */
struct xencons_interface {
    char in[1024];
    char out[2048];
    XENCONS_RING_IDX in_cons, in_prod;   /* guest consumes, back end produces */
    XENCONS_RING_IDX out_cons, out_prod; /* back end consumes, guest produces */
};

#ifdef XEN_WANT_FLEX_CONSOLE_RING
#include "ring.h"
DEFINE_XEN_FLEX_RING(xencons);
#endif

#endif /* PVISOR_XEN_IO_CONSOLE_H */
