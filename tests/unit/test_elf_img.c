/* test_elf_img.c: builds small ELF32/ELF64 kernel images in memory for the unit tests. */
#include <string.h>

#include <xen/elfnote.h>

#include "test_elf_img.h"

void timg_put(uint8_t *buf, uint64_t off, uint64_t v, unsigned int len)
{
    unsigned int i;

    for (i = 0; i < len; i++)
        buf[off + i] = (uint8_t)(v >> (8 * i));
}

uint64_t timg_get(const uint8_t *buf, uint64_t off, unsigned int len)
{
    uint64_t v = 0;
    unsigned int i;

    for (i = len; i > 0; i--)
        v = (v << 8) | buf[off + i - 1];
    return v;
}

void timg_note_num(struct timg_spec *s, uint32_t type, uint64_t value, uint32_t size)
{
    struct timg_note *n = &s->notes[s->nnotes++];

    memset(n, 0, sizeof(*n));
    n->type = type;
    n->num = value;
    n->descsz = size;
}

void timg_note_str(struct timg_spec *s, uint32_t type, const char *value)
{
    struct timg_note *n = &s->notes[s->nnotes++];

    memset(n, 0, sizeof(*n));
    n->type = type;
    n->desc = value;
    n->descsz = (uint32_t)strlen(value) + 1;
}

void timg_pv64(struct timg_spec *s, uint64_t vb)
{
    memset(s, 0, sizeof(*s));
    s->elfclass = 64;
    s->entry = vb + 0x1000;
    s->nsegs = 2;
    s->segs[0] = (struct timg_seg){vb + 0x1000, 0x1000, 0x3000, 0x3000, 0x10};
    s->segs[1] = (struct timg_seg){vb + 0x4000, 0x4000, 0x1800, 0x5000, 0x80};
    s->notes_in_phdr = true;
    s->notes_in_shdr = true;
    timg_note_str(s, XEN_ELFNOTE_GUEST_OS, "pvtest");
    timg_note_str(s, XEN_ELFNOTE_GUEST_VERSION, "1.0");
    timg_note_str(s, XEN_ELFNOTE_XEN_VERSION, "xen-3.0");
    timg_note_str(s, XEN_ELFNOTE_LOADER, "generic");
    timg_note_num(s, XEN_ELFNOTE_VIRT_BASE, vb, 8);
    timg_note_num(s, XEN_ELFNOTE_PADDR_OFFSET, 0, 8);
    timg_note_num(s, XEN_ELFNOTE_ENTRY, vb + 0x1000, 8);
    timg_note_num(s, XEN_ELFNOTE_HYPERCALL_PAGE, vb + 0x2000, 8);
    timg_note_str(s, XEN_ELFNOTE_FEATURES, "!writable_page_tables");
}

/* Writes the notes at buf + off (an 8-aligned offset); returns their length. */
static size_t put_notes(const struct timg_spec *s, uint8_t *buf, size_t off)
{
    uint64_t al = s->note_align ? s->note_align : 4, pos = 0;
    unsigned int i;

    for (i = 0; i < s->nnotes; i++) {
        const struct timg_note *n = &s->notes[i];
        const char *name = n->name ? n->name : "Xen";
        uint32_t namesz = (uint32_t)strlen(name) + 1;

        timg_put(buf, off + pos, namesz, 4);
        timg_put(buf, off + pos + 4, n->descsz, 4);
        timg_put(buf, off + pos + 8, n->type, 4);
        memcpy(buf + off + pos + 12, name, namesz);
        pos = (pos + 12 + namesz + al - 1) & ~(al - 1);
        if (n->desc)
            memcpy(buf + off + pos, n->desc, n->descsz);
        else
            timg_put(buf, off + pos, n->num, n->descsz);
        pos = (pos + n->descsz + al - 1) & ~(al - 1);
    }
    return pos;
}

