/* head.S: PV guest start code: Xen ELF notes, entry points, the hypercall page, stacks. */
#include <xen/elfnote.h>
#include <pvguest/layout.h>

/* One Xen ELF note: name "Xen", then a string or a 64-bit number as descriptor. */
.macro XEN_NOTE_HEAD type
    .balign 4
    .long 2f - 1f               /* namesz */
    .long 4f - 3f               /* descsz */
    .long \type
1:  .asciz "Xen"
2:  .balign 4
3:
.endm
.macro XEN_NOTE_STR type, str
    XEN_NOTE_HEAD \type
    .asciz "\str"
4:  .balign 4
.endm
.macro XEN_NOTE_QUAD type, value
    XEN_NOTE_HEAD \type
    .quad \value
4:  .balign 4
.endm

    .section .note.Xen, "a", @note
    XEN_NOTE_STR  XEN_ELFNOTE_GUEST_OS,       pvisor
    XEN_NOTE_STR  XEN_ELFNOTE_GUEST_VERSION,  1.0
    XEN_NOTE_STR  XEN_ELFNOTE_XEN_VERSION,    xen-3.0
    XEN_NOTE_STR  XEN_ELFNOTE_LOADER,         generic
    XEN_NOTE_QUAD XEN_ELFNOTE_VIRT_BASE,      0
    XEN_NOTE_QUAD XEN_ELFNOTE_PADDR_OFFSET,   0
    XEN_NOTE_QUAD XEN_ELFNOTE_ENTRY,          _start
    XEN_NOTE_QUAD XEN_ELFNOTE_HYPERCALL_PAGE, hypercall_page

/*
 * Boot vCPU entry (Xen x86-64 PV protocol): 64-bit mode, CPL3, rsi = start_info VA,
 * rsp = the builder's boot stack, all event upcall masks set.
 */
    .section .text.entry, "ax", @progbits
    .code64
    .globl _start
    .type _start, @function
_start:
    cld
    mov     %rsi, %rbx                  /* start_info */
    mov     %rsp, %rbp                  /* the builder's boot stack top */
    lea     pv_stacks + PV_STACK_SIZE(%rip), %rsp
    /* Clear .bss ourselves: it holds the event handler table and must start at zero. */
    lea     __bss_start(%rip), %rdi
    lea     __bss_end(%rip), %rcx
    sub     %rdi, %rcx
    xor     %eax, %eax
    rep stosb
    mov     %rbx, %rdi
    mov     %rbp, %rsi
    call    pv_start_c                  /* never returns */
    ud2
    .size _start, . - _start

/*
 * Secondary vCPU entry, started by VCPUOP_initialise + VCPUOP_up with rsp = the top of
 * its own stack (whose pv_cpu block the boot vCPU filled in) and rdi = its vCPU id.
 */
    .globl pv_secondary_start
    .type pv_secondary_start, @function
pv_secondary_start:
    cld
    and     $-16, %rsp
    call    pv_secondary_c              /* never returns */
    ud2
    .size pv_secondary_start, . - pv_secondary_start

/*
 * The hypercall page: the domain builder overwrites it with 128 stubs of 32 bytes
 * (call hypercall_page + nr * 32).  Until then every byte is int3, so a call into an
 * unfilled page faults at once instead of running off into other code.
 */
    .section .text.hypercall_page, "ax", @progbits
    .balign PV_PAGE_SIZE
    .globl hypercall_page
    .type hypercall_page, @object
hypercall_page:
    .fill PV_PAGE_SIZE, 1, 0xcc
    .size hypercall_page, PV_PAGE_SIZE

/* Stacks for every vCPU; each starts with its struct pv_cpu (see smp.c). */
    .section .pvstacks, "aw", @nobits
    .balign PV_PAGE_SIZE                /* pv.lds aligns the section to PV_STACK_SIZE */
    .globl pv_stacks
    .type pv_stacks, @object
pv_stacks:
    .skip PV_STACK_SIZE * PV_MAX_CPUS
    .size pv_stacks, . - pv_stacks

    .section .note.GNU-stack, "", @progbits
