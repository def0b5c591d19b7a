/* hvm/start_info.h: convenience path; Xen keeps the PVH start info in arch-x86/hvm/start_info.h. */
#include "../arch-x86/hvm/start_info.h"
