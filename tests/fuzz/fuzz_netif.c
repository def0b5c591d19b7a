/* fuzz_netif.c: libFuzzer target: netback's parsing of tx ring requests into packets (chains,
 * extra-info slots, every bound), run over a whole hostile ring as the data path does. */
#include <stdint.h>
#include <string.h>

#include "../../backends/netback/netback.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* What a packet the parser accepted must satisfy. */
static void check_ok(const struct nb_txpkt *p, unsigned max_len)
{
    unsigned sum = 0;

    if (p->nfrags == 0 || p->nfrags > NB_MAX_SLOTS || p->len > max_len || p->len < NB_ETH_HLEN)
        __builtin_trap();
    for (unsigned i = 0; i < p->nfrags; i++) {
        if ((unsigned)p->frag[i].offset + p->frag[i].len > NB_PAGE)
            __builtin_trap();
        sum += p->frag[i].len;
    }
    if (sum != p->len)
        __builtin_trap(); /* the fragments must cover exactly the frame */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    netif_tx_request_t ring[256];
    unsigned n, cons = 0, max_len;
    struct nb_txpkt p;

    if (size < 2)
        return 0;
    max_len = 60u + ((unsigned)data[0] << 8 | data[1]) % (NB_MAX_FRAME - 59);
    data += 2;
    size -= 2;
    n = (unsigned)(size / sizeof(ring[0]));
    if (n > 256)
        n = 256;
    memcpy(ring, data, n * sizeof(ring[0]));
    while (cons < n) {
        const char *why = NULL;
        unsigned avail = n - cons;
        enum nb_tx_verdict v = nb_tx_parse(
            ring + cons, avail > NB_TX_SLOTS_FATAL ? NB_TX_SLOTS_FATAL : avail, max_len, &p, &why);

        if (v == NB_TX_INCOMPLETE || v == NB_TX_FATAL)
            break;
        if (p.nslots == 0 || p.nslots > avail || (v == NB_TX_BAD && !why))
            __builtin_trap();
        if (v == NB_TX_OK)
            check_ok(&p, max_len);
        cons += p.nslots;
    }
    return 0;
}
