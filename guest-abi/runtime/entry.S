/* entry.S: event upcall and failsafe entry points (Xen x86-64 PV bounce frames). */
#include <xen/xen.h>

/*
 * Event upcall.  The hypervisor pushed a bounce frame on the interrupted stack and
 * masked events:  rsp -> rcx, r11, rip, cs, rflags, rsp, ss.  Every other register
 * holds the interrupted value.  We restore rcx/r11 from the frame, save all registers,
 * run the C dispatcher, restore, and leave with HYPERVISOR_iret, which reloads
 * rip/rsp/rflags and sets the upcall mask back to !rflags.IF (the pre-event mask).
 */
    .text
    .code64
    .globl pv_hypervisor_callback
    .type pv_hypervisor_callback, @function
pv_hypervisor_callback:
    pop     %rcx
    pop     %r11
    /* rsp -> rip, cs, rflags, rsp, ss: a plain iret frame */
    push    %rax
    push    %rbx
    push    %rcx
    push    %rdx
    push    %rsi
    push    %rdi
    push    %rbp
    push    %r8
    push    %r9
    push    %r10
    push    %r11
    push    %r12
    push    %r13
    push    %r14
    push    %r15
    cld
    mov     %rsp, %rbp              /* callee-saved: restores rsp after the call */
    and     $-16, %rsp
    call    pv_evtchn_do_upcall
    mov     %rbp, %rsp
    pop     %r15
    pop     %r14
    pop     %r13
    pop     %r12
    pop     %r11
    pop     %r10
    pop     %r9
    pop     %r8
    pop     %rbp
    pop     %rdi
    pop     %rsi
    pop     %rdx
    pop     %rcx
    pop     %rbx
    pop     %rax
    pushq   $0                      /* iret flags: a normal (not sysret-style) return */
    jmp     hypercall_page + __HYPERVISOR_iret * 32
    .size pv_hypervisor_callback, . - pv_hypervisor_callback

/*
 * Failsafe callback: the hypervisor could not load a segment on the way back to us.
 * This runtime never loads segments, so it is a fatal runtime bug: report and crash.
 */
    .globl pv_failsafe_callback
    .type pv_failsafe_callback, @function
pv_failsafe_callback:
    cld
    mov     %rsp, %rdi              /* rcx, r11, ds, es, fs, gs, rip, cs, rflags, rsp, ss */
    and     $-16, %rsp
    call    pv_failsafe_c           /* never returns */
    ud2
    .size pv_failsafe_callback, . - pv_failsafe_callback

    .section .note.GNU-stack, "", @progbits
