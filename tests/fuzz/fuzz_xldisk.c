/* fuzz_xldisk.c: libFuzzer target: xl's disk specification and vdev parsers. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <pvisor/xlcfg.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct xl_disk d;
    char err[256], *spec = malloc(size + 1);
    uint32_t devid;

    if (!spec)
        return 0;
    memcpy(spec, data, size);
    spec[size] = '\0';
    if (xl_disk_parse(spec, &d, err, sizeof(err)) == 0) {
        /* An accepted spec names a vdev that parses to the same device number. */
        if (xl_vdev_parse(d.vdev, &devid, err, sizeof(err)) != 0 || devid != d.devid)
            __builtin_trap();
        if (!memchr(d.target, '\0', sizeof(d.target)))
            __builtin_trap();
    }
    xl_vdev_parse(spec, &devid, err, sizeof(err));
    free(spec);
    return 0;
}
