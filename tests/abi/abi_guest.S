/* abi_guest.S: the numeric ABI headers used from assembly (__ASSEMBLY__), as guest start code does. */
#include <xen/xen.h>
#include <xen/elfnote.h>
#include <xen/sched.h>
#include <xen/event_channel.h>
#include <xen/vcpu.h>
#include <xen/memory.h>
#include <xen/features.h>
#include <xen/callback.h>
#include <xen/grant_table.h>
#include <xen/hvm/hvm_op.h>
#include <xen/hvm/params.h>
#include <xen/arch-x86/hvm/start_info.h>
#include <xen/arch-x86/cpuid.h>

	.section .note.Xen, "a", @note
	.p2align 2
	.long 4, 4, XEN_ELFNOTE_PHYS32_ENTRY
	.asciz "Xen"
	.long 0x100000

	.text
	.globl abi_guest_asm
abi_guest_asm:
	mov $__HYPERVISOR_sched_op, %eax
	mov $SCHEDOP_shutdown, %ecx
	mov $XEN_HVM_START_MAGIC_VALUE, %edx
	mov $XEN_CPUID_FIRST_LEAF, %esi
	mov $VIRQ_TIMER, %edi
	mov $(DOMID_SELF), %eax
	mov $MMUEXT_PIN_L4_TABLE, %eax
	mov $(UVMF_INVLPG | UVMF_ALL), %eax
	mov $HVM_PARAM_CALLBACK_IRQ, %eax
	mov $GNTTABOP_map_grant_ref, %eax
	mov $SHUTDOWN_poweroff, %eax
	ret
