/* fuzz_elf.c: libFuzzer target: the ELF loader (headers, segments, Xen notes) and loading into a
 * window. */
#include <stdint.h>
#include <stdlib.h>

#include <pvisor/elfload.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define WINDOW (1u << 20)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct elf_image img;
    static uint8_t *dest;
    char err[256];

    if (!dest && !(dest = malloc(WINDOW)))
        return 0;
    if (elf_parse(&img, data, size, "fuzz", err, sizeof(err)) != 0)
        return 0;
    /* Load into a 1 MiB window at the image's own base: must stay inside or refuse. */
    elf_load(&img, dest, WINDOW, img.pstart, "fuzz", err, sizeof(err));
    return 0;
}
