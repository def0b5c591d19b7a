/* test_dombuild.c: Check suite for the PV layout and the builder's guest-memory output. */
#include <check.h>

#include "check_run.h"
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <xen/elfnote.h>
#include <xen/xen.h>

#include <pvisor/dombuild.h>

#include "test_elf_img.h"

#define PG     4096ull
#define MIB    (1ull << 20)
#define FOURMB (4ull << 20)

static char err[512];

/* Invariants every layout must satisfy. */
static void check_layout(const struct pv_layout *l)
{
    uint64_t vb = l->virt_base, last = l->map_end - 1;

    ck_assert_uint_eq(l->map_end % FOURMB, 0);
    ck_assert_uint_ge(l->map_end, pv_layout_va(l, l->free_pfn) + 512 * 1024);
    ck_assert_uint_lt(l->map_end - FOURMB, pv_layout_va(l, l->free_pfn) + 512 * 1024);
    ck_assert_uint_eq(l->p2m_pfn, l->kernel_pfn + l->kernel_pages);
    ck_assert_uint_ge(l->p2m_pages * PG, l->nr_pages * 8);
    ck_assert_uint_eq(l->start_info_pfn, l->p2m_pfn + l->p2m_pages);
    ck_assert_uint_eq(l->store_pfn, l->start_info_pfn + 1);
    ck_assert_uint_eq(l->console_pfn, l->store_pfn + 1);
    ck_assert_uint_eq(l->pt_pfn, l->console_pfn + 1);
    ck_assert_uint_eq(l->nr_l3, (last >> 39) - (vb >> 39) + 1);
    ck_assert_uint_eq(l->nr_l2, (last >> 30) - (vb >> 30) + 1);
    ck_assert_uint_eq(l->nr_l1, (last >> 21) - (vb >> 21) + 1);
    ck_assert_uint_eq(l->nr_pt_frames, 1 + l->nr_l3 + l->nr_l2 + l->nr_l1);
    ck_assert_uint_eq(l->stack_pfn, l->pt_pfn + l->nr_pt_frames);
    ck_assert_uint_eq(l->free_pfn, l->stack_pfn + 1);
    ck_assert_uint_le((l->map_end - vb) / PG, l->nr_pages);
}

START_TEST(t_layout_basic)
{
    struct pv_layout l;

    ck_assert_int_eq(pv_layout_compute(0, 0x1000, 0x9000, 4096, &l, err, sizeof(err)), 0);
    check_layout(&l);
    ck_assert_uint_eq(l.kernel_pfn, 1);
    ck_assert_uint_eq(l.kernel_pages, 8);
    ck_assert_uint_eq(l.p2m_pfn, 9);
    ck_assert_uint_eq(l.p2m_pages, 8);
    ck_assert_uint_eq(l.start_info_pfn, 17);
    ck_assert_uint_eq(l.pt_pfn, 20);
    ck_assert_uint_eq(l.nr_pt_frames, 5); /* L4, L3, L2, two L1s for 4 MiB */
    ck_assert_uint_eq(l.stack_pfn, 25);
    ck_assert_uint_eq(l.map_end, FOURMB);
}
END_TEST

/* The page tables themselves push the mapping over the 4 MiB line: one more round. */
START_TEST(t_layout_iterates)
{
    struct pv_layout l;
    uint64_t kend = 858 * PG; /* p2m 32 pages, 3 boot pages: tables start at pfn 893 */

    ck_assert_int_eq(pv_layout_compute(0, 0x1000, kend, 16384, &l, err, sizeof(err)), 0);
    check_layout(&l);
    ck_assert_uint_eq(l.pt_pfn, 893);
    ck_assert_uint_eq(l.map_end, 2 * FOURMB);
    ck_assert_uint_eq(l.nr_l1, 4);
}
END_TEST

