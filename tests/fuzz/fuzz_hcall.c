/* fuzz_hcall.c: libFuzzer target: pvisord's hypercall dispatcher and every handler behind it with
 * hostile numbers, arguments and guest memory, from PV and PVH vCPUs of two domains (the
 * hypervisor core with fake KVM), invariants checked after every call. */
#include <stdint.h>
#include <string.h>

#include "hvfuzz.h"

/*
 * Input: a configuration byte (bits 0-1: domain 1's mode, bits 2-3: domain 2's: PV64,
 * PVH64, PVH32), a paging byte and a frame byte (PVH vCPUs: bit 0 turns paging on with
 * cr3 at that frame, bits 1-3 choose PAE, PSE, long mode), then records:
 *   1ddddddd: guest memory write: bit 6 the domain, then u16 offset/8, length, bytes
 *   0wwwwwww: a hypercall: bits 0-1 the vCPU (domain 1 vCPU 0 or 1, domain 2 vCPU 0),
 *             then the number (one byte: up to 71, so some are out of range) and six
 *             arguments, each a selector byte and its data:
 *               sel & 3 = 0: a small number (1 byte)     1: an address in the caller's RAM
 *               (frame byte, offset/16 byte)   2: 8 raw bytes   3: a special value (sel >> 2)
 *             The sixth argument is also the vCPU's rsp (for iret).
 * At most 48 hypercalls per input; console_io writes are cut to 3 pages. Invariants
 * (hvfuzz.h): after every call that can change ports or grants, and at the end.
 */
#define MAX_CALLS 48

struct in {
    const uint8_t *p, *end;
};

static uint8_t byte(struct in *in)
{
    return in->p < in->end ? *in->p++ : 0;
}

static uint64_t u64(struct in *in)
{
    uint64_t v = 0;

    for (int i = 0; i < 8; i++)
        v |= (uint64_t)byte(in) << (8 * i);
    return v;
}

static uint64_t arg(struct in *in, struct domain *d)
{
    uint8_t sel = byte(in);
    const uint64_t specials[] = {0,
                                 ~0ULL,
                                 DOMID_SELF,
                                 1,
                                 2,
                                 0x7fff,
                                 d->special_pfn << 12,
                                 (d->special_pfn + PVISOR_SPECIAL_GNTTAB) << 12,
                                 d->gwin_pfn << 12,
                                 1ULL << 63,
                                 0xffff800000000000ULL,
                                 ((d->ram_pages - 1) << 12) | 0xff8,
                                 d->mem_size,
                                 d->mem_size - 1,
                                 0x100000000ULL,
                                 4096};

    switch (sel & 3) {
    case 0:
        return byte(in);
    case 1: {
        uint64_t page = byte(in) % d->ram_pages;
        return page << 12 | (uint64_t)byte(in) << 4;
    }
    case 2:
        return u64(in);
    default:
        return specials[(sel >> 2) % (sizeof(specials) / sizeof(specials[0]))];
    }
}

static void mem_write(struct in *in, uint8_t rec)
{
    struct domain *d = hvf_d[(rec >> 6) & 1];
    uint64_t gpa = (uint64_t)(byte(in) | byte(in) << 8) * 8;
    uint8_t n = byte(in);
    uint8_t *p = gmem_ptr(d, gpa, n);

    for (unsigned i = 0; i < n; i++) {
        uint8_t b = byte(in);
        if (p)
            p[i] = b;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct in in = {data, data + size};
    uint8_t cfg = byte(&in), paging = byte(&in), frame = byte(&in);
    unsigned calls = 0;

    hvf_start((enum hvf_mode)((cfg & 3) % 3), (enum hvf_mode)(((cfg >> 2) & 3) % 3));
    if (paging & 1)
        fake_mode = (struct sub_mode){
            .cr0 = 1 | (1ULL << 31) | ((paging & 16) ? 1ULL << 16 : 0),
            .cr3 = (uint64_t)frame << 12,
            .cr4 = ((paging & 2) ? 1u << 5 : 0) | ((paging & 4) ? 1u << 4 : 0),
            .efer = (paging & 8) ? 1ULL << 10 : 0,
            .cs_l = (paging & 8) != 0,
        };
    while (in.p < in.end && calls < MAX_CALLS) {
        uint8_t rec = byte(&in);
        if (rec & 0x80) {
            mem_write(&in, rec);
            continue;
        }
        struct vcpu *v = (rec & 3) == 2 ? hvf_d[1]->vcpus[0] : hvf_d[0]->vcpus[rec & 1];
        unsigned nr = byte(&in) % 72;
        uint64_t a[6];
        for (int i = 0; i < 6; i++)
            a[i] = arg(&in, v->d);
        fake_regs.rsp = a[5];
        if (nr == __HYPERVISOR_console_io && a[1] > 3 * 4096 + 17)
            a[1] = 3 * 4096 + 17; /* long writes only cost time here, byte by byte */
        hvf_call(v, nr, a[0], a[1], a[2], a[3], a[4], a[5]);
        calls++;
        if (nr == __HYPERVISOR_grant_table_op || nr == __HYPERVISOR_event_channel_op ||
            nr == __HYPERVISOR_memory_op || nr == __HYPERVISOR_multicall)
            hvf_check();
    }
    hvf_check();
    hvf_stop();
    return 0;
}
