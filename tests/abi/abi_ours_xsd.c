/* abi_ours_xsd.c: our xs_wire.h without <errno.h>, as freestanding guests see it (xsd_errors[] with Xen's errno numbers). */
#define PVISOR_XSD_ERRORS_XEN_ERRNO 1
#include <xen/io/xs_wire.h>

#include "abi_table.h"

void abi_ours_probe_xsd_freestanding(struct abi_probe *p)
{
    size_t i, n = sizeof(xsd_errors) / sizeof(xsd_errors[0]);

    for (i = 0; i < n && i < 32; i++) {
        p->xsd_errnum[i] = xsd_errors[i].errnum;
        p->xsd_errstr[i] = xsd_errors[i].errstring;
    }
    p->xsd_len = n;
}
