/* abi_tables32.c: generated tables: 32-bit items (from -m32 assembly of abi_emit32.c) and both sides' macro names. */
#include "abi_table.h"

#include "xen32.h"  /* abi_xen32[], abi_xen32_compat[] */
#include "ours32.h" /* abi_ours32[] */

#include "xen_macros.h"  /* abi_xen_macros64[], abi_xen_macros32[] */
#include "ours_macros.h" /* abi_ours_macros64[], abi_ours_macros32[] */
