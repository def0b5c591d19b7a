/* fuzz_blkif.c: libFuzzer target: blkback's decoding of ring slots and indirect pages (both
 * layouts). */
#include <stdint.h>
#include <string.h>

#include "../../backends/blkback/blkback.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct blk_req r;
    uint8_t slot[sizeof(union blkif_x86_64_sring_entry)] = {0};
    struct blkif_request_segment segs[BLK_MAX_SEGS] = {{0}};
    struct blk_limits lim = {.sectors = 2048, .discard = true, .max_indirect = 256};
    const char *why;

    if (size < 2)
        return 0;
    lim.readonly = data[0] & 1;
    lim.discard = data[0] & 2;
    lim.max_indirect = (data[0] & 4) ? 32 : 256;
    enum blk_proto p = (data[1] & 1) ? BLK_PROTO_32 : BLK_PROTO_64;
    data += 2;
    size -= 2;
    memcpy(slot, data, size < sizeof(slot) ? size : sizeof(slot));
    if (blk_req_decode(p, slot, &lim, &r, &why) != 0 || !r.nindir)
        return 0;
    if (size > sizeof(slot))
        memcpy(segs, data + sizeof(slot),
               size - sizeof(slot) < sizeof(segs) ? size - sizeof(slot) : sizeof(segs));
    if (blk_req_indirect(&r, segs, &lim, &why) == 0 && r.nsect > lim.sectors)
        __builtin_trap(); /* a request the checks passed must lie on the disk */
    return 0;
}