START_TEST(t_layout_many)
{
    static const uint64_t bases[] = {0,
                                     0x1000,
                                     0x200000,
                                     0x3ff000,
                                     0x40000000 - 0x200000,
                                     (1ull << 39) - 0x600000,
                                     0x7f0000000000ull};
    struct pv_layout l;
    uint64_t ksize, pages;
    size_t b;

    for (b = 0; b < sizeof(bases) / sizeof(bases[0]); b++)
        for (ksize = PG; ksize < 40 * MIB; ksize = ksize * 3 + PG)
            for (pages = 16384; pages <= (1u << 20); pages *= 4) {
                int ret = pv_layout_compute(bases[b], bases[b], bases[b] + ksize, pages, &l, err,
                                            sizeof(err));

                ck_assert_msg(ret == 0 || ret == -ENOMEM, "%d %s", ret, err);
                if (ret == 0)
                    check_layout(&l);
            }
}
END_TEST

START_TEST(t_layout_upper_half)
{
    struct pv_layout l;
    uint64_t hi = 0xffffffff80000000ull, top = 1ull << 47;

    ck_assert_int_eq(pv_layout_compute(hi, hi, hi + MIB, 4096, &l, err, sizeof(err)), -EINVAL);
    ck_assert_ptr_nonnull(strstr(err, "upper-half kernels are not supported"));
    ck_assert_int_eq(
        pv_layout_compute(top - 0x80000, top - 0x80000, top - 0x7f000, 4096, &l, err, sizeof(err)),
        -EINVAL);
    ck_assert_ptr_nonnull(strstr(err, "upper-half kernels are not supported"));
}
END_TEST

START_TEST(t_layout_bad_input)
{
    struct pv_layout l;

    ck_assert_int_eq(pv_layout_compute(0x1234, 0x2000, 0x3000, 4096, &l, err, sizeof(err)),
                     -EINVAL);
    ck_assert_int_eq(pv_layout_compute(0x2000, 0x1000, 0x3000, 4096, &l, err, sizeof(err)),
                     -EINVAL);
    ck_assert_int_eq(pv_layout_compute(0, 0x1000, 0x1000, 4096, &l, err, sizeof(err)), -EINVAL);
    ck_assert_int_eq(pv_layout_compute(0, 0, 0x1000, 0, &l, err, sizeof(err)), -EINVAL);
    ck_assert_int_eq(pv_layout_compute(0, 0, 0x1000, 1ull << 62, &l, err, sizeof(err)), -EINVAL);
}
END_TEST

START_TEST(t_layout_too_small)
{
    struct pv_layout l;

    ck_assert_int_eq(pv_layout_compute(0, 0, 20 * MIB, 4096, &l, err, sizeof(err)), -ENOMEM);
    ck_assert_ptr_nonnull(strstr(err, "memory 16 MiB too small for kernel of 20 MiB"));
    /* 4 MiB of RAM holds a tiny kernel (mapping ends at 4 MiB) ... */
    ck_assert_int_eq(pv_layout_compute(0, 0x1000, 0x9000, 1024, &l, err, sizeof(err)), 0);
    /* ... but not one that needs the mapping to reach 8 MiB. */
    ck_assert_int_eq(pv_layout_compute(0, 0x1000, 0x380000, 1024, &l, err, sizeof(err)), -ENOMEM);
}
END_TEST

/* ---- the builder's memory image ---------------------------------------------------- */

#define NR_PAGES 4096ull /* 16 MiB */
#define VB       0x400000ull

static uint8_t *mem;
static uint8_t elfbuf[1 << 20];
static struct elf_image img;
static struct pv_layout lay;

static void mem_setup(void)
{
    mem = malloc(NR_PAGES * PG);
    ck_assert_ptr_nonnull(mem);
    memset(mem, 0x5a, NR_PAGES * PG); /* the builder must not rely on zeroed memory */
}

static void mem_teardown(void)
{
    free(mem);
}

static int parse_spec(const struct timg_spec *s)
{
    size_t n = timg_build(s, elfbuf, sizeof(elfbuf), NULL);

    ck_assert_uint_gt(n, 0);
    return elf_parse(&img, elfbuf, n, "kernel k", err, sizeof(err));
}

static int build_into_mem(const struct timg_spec *s, const char *cmdline)
{
    struct pv_boot_info bi = {.shared_info_pfn = NR_PAGES + 1,
                              .store_evtchn = 5,
                              .console_evtchn = 6,
                              .cmdline = cmdline};

    ck_assert_int_eq(parse_spec(s), 0);
    return dombuild_pv_memory(&img, "kernel k", mem, NR_PAGES, &bi, &lay, err, sizeof(err));
}

