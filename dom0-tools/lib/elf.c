/* elf.c: bounds-checked ELF32/ELF64 little-endian x86 parser and loader for guest kernels. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <xen/elfnote.h>

#include <pvisor/elfload.h>

#define EM_386_    3
#define EM_X86_64_ 62
#define PT_LOAD_   1
#define PT_NOTE_   4
#define SHT_NOTE_  7
#define PN_XNUM_   0xffff

/* Where a field sits in a header: byte offset and width (2, 4 or 8). */
struct fld {
    uint8_t off, len;
};

/* Header field positions for one ELF class. */
struct elf_fmt {
    unsigned int ehsize, phentsize, shentsize;
    struct fld e_entry, e_phoff, e_shoff, e_phentsize, e_phnum, e_shentsize, e_shnum;
    struct fld p_type, p_flags, p_offset, p_vaddr, p_paddr, p_filesz, p_memsz, p_align;
    struct fld sh_type, sh_offset, sh_size, sh_addralign;
};

static const struct elf_fmt fmt64 = {
    .ehsize = 64,
    .phentsize = 56,
    .shentsize = 64,
    .e_entry = {24, 8},
    .e_phoff = {32, 8},
    .e_shoff = {40, 8},
    .e_phentsize = {54, 2},
    .e_phnum = {56, 2},
    .e_shentsize = {58, 2},
    .e_shnum = {60, 2},
    .p_type = {0, 4},
    .p_flags = {4, 4},
    .p_offset = {8, 8},
    .p_vaddr = {16, 8},
    .p_paddr = {24, 8},
    .p_filesz = {32, 8},
    .p_memsz = {40, 8},
    .p_align = {48, 8},
    .sh_type = {4, 4},
    .sh_offset = {24, 8},
    .sh_size = {32, 8},
    .sh_addralign = {48, 8},
};

static const struct elf_fmt fmt32 = {
    .ehsize = 52,
    .phentsize = 32,
    .shentsize = 40,
    .e_entry = {24, 4},
    .e_phoff = {28, 4},
    .e_shoff = {32, 4},
    .e_phentsize = {42, 2},
    .e_phnum = {44, 2},
    .e_shentsize = {46, 2},
    .e_shnum = {48, 2},
    .p_type = {0, 4},
    .p_flags = {24, 4},
    .p_offset = {4, 4},
    .p_vaddr = {8, 4},
    .p_paddr = {12, 4},
    .p_filesz = {16, 4},
    .p_memsz = {20, 4},
    .p_align = {28, 4},
    .sh_type = {4, 4},
    .sh_offset = {16, 4},
    .sh_size = {20, 4},
    .sh_addralign = {32, 4},
};

/* Parsing state: the image being filled and where messages go. */
struct pctx {
    struct elf_image *img;
    const struct elf_fmt *f;
    const char *name;
    char *err;
    size_t errlen;
};

static uint64_t rd_le(const uint8_t *p, unsigned int len)
{
    uint64_t v = 0;
    unsigned int i;

    for (i = len; i > 0; i--)
        v = (v << 8) | p[i - 1];
    return v;
}

static uint64_t rd(const uint8_t *base, struct fld f)
{
    return rd_le(base + f.off, f.len);
}

/* True when [off, off + len) lies inside a buffer of `size` bytes. */
static bool in_bounds(uint64_t size, uint64_t off, uint64_t len)
{
    return off <= size && len <= size - off;
}

static void vmsg(char *err, size_t errlen, const char *name, const char *fmt, va_list ap)
{
    int n;

    if (!err || !errlen)
        return;
    n = snprintf(err, errlen, "%s: ", name ? name : "kernel image");
    if (n >= 0 && (size_t)n < errlen)
        vsnprintf(err + n, errlen - (size_t)n, fmt, ap);
}

