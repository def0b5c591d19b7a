/* mem.c: selftest of memory_op, mmu_update, update_va_mapping, mmuext_op and vm_assist. */
#include <xen/memory.h>
#include "st.h"

#define NONCANONICAL_VA 0x8000000000000000UL
#define NO_L1_VA        0x00007ff000000000UL /* lower half, no page tables built there */
#define PATTERN_A       0x0123456789abcdefUL
#define PATTERN_B       0xfedcba9876543210UL

/* One E820 entry as XENMEM_memory_map returns them (packed, 20 bytes). */
struct e820_entry {
    uint64_t addr, size;
    uint32_t type;
} __attribute__((packed));
#define E820_RAM 1

/* A page of our image that tests remap at will (its L1 table exists). */
static volatile unsigned long window[PV_PAGE_SIZE / sizeof(unsigned long)]
    __attribute__((aligned(PV_PAGE_SIZE)));

static long reservation(unsigned int cmd, xen_pfn_t *frame)
{
    struct xen_memory_reservation r = {.nr_extents = 1, .extent_order = 0, .domid = DOMID_SELF};
    set_xen_guest_handle(r.extent_start, frame);
    return HYPERVISOR_memory_op(cmd, &r);
}

static void st_memory_map(void)
{
    static struct e820_entry map[32];
    struct xen_memory_map mm = {.nr_entries = ARRAY_SIZE(map)};
    set_xen_guest_handle(mm.buffer, map);
    long rc = HYPERVISOR_memory_op(XENMEM_memory_map, &mm);
    if (rc == -ENOSYS) { /* Xen's answer when the toolstack set no map for a PV guest */
        st_eq(rc, -ENOSYS, "memory_op memory_map: no map set for this PV domain");
        return;
    }
    if (!st_eq(rc, 0, "memory_op memory_map"))
        return;
    uint64_t ram = 0, top = (uint64_t)pv_nr_pages() * PV_PAGE_SIZE;
    for (unsigned int i = 0; i < mm.nr_entries && i < ARRAY_SIZE(map); i++)
        if (map[i].type == E820_RAM || (pv_pvh && map[i].addr + map[i].size <= top))
            ram += map[i].size; /* PVH: the console and xenstore pages are RAM, reserved */
    st_ok(mm.nr_entries >= 1 && mm.nr_entries <= ARRAY_SIZE(map), mm.nr_entries, "1..32",
          "memory_map entry count");
    st_ok(ram >= (uint64_t)pv_nr_pages() * PV_PAGE_SIZE, (long)(ram >> 10),
          "at least the domain's RAM (KiB)", "memory_map RAM covers nr_pages");
}

/* Gives one spare page back and gets one again (Xen: counts of extents done). */
static void st_reservation(void)
{
    domid_t self = DOMID_SELF;
    long cur = HYPERVISOR_memory_op(XENMEM_current_reservation, &self);
    long max = HYPERVISOR_memory_op(XENMEM_maximum_reservation, &self);
    st_eq(cur, (long)pv_nr_pages(), "memory_op current_reservation is start_info.nr_pages");
    st_ok(max >= cur, max, ">= current_reservation", "memory_op maximum_reservation");

    unsigned long *page = pv_alloc_page();
    if (!st_ok(page != NULL, 0, "a spare page", "runtime has a spare page to give back"))
        return;
    unsigned long va = (unsigned long)page;
    xen_pfn_t frame = pv_virt_to_mfn(page);
    if (!pv_pvh) /* PVH: guest frames are what our own page tables map; nothing to undo */
        st_eq(pv_map_frame(va, 0, 0), 0, "update_va_mapping unmaps the page before release");
    st_eq(reservation(XENMEM_decrease_reservation, &frame), 1,
          "memory_op decrease_reservation of one page releases 1 extent");
    st_eq(HYPERVISOR_memory_op(XENMEM_current_reservation, &self), cur - 1,
          "current_reservation dropped by one");
    xen_pfn_t bogus = 1UL << 40;
    st_eq(reservation(XENMEM_decrease_reservation, &bogus), 0,
          "decrease_reservation of a frame we do not own releases 0 extents");

    xen_pfn_t got = ~0UL;
    st_eq(reservation(XENMEM_increase_reservation, &got), 1,
          "memory_op increase_reservation of one page gets 1 extent");
    st_eq(HYPERVISOR_memory_op(XENMEM_current_reservation, &self), cur,
          "current_reservation back to start");
    if (!st_ok(got < (1UL << 36), (long)got, "a frame number", "increase_reservation frame"))
        return;
    if (pv_pvh ? st_eq((long)got, (long)frame, "the released frame comes back (PVH: 1:1)")
               : st_eq(pv_map_frame(va, got, PV_PTE_RW), 0, "map the new frame")) {
        page[0] = PATTERN_A;
        page[511] = PATTERN_B;
        st_ok(page[0] == PATTERN_A && page[511] == PATTERN_B, (long)page[0], "the pattern",
              "the new frame holds what we write");
    }
    st_eq(HYPERVISOR_memory_op(999, NULL), -ENOSYS, "memory_op unknown command 999");
}