static uint64_t rd64(uint64_t pa)
{
    uint64_t v;

    ck_assert_uint_lt(pa, NR_PAGES * PG);
    memcpy(&v, mem + pa, 8);
    return v;
}

/* Walks the 4-level tables at cr3. Returns the physical address of va or ~0 if it is
 * not mapped; every level must be PRESENT|RW|USER|ACCESSED, leaves also DIRTY. */
static uint64_t walk(uint64_t cr3, uint64_t va)
{
    const uint64_t need = 0x27, addr_mask = 0x000ffffffffff000ull;
    uint64_t table = cr3, e = 0;
    int level;

    for (level = 3; level >= 0; level--) {
        e = rd64(table + ((va >> (12 + 9 * level)) & 511) * 8);
        if (!(e & 1))
            return ~0ull;
        ck_assert_uint_eq(e & need, need);
        ck_assert_uint_eq(e & 0x80, 0); /* no large pages */
        table = e & addr_mask;
    }
    ck_assert_uint_eq(e & 0x40, 0x40);
    return table | (va & 0xfff);
}

static void expect_va(uint64_t va, uint64_t pfn)
{
    ck_assert_uint_eq(walk(lay.pt_pfn * PG, va), pfn * PG + (va & 0xfff));
}

START_TEST(t_build_start_info)
{
    struct timg_spec s;
    const struct start_info *si;

    timg_pv64(&s, VB);
    ck_assert_int_eq(build_into_mem(&s, "console=hvc0 hello"), 0);
    check_layout(&lay);
    si = (const struct start_info *)(mem + lay.start_info_pfn * PG);
    ck_assert_str_eq(si->magic, "xen-3.0-x86_64");
    ck_assert_uint_eq(si->nr_pages, NR_PAGES);
    ck_assert_uint_eq(si->shared_info, (NR_PAGES + 1) * PG);
    ck_assert_uint_eq(si->flags, 0);
    ck_assert_uint_eq(si->store_mfn, lay.store_pfn);
    ck_assert_uint_eq(si->store_evtchn, 5);
    ck_assert_uint_eq(si->console.domU.mfn, lay.console_pfn);
    ck_assert_uint_eq(si->console.domU.evtchn, 6);
    ck_assert_uint_eq(si->pt_base, VB + lay.pt_pfn * PG);
    ck_assert_uint_eq(si->nr_pt_frames, lay.nr_pt_frames);
    ck_assert_uint_eq(si->mfn_list, VB + lay.p2m_pfn * PG);
    ck_assert_uint_eq(si->mod_start, 0);
    ck_assert_uint_eq(si->mod_len, 0);
    ck_assert_str_eq((const char *)si->cmd_line, "console=hvc0 hello");
}
END_TEST

START_TEST(t_build_memory_contents)
{
    struct timg_spec s;
    uint64_t i;

    timg_pv64(&s, VB);
    ck_assert_int_eq(build_into_mem(&s, NULL), 0);
    ck_assert_uint_eq(lay.kernel_pfn, 1); /* paddr 0x1000, PADDR_OFFSET 0 */
    for (i = 0; i < 0x3000; i++)
        ck_assert_uint_eq(mem[PG + i], (uint8_t)(0x10 + i));
    for (i = 0x1800; i < 0x5000; i++)
        ck_assert_uint_eq(mem[4 * PG + i], 0); /* bss */
    for (i = 0; i < NR_PAGES; i++)
        ck_assert_uint_eq(rd64(lay.p2m_pfn * PG + i * 8), i);
    for (i = 0; i < PG; i++) {
        ck_assert_uint_eq(mem[lay.store_pfn * PG + i], 0);
        ck_assert_uint_eq(mem[lay.console_pfn * PG + i], 0);
        ck_assert_uint_eq(mem[lay.stack_pfn * PG + i], 0);
    }
    ck_assert_uint_eq(mem[lay.start_info_pfn * PG + sizeof(struct start_info)], 0);
}
END_TEST

