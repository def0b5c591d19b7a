/* fuzz_consring.c: libFuzzer target: xenconsoled's console ring code (backends/xenconsoled/ring.c)
 * against a guest that follows the protocol (data and notifications checked against a model
 * of both queues) or breaks it (indexes and bytes changed at will). */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pvisor/cons_ring.h>

/*
 * Input: start index (4 bytes), then operations (opcode byte + arguments):
 *   0 n bytes[n]  the guest writes output (what fits, if it follows the protocol)
 *   1 n           the backend reads up to n bytes of output (cons_ring_read)
 *   2 u32         the guest sets out_prod (breaks the protocol)
 *   3 off n b[n]  the guest overwrites output bytes in out[] (breaks it)
 *   4 n bytes[n]  the backend writes input (cons_ring_write)
 *   5 n           the guest consumes up to n bytes of input
 *   6 u32         the guest sets in_cons (breaks it)
 *   7 u32         the guest overwrites out_cons/in_prod, the backend's indexes (breaks it)
 * Invariants for any guest: results are -EPROTO or at most what was asked and what a ring
 * holds, the backend's index moves by exactly the result and is published (when it moved),
 * -EPROTO changes nothing, no access outside the page. For a guest that follows the protocol:
 * no -EPROTO, the bytes and their order, and the notification rules of cons_ring.h.
 */
static struct xencons_interface *R;

struct queue {
    uint8_t b[65536];
    size_t head, len; /* bytes produced, not consumed */
};

static struct queue outq, inq; /* the model: guest output, backend input */

static void q_push(struct queue *q, uint8_t c)
{
    q->b[(q->head + q->len++) % sizeof(q->b)] = c;
}

static uint8_t q_pop(struct queue *q)
{
    uint8_t c = q->b[q->head];

    q->head = (q->head + 1) % sizeof(q->b);
    q->len--;
    return c;
}

static void fail(const char *what, long a, long b)
{
    fprintf(stderr, "consring: %s (%ld, %ld)\n", what, a, b);
    abort();
}

static uint8_t byte(const uint8_t **d, const uint8_t *end)
{
    return *d < end ? *(*d)++ : 0;
}

static uint32_t u32(const uint8_t **d, const uint8_t *end)
{
    uint32_t v = 0;

    for (int i = 0; i < 4; i++)
        v |= (uint32_t)byte(d, end) << (8 * i);
    return v;
}

static void backend_read(size_t max, bool good, XENCONS_RING_IDX *cons)
{
    char dst[CONS_OUT_SIZE + 16];
    XENCONS_RING_IDX prev = *cons, prod = R->out_prod, page = R->out_cons;
    bool notify = false, full = prod - prev == CONS_OUT_SIZE;
    int n = cons_ring_read(R, cons, dst, max, &notify);

    if (n == -EPROTO) {
        if (good)
            fail("read: -EPROTO for a guest that follows the protocol", prev, prod);
        if (*cons != prev || R->out_cons != page || notify)
            fail("read: -EPROTO changed something", prev, *cons);
        return;
    }
    if (n < 0 || (size_t)n > max || (XENCONS_RING_IDX)n > CONS_OUT_SIZE)
        fail("read: result out of range", n, (long)max);
    if (*cons != prev + (XENCONS_RING_IDX)n || R->out_cons != (n ? *cons : page))
        fail("read: index not moved by the result", n, (long)(*cons - prev));
    if (!good)
        return;
    if ((size_t)n != (outq.len < max ? outq.len : max))
        fail("read: wrong count", n, (long)outq.len);
    for (int i = 0; i < n; i++)
        if ((uint8_t)dst[i] != q_pop(&outq))
            fail("read: wrong byte", i, n);
    if (n > 0 && notify != full)
        fail("read: notification rule", notify, full);
}

static void backend_write(const uint8_t *src, size_t len, bool good, XENCONS_RING_IDX *prod)
{
    XENCONS_RING_IDX prev = *prod, cons = R->in_cons, page = R->in_prod;
    bool notify = false, empty = cons == prev;
    int n = cons_ring_write(R, prod, (const char *)src, len, &notify);

    if (n == -EPROTO) {
        if (good)
            fail("write: -EPROTO for a guest that follows the protocol", prev, cons);
        if (*prod != prev || R->in_prod != page || notify)
            fail("write: -EPROTO changed something", prev, *prod);
        return;
    }
    if (n < 0 || (size_t)n > len || (XENCONS_RING_IDX)n > CONS_IN_SIZE)
        fail("write: result out of range", n, (long)len);
    if (*prod != prev + (XENCONS_RING_IDX)n || R->in_prod != (n ? *prod : page))
        fail("write: index not moved by the result", n, (long)(*prod - prev));
    if (!good)
        return;
    size_t room = CONS_IN_SIZE - inq.len;
    if ((size_t)n != (room < len ? room : len))
        fail("write: wrong count", n, (long)room);
    for (int i = 0; i < n; i++)
        q_push(&inq, src[i]);
    if (n > 0 && notify != empty)
        fail("write: notification rule", notify, empty);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *d = data, *end = data + size;
    XENCONS_RING_IDX start, cons, prod;
    bool good = true;

    if (!R)
        R = malloc(sizeof(*R)); /* exactly the page's layout: ASan sees any overrun */
    memset(R, 0, sizeof(*R));
    start = u32(&d, end);
    R->out_cons = R->out_prod = R->in_cons = R->in_prod = cons = prod = start;
    outq.len = inq.len = 0;
    while (d < end) {
        uint8_t op = byte(&d, end) & 7, n;
        switch (op) {
        case 0:
            n = byte(&d, end);
            for (unsigned i = 0; i < n; i++) {
                uint8_t c = byte(&d, end);
                if (good && outq.len == CONS_OUT_SIZE)
                    continue; /* full: a guest following the protocol waits */
                R->out[MASK_XENCONS_IDX(R->out_prod, R->out)] = (char)c;
                R->out_prod++;
                if (good)
                    q_push(&outq, c);
            }
            break;
        case 1:
            n = byte(&d, end);
            backend_read(n == 255 ? CONS_OUT_SIZE + 16 : n, good, &cons);
            break;
        case 2:
            R->out_prod = u32(&d, end);
            good = false;
            break;
        case 3: {
            uint16_t off = (uint16_t)(byte(&d, end) | byte(&d, end) << 8);
            n = byte(&d, end);
            for (unsigned i = 0; i < n; i++)
                R->out[MASK_XENCONS_IDX(off + i, R->out)] = (char)byte(&d, end);
            good = false;
            break;
        }
        case 4: {
            uint8_t buf[256];
            n = byte(&d, end);
            for (unsigned i = 0; i < n; i++)
                buf[i] = byte(&d, end);
            backend_write(buf, n, good, &prod);
            break;
        }
        case 5:
            n = byte(&d, end);
            for (unsigned i = 0; i < n && R->in_cons != R->in_prod; i++) {
                uint8_t c = (uint8_t)R->in[MASK_XENCONS_IDX(R->in_cons, R->in)];
                R->in_cons++;
                if (good && c != q_pop(&inq))
                    fail("input byte differs", c, i);
            }
            break;
        case 6:
            R->in_cons = u32(&d, end);
            good = false;
            break;
        default:
            if (byte(&d, end) & 1)
                R->out_cons = u32(&d, end);
            else
                R->in_prod = u32(&d, end);
            good = false;
        }
    }
    return 0;
}
