/* abi_xen.c: evaluates the conformance items and behaviour probes against Debian's Xen 4.17 headers (x86_64). */
#include <errno.h>  /* before xs_wire.h: enables xsd_errors[] */
#include <string.h> /* Xen's ring.h uses memset */

#include "abi_headers.h" /* resolves to /usr/include/xen: built without -Iguest-abi/include */

#include "abi_table.h"

#define ABI_SIDE_XEN 1
#define ABI_TABLE abi_xen64
#define ABI_TABLE_LEN abi_xen64_len
#include "abi_expand.inc"

#define ABI_PROBE abi_xen_probe
#include "abi_behaviour.inc"