START_TEST(t_build_page_tables)
{
    struct timg_spec s;
    uint64_t va, i;

    timg_pv64(&s, VB);
    ck_assert_int_eq(build_into_mem(&s, ""), 0);
    expect_va(img.virt_entry, lay.kernel_pfn);
    expect_va(img.xen.hypercall_page, lay.kernel_pfn + 1);
    expect_va(pv_layout_va(&lay, lay.p2m_pfn) + 8 * (NR_PAGES - 1),
              lay.p2m_pfn + lay.p2m_pages - 1);
    expect_va(pv_layout_va(&lay, lay.start_info_pfn), lay.start_info_pfn);
    expect_va(pv_layout_va(&lay, lay.store_pfn), lay.store_pfn);
    expect_va(pv_layout_va(&lay, lay.console_pfn), lay.console_pfn);
    for (i = 0; i < lay.nr_pt_frames; i++)
        expect_va(pv_layout_va(&lay, lay.pt_pfn + i), lay.pt_pfn + i);
    expect_va(pv_layout_va(&lay, lay.stack_pfn + 1) - 8, lay.stack_pfn);
    for (va = VB; va < lay.map_end; va += PG)
        expect_va(va + 0x123, (va - VB) / PG);
    ck_assert_uint_eq(walk(lay.pt_pfn * PG, lay.map_end), ~0ull);
    ck_assert_uint_eq(walk(lay.pt_pfn * PG, VB - PG), ~0ull);
    ck_assert_uint_eq(walk(lay.pt_pfn * PG, 0x7fffffffe000ull), ~0ull);
}
END_TEST

/* A mapping that straddles a 1 GiB and a 512 GiB line needs several L2/L3 tables. */
START_TEST(t_build_page_tables_straddle)
{
    const uint64_t vb = (1ull << 39) - 0x80000;
    struct timg_spec s;
    uint64_t va;

    timg_pv64(&s, vb);
    ck_assert_int_eq(build_into_mem(&s, ""), 0);
    check_layout(&lay);
    ck_assert_uint_eq(lay.nr_l3, 2);
    ck_assert_uint_eq(lay.nr_l2, 2);
    for (va = vb; va < lay.map_end; va += PG)
        expect_va(va, (va - vb) / PG);
}
END_TEST

START_TEST(t_build_cmdline_truncated)
{
    static char longcmd[3000];
    const struct start_info *si;
    struct timg_spec s;

    memset(longcmd, 'c', sizeof(longcmd) - 1);
    timg_pv64(&s, VB);
    ck_assert_int_eq(build_into_mem(&s, longcmd), 0);
    si = (const struct start_info *)(mem + lay.start_info_pfn * PG);
    ck_assert_uint_eq(strnlen((const char *)si->cmd_line, MAX_GUEST_CMDLINE),
                      MAX_GUEST_CMDLINE - 1);
}
END_TEST

START_TEST(t_build_too_small)
{
    struct timg_spec s;

    timg_pv64(&s, 0);
    s.segs[1].memsz = 20 * MIB - 0x4000; /* kernel [0x1000, 20 MiB) */
    ck_assert_int_eq(build_into_mem(&s, ""), -ENOMEM);
    ck_assert_str_eq(err, "kernel k: memory 16 MiB too small for kernel of 20 MiB (kernel and "
                          "boot data need 24 MiB, mapped up to the next 4 MiB boundary)");
}
END_TEST

/* dombuild_pv_check() on images a PV domain cannot run. */
static void expect_reject(const struct timg_spec *s, const char *what)
{
    ck_assert_int_eq(parse_spec(s), 0);
    ck_assert_int_eq(dombuild_pv_check(&img, "kernel k", err, sizeof(err)), -ENOEXEC);
    ck_assert_msg(strstr(err, what) != NULL, "message \"%s\" lacks \"%s\"", err, what);
    ck_assert_msg(strncmp(err, "kernel k: ", 10) == 0, "no prefix: %s", err);
}

