/* setup_pvh.c: PVH boot in C: find Xen, hypercall page, shared_info, page tables, IDT. */
#include <xen/arch-x86/cpuid.h>
#include <xen/arch-x86/hvm/start_info.h>
#include <xen/hvm/hvm_op.h>
#include <xen/hvm/params.h>
#include <xen/memory.h>
#include <xen/sched.h>
#include <pvguest/console.h>
#include <pvguest/events.h>
#include <pvguest/hypercall.h>
#include <pvguest/mm.h>
#include <pvguest/printf.h>
#include <pvguest/sched.h>
#include <pvguest/smp.h>
#include <pvguest/start.h>
#include <pvguest/string.h>
#include <pvguest/time.h>

#define DEBUG_PORT    0xe9 /* Xen's HVM debug console: usable before anything else */
#define PTE_KERNEL    (_PAGE_PRESENT | _PAGE_RW | _PAGE_ACCESSED | _PAGE_DIRTY)
#define IDT_INTR_GATE 0x8e        /* present, DPL 0, 64-bit interrupt gate */
#define BOOT_CS64     0x08        /* head_pvh.S's code segment */
#define MAX_MAP       (1UL << 39) /* the 1:1 tables cover at most one L4 slot */

extern char __image_end[];
extern char pvh_event_entry[];

/* Called by head_pvh.S only. */
PV_NORETURN void pvh_start_c(const struct hvm_start_info *hsi);

struct idt_gate {
    uint16_t off_lo, sel;
    uint8_t ist, type;
    uint16_t off_mid;
    uint32_t off_hi, zero;
};

static start_info_t pvh_si; /* what a PV boot would have had: the runtime reads this */
static struct idt_gate idt[256] __attribute__((aligned(16)));
static char shared_info_page[PV_PAGE_SIZE]
    __attribute__((aligned(PV_PAGE_SIZE), section(".bss.page_aligned")));

static void debug_out(const char *s)
{
    for (; *s; s++)
        __asm__ __volatile__("outb %0, %1" ::"a"(*s), "Nd"((uint16_t)DEBUG_PORT));
}

/* Before the hypercall page exists the debug port is the only way out; then power off
 * (hlt with interrupts off: the vCPU goes down, and with it the domain). */
static PV_NORETURN void early_fail(const char *msg)
{
    debug_out(msg);
    for (;;)
        __asm__ __volatile__("cli; hlt");
}

static void cpuid(uint32_t leaf, uint32_t *a, uint32_t *b, uint32_t *c, uint32_t *d)
{
    __asm__ __volatile__("cpuid" : "=a"(*a), "=b"(*b), "=c"(*c), "=d"(*d) : "a"(leaf), "c"(0));
}

/* Xen's leaves may follow another hypervisor's: look every 0x100 from 0x40000000. */
static uint32_t xen_cpuid_base(void)
{
    for (uint32_t base = XEN_CPUID_FIRST_LEAF; base < XEN_CPUID_FIRST_LEAF + 0x10000;
         base += 0x100) {
        uint32_t a, b, c, d;
        cpuid(base, &a, &b, &c, &d);
        if (b == XEN_CPUID_SIGNATURE_EBX && c == XEN_CPUID_SIGNATURE_ECX &&
            d == XEN_CPUID_SIGNATURE_EDX && a - base >= 2)
            return base;
    }
    return 0;
}

/* Writing the page's physical address to the MSR that leaf base+2 names fills it. */
static void install_hypercall_page(void)
{
    uint32_t base = xen_cpuid_base(), a, msr, c, d;
    if (!base)
        early_fail("pvguest: no Xen CPUID leaves: not running on Xen or pvisor\n");
    cpuid(base + 2, &a, &msr, &c, &d);
    uint64_t pa = (uint64_t)(unsigned long)hypercall_page;
    __asm__ __volatile__("wrmsr" ::"c"(msr), "a"((uint32_t)pa), "d"((uint32_t)(pa >> 32))
                         : "memory");
}

static uint64_t hvm_param(uint32_t idx)
{
    struct xen_hvm_param p = {.domid = DOMID_SELF, .index = idx};
    long rc = HYPERVISOR_hvm_op(HVMOP_get_param, &p);
    if (rc) {
        printk("pvguest: HVMOP_get_param(%u) failed: %ld\n", idx, rc);
        pv_crash();
    }
    return p.value;
}

/* The first RAM entry of the memory map that contains our image: its end limits the
 * spare-page pool (the console and xenstore pages lie above, reserved). */
static unsigned long usable_ram_end(const struct hvm_start_info *hsi)
{
    const struct hvm_memmap_table_entry *m =
        (const struct hvm_memmap_table_entry *)(unsigned long)hsi->memmap_paddr;
    unsigned long img = (unsigned long)__image_end;
    for (uint32_t i = 0; hsi->version >= 1 && i < hsi->memmap_entries; i++)
        if (m[i].type == XEN_HVM_MEMMAP_TYPE_RAM && m[i].addr < img && m[i].addr + m[i].size >= img)
            return (unsigned long)(m[i].addr + m[i].size);
    early_fail("pvguest: the memory map has no RAM around the image\n");
}

/* A zeroed page for the tables (the pool is set up before). */
static uint64_t *table_page(void)
{
    uint64_t *p = pv_alloc_page();
    if (!p) {
        printk("pvguest: no memory for page tables\n");
        pv_crash();
    }
    return p;
}

