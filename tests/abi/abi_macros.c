/* abi_macros.c: preprocessed with -dD (never compiled) to list the macros each side's headers define; see abi_macros.awk. */
#ifndef ABI_NO_ERRNO /* no 32-bit libc: the -m32 run goes without */
#include <errno.h>
#endif

#include "abi_headers.h"