__attribute__((format(printf, 3, 4))) static int fail(struct pctx *c, int ret, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vmsg(c->err, c->errlen, c->name, fmt, ap);
    va_end(ap);
    return ret;
}

const char *elf_xen_note_name(unsigned int type)
{
    static const char *const names[] = {
        [XEN_ELFNOTE_INFO] = "INFO",
        [XEN_ELFNOTE_ENTRY] = "ENTRY",
        [XEN_ELFNOTE_HYPERCALL_PAGE] = "HYPERCALL_PAGE",
        [XEN_ELFNOTE_VIRT_BASE] = "VIRT_BASE",
        [XEN_ELFNOTE_PADDR_OFFSET] = "PADDR_OFFSET",
        [XEN_ELFNOTE_XEN_VERSION] = "XEN_VERSION",
        [XEN_ELFNOTE_GUEST_OS] = "GUEST_OS",
        [XEN_ELFNOTE_GUEST_VERSION] = "GUEST_VERSION",
        [XEN_ELFNOTE_LOADER] = "LOADER",
        [XEN_ELFNOTE_PAE_MODE] = "PAE_MODE",
        [XEN_ELFNOTE_FEATURES] = "FEATURES",
        [XEN_ELFNOTE_BSD_SYMTAB] = "BSD_SYMTAB",
        [XEN_ELFNOTE_HV_START_LOW] = "HV_START_LOW",
        [XEN_ELFNOTE_L1_MFN_VALID] = "L1_MFN_VALID",
        [XEN_ELFNOTE_SUSPEND_CANCEL] = "SUSPEND_CANCEL",
        [XEN_ELFNOTE_INIT_P2M] = "INIT_P2M",
        [XEN_ELFNOTE_MOD_START_PFN] = "MOD_START_PFN",
        [XEN_ELFNOTE_SUPPORTED_FEATURES] = "SUPPORTED_FEATURES",
        [XEN_ELFNOTE_PHYS32_ENTRY] = "PHYS32_ENTRY",
    };

    if (type < sizeof(names) / sizeof(names[0]) && names[type])
        return names[type];
    return "?";
}

bool elf_has_note(const struct elf_image *img, unsigned int type)
{
    return type < 32 && (img->xen.present & (1u << type));
}

/* ---- Xen notes -------------------------------------------------------------------- */

/* Where a numeric note's value goes, or NULL for string and ignored notes. */
static uint64_t *numeric_slot(struct elf_xen_notes *x, unsigned int type)
{
    switch (type) {
    case XEN_ELFNOTE_ENTRY:
        return &x->entry;
    case XEN_ELFNOTE_HYPERCALL_PAGE:
        return &x->hypercall_page;
    case XEN_ELFNOTE_VIRT_BASE:
        return &x->virt_base;
    case XEN_ELFNOTE_PADDR_OFFSET:
        return &x->paddr_offset;
    case XEN_ELFNOTE_SUSPEND_CANCEL:
        return &x->suspend_cancel;
    case XEN_ELFNOTE_INIT_P2M:
        return &x->init_p2m;
    case XEN_ELFNOTE_MOD_START_PFN:
        return &x->mod_start_pfn;
    case XEN_ELFNOTE_SUPPORTED_FEATURES:
        return &x->supported_features;
    case XEN_ELFNOTE_PHYS32_ENTRY:
        return &x->phys32_entry;
    default:
        return NULL;
    }
}

/* Where a string note goes (and its capacity), or NULL. */
static char *string_slot(struct elf_xen_notes *x, unsigned int type, size_t *cap)
{
    *cap = ELF_NOTE_STR_MAX;
    switch (type) {
    case XEN_ELFNOTE_GUEST_OS:
        return x->guest_os;
    case XEN_ELFNOTE_GUEST_VERSION:
        return x->guest_version;
    case XEN_ELFNOTE_XEN_VERSION:
        return x->xen_version;
    case XEN_ELFNOTE_LOADER:
        return x->loader;
    case XEN_ELFNOTE_PAE_MODE:
        return x->pae_mode;
    case XEN_ELFNOTE_FEATURES:
        *cap = ELF_NOTE_FEAT_MAX;
        return x->features;
    default:
        return NULL;
    }
}

