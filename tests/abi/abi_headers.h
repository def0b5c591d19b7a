/* abi_headers.h: the header set under test; the include path decides whose (Debian's Xen or ours). */
#ifndef PVISOR_TESTS_ABI_HEADERS_H
#define PVISOR_TESTS_ABI_HEADERS_H

#include <stddef.h>
#include <stdint.h>

/* Xen's ring.h expects the includer to provide barriers. */
#ifndef xen_mb
#define xen_mb() __atomic_thread_fence(__ATOMIC_SEQ_CST)
#define xen_rmb() __atomic_thread_fence(__ATOMIC_ACQUIRE)
#define xen_wmb() __atomic_thread_fence(__ATOMIC_RELEASE)
#endif
#define XEN_NETIF_DEFINE_TOEPLITZ 1
#define XEN_WANT_FLEX_CONSOLE_RING 1

#include <xen/xen.h>
#include <xen/xen-compat.h>
#include <xen/arch-x86/xen.h>
#include <xen/event_channel.h>
#include <xen/sched.h>
#include <xen/vcpu.h>
#include <xen/callback.h>
#include <xen/version.h>
#include <xen/features.h>
#include <xen/elfnote.h>
#include <xen/memory.h>
#include <xen/physdev.h>
#include <xen/grant_table.h>
#include <xen/hvm/hvm_op.h>
#include <xen/hvm/params.h>
#include <xen/hvm/e820.h>
#include <xen/arch-x86/hvm/start_info.h>
#include <xen/arch-x86/cpuid.h>
#include <xen/io/ring.h>
#include <xen/io/blkif.h>
#include <xen/io/netif.h>
#include <xen/io/console.h>
#include <xen/io/xs_wire.h>
#include <xen/io/xenbus.h>
#include <xen/io/protocols.h>

#endif /* PVISOR_TESTS_ABI_HEADERS_H */
