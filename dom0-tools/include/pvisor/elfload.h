/* elfload.h: bounds-checked ELF32/ELF64 x86 kernel parser with Xen ELF note support. */
#ifndef PVISOR_ELFLOAD_H
#define PVISOR_ELFLOAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * The image is untrusted. elf_parse() reads it from a memory buffer and checks every
 * offset, size and count against the buffer with overflow-safe arithmetic before use;
 * it never reads outside [data, data + size) and never writes outside *img. On a bad
 * image it returns -ENOEXEC (not an ELF image we can load) or -EINVAL (a malformed
 * one) and writes one line naming the problem to err, e.g.
 * "kernel image: program header 3 extends past end of file".
 * All functions are reentrant; nothing is allocated (*img refers into `data`, which must
 * outlive it).
 */

#define ELF_MAX_LOAD_SEGS 32           /* PT_LOAD headers accepted */
#define ELF_MAX_PHDRS     512          /* program headers accepted */
#define ELF_MAX_SHDRS     4096         /* section headers accepted */
#define ELF_MAX_MEMSZ     (1ull << 32) /* bytes one segment may occupy in memory */
#define ELF_NOTE_STR_MAX  128          /* string notes are truncated to this - 1 */
#define ELF_NOTE_FEAT_MAX 512          /* XEN_ELFNOTE_FEATURES is truncated to this - 1 */

/* A PT_LOAD program header. */
struct elf_seg {
    uint64_t vaddr, paddr; /* p_vaddr, p_paddr */
    uint64_t offset;       /* p_offset: file bytes [offset, offset + filesz) */
    uint64_t filesz;       /* p_filesz <= memsz; the rest is zero-filled */
    uint64_t memsz;
    uint32_t flags; /* PF_X 1, PF_W 2, PF_R 4 */
};

/* Xen ELF notes (name "Xen") found in PT_NOTE segments and SHT_NOTE sections. A note
 * is present when bit XEN_ELFNOTE_<type> of `present` is set; numeric notes accept
 * 1, 2, 4 or 8 byte values; string notes are NUL-terminated (truncated if long). */
struct elf_xen_notes {
    uint32_t present; /* 1u << XEN_ELFNOTE_* for each note seen */
    char guest_os[ELF_NOTE_STR_MAX];
    char guest_version[ELF_NOTE_STR_MAX];
    char xen_version[ELF_NOTE_STR_MAX];
    char loader[ELF_NOTE_STR_MAX];
    char pae_mode[ELF_NOTE_STR_MAX];
    char features[ELF_NOTE_FEAT_MAX];
    uint64_t virt_base;
    uint64_t paddr_offset;
    uint64_t entry;          /* PV entry point (virtual) */
    uint64_t hypercall_page; /* virtual address */
    bool bsd_symtab;         /* string note "yes" */
    uint64_t suspend_cancel;
    uint64_t supported_features; /* XEN_ELFNOTE_SUPPORTED_FEATURES bitmap */
    uint64_t init_p2m;
    uint64_t mod_start_pfn;
    uint64_t phys32_entry; /* PVH entry point (physical, 32-bit) */
};

struct elf_image {
    const uint8_t *data; /* the buffer given to elf_parse() */
    size_t size;
    unsigned int elfclass; /* 32 or 64 */
    uint16_t machine;      /* EM_386 (3) or EM_X86_64 (62) */
    uint16_t type;         /* ET_EXEC (2) or ET_DYN (3) */
    uint64_t e_entry;
    unsigned int nr_segs; /* PT_LOAD headers with memsz > 0, in file order */
    struct elf_seg segs[ELF_MAX_LOAD_SEGS];
    uint64_t pstart, pend; /* [lowest p_paddr, highest p_paddr + p_memsz) */
    uint64_t vstart, vend; /* the same for p_vaddr */
    bool has_xen_notes;    /* at least one note named "Xen" */
    struct elf_xen_notes xen;
    /* Xen's virtual kernel range, computed as Xen's loader does:
     * virt_base = VIRT_BASE note or 0; paddr_offset = PADDR_OFFSET note, else 0 when
     * the image has Xen notes, else virt_base; a segment with physical address p is
     * loaded at virtual address p + virt_base - paddr_offset. */
    uint64_t virt_base;
    uint64_t paddr_offset;
    uint64_t virt_kstart, virt_kend; /* pstart/pend shifted that way */
    uint64_t virt_entry;             /* ENTRY note, else e_entry */
};

/* Parse `size` bytes at `data`. `name` prefixes messages (NULL: "kernel image"). */
int elf_parse(struct elf_image *img, const void *data, size_t size, const char *name, char *err,
              size_t errlen);

/* True when bit `type` (XEN_ELFNOTE_*) is set in img->xen.present. */
bool elf_has_note(const struct elf_image *img, unsigned int type);

/*
 * Copy every loadable segment into a destination window: the segment with physical
 * address p lands at dest + (p - base), its file bytes copied and the rest of memsz
 * zeroed. Fails with -ERANGE (message in err, prefixed by name) if any segment starts
 * below base or ends past dest + dest_size; nothing is written then.
 */
int elf_load(const struct elf_image *img, void *dest, uint64_t dest_size, uint64_t base,
             const char *name, char *err, size_t errlen);

/* Name of a XEN_ELFNOTE_* type ("ENTRY", "HYPERCALL_PAGE", ...) or "?". */
const char *elf_xen_note_name(unsigned int type);

#endif