void st_memory(void)
{
    st_memory_map();
    st_reservation();
}

static long mmu_set(uint64_t ptr, uint64_t val, unsigned int *done)
{
    mmu_update_t req = {.ptr = ptr | MMU_NORMAL_PT_UPDATE, .val = val};
    return HYPERVISOR_mmu_update(&req, 1, done, DOMID_SELF);
}

static long mmuext(unsigned int cmd, unsigned long arg1, unsigned int *done)
{
    struct mmuext_op op = {.cmd = cmd};
    op.arg1.linear_addr = arg1;
    return HYPERVISOR_mmuext_op(&op, 1, done, DOMID_SELF);
}

/* mmu_update: write the window's PTE to show another page, read through it, restore. */
static void st_mmu_update(volatile unsigned long *target, uint64_t orig_pte, uint64_t pte_ma)
{
    unsigned long va = (unsigned long)window;
    unsigned int done = 99;
    uint64_t pte = ((uint64_t)pv_virt_to_mfn((const void *)target) << PV_PAGE_SHIFT) | PV_PTE_RW;
    target[7] = PATTERN_A;
    window[7] = PATTERN_B;

    st_eq(mmu_set(pte_ma, pte, &done), 0, "mmu_update of the window's L1 entry");
    st_eq(done, 1, "mmu_update success_count");
    st_eq(mmuext(MMUEXT_INVLPG_LOCAL, va, &done), 0, "mmuext_op invlpg_local of the window");
    st_ok(window[7] == PATTERN_A, (long)window[7], "the target page's pattern",
          "reading through the remapped window");
    window[8] = PATTERN_B;
    st_ok(target[8] == PATTERN_B, (long)target[8], "the value written via the window",
          "writing through the remapped window");
    st_eq(mmu_set(pte_ma, orig_pte, &done), 0, "mmu_update restores the window");
    st_eq(mmuext(MMUEXT_TLB_FLUSH_LOCAL, 0, &done), 0, "mmuext_op tlb_flush_local");
    st_ok(window[7] == PATTERN_B, (long)window[7], "the window's own pattern",
          "window shows its own page again");

    /* 32 TiB: far beyond our RAM and the hypervisor-owned frames just past it. */
    st_eq(mmu_set(1ULL << 45, 0, &done), -EINVAL, "mmu_update with a ptr outside our memory");
    /* Frame 2^38 (address bit 50, inside the PTE's address field): not ours. */
    st_eq(mmu_set(pte_ma, ((1ULL << 38) << PV_PAGE_SHIFT) | PV_PTE_RW, &done), -EPERM,
          "mmu_update mapping a frame that is not ours");
    st_eq(pv_pte_lookup(va, &pte, NULL), 0, "window PTE readable");
    st_ok(pte == orig_pte, (long)pte, "the original PTE", "refused mmu_update left the PTE alone");
}

