/* wire.h: xenstore-internal wire definitions: the shared xs_wire.h plus ACL bits. */
#ifndef PVXS_WIRE_H
#define PVXS_WIRE_H

/*
 * Message types, header, limits and the ring page come from our copy of Xen's public
 * header (guest-abi/include/xen/io/xs_wire.h). Xen keeps the ACL bits in libxenstore's
 * header; they are here (and, identically, in pvisor/xs.h).
 */
#include <xen/io/xs_wire.h>

#define XS_PERM_NONE  0x0
#define XS_PERM_READ  0x1
#define XS_PERM_WRITE 0x2
#define XS_PERM_BOTH  (XS_PERM_READ | XS_PERM_WRITE)

#endif