/* The next-level table under entry e of table t, created if absent. */
static uint64_t *subtable(uint64_t *t, unsigned idx)
{
    if (!(t[idx] & _PAGE_PRESENT))
        t[idx] = (uint64_t)(unsigned long)table_page() | PTE_KERNEL;
    return (uint64_t *)(unsigned long)(t[idx] & PTE_FRAME_MASK);
}

/* 4 KiB 1:1 tables for [4 KiB, top) (page 0 stays unmapped: NULL faults), then cr3. */
static void build_page_tables(unsigned long top)
{
    uint64_t *l4 = table_page(), *l1 = NULL;
    unsigned long nr = 1;
    for (unsigned long va = PV_PAGE_SIZE; va < top; va += PV_PAGE_SIZE) {
        if (!l1 || !((va >> PV_PAGE_SHIFT) & 511)) {
            uint64_t *l3 = subtable(l4, (va >> 39) & 511);
            uint64_t *l2 = subtable(l3, (va >> 30) & 511);
            l1 = subtable(l2, (va >> 21) & 511);
            nr++;
        }
        l1[(va >> PV_PAGE_SHIFT) & 511] = va | PTE_KERNEL;
    }
    __asm__ __volatile__("mov %0, %%cr3" ::"r"(l4) : "memory");
    pvh_si.pt_base = (unsigned long)l4;
    pvh_si.nr_pt_frames = nr; /* L4 plus one per 2 MiB (L3/L2 tables not counted) */
}

static void setup_idt(void)
{
    unsigned long h = (unsigned long)pvh_event_entry;
    idt[PVH_EVENT_VECTOR] = (struct idt_gate){.off_lo = (uint16_t)h,
                                              .sel = BOOT_CS64,
                                              .type = IDT_INTR_GATE,
                                              .off_mid = (uint16_t)(h >> 16),
                                              .off_hi = (uint32_t)(h >> 32)};
    struct __attribute__((packed)) {
        uint16_t limit;
        uint64_t base;
    } d = {sizeof(idt) - 1, (uint64_t)(unsigned long)idt};
    __asm__ __volatile__("lidt %0" ::"m"(d));
}

static void map_shared_info(void)
{
    struct xen_add_to_physmap x = {.domid = DOMID_SELF,
                                   .space = XENMAPSPACE_shared_info,
                                   .idx = 0,
                                   .gpfn = pv_virt_to_mfn(shared_info_page)};
    long rc = HYPERVISOR_memory_op(XENMEM_add_to_physmap, &x);
    if (rc) {
        printk("pvguest: cannot place shared_info: %ld\n", rc);
        pv_crash();
    }
    HYPERVISOR_shared_info = (shared_info_t *)shared_info_page;
}

/* start_info as a PV boot would have it, from hvm_start_info and the HVM params. */
static void fill_start_info(const struct hvm_start_info *hsi)
{
    domid_t self = DOMID_SELF;
    strlcpy(pvh_si.magic, "xen-3.0-x86_64", sizeof(pvh_si.magic));
    pvh_si.nr_pages = (unsigned long)HYPERVISOR_memory_op(XENMEM_current_reservation, &self);
    pvh_si.shared_info = pv_virt_to_mfn(shared_info_page) << PV_PAGE_SHIFT;
    pvh_si.store_mfn = hvm_param(HVM_PARAM_STORE_PFN);
    pvh_si.store_evtchn = (uint32_t)hvm_param(HVM_PARAM_STORE_EVTCHN);
    pvh_si.console.domU.mfn = hvm_param(HVM_PARAM_CONSOLE_PFN);
    pvh_si.console.domU.evtchn = (uint32_t)hvm_param(HVM_PARAM_CONSOLE_EVTCHN);
    if (hsi->cmdline_paddr)
        strlcpy((char *)pvh_si.cmd_line, (const char *)(unsigned long)hsi->cmdline_paddr,
                sizeof(pvh_si.cmd_line));
    pv_start_info = &pvh_si;
}

void pvh_start_c(const struct hvm_start_info *hsi)
{
    pv_pvh = true;
    if (hsi->magic != XEN_HVM_START_MAGIC_VALUE)
        early_fail("pvguest: hvm_start_info magic is wrong\n");
    pv_smp_init_boot(); /* vCPU 0's block, without vcpu_info yet */
    install_hypercall_page();
    setup_idt();
    map_shared_info();
    fill_start_info(hsi);
    pv_smp_init_boot();
    pv_time_init();
    /* spare pages start after the image and the builder's boot data (right after it) */
    unsigned long boot_end =
        PV_MAX((unsigned long)hsi + sizeof(*hsi),
               (unsigned long)(hsi->memmap_paddr +
                               hsi->memmap_entries * sizeof(struct hvm_memmap_table_entry)));
    if (hsi->cmdline_paddr)
        boot_end =
            PV_MAX(boot_end, (unsigned long)hsi->cmdline_paddr +
                                 strlen((const char *)(unsigned long)hsi->cmdline_paddr) + 1);
    unsigned long top = PV_MIN(pvh_si.nr_pages << PV_PAGE_SHIFT, MAX_MAP);
    pv_mm_init_pvh(PV_MAX((unsigned long)__image_end, boot_end), usable_ram_end(hsi), top);
    build_page_tables(top);
    pv_runtime_main();
}