/* Writes one program header. */
static void put_phdr(const struct timg_spec *s, uint8_t *p, uint32_t type, uint64_t off,
                     uint64_t va, uint64_t pa, uint64_t fsz, uint64_t msz, uint64_t align)
{
    if (s->elfclass == 64) {
        timg_put(p, 0, type, 4);
        timg_put(p, 4, 7, 4);
        timg_put(p, 8, off, 8);
        timg_put(p, 16, va, 8);
        timg_put(p, 24, pa, 8);
        timg_put(p, 32, fsz, 8);
        timg_put(p, 40, msz, 8);
        timg_put(p, 48, align, 8);
    } else {
        timg_put(p, 0, type, 4);
        timg_put(p, 4, off, 4);
        timg_put(p, 8, va, 4);
        timg_put(p, 12, pa, 4);
        timg_put(p, 16, fsz, 4);
        timg_put(p, 20, msz, 4);
        timg_put(p, 24, 7, 4);
        timg_put(p, 28, align, 4);
    }
}

/* Writes the ELF header. */
static void put_ehdr(const struct timg_spec *s, uint8_t *b, const struct timg_info *in,
                     unsigned int shnum)
{
    bool w = s->elfclass == 64;

    memcpy(b, "\177ELF", 4);
    b[4] = w ? 2 : 1;
    b[5] = 1;
    b[6] = 1;
    timg_put(b, 16, 2, 2);
    timg_put(b, 18, s->machine ? s->machine : (w ? 62 : 3), 2);
    timg_put(b, 20, 1, 4);
    timg_put(b, 24, s->entry, w ? 8 : 4);
    timg_put(b, w ? 32 : 28, in->phoff, w ? 8 : 4);
    timg_put(b, w ? 40 : 32, shnum ? in->shoff : 0, w ? 8 : 4);
    timg_put(b, w ? 52 : 40, w ? 64 : 52, 2);
    timg_put(b, w ? 54 : 42, in->phentsize, 2);
    timg_put(b, w ? 56 : 44, in->phnum, 2);
    timg_put(b, w ? 58 : 46, in->shentsize, 2);
    timg_put(b, w ? 60 : 48, shnum, 2);
}

/* Writes section headers: a null one and the note section. */
static void put_shdrs(const struct timg_spec *s, uint8_t *b, const struct timg_info *in)
{
    uint8_t *sh = b + in->shoff + in->shentsize;
    bool w = s->elfclass == 64;

    timg_put(sh, 4, 7, 4); /* SHT_NOTE */
    timg_put(sh, w ? 24 : 16, in->note_off, w ? 8 : 4);
    timg_put(sh, w ? 32 : 20, in->note_len, w ? 8 : 4);
    timg_put(sh, w ? 48 : 32, s->note_align ? s->note_align : 4, w ? 8 : 4);
}

size_t timg_build(const struct timg_spec *s, uint8_t *buf, size_t cap, struct timg_info *info)
{
    struct timg_info in = {0};
    bool w = s->elfclass == 64;
    unsigned int i, shnum = s->notes_in_shdr ? 2 : 0;
    uint64_t off, j;

    in.phentsize = w ? 56 : 32;
    in.shentsize = w ? 64 : 40;
    in.phoff = w ? 64 : 52;
    in.phnum = s->nsegs + (s->notes_in_phdr ? 1 : 0);
    in.first_load_ph = s->notes_in_phdr ? 1 : 0;
    in.note_off = (in.phoff + (uint64_t)in.phnum * in.phentsize + 7) & ~7ull;
    if (cap < 65536)
        return 0;
    memset(buf, 0, cap);
    in.note_len = put_notes(s, buf, in.note_off);
    off = (in.note_off + in.note_len + 15) & ~15ull;
    if (s->notes_in_phdr)
        put_phdr(s, buf + in.phoff, 4, in.note_off, 0, 0, in.note_len, in.note_len,
                 s->note_align ? s->note_align : 4);
    for (i = 0; i < s->nsegs; i++) {
        const struct timg_seg *g = &s->segs[i];

        if (off + g->filesz + 4096 > cap)
            return 0;
        put_phdr(s, buf + in.phoff + (uint64_t)(in.first_load_ph + i) * in.phentsize, 1, off,
                 g->vaddr, g->paddr, g->filesz, g->memsz, 4096);
        for (j = 0; j < g->filesz; j++)
            buf[off + j] = (uint8_t)(g->fill + j);
        off = (off + g->filesz + 15) & ~15ull;
    }
    in.shoff = off;
    if (shnum) {
        if (off + 2 * in.shentsize > cap)
            return 0;
        put_shdrs(s, buf, &in);
        off += 2 * in.shentsize;
    }
    in.size = off;
    put_ehdr(s, buf, &in, shnum);
    if (info)
        *info = in;
    return in.size;
}