START_TEST(t_reject_images)
{
    struct timg_spec s;

    timg_pv64(&s, 0);
    s.nnotes = 0;
    expect_reject(&s, "not a Xen PV image (no Xen ELF notes)");

    timg_pv64(&s, 0);
    s.nnotes = 0;
    timg_note_num(&s, XEN_ELFNOTE_PHYS32_ENTRY, 0x1000, 4);
    expect_reject(&s, "no XEN_ELFNOTE_ENTRY");

    timg_pv64(&s, 0);
    s.elfclass = 32;
    s.nnotes = 0;
    timg_note_num(&s, XEN_ELFNOTE_ENTRY, 0x1000, 4);
    expect_reject(&s, "32-bit image");

    timg_pv64(&s, 0xffffffff80000000ull);
    expect_reject(&s, "upper-half kernels are not supported on this substrate");

    timg_pv64(&s, 0);
    timg_note_num(&s, XEN_ELFNOTE_ENTRY, 0x100000, 8);
    expect_reject(&s, "entry point 0x100000 is outside the kernel");

    timg_pv64(&s, 0);
    timg_note_num(&s, XEN_ELFNOTE_HYPERCALL_PAGE, 0x2010, 8);
    expect_reject(&s, "hypercall page 0x2010");

    timg_pv64(&s, 0);
    timg_note_str(&s, XEN_ELFNOTE_XEN_VERSION, "xen-2.0");
    expect_reject(&s, "built for Xen interface \"xen-2.0\"");
}
END_TEST

/* Xen's legacy rule: no PADDR_OFFSET note means 0; paddr == vaddr needs PADDR_OFFSET. */
START_TEST(t_build_paddr_offset)
{
    struct timg_spec s;

    timg_pv64(&s, VB);
    s.segs[0].paddr = VB + 0x1000;
    s.segs[1].paddr = VB + 0x4000;
    s.notes[5].num = VB; /* PADDR_OFFSET = VIRT_BASE */
    ck_assert_int_eq(build_into_mem(&s, ""), 0);
    ck_assert_uint_eq(lay.kernel_pfn, 1);
    ck_assert_uint_eq(mem[PG], 0x10);
    expect_va(VB + 0x1000, 1);
}
END_TEST

/* ---- PVH ------------------------------------------------------------------------------ */

/* An ELF64 PVH kernel at 2 MiB with PHYS32_ENTRY in a PT_NOTE segment. */
static void pvh64(struct timg_spec *s)
{
    memset(s, 0, sizeof(*s));
    s->elfclass = 64;
    s->entry = 0x200000;
    s->nsegs = 2;
    s->segs[0] = (struct timg_seg){0x200000, 0x200000, 0x1000, 0x1000, 0x11};
    s->segs[1] = (struct timg_seg){0x201000, 0x201000, 0x800, 0x2000, 0x22};
    s->notes_in_phdr = true;
    timg_note_num(s, XEN_ELFNOTE_PHYS32_ENTRY, 0x200010, 4);
}

START_TEST(t_pvh_layout_and_boot)
{
    struct timg_spec s;
    struct pvh_layout l;
    const struct hvm_start_info *si;
    const struct hvm_memmap_table_entry *mm;
    char longcmd[2000];

    pvh64(&s);
    ck_assert_int_eq(parse_spec(&s), 0);
    ck_assert_int_eq(
        pvh_layout_compute(&img, NR_PAGES, NR_PAGES + 8, NR_PAGES + 100, &l, err, sizeof(err)), 0);
    ck_assert_uint_eq(l.entry, 0x200010);
    ck_assert_uint_eq(l.start_info_pfn, 0x203);
    ck_assert_uint_eq(l.console_pfn, NR_PAGES - 2);
    ck_assert_uint_eq(l.store_pfn, NR_PAGES - 1);
    ck_assert_uint_eq(l.nr_memmap, 3);
    ck_assert_uint_eq(l.memmap[2].addr, (NR_PAGES + 8) * PG); /* max_pages > RAM: a hole */
    ck_assert_uint_eq(l.memmap[2].size, 92 * PG);
    memset(longcmd, 'c', sizeof(longcmd) - 1);
    longcmd[sizeof(longcmd) - 1] = '\0';
    ck_assert_int_eq(pvh_write_boot(&img, mem, NR_PAGES, &l, longcmd, err, sizeof(err)), 0);
    si = (const struct hvm_start_info *)(mem + 0x203000);
    ck_assert_uint_eq(si->magic, XEN_HVM_START_MAGIC_VALUE);
    ck_assert_uint_eq(si->nr_modules, 0);
    ck_assert_uint_eq(si->rsdp_paddr, 0);
    ck_assert_uint_eq(strlen((const char *)mem + si->cmdline_paddr), 1023); /* truncated */
    mm = (const struct hvm_memmap_table_entry *)(mem + si->memmap_paddr);
    ck_assert_uint_eq(mm[1].size, 2 * PG);
    ck_assert_uint_eq(mm[1].type, XEN_HVM_MEMMAP_TYPE_RESERVED);
    ck_assert_uint_eq(mem[0x200000], 0x11);
    ck_assert_uint_eq(mem[0x201800], 0);            /* bss */
    ck_assert_uint_eq(mem[(NR_PAGES - 2) * PG], 0); /* console and xenstore zeroed */
    ck_assert_uint_eq(mem[NR_PAGES * PG - 1], 0);
    ck_assert_uint_eq(mem[0x100000], 0x5a); /* nothing else touched */
}
END_TEST

