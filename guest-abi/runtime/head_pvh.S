/* head_pvh.S: PVH start code: PHYS32_ENTRY note, 32-bit entry to long mode, event vector. */
#include <xen/elfnote.h>
#include <pvguest/layout.h>

#define BOOT_CS64   0x08
#define BOOT_DS     0x10
#define CR0_PE_WP_PG 0x80010001
#define CR4_PAE     0x20
#define MSR_EFER    0xc0000080
#define EFER_LME    0x100
#define PDE_2M      0x83 /* present, writable, 2 MiB page */
#define TABLE       0x03 /* present, writable */

/* XEN_ELFNOTE_PHYS32_ENTRY: Xen's PVH builders start the boot vCPU here. */
    .section .note.Xen, "a", @note
    .balign 4
    .long 4                             /* namesz */
    .long 4                             /* descsz */
    .long XEN_ELFNOTE_PHYS32_ENTRY
    .asciz "Xen"
    .balign 4
    .long pvh_start32
    .balign 4

/*
 * Entry (Xen's PVH ABI): 32-bit flat protected mode, paging off, interrupts off,
 * ebx = physical address of hvm_start_info.  The image is linked at its physical
 * address, so the boot tables map the first GiB 1:1 with 2 MiB pages; the C code
 * replaces them with 4 KiB tables covering the domain's RAM.
 */
    .section .text.pvh, "ax", @progbits
    .code32
    .globl pvh_start32
    .type pvh_start32, @function
pvh_start32:
    cld
    cli
    mov     %ebx, %esi
    mov     $pvh_boot_pd, %edi
    mov     $PDE_2M, %eax
    xor     %ecx, %ecx
1:  mov     %eax, (%edi,%ecx,8)
    movl    $0, 4(%edi,%ecx,8)
    add     $0x200000, %eax
    inc     %ecx
    cmp     $512, %ecx
    jb      1b
    movl    $pvh_boot_pd + TABLE, pvh_boot_pdpt
    movl    $pvh_boot_pdpt + TABLE, pvh_boot_pml4
    lgdt    pvh_gdt_desc
    mov     %cr4, %eax
    or      $CR4_PAE, %eax
    mov     %eax, %cr4
    mov     $pvh_boot_pml4, %eax
    mov     %eax, %cr3
    mov     $MSR_EFER, %ecx
    rdmsr
    or      $EFER_LME, %eax
    wrmsr
    mov     %cr0, %eax
    or      $CR0_PE_WP_PG, %eax
    mov     %eax, %cr0
    ljmp    $BOOT_CS64, $pvh_start64
    .size pvh_start32, . - pvh_start32

    .code64
pvh_start64:
    mov     $BOOT_DS, %eax
    mov     %eax, %ds
    mov     %eax, %es
    mov     %eax, %ss
    mov     %eax, %fs
    mov     %eax, %gs
    lea     pv_stacks + PV_STACK_SIZE(%rip), %rsp
    mov     %esi, %ebx                  /* hvm_start_info, zero-extended */
    /* Clear .bss ourselves, as the PV start code does. */
    lea     __bss_start(%rip), %rdi
    lea     __bss_end(%rip), %rcx
    sub     %rdi, %rcx
    xor     %eax, %eax
    rep stosb
    mov     %rbx, %rdi
    call    pvh_start_c                 /* never returns */
    ud2

/*
 * The event vector (HVM_PARAM_CALLBACK_IRQ): an interrupt gate, so interrupts are off
 * inside.  Saves the registers the C ABI lets a call clobber, runs the upcall on the
 * interrupted stack (no red zone in this runtime) and returns with iretq.
 */
    .globl pvh_event_entry
    .type pvh_event_entry, @function
pvh_event_entry:
    push    %rax
    push    %rcx
    push    %rdx
    push    %rsi
    push    %rdi
    push    %r8
    push    %r9
    push    %r10
    push    %r11
    push    %rbp
    mov     %rsp, %rbp
    and     $-16, %rsp
    cld
    call    pvh_upcall
    mov     %rbp, %rsp
    pop     %rbp
    pop     %r11
    pop     %r10
    pop     %r9
    pop     %r8
    pop     %rdi
    pop     %rsi
    pop     %rdx
    pop     %rcx
    pop     %rax
    iretq
    .size pvh_event_entry, . - pvh_event_entry

    .section .rodata
    .balign 8
pvh_gdt:
    .quad 0
    .quad 0x00af9b000000ffff            /* BOOT_CS64: 64-bit code, DPL 0 */
    .quad 0x00cf93000000ffff            /* BOOT_DS: flat data */
pvh_gdt_end:
pvh_gdt_desc:
    .word pvh_gdt_end - pvh_gdt - 1
    .quad pvh_gdt

/* Boot page tables, in .data: the .bss clear must not wipe tables in use. */
    .section .data
    .balign PV_PAGE_SIZE
pvh_boot_pml4:
    .fill PV_PAGE_SIZE, 1, 0
pvh_boot_pdpt:
    .fill PV_PAGE_SIZE, 1, 0
pvh_boot_pd:
    .fill PV_PAGE_SIZE, 1, 0

    .section .note.GNU-stack, "", @progbits