static void copy_string(char *dst, size_t cap, const uint8_t *src, uint64_t len)
{
    size_t n = 0;

    while (n + 1 < cap && n < len && src[n])
        n++;
    memcpy(dst, src, n);
    dst[n] = '\0';
}

static int xen_note(struct pctx *c, unsigned int type, const uint8_t *desc, uint64_t descsz)
{
    struct elf_xen_notes *x = &c->img->xen;
    uint64_t *num = numeric_slot(x, type);
    char *str, yes[4];
    size_t cap;

    if (num) {
        if (descsz != 1 && descsz != 2 && descsz != 4 && descsz != 8)
            return fail(c, -EINVAL, "Xen note %s has a %llu-byte value (want 1, 2, 4 or 8)",
                        elf_xen_note_name(type), (unsigned long long)descsz);
        *num = rd_le(desc, (unsigned int)descsz);
    } else if ((str = string_slot(x, type, &cap)) != NULL) {
        copy_string(str, cap, desc, descsz);
    } else if (type == XEN_ELFNOTE_BSD_SYMTAB) {
        copy_string(yes, sizeof(yes), desc, descsz);
        x->bsd_symtab = strcmp(yes, "yes") == 0;
    } else {
        return 0; /* a note we do not use */
    }
    if (type < 32)
        x->present |= 1u << type;
    return 0;
}

static bool is_xen_name(const uint8_t *name, uint64_t namesz)
{
    return (namesz == 4 && memcmp(name, "Xen", 4) == 0) ||
           (namesz == 3 && memcmp(name, "Xen", 3) == 0);
}

static uint64_t round_up(uint64_t v, uint64_t align)
{
    return (v + align - 1) & ~(align - 1);
}

/* Walks one note area (already bounds-checked against the file). Offsets are relative
 * to the area: a note's descriptor and the next note start on `align` boundaries. */
static int parse_notes(struct pctx *c, const uint8_t *p, uint64_t len, uint64_t align,
                       const char *what, unsigned int idx)
{
    uint64_t pos = 0, namesz, descsz, desc;
    unsigned int type;
    int ret;

    align = align == 8 ? 8 : 4;
    while (len - pos >= 12) {
        namesz = rd_le(p + pos, 4);
        descsz = rd_le(p + pos + 4, 4);
        type = (unsigned int)rd_le(p + pos + 8, 4);
        desc = round_up(pos + 12 + namesz, align);
        if (desc > len || descsz > len - desc)
            return fail(c, -EINVAL, "%s %u: note at offset %llu extends past its end", what, idx,
                        (unsigned long long)pos);
        if (is_xen_name(p + pos + 12, namesz)) {
            c->img->has_xen_notes = true;
            ret = xen_note(c, type, p + desc, descsz);
            if (ret)
                return ret;
        }
        pos = round_up(desc + descsz, align);
        if (pos > len)
            pos = len;
    }
    return 0;
}

/* ---- headers ---------------------------------------------------------------------- */

static int check_ident(struct pctx *c, const uint8_t *d, size_t size)
{
    if (size < 16 || memcmp(d, "\177ELF", 4) != 0)
        return fail(c, -ENOEXEC, "not an ELF file (bad magic)");
    if (d[4] != 1 && d[4] != 2)
        return fail(c, -ENOEXEC, "unsupported ELF class %u", d[4]);
    if (d[5] != 1)
        return fail(c, -ENOEXEC, "not a little-endian ELF file (data encoding %u)", d[5]);
    if (d[6] != 1)
        return fail(c, -ENOEXEC, "unsupported ELF version %u", d[6]);
    c->img->elfclass = d[4] == 2 ? 64 : 32;
    c->f = d[4] == 2 ? &fmt64 : &fmt32;
    if (size < c->f->ehsize)
        return fail(c, -ENOEXEC, "ELF header truncated (%zu bytes, need %u)", size, c->f->ehsize);
    return 0;
}

