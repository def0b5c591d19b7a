/* test_elf_img.h: builds small ELF32/ELF64 kernel images in memory for the unit tests. */
#ifndef TEST_ELF_IMG_H
#define TEST_ELF_IMG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TIMG_MAX_SEGS  6
#define TIMG_MAX_NOTES 20

struct timg_seg {
    uint64_t vaddr, paddr, filesz, memsz;
    uint8_t fill; /* file bytes are fill, fill+1, fill+2, ... */
};

struct timg_note {
    const char *name; /* NULL = "Xen" */
    uint32_t type;
    const void *desc; /* NULL: the value is `num` (little-endian, descsz bytes) */
    uint32_t descsz;
    uint64_t num;
};

struct timg_spec {
    unsigned int elfclass; /* 32 or 64 */
    uint16_t machine;      /* 0 = the class's x86 machine */
    uint64_t entry;
    unsigned int nsegs;
    struct timg_seg segs[TIMG_MAX_SEGS];
    unsigned int nnotes;
    struct timg_note notes[TIMG_MAX_NOTES];
    bool notes_in_phdr;      /* a PT_NOTE program header (the first one) */
    bool notes_in_shdr;      /* a SHT_NOTE section (section 1) */
    unsigned int note_align; /* 0 = 4; 8 lays notes out like .note.gnu.property */
};

/* Where things landed in the last built image. */
struct timg_info {
    size_t size;
    uint64_t phoff, shoff, note_off, note_len;
    unsigned int phentsize, shentsize, phnum;
    unsigned int first_load_ph; /* index of the first PT_LOAD header */
};

/* Build the image into buf (cap bytes). Returns its size, or 0 if it does not fit. */
size_t timg_build(const struct timg_spec *s, uint8_t *buf, size_t cap, struct timg_info *info);

/* Append a Xen note with a numeric value of `size` bytes (4 or 8 usually). */
void timg_note_num(struct timg_spec *s, uint32_t type, uint64_t value, uint32_t size);

/* Append a Xen note with a NUL-terminated string value. */
void timg_note_str(struct timg_spec *s, uint32_t type, const char *value);

/* A lower-half 64-bit PV kernel: VIRT_BASE vb, text segment at vb + 0x1000 (paddr
 * 0x1000), a data+bss segment after it, ENTRY, HYPERCALL_PAGE, the usual strings. */
void timg_pv64(struct timg_spec *s, uint64_t vb);

void timg_put(uint8_t *buf, uint64_t off, uint64_t v, unsigned int len);
uint64_t timg_get(const uint8_t *buf, uint64_t off, unsigned int len);

#endif
