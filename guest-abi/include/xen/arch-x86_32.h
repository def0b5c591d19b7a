/* arch-x86_32.h: old include path kept by Xen; the definitions live in arch-x86/xen.h. */
#include "arch-x86/xen.h"
