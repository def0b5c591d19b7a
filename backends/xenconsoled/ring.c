/* ring.c: reading guest output from and writing input to a PV console ring, indexes bounded. */
#include <errno.h>

#include <pvisor/cons_ring.h>

#define LOAD(x)     __atomic_load_n(&(x), __ATOMIC_RELAXED)
#define STORE(x, v) __atomic_store_n(&(x), (v), __ATOMIC_RELAXED)

int cons_ring_out_avail(const struct xencons_interface *intf, XENCONS_RING_IDX cons,
                        XENCONS_RING_IDX *prod)
{
    XENCONS_RING_IDX p = LOAD(intf->out_prod);
    XENCONS_RING_IDX avail = p - cons;

    if (prod)
        *prod = p;
    return avail > CONS_OUT_SIZE ? -EPROTO : (int)avail;
}

int cons_ring_read(struct xencons_interface *intf, XENCONS_RING_IDX *cons, char *dst, size_t max,
                   bool *notify)
{
    XENCONS_RING_IDX prod, prev = *cons;
    int avail = cons_ring_out_avail(intf, prev, &prod);
    size_t n;

    if (avail <= 0 || max == 0)
        return avail < 0 ? avail : 0;
    __atomic_thread_fence(__ATOMIC_ACQUIRE); /* the index before the data */
    n = (size_t)avail < max ? (size_t)avail : max;
    for (size_t i = 0; i < n; i++)
        dst[i] = LOAD(intf->out[MASK_XENCONS_IDX(prev + i, intf->out)]);
    *cons = prev + (XENCONS_RING_IDX)n;
    __atomic_thread_fence(__ATOMIC_RELEASE); /* done with the data before freeing it */
    STORE(intf->out_cons, *cons);
    __atomic_thread_fence(__ATOMIC_SEQ_CST); /* our store before the guest's index */
    if ((XENCONS_RING_IDX)(LOAD(intf->out_prod) - prev) >= CONS_OUT_SIZE)
        *notify = true;
    return (int)n;
}

int cons_ring_in_space(const struct xencons_interface *intf, XENCONS_RING_IDX prod)
{
    XENCONS_RING_IDX used = prod - LOAD(intf->in_cons);

    return used > CONS_IN_SIZE ? -EPROTO : (int)(CONS_IN_SIZE - used);
}

int cons_ring_write(struct xencons_interface *intf, XENCONS_RING_IDX *prod, const char *src,
                    size_t len, bool *notify)
{
    XENCONS_RING_IDX prev = *prod;
    int space = cons_ring_in_space(intf, prev);
    size_t n;

    if (space <= 0 || len == 0)
        return space < 0 ? space : 0;
    __atomic_thread_fence(__ATOMIC_ACQUIRE); /* the guest's index before our stores */
    n = (size_t)space < len ? (size_t)space : len;
    for (size_t i = 0; i < n; i++)
        STORE(intf->in[MASK_XENCONS_IDX(prev + i, intf->in)], src[i]);
    *prod = prev + (XENCONS_RING_IDX)n;
    __atomic_thread_fence(__ATOMIC_RELEASE); /* the data before the index */
    STORE(intf->in_prod, *prod);
    __atomic_thread_fence(__ATOMIC_SEQ_CST); /* our store before the guest's index */
    if (LOAD(intf->in_cons) == prev)
        *notify = true;
    return (int)n;
}
