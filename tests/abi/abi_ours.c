/* abi_ours.c: evaluates the conformance items and behaviour probes against pvisor's headers (x86_64), plus compat.h. */
#include <errno.h>  /* before xs_wire.h: enables xsd_errors[] */
#include <string.h> /* memset/memcpy in the probes */

#include "abi_headers.h" /* resolves to guest-abi/include/xen */

#include <xen/compat.h>

#include "abi_table.h"

#define ABI_TABLE abi_ours64
#define ABI_TABLE_LEN abi_ours64_len
#include "abi_expand.inc"

/* abi_compat.def evaluated on our compat_* types (the Xen side is the -m32 build). */
#define ABI_SIGNED_(t) ((t)-1 < (t)1)
#define ABI_SECTION(n) {#n, '#', {0, 0, 0}, NULL},
/* CK compares values only: the C types of e.g. size_t expressions differ between -m32 and x86_64. */
#define CK(xen_expr, our_expr) {#our_expr, 'K', {(unsigned long long)(our_expr), 0, 0}, NULL},
#define CZ(xen_t, our_t) {#our_t, 'Z', {sizeof(our_t), _Alignof(our_t), 0}, NULL},
#define CO(xen_t, our_t, m) {#our_t "." #m, 'O', {offsetof(our_t, m), sizeof(((our_t *)0)->m), 0}, NULL},
const struct abi_row abi_compat64[] = {
#include "abi_compat.def"
};
const size_t abi_compat64_len = sizeof(abi_compat64) / sizeof(abi_compat64[0]);

#define ABI_PROBE abi_ours_probe
#include "abi_behaviour.inc"
