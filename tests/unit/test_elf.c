/* test_elf.c: Check suite for the ELF loader: well-formed and hostile ELF32/ELF64 images. */
#include <check.h>

#include "check_run.h"
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <xen/elfnote.h>

#include <pvisor/elfload.h>

#include "test_elf_img.h"

#define CAP (1u << 20)

static uint8_t buf[CAP];
static struct elf_image img;
static struct timg_info info;
static char err[256];

static size_t build(const struct timg_spec *s)
{
    size_t n = timg_build(s, buf, CAP, &info);

    ck_assert_uint_gt(n, 0);
    return n;
}

static size_t build_pv64(uint64_t vb)
{
    struct timg_spec s;

    timg_pv64(&s, vb);
    return build(&s);
}

static int parse(size_t n)
{
    return elf_parse(&img, buf, n, NULL, err, sizeof(err));
}

/* Parsing must fail with `ret` and a message containing `what`. */
static void expect_err(size_t n, int ret, const char *what)
{
    int got = parse(n);

    ck_assert_msg(got == ret, "want %d got %d (%s)", ret, got, err);
    ck_assert_msg(strstr(err, what) != NULL, "message \"%s\" lacks \"%s\"", err, what);
    ck_assert_msg(strncmp(err, "kernel image: ", 14) == 0, "no prefix: %s", err);
}

/* Offset of field `foff` in program header i of the last built image. */
static uint64_t ph(unsigned int i, unsigned int foff)
{
    return info.phoff + (uint64_t)i * info.phentsize + foff;
}

/* ---- well-formed images ----------------------------------------------------------- */

START_TEST(t_pv64_parse)
{
    const uint64_t vb = 0x200000;
    size_t n = build_pv64(vb);

    ck_assert_int_eq(parse(n), 0);
    ck_assert_uint_eq(img.elfclass, 64);
    ck_assert_uint_eq(img.machine, 62);
    ck_assert_uint_eq(img.nr_segs, 2);
    ck_assert_uint_eq(img.segs[0].paddr, 0x1000);
    ck_assert_uint_eq(img.segs[1].filesz, 0x1800);
    ck_assert_uint_eq(img.segs[1].memsz, 0x5000);
    ck_assert_uint_eq(img.pstart, 0x1000);
    ck_assert_uint_eq(img.pend, 0x9000);
    ck_assert(img.has_xen_notes);
    ck_assert_str_eq(img.xen.guest_os, "pvtest");
    ck_assert_str_eq(img.xen.guest_version, "1.0");
    ck_assert_str_eq(img.xen.xen_version, "xen-3.0");
    ck_assert_str_eq(img.xen.loader, "generic");
    ck_assert_str_eq(img.xen.features, "!writable_page_tables");
    ck_assert(elf_has_note(&img, XEN_ELFNOTE_HYPERCALL_PAGE));
    ck_assert(!elf_has_note(&img, XEN_ELFNOTE_PHYS32_ENTRY));
    ck_assert_uint_eq(img.xen.hypercall_page, vb + 0x2000);
    ck_assert_uint_eq(img.virt_base, vb);
    ck_assert_uint_eq(img.paddr_offset, 0);
    ck_assert_uint_eq(img.virt_kstart, vb + 0x1000);
    ck_assert_uint_eq(img.virt_kend, vb + 0x9000);
    ck_assert_uint_eq(img.virt_entry, vb + 0x1000);
}
END_TEST

