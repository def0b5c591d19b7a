/* abi_emit32.c: evaluates abi_items.def (and, with ABI_EMIT_COMPAT, abi_compat.def) in a -m32 compile and writes the values into the assembler output. */
/*
 * No 32-bit libc is installed, so this file is only compiled to assembly
 * (-m32 -ffreestanding -S); abi_asm2c.awk turns the "@ABI@" lines into C tables.
 */
#include "abi_headers.h"

/* hi, lo, b, c are printed as bare integers (%c). */
#define ABI_EMIT_(tag, kind, name, a, b, c)                                                \
    __asm__ volatile(".ascii \"@ABI@ " tag " " kind " %c0 %c1 %c2 %c3 @" name "@\"" ::      \
                         "i"((unsigned)((unsigned long long)(a) >> 32)),                  \
                     "i"((unsigned)(unsigned long long)(a)), "i"((unsigned)(b)),           \
                     "i"((unsigned)(c)))
#define ABI_SIGNED_(t) ((t)-1 < (t)1)

/* Strings: an object named abi_s_<id> next to a marker naming the id. */
#define ABI_STR_(tag, id, name, x)                                                        \
    do {                                                                                  \
        static const char abi_s_##id[] __attribute__((used)) = x;                         \
        __asm__ volatile(".ascii \"@ABI@ " tag " S " #id " 0 0 0 @" name "@\"");           \
    } while (0);
#define ABI_STR(tag, id, name, x) ABI_STR_(tag, id, name, x)

void abi_emit_items(void);
void abi_emit_items(void)
{
#define ABI_SECTION(n) ABI_EMIT_("items", "#", #n, 0, 0, 0);
#define K(x) ABI_EMIT_("items", "K", #x, x, sizeof(x), ABI_SIGNED_(__typeof__(x)));
#define S(x) ABI_STR("items", __COUNTER__, #x, x)
#define T(t) ABI_EMIT_("items", "T", #t, sizeof(t), _Alignof(t), ABI_SIGNED_(t));
#define Z(t) ABI_EMIT_("items", "Z", #t, sizeof(t), _Alignof(t), 0);
#define O(t, m) ABI_EMIT_("items", "O", #t "." #m, offsetof(t, m), sizeof(((t *)0)->m), 0);
#define F(t, m) ABI_EMIT_("items", "F", #t "." #m, offsetof(t, m), 0, 0);
#ifdef ABI_EMIT_COMPAT /* the Xen-side build */
#define ABI_PICK_(xen, ours) xen
#else
#define ABI_PICK_(xen, ours) ours
#endif
#define XK(x, o) ABI_EMIT_("items", "K", #o, ABI_PICK_(x, o), sizeof(ABI_PICK_(x, o)), ABI_SIGNED_(__typeof__(ABI_PICK_(x, o))));
#define XZ(x, o) ABI_EMIT_("items", "Z", #o, sizeof(ABI_PICK_(x, o)), _Alignof(ABI_PICK_(x, o)), 0);
#define XO(x, o, m) ABI_EMIT_("items", "O", #o "." #m, offsetof(ABI_PICK_(x, o), m), sizeof(((ABI_PICK_(x, o) *)0)->m), 0);
#include "abi_items.def"
#undef ABI_SECTION
}

#ifdef ABI_EMIT_COMPAT
/* The Xen half of each compat item, named after our compat type. */
void abi_emit_compat(void);
void abi_emit_compat(void)
{
#define ABI_SECTION(n) ABI_EMIT_("compat", "#", #n, 0, 0, 0);
#define CK(xen_expr, our_expr) ABI_EMIT_("compat", "K", #our_expr, xen_expr, 0, 0);
#define CZ(xen_t, our_t) ABI_EMIT_("compat", "Z", #our_t, sizeof(xen_t), _Alignof(xen_t), 0);
#define CO(xen_t, our_t, m)                                                               \
    ABI_EMIT_("compat", "O", #our_t "." #m, offsetof(xen_t, m), sizeof(((xen_t *)0)->m), 0);
#include "abi_compat.def"
}
#endif
