/* abi_legacy.c: abi_legacy.def at one older __XEN_INTERFACE_VERSION__ (given with -D); built once per side and version. */
#include <errno.h>
#include <string.h>

#include "abi_headers.h" /* Debian's or ours, by include path */

#include "abi_table.h"

#define ABI_ITEMS_DEF "abi_legacy.def"
#include "abi_expand.inc"
