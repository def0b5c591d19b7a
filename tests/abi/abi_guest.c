/* abi_guest.c: compile check of every pvisor Xen ABI header with the freestanding guest flags (64- and 32-bit). */
#include <xen/xen.h>
#include <xen/xen-compat.h>
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
#include <xen/hvm/start_info.h>
#include <xen/arch-x86/hvm/start_info.h>
#include <xen/arch-x86/cpuid.h>
#include <xen/io/ring.h>
#include <xen/io/blkif.h>
#include <xen/io/netif.h>
#include <xen/io/console.h>
#include <xen/io/xs_wire.h>
#include <xen/io/xenbus.h>
#include <xen/io/protocols.h>
#include <xen/compat.h>

/* Layout facts a guest relies on, checked at compile time on both word sizes. */
_Static_assert(sizeof(struct vcpu_info) == 64, "vcpu_info is 64 bytes on x86");
_Static_assert(sizeof(struct vcpu_time_info) == 32, "vcpu_time_info is 32 bytes");
_Static_assert(sizeof(struct hvm_start_info) == 56, "hvm_start_info v1 is 56 bytes");
_Static_assert(__CONST_RING_SIZE(blkif, 4096) == 32, "32 blkif requests per page");
_Static_assert(sizeof(struct xenstore_domain_interface) <= 4096, "fits one page");

/* Uses of the ring macros with the header's default barriers. */
int abi_guest_ring_use(blkif_sring_t *s, blkif_front_ring_t *f);
int abi_guest_ring_use(blkif_sring_t *s, blkif_front_ring_t *f)
{
    int notify, more;

    XEN_FRONT_RING_INIT(f, s, 4096);
    RING_GET_REQUEST(f, f->req_prod_pvt)->id = 1;
    f->req_prod_pvt++;
    RING_PUSH_REQUESTS_AND_CHECK_NOTIFY(f, notify);
    RING_FINAL_CHECK_FOR_RESPONSES(f, more);
    return notify + more + (int)RING_FREE_REQUESTS(f);
}