static void st_update_va_mapping(volatile unsigned long *target, uint64_t orig_pte)
{
    unsigned long va = (unsigned long)window;
    uint64_t pte = ((uint64_t)pv_virt_to_mfn((const void *)target) << PV_PAGE_SHIFT) | PV_PTE_RO;
    target[9] = PATTERN_A;
    window[9] = PATTERN_B;
    st_eq(HYPERVISOR_update_va_mapping(va, pte, UVMF_INVLPG), 0,
          "update_va_mapping window -> spare page (read-only)");
    st_ok(window[9] == PATTERN_A, (long)window[9], "the target page's pattern",
          "reading through update_va_mapping's mapping");
    st_eq(HYPERVISOR_update_va_mapping(va, orig_pte, UVMF_TLB_FLUSH | UVMF_LOCAL), 0,
          "update_va_mapping restores the window (flush local)");
    st_ok(window[9] == PATTERN_B, (long)window[9], "the window's own pattern",
          "window shows its own page again");
    st_eq(HYPERVISOR_update_va_mapping(NO_L1_VA, pte, UVMF_INVLPG), -EINVAL,
          "update_va_mapping where no L1 table exists");
    st_eq(HYPERVISOR_update_va_mapping(NONCANONICAL_VA, pte, UVMF_INVLPG), -EINVAL,
          "update_va_mapping of a non-canonical address");
}

static void st_mmuext(void)
{
    unsigned int done = 99;
    st_eq(mmuext(MMUEXT_TLB_FLUSH_ALL, 0, &done), 0, "mmuext_op tlb_flush_all");
    st_eq(done, 1, "mmuext_op success_count");
    st_eq(mmuext(MMUEXT_INVLPG_ALL, (unsigned long)window, &done), 0, "mmuext_op invlpg_all");
    /* Reloading the current base pointer is a no-op Xen accepts. */
    st_eq(mmuext(MMUEXT_NEW_BASEPTR, pv_virt_to_mfn((void *)pv_start_info->pt_base), &done), 0,
          "mmuext_op new_baseptr with the current L4");
    window[10] = PATTERN_A;
    st_ok(window[10] == PATTERN_A, (long)window[10], "what we wrote",
          "memory works after new_baseptr");
    st_eq(mmuext(99, 0, &done), -ENOSYS, "mmuext_op unknown command 99");
}

static void st_vm_assist(void)
{
    st_eq(HYPERVISOR_vm_assist(VMASST_CMD_enable, VMASST_TYPE_runstate_update_flag), 0,
          "vm_assist enable runstate_update_flag");
    st_eq(HYPERVISOR_vm_assist(VMASST_CMD_disable, VMASST_TYPE_runstate_update_flag), 0,
          "vm_assist disable runstate_update_flag");
    st_eq(HYPERVISOR_vm_assist(VMASST_CMD_enable, 31), -EINVAL, "vm_assist unknown type 31");
    st_eq(HYPERVISOR_vm_assist(VMASST_CMD_enable, 64), -EINVAL, "vm_assist type 64");
    st_eq(HYPERVISOR_vm_assist(7, VMASST_TYPE_runstate_update_flag), -ENOSYS,
          "vm_assist unknown command 7");
}

void st_mmu(void)
{
    if (pv_pvh) { /* the guest owns its page tables: PV-only calls, not in Xen's HVM table */
        unsigned int done = 99;
        st_eq(mmu_set(0, 0, &done), -ENOSYS, "mmu_update is PV-only (PVH)");
        st_eq(HYPERVISOR_update_va_mapping((unsigned long)window, 0, UVMF_INVLPG), -ENOSYS,
              "update_va_mapping is PV-only (PVH)");
        st_eq(mmuext(MMUEXT_TLB_FLUSH_LOCAL, 0, &done), -ENOSYS, "mmuext_op is PV-only (PVH)");
        st_vm_assist();
        return;
    }
    volatile unsigned long *target = pv_alloc_page();
    uint64_t orig_pte = 0, pte_ma = 0;
    if (st_ok(target != NULL, 0, "a spare page", "runtime has a spare page to map") &&
        st_eq(pv_pte_lookup((unsigned long)window, &orig_pte, &pte_ma), 0,
              "page-table walk finds the window's L1 entry")) {
        st_mmu_update(target, orig_pte, pte_ma);
        st_update_va_mapping(target, orig_pte);
    }
    st_mmuext();
    st_vm_assist();
}