static int check_ehdr(struct pctx *c)
{
    struct elf_image *img = c->img;
    const uint8_t *d = img->data;
    uint16_t want = img->elfclass == 64 ? EM_X86_64_ : EM_386_;

    img->type = (uint16_t)rd_le(d + 16, 2);
    img->machine = (uint16_t)rd_le(d + 18, 2);
    img->e_entry = rd(d, c->f->e_entry);
    if (img->type != 2 && img->type != 3)
        return fail(c, -ENOEXEC, "not an executable (ELF type %u)", img->type);
    if (img->machine != want)
        return fail(c, -ENOEXEC, "wrong machine %u for ELF%u (want %s)", img->machine,
                    img->elfclass, img->elfclass == 64 ? "x86-64" : "i386");
    return 0;
}

/* Checks that a header table (count entries of entsize at off) fits in the file. */
static int check_table(struct pctx *c, const char *what, uint64_t off, uint64_t num,
                       uint64_t entsize, unsigned int want_entsize)
{
    if (entsize != want_entsize)
        return fail(c, -EINVAL, "%s entry size %llu (want %u)", what, (unsigned long long)entsize,
                    want_entsize);
    if (off > c->img->size)
        return fail(c, -EINVAL, "%s offset %#llx is past end of file", what,
                    (unsigned long long)off);
    if (!in_bounds(c->img->size, off, num * entsize))
        return fail(c, -EINVAL, "%s extends past end of file", what);
    return 0;
}

/* ---- program headers -------------------------------------------------------------- */

static uint64_t addr_limit(const struct elf_image *img)
{
    return img->elfclass == 64 ? UINT64_MAX : UINT32_MAX;
}

static int read_seg(struct pctx *c, const uint8_t *ph, unsigned int i, struct elf_seg *s)
{
    const struct elf_fmt *f = c->f;
    uint64_t lim = addr_limit(c->img);

    s->offset = rd(ph, f->p_offset);
    s->vaddr = rd(ph, f->p_vaddr);
    s->paddr = rd(ph, f->p_paddr);
    s->filesz = rd(ph, f->p_filesz);
    s->memsz = rd(ph, f->p_memsz);
    s->flags = (uint32_t)rd(ph, f->p_flags);
    if (!in_bounds(c->img->size, s->offset, s->filesz))
        return fail(c, -EINVAL, "program header %u extends past end of file", i);
    if (s->filesz > s->memsz)
        return fail(c, -EINVAL, "program header %u: file size %llu exceeds memory size %llu", i,
                    (unsigned long long)s->filesz, (unsigned long long)s->memsz);
    if (s->memsz > ELF_MAX_MEMSZ)
        return fail(c, -EINVAL, "program header %u: memory size %llu is too large (limit %llu)", i,
                    (unsigned long long)s->memsz, (unsigned long long)ELF_MAX_MEMSZ);
    if (s->vaddr > lim - s->memsz || s->paddr > lim - s->memsz)
        return fail(c, -EINVAL, "program header %u: address range wraps around", i);
    return 0;
}

static bool overlap(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
    return a < b + blen && b < a + alen;
}

static int add_seg(struct pctx *c, const struct elf_seg *s, unsigned int i)
{
    struct elf_image *img = c->img;
    unsigned int j;

    if (s->memsz == 0)
        return 0;
    if (img->nr_segs == ELF_MAX_LOAD_SEGS)
        return fail(c, -EINVAL, "more than %u loadable segments", ELF_MAX_LOAD_SEGS);
    for (j = 0; j < img->nr_segs; j++) {
        const struct elf_seg *o = &img->segs[j];

        if (overlap(s->paddr, s->memsz, o->paddr, o->memsz))
            return fail(c, -EINVAL,
                        "program header %u overlaps an earlier loadable segment in memory", i);
    }
    img->segs[img->nr_segs++] = *s;
    return 0;
}

