/*
 * crash.c: a PV guest that faults on purpose, to exercise crash reports.  Command line:
 * "fault=ud2|pf|null|gp|de" (or the bare word); ud2 is the default.
 */
#include <pvguest/pvguest.h>

/* Lower half, far above anything the builder maps: its L4 slot is empty. */
#define UNMAPPED_VA 0x00007ff000000000UL
/* Not canonical (between the halves): any access raises #GP. */
#define NONCANONICAL_VA 0x8000000000000000UL

struct fault {
    const char *name;
    const char *what;
    void (*trigger)(void);
};

static void do_ud2(void)
{
    __asm__ __volatile__("ud2");
}

static void do_pf(void)
{
    *(volatile unsigned long *)UNMAPPED_VA = 0x1234;
}

static void do_null(void)
{
    /* Page 0 is unmapped by the runtime; hide the NULL from the optimiser. */
    volatile unsigned long *p;
    __asm__("xor %k0, %k0" : "=r"(p));
    (void)*p;
}

static void do_gp(void)
{
    unsigned long v;
    __asm__ __volatile__("movabs %1, %%rax; mov (%%rax), %0"
                         : "=r"(v)
                         : "i"(NONCANONICAL_VA)
                         : "rax", "memory");
    (void)v;
}

static void do_de(void)
{
    unsigned long zero = 0, q;
    __asm__ __volatile__("xor %%edx, %%edx; mov $1, %%eax; div %%rcx"
                         : "=a"(q)
                         : "c"(zero)
                         : "rdx");
    (void)q;
}

static const struct fault faults[] = {
    {"ud2", "#UD: executing ud2", do_ud2},
    {"pf", "#PF: writing to unmapped address 0x7ff000000000", do_pf},
    {"null", "#PF: reading through a NULL pointer", do_null},
    {"gp", "#GP: reading non-canonical address 0x8000000000000000", do_gp},
    {"de", "#DE: dividing by zero", do_de},
};

int main(const char *cmdline)
{
    char want[16] = "ud2";
    if (!pv_cmdline_get(cmdline, "fault", want, sizeof(want)))
        (void)pv_cmdline_word(cmdline, 0, want, sizeof(want));

    const struct fault *f = NULL;
    for (size_t i = 0; i < ARRAY_SIZE(faults); i++)
        if (!strcmp(faults[i].name, want))
            f = &faults[i];
    if (!f) {
        printk("crash: unknown fault \"%s\" (use ud2, pf, null, gp or de); using ud2\n", want);
        f = &faults[0];
    }
    printk("crash: about to fault on purpose: %s\n", f->what);
    f->trigger();
    printk("crash: still alive after %s: the fault was not raised\n", f->name);
    return 1;
}