START_TEST(t_notes_4byte)
{
    struct timg_spec s;

    timg_pv64(&s, 0);
    s.nnotes = 0;
    timg_note_num(&s, XEN_ELFNOTE_VIRT_BASE, 0x400000, 4);
    timg_note_num(&s, XEN_ELFNOTE_ENTRY, 0x401000, 4);
    timg_note_num(&s, XEN_ELFNOTE_PADDR_OFFSET, 0x400000, 4);
    timg_note_num(&s, XEN_ELFNOTE_SUSPEND_CANCEL, 1, 4);
    timg_note_num(&s, XEN_ELFNOTE_INIT_P2M, 0x8000000000ull, 8);
    timg_note_num(&s, XEN_ELFNOTE_MOD_START_PFN, 1, 4);
    timg_note_str(&s, XEN_ELFNOTE_PAE_MODE, "yes");
    timg_note_str(&s, XEN_ELFNOTE_BSD_SYMTAB, "yes");
    s.segs[0].paddr = 0x401000;
    s.segs[1].paddr = 0x404000;
    ck_assert_int_eq(parse(build(&s)), 0);
    ck_assert_uint_eq(img.virt_base, 0x400000);
    ck_assert_uint_eq(img.paddr_offset, 0x400000);
    ck_assert_uint_eq(img.virt_kstart, 0x401000);
    ck_assert_uint_eq(img.virt_entry, 0x401000);
    ck_assert_uint_eq(img.xen.suspend_cancel, 1);
    ck_assert_uint_eq(img.xen.init_p2m, 0x8000000000ull);
    ck_assert_uint_eq(img.xen.mod_start_pfn, 1);
    ck_assert_str_eq(img.xen.pae_mode, "yes");
    ck_assert(img.xen.bsd_symtab);
}
END_TEST

START_TEST(t_notes_section_only)
{
    struct timg_spec s;

    timg_pv64(&s, 0);
    s.notes_in_phdr = false; /* Mini-OS style: SHT_NOTE only */
    ck_assert_int_eq(parse(build(&s)), 0);
    ck_assert(img.has_xen_notes);
    ck_assert(elf_has_note(&img, XEN_ELFNOTE_ENTRY));
    ck_assert_uint_eq(img.xen.entry, 0x1000);
}
END_TEST

START_TEST(t_notes_phdr_only)
{
    struct timg_spec s;

    timg_pv64(&s, 0);
    s.notes_in_shdr = false;
    ck_assert_int_eq(parse(build(&s)), 0);
    ck_assert(img.has_xen_notes);
    ck_assert_str_eq(img.xen.guest_os, "pvtest");
}
END_TEST

START_TEST(t_elf32_pvh)
{
    struct timg_spec s;

    memset(&s, 0, sizeof(s));
    s.elfclass = 32;
    s.entry = 0x100000;
    s.nsegs = 1;
    s.segs[0] = (struct timg_seg){0x100000, 0x100000, 0x2000, 0x3000, 1};
    s.notes_in_shdr = true;
    timg_note_num(&s, XEN_ELFNOTE_PHYS32_ENTRY, 0x100040, 4);
    ck_assert_int_eq(parse(build(&s)), 0);
    ck_assert_uint_eq(img.elfclass, 32);
    ck_assert_uint_eq(img.machine, 3);
    ck_assert(elf_has_note(&img, XEN_ELFNOTE_PHYS32_ENTRY));
    ck_assert(!elf_has_note(&img, XEN_ELFNOTE_ENTRY));
    ck_assert_uint_eq(img.xen.phys32_entry, 0x100040);
    ck_assert_uint_eq(img.pstart, 0x100000);
    ck_assert_uint_eq(img.pend, 0x103000);
    ck_assert_uint_eq(img.virt_entry, 0x100000); /* e_entry: no ENTRY note */
}
END_TEST

/* GRUB's i386-xen_pvh images: a PT_NOTE header with p_memsz 0 (only file bytes). */
START_TEST(t_note_phdr_memsz_zero)
{
    struct timg_spec s;
    size_t n;

    memset(&s, 0, sizeof(s));
    s.elfclass = 32;
    s.entry = 0x100000;
    s.nsegs = 1;
    s.segs[0] = (struct timg_seg){0x100000, 0x100000, 0x2000, 0x3000, 1};
    s.notes_in_phdr = true;
    timg_note_num(&s, XEN_ELFNOTE_PHYS32_ENTRY, 0x100000, 4);
    n = build(&s);
    timg_put(buf, ph(0, 20), 0, 4); /* ELF32 p_memsz of the PT_NOTE header */
    timg_put(buf, ph(0, 8), 0, 4);  /* and p_vaddr 0, as GRUB has them */
    ck_assert_int_eq(parse(n), 0);
    ck_assert_uint_eq(img.xen.phys32_entry, 0x100000);
    ck_assert_uint_eq(img.nr_segs, 1);
}
END_TEST

START_TEST(t_no_notes)
{
    struct timg_spec s;

    timg_pv64(&s, 0);
    s.nnotes = 0;
    ck_assert_int_eq(parse(build(&s)), 0);
    ck_assert(!img.has_xen_notes);
    ck_assert_uint_eq(img.xen.present, 0);
}
END_TEST