/* A PT_NOTE header only names file bytes (its memory size may be 0, as GRUB's is). */
static int do_note_phdr(struct pctx *c, const uint8_t *ph, unsigned int i)
{
    uint64_t off = rd(ph, c->f->p_offset), size = rd(ph, c->f->p_filesz);

    if (!in_bounds(c->img->size, off, size))
        return fail(c, -EINVAL, "program header %u extends past end of file", i);
    return parse_notes(c, c->img->data + off, size, rd(ph, c->f->p_align), "program header", i);
}

static int do_phdr(struct pctx *c, const uint8_t *ph, unsigned int i)
{
    uint32_t type = (uint32_t)rd(ph, c->f->p_type);
    struct elf_seg s;
    int ret;

    if (type == PT_NOTE_)
        return do_note_phdr(c, ph, i);
    if (type != PT_LOAD_)
        return 0;
    ret = read_seg(c, ph, i, &s);
    if (ret)
        return ret;
    return add_seg(c, &s, i);
}

static int parse_phdrs(struct pctx *c)
{
    const uint8_t *d = c->img->data;
    uint64_t off = rd(d, c->f->e_phoff), num = rd(d, c->f->e_phnum);
    unsigned int i;
    int ret;

    if (num == 0)
        return fail(c, -ENOEXEC, "no program headers");
    if (num == PN_XNUM_ || num > ELF_MAX_PHDRS)
        return fail(c, -EINVAL, "too many program headers (%llu)", (unsigned long long)num);
    ret =
        check_table(c, "program header table", off, num, rd(d, c->f->e_phentsize), c->f->phentsize);
    for (i = 0; ret == 0 && i < num; i++)
        ret = do_phdr(c, d + off + (uint64_t)i * c->f->phentsize, i);
    if (ret == 0 && c->img->nr_segs == 0)
        return fail(c, -ENOEXEC, "no loadable segments");
    return ret;
}

/* ---- section headers (only SHT_NOTE is used) -------------------------------------- */

static int do_shdr(struct pctx *c, const uint8_t *sh, unsigned int i)
{
    uint64_t off, size;

    if (rd(sh, c->f->sh_type) != SHT_NOTE_)
        return 0;
    off = rd(sh, c->f->sh_offset);
    size = rd(sh, c->f->sh_size);
    if (!in_bounds(c->img->size, off, size))
        return fail(c, -EINVAL, "section %u (notes) extends past end of file", i);
    return parse_notes(c, c->img->data + off, size, rd(sh, c->f->sh_addralign), "section", i);
}

static int parse_shdrs(struct pctx *c)
{
    const uint8_t *d = c->img->data;
    uint64_t off = rd(d, c->f->e_shoff), num = rd(d, c->f->e_shnum);
    unsigned int i;
    int ret;

    if (off == 0)
        return 0; /* no section table (allowed) */
    if (num == 0)
        return fail(c, -EINVAL, "extended section numbering is not supported");
    if (num > ELF_MAX_SHDRS)
        return fail(c, -EINVAL, "too many section headers (%llu)", (unsigned long long)num);
    ret =
        check_table(c, "section header table", off, num, rd(d, c->f->e_shentsize), c->f->shentsize);
    for (i = 0; ret == 0 && i < num; i++)
        ret = do_shdr(c, d + off + (uint64_t)i * c->f->shentsize, i);
    return ret;
}

/* ---- ranges ----------------------------------------------------------------------- */

