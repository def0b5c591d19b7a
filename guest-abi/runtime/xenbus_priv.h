/* xenbus_priv.h: runtime internal: what xenbus_ops.c uses of xenbus.c's transport. */
#ifndef PVGUEST_XENBUS_PRIV_H
#define PVGUEST_XENBUS_PRIV_H

#include <pvguest/xenbus.h>

/*
 * xenbus_request() with a payload of two parts: alen bytes at a, then blen bytes at b
 * (either may be 0).  Same contract: connects on first use, serialised with every other
 * request, returns the reply length (reply NUL-terminated if room) or -errno; -E2BIG if
 * alen + blen exceeds XENSTORE_PAYLOAD_MAX.
 */
int xenbus_request2(uint32_t type, xenbus_transaction_t t, const void *a, unsigned alen,
                    const void *b, unsigned blen, char *reply, unsigned rsize);

#endif /* PVGUEST_XENBUS_PRIV_H */