START_TEST(t_foreign_notes_ignored)
{
    struct timg_spec s;

    timg_pv64(&s, 0);
    s.nnotes = 0;
    timg_note_num(&s, 1, 0x1234, 4);
    s.notes[0].name = "GNU";
    ck_assert_int_eq(parse(build(&s)), 0);
    ck_assert(!img.has_xen_notes);
}
END_TEST

/* 8-byte aligned note areas (as .note.gnu.property uses): the descriptor starts at the
 * next 8-byte boundary after the name. */
START_TEST(t_notes_align8)
{
    static const uint8_t prop[12] = {2, 0, 0, 0xc0, 4, 0, 0, 0, 3, 0, 0, 0};
    struct timg_spec s;

    timg_pv64(&s, 0);
    s.nnotes = 0;
    timg_note_str(&s, 5, "");
    s.notes[0].name = "GNU";
    s.notes[0].desc = prop;
    s.notes[0].descsz = sizeof(prop);
    timg_note_num(&s, XEN_ELFNOTE_ENTRY, 0x1234, 8);
    timg_note_str(&s, XEN_ELFNOTE_GUEST_OS, "eight");
    s.note_align = 8;
    ck_assert_int_eq(parse(build(&s)), 0);
    ck_assert_uint_eq(img.xen.entry, 0x1234);
    ck_assert_str_eq(img.xen.guest_os, "eight");
}
END_TEST

START_TEST(t_long_string_note)
{
    static char longs[1000];
    struct timg_spec s;

    memset(longs, 'a', sizeof(longs) - 1);
    timg_pv64(&s, 0);
    timg_note_str(&s, XEN_ELFNOTE_GUEST_OS, longs);
    ck_assert_int_eq(parse(build(&s)), 0);
    ck_assert_uint_eq(strlen(img.xen.guest_os), ELF_NOTE_STR_MAX - 1);
}
END_TEST

START_TEST(t_load)
{
    static uint8_t mem[0x10000];
    size_t n = build_pv64(0);
    unsigned int i;

    ck_assert_int_eq(parse(n), 0);
    memset(mem, 0xaa, sizeof(mem));
    ck_assert_int_eq(elf_load(&img, mem, sizeof(mem), 0, NULL, err, sizeof(err)), 0);
    for (i = 0; i < 0x3000; i++)
        ck_assert_uint_eq(mem[0x1000 + i], (uint8_t)(0x10 + i));
    for (i = 0; i < 0x1800; i++)
        ck_assert_uint_eq(mem[0x4000 + i], (uint8_t)(0x80 + i));
    for (i = 0x5800; i < 0x9000; i++)
        ck_assert_uint_eq(mem[i], 0); /* bss */
    ck_assert_uint_eq(mem[0x0fff], 0xaa);
    ck_assert_uint_eq(mem[0x9000], 0xaa);
}
END_TEST

START_TEST(t_load_out_of_range)
{
    static uint8_t mem[0x8000];
    size_t n = build_pv64(0);
    size_t i;

    ck_assert_int_eq(parse(n), 0);
    memset(mem, 0xaa, sizeof(mem));
    ck_assert_int_eq(elf_load(&img, mem, sizeof(mem), 0, "kernel k", err, sizeof(err)), -ERANGE);
    ck_assert_ptr_nonnull(strstr(err, "kernel k: segment 1"));
    for (i = 0; i < sizeof(mem); i++)
        ck_assert_uint_eq(mem[i], 0xaa); /* nothing written */
    ck_assert_int_eq(elf_load(&img, mem, sizeof(mem), 0x2000, NULL, err, sizeof(err)),
                     -ERANGE); /* below base */
}
END_TEST

/* ---- hostile images -------------------------------------------------------------- */

START_TEST(t_too_small)
{
    ck_assert_int_eq(elf_parse(&img, buf, 0, NULL, err, sizeof(err)), -ENOEXEC);
    memcpy(buf, "\177EL", 3);
    expect_err(3, -ENOEXEC, "bad magic");
}
END_TEST

START_TEST(t_bad_magic)
{
    size_t n = build_pv64(0);

    buf[1] = 'X';
    expect_err(n, -ENOEXEC, "bad magic");
}
END_TEST