START_TEST(t_pvh_reject)
{
    struct timg_spec s;
    struct pvh_layout l;

    pvh64(&s);
    s.nnotes = 0;
    ck_assert_int_eq(parse_spec(&s), 0);
    ck_assert_int_eq(dombuild_pvh_check(&img, "kernel k", err, sizeof(err)), -ENOEXEC);
    ck_assert_ptr_nonnull(strstr(err, "kernel k: not a PVH image"));

    pvh64(&s);
    s.notes[0].num = 0x300000; /* entry outside the segments */
    ck_assert_int_eq(parse_spec(&s), 0);
    ck_assert_int_eq(dombuild_pvh_check(&img, "kernel k", err, sizeof(err)), -ENOEXEC);
    ck_assert_ptr_nonnull(strstr(err, "entry point 0x300000"));

    pvh64(&s);
    ck_assert_int_eq(parse_spec(&s), 0);
    ck_assert_int_eq(pvh_layout_compute(&img, 0x200, 0x200, 0x200, &l, err, sizeof(err)), -ENOMEM);
    ck_assert_ptr_nonnull(strstr(err, "too small"));

    pvh64(&s); /* loaded at 1 GiB: hvm_start_info would not be below 1 GiB */
    s.segs[0].paddr = s.segs[0].vaddr = 0x40000000;
    s.segs[1].paddr = s.segs[1].vaddr = 0x40001000;
    s.notes[0].num = 0x40000000;
    ck_assert_int_eq(parse_spec(&s), 0);
    ck_assert_int_eq(pvh_layout_compute(&img, 0x80000, 0x80000, 0x80000, &l, err, sizeof(err)),
                     -ENOMEM);
    ck_assert_ptr_nonnull(strstr(err, "below 1 GiB"));
}
END_TEST

static Suite *dombuild_suite(void)
{
    Suite *s = suite_create("dombuild");
    TCase *lt = tcase_create("layout"), *bt = tcase_create("builder");

    tcase_add_test(lt, t_layout_basic);
    tcase_add_test(lt, t_layout_iterates);
    tcase_add_test(lt, t_layout_many);
    tcase_add_test(lt, t_layout_upper_half);
    tcase_add_test(lt, t_layout_bad_input);
    tcase_add_test(lt, t_layout_too_small);
    tcase_add_checked_fixture(bt, mem_setup, mem_teardown);
    tcase_add_test(bt, t_build_start_info);
    tcase_add_test(bt, t_build_memory_contents);
    tcase_add_test(bt, t_build_page_tables);
    tcase_add_test(bt, t_build_page_tables_straddle);
    tcase_add_test(bt, t_build_cmdline_truncated);
    tcase_add_test(bt, t_build_too_small);
    tcase_add_test(bt, t_reject_images);
    tcase_add_test(bt, t_build_paddr_offset);
    tcase_add_test(bt, t_pvh_layout_and_boot);
    tcase_add_test(bt, t_pvh_reject);
    suite_add_tcase(s, lt);
    suite_add_tcase(s, bt);
    return s;
}

int main(void)
{
    return check_run(dombuild_suite(), true);
}