static void compute_ranges(struct elf_image *img)
{
    unsigned int i;

    img->pstart = img->vstart = UINT64_MAX;
    img->pend = img->vend = 0;
    for (i = 0; i < img->nr_segs; i++) {
        const struct elf_seg *s = &img->segs[i];

        if (s->paddr < img->pstart)
            img->pstart = s->paddr;
        if (s->paddr + s->memsz > img->pend)
            img->pend = s->paddr + s->memsz;
        if (s->vaddr < img->vstart)
            img->vstart = s->vaddr;
        if (s->vaddr + s->memsz > img->vend)
            img->vend = s->vaddr + s->memsz;
    }
}

/* Xen's rules for the virtual kernel range (see elfload.h). */
static int compute_xen_range(struct pctx *c)
{
    struct elf_image *img = c->img;
    bool vb = elf_has_note(img, XEN_ELFNOTE_VIRT_BASE);
    bool po = elf_has_note(img, XEN_ELFNOTE_PADDR_OFFSET);
    uint64_t shift;

    if (po && !vb)
        return fail(c, -EINVAL, "Xen note PADDR_OFFSET given without VIRT_BASE");
    img->virt_base = vb ? img->xen.virt_base : 0;
    img->paddr_offset = po ? img->xen.paddr_offset : (img->has_xen_notes ? 0 : img->virt_base);
    shift = img->virt_base - img->paddr_offset; /* modular: may "subtract" */
    img->virt_kstart = img->pstart + shift;
    img->virt_kend = img->pend + shift;
    if (img->virt_kend < img->virt_kstart)
        return fail(c, -EINVAL,
                    "kernel range wraps around the address space "
                    "(VIRT_BASE %#llx, PADDR_OFFSET %#llx)",
                    (unsigned long long)img->virt_base, (unsigned long long)img->paddr_offset);
    img->virt_entry = elf_has_note(img, XEN_ELFNOTE_ENTRY) ? img->xen.entry : img->e_entry;
    return 0;
}

int elf_parse(struct elf_image *img, const void *data, size_t size, const char *name, char *err,
              size_t errlen)
{
    struct pctx c = {.img = img, .name = name, .err = err, .errlen = errlen};
    int ret;

    memset(img, 0, sizeof(*img));
    if (err && errlen)
        err[0] = '\0';
    img->data = data;
    img->size = size;
    if (!data)
        return fail(&c, -EINVAL, "no image");
    ret = check_ident(&c, data, size);
    if (!ret)
        ret = check_ehdr(&c);
    if (!ret)
        ret = parse_phdrs(&c);
    if (!ret)
        ret = parse_shdrs(&c);
    if (!ret) {
        compute_ranges(img);
        ret = compute_xen_range(&c);
    }
    return ret;
}

/* ---- loading ---------------------------------------------------------------------- */

int elf_load(const struct elf_image *img, void *dest, uint64_t dest_size, uint64_t base,
             const char *name, char *err, size_t errlen)
{
    struct pctx c = {.name = name, .err = err, .errlen = errlen};
    uint8_t *d = dest;
    unsigned int i;

    for (i = 0; i < img->nr_segs; i++) {
        const struct elf_seg *s = &img->segs[i];

        if (s->paddr < base || !in_bounds(dest_size, s->paddr - base, s->memsz))
            return fail(&c, -ERANGE,
                        "segment %u [%#llx, %#llx) does not fit the guest memory [%#llx, %#llx)", i,
                        (unsigned long long)s->paddr, (unsigned long long)(s->paddr + s->memsz),
                        (unsigned long long)base, (unsigned long long)(base + dest_size));
        if (!in_bounds(img->size, s->offset, s->filesz))
            return fail(&c, -EINVAL, "segment %u extends past end of file", i);
    }
    for (i = 0; i < img->nr_segs; i++) {
        const struct elf_seg *s = &img->segs[i];
        uint8_t *to = d + (s->paddr - base);

        memcpy(to, img->data + s->offset, s->filesz);
        memset(to + s->filesz, 0, s->memsz - s->filesz);
    }
    return 0;
}