START_TEST(t_truncated_header)
{
    build_pv64(0);
    expect_err(40, -ENOEXEC, "ELF header truncated");
}
END_TEST

START_TEST(t_wrong_class)
{
    size_t n = build_pv64(0);

    buf[4] = 3;
    expect_err(n, -ENOEXEC, "unsupported ELF class 3");
}
END_TEST

START_TEST(t_big_endian)
{
    size_t n = build_pv64(0);

    buf[5] = 2;
    expect_err(n, -ENOEXEC, "not a little-endian");
}
END_TEST

START_TEST(t_wrong_machine)
{
    struct timg_spec s;

    timg_pv64(&s, 0);
    s.machine = 3; /* EM_386 in an ELF64 */
    expect_err(build(&s), -ENOEXEC, "wrong machine 3 for ELF64");
    timg_pv64(&s, 0);
    s.elfclass = 32;
    s.machine = 62;
    expect_err(build(&s), -ENOEXEC, "wrong machine 62 for ELF32");
    timg_pv64(&s, 0);
    s.machine = 183; /* aarch64 */
    expect_err(build(&s), -ENOEXEC, "wrong machine 183");
}
END_TEST

START_TEST(t_wrong_type)
{
    size_t n = build_pv64(0);

    timg_put(buf, 16, 1, 2); /* ET_REL */
    expect_err(n, -ENOEXEC, "not an executable");
}
END_TEST

START_TEST(t_phdr_table_past_eof)
{
    size_t n = build_pv64(0);

    timg_put(buf, 56, 500, 2); /* e_phnum: 28000 bytes of table */
    expect_err(n, -EINVAL, "program header table extends past end of file");
}
END_TEST

START_TEST(t_phoff_overflow)
{
    size_t n = build_pv64(0);

    timg_put(buf, 32, 0xfffffffffffffff0ull, 8);
    expect_err(n, -EINVAL, "program header table offset");
    timg_put(buf, 32, n - 8, 8);
    expect_err(n, -EINVAL, "program header table extends past end of file");
}
END_TEST

START_TEST(t_bad_phentsize)
{
    size_t n = build_pv64(0);

    timg_put(buf, 54, 32, 2);
    expect_err(n, -EINVAL, "program header table entry size 32");
}
END_TEST

START_TEST(t_no_phdrs)
{
    size_t n = build_pv64(0);

    timg_put(buf, 56, 0, 2);
    expect_err(n, -ENOEXEC, "no program headers");
    timg_put(buf, 56, 0xffff, 2);
    expect_err(n, -EINVAL, "too many program headers");
}
END_TEST

START_TEST(t_segment_past_eof)
{
    size_t n = build_pv64(0);

    ck_assert_uint_eq(info.first_load_ph, 1);
    timg_put(buf, ph(2, 32), 0x100000, 8); /* p_filesz of header 2 */
    timg_put(buf, ph(2, 40), 0x100000, 8);
    expect_err(n, -EINVAL, "program header 2 extends past end of file");
}
END_TEST

START_TEST(t_segment_offset_overflow)
{
    size_t n = build_pv64(0);

    timg_put(buf, ph(1, 8), 0xfffffffffffffff0ull, 8); /* p_offset */
    expect_err(n, -EINVAL, "program header 1 extends past end of file");
}
END_TEST

START_TEST(t_note_segment_past_eof)
{
    size_t n = build_pv64(0);

    timg_put(buf, ph(0, 32), 0x7fffffff, 8);
    expect_err(n, -EINVAL, "program header 0 extends past end of file");
}
END_TEST

START_TEST(t_filesz_gt_memsz)
{
    size_t n = build_pv64(0);

    timg_put(buf, ph(1, 40), 0x100, 8);
    expect_err(n, -EINVAL, "program header 1: file size 12288 exceeds memory size 256");
}
END_TEST

START_TEST(t_huge_memsz)
{
    size_t n = build_pv64(0);

    timg_put(buf, ph(2, 40), 1ull << 40, 8);
    expect_err(n, -EINVAL, "program header 2: memory size 1099511627776 is too large");
}
END_TEST

START_TEST(t_address_wrap)
{
    size_t n = build_pv64(0);

    timg_put(buf, ph(2, 24), 0xffffffffffffff00ull, 8); /* p_paddr */
    expect_err(n, -EINVAL, "program header 2: address range wraps around");
}
END_TEST

START_TEST(t_elf32_address_wrap)
{
    struct timg_spec s;

    memset(&s, 0, sizeof(s));
    s.elfclass = 32;
    s.nsegs = 1;
    s.segs[0] = (struct timg_seg){0xfffff000, 0x1000, 0x100, 0x2000, 0};
    expect_err(build(&s), -EINVAL, "program header 0: address range wraps around");
}
END_TEST

START_TEST(t_overlap)
{
    struct timg_spec s;

    timg_pv64(&s, 0);
    s.segs[1].paddr = 0x3000; /* inside segment 0 [0x1000, 0x4000) */
    expect_err(build(&s), -EINVAL, "program header 2 overlaps an earlier loadable segment");
}
END_TEST

START_TEST(t_no_load_segments)
{
    struct timg_spec s;

    timg_pv64(&s, 0);
    s.nsegs = 0;
    expect_err(build(&s), -ENOEXEC, "no loadable segments");
}
END_TEST

START_TEST(t_too_many_segments)
{
    struct timg_spec s;
    size_t n;
    unsigned int i;

    timg_pv64(&s, 0);
    s.nsegs = 1;
    n = build(&s);
    /* Rewrite the headers: 40 small PT_LOADs side by side (the table fits the file). */
    timg_put(buf, 56, 40, 2);
    for (i = 0; i < 40; i++) {
        timg_put(buf, ph(i, 0), 1, 4);
        timg_put(buf, ph(i, 8), 0, 8);
        timg_put(buf, ph(i, 24), 0x1000 * (i + 1), 8);
        timg_put(buf, ph(i, 32), 0x10, 8);
        timg_put(buf, ph(i, 40), 0x10, 8);
    }
    timg_put(buf, 40, 0, 8); /* no sections */
    expect_err(n > ph(40, 0) ? n : ph(40, 0), -EINVAL, "more than 32 loadable segments");
}
END_TEST

/* Rewrites the first note's header field (0 namesz, 4 descsz) in the PT_NOTE area. */
static size_t note_field(uint64_t foff, uint32_t v)
{
    size_t n = build_pv64(0);

    timg_put(buf, info.note_off + foff, v, 4);
    return n;
}

START_TEST(t_note_namesz_overflow)
{
    expect_err(note_field(0, 0xffffffffu), -EINVAL, "program header 0: note at offset 0");
    expect_err(note_field(0, 0xfffffffdu), -EINVAL, "extends past its end");
}
END_TEST

START_TEST(t_note_descsz_overflow)
{
    expect_err(note_field(4, 0xffffffffu), -EINVAL, "extends past its end");
    expect_err(note_field(4, 0x7ffffffcu), -EINVAL, "extends past its end");
    expect_err(note_field(4, (uint32_t)info.note_len), -EINVAL, "extends past its end");
}
END_TEST

START_TEST(t_note_bad_numeric_size)
{
    struct timg_spec s;

    timg_pv64(&s, 0);
    timg_note_num(&s, XEN_ELFNOTE_ENTRY, 0x1000, 3);
    expect_err(build(&s), -EINVAL, "Xen note ENTRY has a 3-byte value");
}
END_TEST

START_TEST(t_section_table_past_eof)
{
    size_t n = build_pv64(0);

    timg_put(buf, 40, n - 10, 8); /* e_shoff */
    expect_err(n, -EINVAL, "section header table extends past end of file");
    timg_put(buf, 40, 0xffffffffffffff00ull, 8);
    expect_err(n, -EINVAL, "section header table offset");
}
END_TEST

START_TEST(t_note_section_past_eof)
{
    size_t n = build_pv64(0);

    timg_put(buf, info.shoff + info.shentsize + 32, 0x100000, 8); /* sh_size */
    expect_err(n, -EINVAL, "section 1 (notes) extends past end of file");
    timg_put(buf, info.shoff + info.shentsize + 24, 0xfffffffffffffff0ull, 8); /* sh_offset */
    expect_err(n, -EINVAL, "section 1 (notes) extends past end of file");
}
END_TEST

START_TEST(t_extended_sections)
{
    size_t n = build_pv64(0);

    timg_put(buf, 60, 0, 2); /* e_shnum 0 with e_shoff set */
    expect_err(n, -EINVAL, "extended section numbering");
}
END_TEST

START_TEST(t_paddr_offset_without_virt_base)
{
    struct timg_spec s;

    timg_pv64(&s, 0);
    s.nnotes = 0;
    timg_note_num(&s, XEN_ELFNOTE_PADDR_OFFSET, 0x1000, 8);
    expect_err(build(&s), -EINVAL, "PADDR_OFFSET given without VIRT_BASE");
}
END_TEST

/* Every truncation of a good image and many random corruptions: an error or a result
 * whose segments lie inside the buffer, never a crash (run under ASan/UBSan too). */
START_TEST(t_mutations)
{
    static uint8_t orig[CAP];
    size_t n = build_pv64(0x400000), len, i;
    unsigned int seed = 12345, k, j;

    memcpy(orig, buf, n);
    for (len = 0; len <= n; len++)
        (void)elf_parse(&img, orig, len, NULL, err, sizeof(err));
    for (k = 0; k < 20000; k++) {
        memcpy(buf, orig, n);
        for (j = 0; j < 1 + k % 8; j++) {
            seed = seed * 1103515245u + 12345u;
            i = (seed >> 8) % (k % 2 ? 0x200 : n);
            buf[i] = (uint8_t)(seed >> 24);
        }
        if (parse(n) == 0)
            for (j = 0; j < img.nr_segs; j++)
                ck_assert(img.segs[j].offset + img.segs[j].filesz <= n);
    }
}
END_TEST

static Suite *elf_suite(void)
{
    Suite *s = suite_create("elf");
    TCase *ok = tcase_create("wellformed"), *bad = tcase_create("hostile");

    tcase_add_test(ok, t_pv64_parse);
    tcase_add_test(ok, t_notes_4byte);
    tcase_add_test(ok, t_notes_section_only);
    tcase_add_test(ok, t_notes_phdr_only);
    tcase_add_test(ok, t_elf32_pvh);
    tcase_add_test(ok, t_no_notes);
    tcase_add_test(ok, t_foreign_notes_ignored);
    tcase_add_test(ok, t_notes_align8);
    tcase_add_test(ok, t_long_string_note);
    tcase_add_test(ok, t_load);
    tcase_add_test(ok, t_load_out_of_range);
    tcase_add_test(bad, t_too_small);
    tcase_add_test(bad, t_bad_magic);
    tcase_add_test(bad, t_truncated_header);
    tcase_add_test(bad, t_wrong_class);
    tcase_add_test(bad, t_big_endian);
    tcase_add_test(bad, t_wrong_machine);
    tcase_add_test(bad, t_wrong_type);
    tcase_add_test(bad, t_phdr_table_past_eof);
    tcase_add_test(bad, t_phoff_overflow);
    tcase_add_test(bad, t_bad_phentsize);
    tcase_add_test(bad, t_no_phdrs);
    tcase_add_test(bad, t_segment_past_eof);
    tcase_add_test(bad, t_segment_offset_overflow);
    tcase_add_test(bad, t_note_segment_past_eof);
    tcase_add_test(bad, t_filesz_gt_memsz);
    tcase_add_test(bad, t_huge_memsz);
    tcase_add_test(bad, t_address_wrap);
    tcase_add_test(bad, t_elf32_address_wrap);
    tcase_add_test(bad, t_overlap);
    tcase_add_test(bad, t_no_load_segments);
    tcase_add_test(bad, t_too_many_segments);
    tcase_add_test(bad, t_note_namesz_overflow);
    tcase_add_test(bad, t_note_descsz_overflow);
    tcase_add_test(bad, t_note_bad_numeric_size);
    tcase_add_test(bad, t_section_table_past_eof);
    tcase_add_test(bad, t_note_section_past_eof);
    tcase_add_test(bad, t_extended_sections);
    tcase_add_test(bad, t_paddr_offset_without_virt_base);
    tcase_add_test(bad, t_mutations);
    tcase_add_test(bad, t_note_phdr_memsz_zero);
    suite_add_tcase(s, ok);
    suite_add_tcase(s, bad);
    return s;
}

int main(void)
{
    return check_run(elf_suite(), true);
}
