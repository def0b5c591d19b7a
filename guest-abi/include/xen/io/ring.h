/* io/ring.h: Xen 4.17 split-driver shared rings: DEFINE_RING_TYPES and the RING_* macros (own implementation). */
#ifndef PVISOR_XEN_IO_RING_H
#define PVISOR_XEN_IO_RING_H

#include "../xen-compat.h"

#include <stddef.h>
#include <stdint.h>

/*
 * A ring is one shared page: a 64-byte header with free-running producer indices and
 * "wake me at" event indices, then a power-of-two array of request/response slots.
 * Each end also keeps private indices:
 *
 *   front (driver):  req_prod_pvt = next request slot to fill, rsp_cons = next response
 *   back  (device):  rsp_prod_pvt = next response slot to fill, req_cons = next request
 *
 * Indices only grow (modulo 2^32); slot = index & (size - 1).  A producer publishes with
 * RING_PUSH_*; it must notify the peer when the index the peer asked to be woken at
 * (req_event / rsp_event) lies within the batch just published.
 *
 * Memory barriers: the includer may define xen_mb(), xen_rmb() and xen_wmb() before
 * including this header; otherwise x86 defaults are used (full fence / compiler fences,
 * which suffice under x86's store ordering).
 */

#if __XEN_INTERFACE_VERSION__ < 0x00030208 && !defined(xen_mb)
/* Old interface versions took the includer's mb()/rmb()/wmb(). */
#define xen_mb() mb()
#define xen_rmb() rmb()
#define xen_wmb() wmb()
#endif
#ifndef xen_mb
#define xen_mb() __atomic_thread_fence(__ATOMIC_SEQ_CST)
#endif
#ifndef xen_rmb
#define xen_rmb() __asm__ __volatile__("" ::: "memory")
#endif
#ifndef xen_wmb
#define xen_wmb() __asm__ __volatile__("" ::: "memory")
#endif

typedef unsigned int RING_IDX;

/*
 * __RD<n>(x): the largest power of two <= (x mod 2^n), 0 for 0.  Implemented by smearing
 * the top set bit into every lower position and keeping only that top bit; the result
 * is an integer constant expression when x is one.
 */
#define PVISOR_RING_SMEAR1_(x) ((x) | ((x) >> 1))
#define PVISOR_RING_SMEAR2_(x) (PVISOR_RING_SMEAR1_(x) | (PVISOR_RING_SMEAR1_(x) >> 2))
#define PVISOR_RING_SMEAR4_(x) (PVISOR_RING_SMEAR2_(x) | (PVISOR_RING_SMEAR2_(x) >> 4))
#define PVISOR_RING_SMEAR8_(x) (PVISOR_RING_SMEAR4_(x) | (PVISOR_RING_SMEAR4_(x) >> 8))
#define PVISOR_RING_SMEAR16_(x) (PVISOR_RING_SMEAR8_(x) | (PVISOR_RING_SMEAR8_(x) >> 16))
#define PVISOR_RING_TOPBIT_(s) ((s) ^ ((s) >> 1))
#define __RD2(_x) PVISOR_RING_TOPBIT_(PVISOR_RING_SMEAR1_((_x) & 0x3))
#define __RD4(_x) PVISOR_RING_TOPBIT_(PVISOR_RING_SMEAR2_((_x) & 0xf))
#define __RD8(_x) PVISOR_RING_TOPBIT_(PVISOR_RING_SMEAR4_((_x) & 0xff))
#define __RD16(_x) PVISOR_RING_TOPBIT_(PVISOR_RING_SMEAR8_((_x) & 0xffff))
/* (the 32-bit mask is cast to x's own type so that int arguments stay int) */
#define __RD32(_x) PVISOR_RING_TOPBIT_(PVISOR_RING_SMEAR16_((_x) & (__typeof__(_x))0xffffffff))

/* Slots in a ring of type _s occupying _sz bytes (compile-time form, by type name). */
#define __CONST_RING_SIZE(_s, _sz)                                                         \
    (__RD32(((_sz) - offsetof(struct _s##_sring, ring)) /                                 \
            sizeof(((struct _s##_sring *)0)->ring[0])))

/* Same, from a pointer _s to the shared ring. */
#define __RING_SIZE(_s, _sz)                                                               \
    (__RD32(((_sz) - ((long)(_s)->ring - (long)(_s))) / sizeof((_s)->ring[0])))

/*
 * DEFINE_RING_TYPES(name, req_t, rsp_t) declares:
 *   union name_sring_entry, struct name_sring (the shared page),
 *   struct name_front_ring, struct name_back_ring (private state), and _t typedefs.
 */
#define DEFINE_RING_TYPES(__name, __req_t, __rsp_t)                                       \
    union __name##_sring_entry {                                                          \
        __req_t req;                                                                      \
        __rsp_t rsp;                                                                      \
    };                                                                                    \
    struct __name##_sring {                                                               \
        RING_IDX req_prod, req_event;                                                     \
        RING_IDX rsp_prod, rsp_event;                                                     \
        union {                                                                           \
            struct {                                                                      \
                uint8_t smartpoll_active;                                                 \
            } netif;                                                                      \
            struct {                                                                      \
                uint8_t msg;                                                              \
            } tapif_user;                                                                 \
            uint8_t pvt_pad[4];                                                           \
        } pvt;                                                                            \
        uint8_t __pad[44];                                                                \
        union __name##_sring_entry ring[1]; /* really RING_SIZE entries */                \
    };                                                                                    \
    struct __name##_front_ring {                                                          \
        RING_IDX req_prod_pvt;                                                            \
        RING_IDX rsp_cons;                                                                \
        unsigned int nr_ents;                                                             \
        struct __name##_sring *sring;                                                     \
    };                                                                                    \
    struct __name##_back_ring {                                                           \
        RING_IDX rsp_prod_pvt;                                                            \
        RING_IDX req_cons;                                                                \
        unsigned int nr_ents;                                                             \
        struct __name##_sring *sring;                                                     \
    };                                                                                    \
    typedef struct __name##_sring __name##_sring_t;                                       \
    typedef struct __name##_front_ring __name##_front_ring_t;                             \
    typedef struct __name##_back_ring __name##_back_ring_t

/* Reset the shared header (done once by the front end before granting the page). */
#define SHARED_RING_INIT(_s)                                                               \
    do {                                                                                  \
        (_s)->req_prod = 0;                                                               \
        (_s)->rsp_prod = 0;                                                               \
        (_s)->req_event = 1;                                                              \
        (_s)->rsp_event = 1;                                                              \
        (void)__builtin_memset((_s)->pvt.pvt_pad, 0, sizeof((_s)->pvt.pvt_pad));          \
        (void)__builtin_memset((_s)->__pad, 0, sizeof((_s)->__pad));                      \
    } while (0)

/* Attach private state to a shared ring whose indices already stand at _i. */
#define FRONT_RING_ATTACH(_r, _s, _i, __size)                                              \
    do {                                                                                  \
        (_r)->sring = (_s);                                                               \
        (_r)->nr_ents = __RING_SIZE(_s, __size);                                          \
        (_r)->rsp_cons = (_i);                                                            \
        (_r)->req_prod_pvt = (_i);                                                        \
    } while (0)
#define FRONT_RING_INIT(_r, _s, __size) FRONT_RING_ATTACH(_r, _s, 0, __size)
#define XEN_FRONT_RING_INIT(r, s, size)                                                   \
    do {                                                                                  \
        SHARED_RING_INIT(s);                                                              \
        FRONT_RING_INIT(r, s, size);                                                      \
    } while (0)

#define BACK_RING_ATTACH(_r, _s, _i, __size)                                               \
    do {                                                                                  \
        (_r)->sring = (_s);                                                               \
        (_r)->nr_ents = __RING_SIZE(_s, __size);                                          \
        (_r)->req_cons = (_i);                                                            \
        (_r)->rsp_prod_pvt = (_i);                                                        \
    } while (0)
#define BACK_RING_INIT(_r, _s, __size) BACK_RING_ATTACH(_r, _s, 0, __size)

/* Number of slots. */
#define RING_SIZE(_r) ((_r)->nr_ents)

/* Front end: slots free for new requests (requests whose responses are not consumed
 * still occupy their slot). */
#define RING_FREE_REQUESTS(_r) (RING_SIZE(_r) - ((_r)->req_prod_pvt - (_r)->rsp_cons))
#define RING_FULL(_r) (RING_FREE_REQUESTS(_r) == 0)

/* Front end: responses published but not yet consumed. */
#define XEN_RING_NR_UNCONSUMED_RESPONSES(_r) ((_r)->sring->rsp_prod - (_r)->rsp_cons)

/* Back end: requests published but not consumed, bounded by the free response slots
 * (so a front end that overruns the ring cannot make the back end loop forever).  The
 * GNU C form reads each shared index exactly once. */
#ifdef __GNUC__
#define XEN_RING_NR_UNCONSUMED_REQUESTS(_r)                                                \
    ({                                                                                    \
        unsigned int pvisor_reqs_ = (_r)->sring->req_prod - (_r)->req_cons;               \
        unsigned int pvisor_room_ = RING_SIZE(_r) - ((_r)->req_cons - (_r)->rsp_prod_pvt); \
        pvisor_room_ < pvisor_reqs_ ? pvisor_room_ : pvisor_reqs_;                        \
    })
#else
#define XEN_RING_NR_UNCONSUMED_REQUESTS(_r)                                                \
    (((_r)->sring->req_prod - (_r)->req_cons) <                                           \
             (RING_SIZE(_r) - ((_r)->req_cons - (_r)->rsp_prod_pvt))                      \
         ? ((_r)->sring->req_prod - (_r)->req_cons)                                       \
         : (RING_SIZE(_r) - ((_r)->req_cons - (_r)->rsp_prod_pvt)))
#endif

#ifdef XEN_RING_HAS_UNCONSUMED_IS_BOOL
#define RING_HAS_UNCONSUMED_RESPONSES(_r) (XEN_RING_NR_UNCONSUMED_RESPONSES(_r) != 0)
#define RING_HAS_UNCONSUMED_REQUESTS(_r) (XEN_RING_NR_UNCONSUMED_REQUESTS(_r) != 0)
#else
#define RING_HAS_UNCONSUMED_RESPONSES(_r) XEN_RING_NR_UNCONSUMED_RESPONSES(_r)
#define RING_HAS_UNCONSUMED_REQUESTS(_r) XEN_RING_NR_UNCONSUMED_REQUESTS(_r)
#endif

/* Pointer to the slot for index _idx. */
#define RING_GET_REQUEST(_r, _idx) (&(_r)->sring->ring[(_idx) & (RING_SIZE(_r) - 1)].req)
#define RING_GET_RESPONSE(_r, _idx) (&(_r)->sring->ring[(_idx) & (RING_SIZE(_r) - 1)].rsp)

/*
 * Copy a slot into private memory with a single volatile read, so that the peer cannot
 * change it between checks and use (prefer this over RING_GET_* in back ends).
 */
#define RING_COPY_(type, r, idx, dest)                                                    \
    do {                                                                                  \
        *(dest) = *(volatile __typeof__(dest))RING_GET_##type(r, idx);                    \
    } while (0)
#define RING_COPY_REQUEST(r, idx, req) RING_COPY_(REQUEST, r, idx, req)
#define RING_COPY_RESPONSE(r, idx, rsp) RING_COPY_(RESPONSE, r, idx, rsp)

/* Back end loop bound: consuming index _cons would overrun unanswered requests. */
#define RING_REQUEST_CONS_OVERFLOW(_r, _cons) (((_cons) - (_r)->rsp_prod_pvt) >= RING_SIZE(_r))
/* A front end claiming producer index _prod has overrun the ring. */
#define RING_REQUEST_PROD_OVERFLOW(_r, _prod) (((_prod) - (_r)->rsp_prod_pvt) > RING_SIZE(_r))
/* A back end claiming producer index _prod has overrun the ring. */
#define RING_RESPONSE_PROD_OVERFLOW(_r, _prod) (((_prod) - (_r)->rsp_cons) > RING_SIZE(_r))

/* Publish privately produced slots (the slots become visible before the index). */
#define RING_PUSH_REQUESTS(_r)                                                             \
    do {                                                                                  \
        xen_wmb();                                                                        \
        (_r)->sring->req_prod = (_r)->req_prod_pvt;                                       \
    } while (0)
#define RING_PUSH_RESPONSES(_r)                                                            \
    do {                                                                                  \
        xen_wmb();                                                                        \
        (_r)->sring->rsp_prod = (_r)->rsp_prod_pvt;                                       \
    } while (0)

/* Publish and set _notify when the peer's event index falls in (old, new]. */
#define PVISOR_RING_PUSH_NOTIFY_(_r, prod_field, pvt_field, event_field, _notify)           \
    do {                                                                                  \
        RING_IDX pvisor_old_ = (_r)->sring->prod_field;                                   \
        RING_IDX pvisor_new_ = (_r)->pvt_field;                                           \
        xen_wmb();                                                                        \
        (_r)->sring->prod_field = pvisor_new_;                                            \
        xen_mb();                                                                         \
        (_notify) = (RING_IDX)(pvisor_new_ - (_r)->sring->event_field) <                  \
                    (RING_IDX)(pvisor_new_ - pvisor_old_);                                \
    } while (0)
#define RING_PUSH_REQUESTS_AND_CHECK_NOTIFY(_r, _notify)                                  \
    PVISOR_RING_PUSH_NOTIFY_(_r, req_prod, req_prod_pvt, req_event, _notify)
#define RING_PUSH_RESPONSES_AND_CHECK_NOTIFY(_r, _notify)                                 \
    PVISOR_RING_PUSH_NOTIFY_(_r, rsp_prod, rsp_prod_pvt, rsp_event, _notify)

/*
 * Consumer side before going idle: if nothing is pending, ask to be woken by the next
 * item (event index = consumer + 1) and look once more to close the race.
 */
#define RING_FINAL_CHECK_FOR_REQUESTS(_r, _work_to_do)                                     \
    do {                                                                                  \
        (_work_to_do) = RING_HAS_UNCONSUMED_REQUESTS(_r);                                 \
        if (!(_work_to_do)) {                                                             \
            (_r)->sring->req_event = (_r)->req_cons + 1;                                  \
            xen_mb();                                                                     \
            (_work_to_do) = RING_HAS_UNCONSUMED_REQUESTS(_r);                             \
        }                                                                                 \
    } while (0)
#define RING_FINAL_CHECK_FOR_RESPONSES(_r, _work_to_do)                                    \
    do {                                                                                  \
        (_work_to_do) = RING_HAS_UNCONSUMED_RESPONSES(_r);                                \
        if (!(_work_to_do)) {                                                             \
            (_r)->sring->rsp_event = (_r)->rsp_cons + 1;                                  \
            xen_mb();                                                                     \
            (_work_to_do) = RING_HAS_UNCONSUMED_RESPONSES(_r);                            \
        }                                                                                 \
    } while (0)

/*
 * "Flex" byte rings (used by pvcalls, 9pfs, displif ...): a data area of 2^order pages
 * split into an in and an out half, each with its own cons/prod indices.
 */
#ifndef XEN_PAGE_SHIFT
#define XEN_PAGE_SHIFT 12
#endif
/* Bytes in each half of a flex ring built from 2^order pages. */
#define XEN_FLEX_RING_SIZE(order) (1UL << ((order) + XEN_PAGE_SHIFT - 1))

/* Helpers name_mask, name_get_ring_ptr, name_read_packet, name_write_packet,
 * name_queued and struct name_data for a flex ring called name. */
#define DEFINE_XEN_FLEX_RING(name)                                                        \
    static inline RING_IDX name##_mask(RING_IDX idx, RING_IDX ring_size)                  \
    {                                                                                     \
        return idx & (ring_size - 1);                                                     \
    }                                                                                     \
    static inline unsigned char *name##_get_ring_ptr(unsigned char *buf, RING_IDX idx,    \
                                                     RING_IDX ring_size)                  \
    {                                                                                     \
        return &buf[name##_mask(idx, ring_size)];                                         \
    }                                                                                     \
    /* Copy size bytes out of the ring at *masked_cons (wrapping if needed). */           \
    static inline void name##_read_packet(void *opaque, const unsigned char *buf,         \
                                          size_t size, RING_IDX masked_prod,              \
                                          RING_IDX *masked_cons, RING_IDX ring_size)      \
    {                                                                                     \
        size_t first_ = ring_size - *masked_cons;                                         \
        if (*masked_cons < masked_prod || size <= first_)                                 \
            first_ = size;                                                                \
        __builtin_memcpy(opaque, buf + *masked_cons, first_);                             \
        if (first_ < size)                                                                \
            __builtin_memcpy((unsigned char *)opaque + first_, buf, size - first_);       \
    }                                                                                     \
    /* Copy size bytes into the ring at *masked_prod (wrapping if needed). */             \
    static inline void name##_write_packet(unsigned char *buf, const void *opaque,        \
                                           size_t size, RING_IDX *masked_prod,            \
                                           RING_IDX masked_cons, RING_IDX ring_size)      \
    {                                                                                     \
        size_t first_ = ring_size - *masked_prod;                                         \
        if (*masked_prod < masked_cons || size <= first_)                                 \
            first_ = size;                                                                \
        __builtin_memcpy(buf + *masked_prod, opaque, first_);                             \
        if (first_ < size)                                                                \
            __builtin_memcpy(buf, (const unsigned char *)opaque + first_, size - first_); \
    }                                                                                     \
    /* Bytes between cons and prod (ring_size when full). */                              \
    static inline RING_IDX name##_queued(RING_IDX prod, RING_IDX cons, RING_IDX ring_size) \
    {                                                                                     \
        RING_IDX mp_, mc_;                                                                \
        if (prod == cons)                                                                 \
            return 0;                                                                     \
        mp_ = name##_mask(prod, ring_size);                                               \
        mc_ = name##_mask(cons, ring_size);                                               \
        if (mp_ == mc_)                                                                   \
            return ring_size;                                                             \
        return mp_ > mc_ ? mp_ - mc_ : ring_size - (mc_ - mp_);                           \
    }                                                                                     \
    struct name##_data {                                                                  \
        unsigned char *in;  /* first half of the data area */                             \
        unsigned char *out; /* second half */                                             \
    }

/* The shared interface page of a flex ring plus the helpers above. */
#define DEFINE_XEN_FLEX_RING_AND_INTF(name)                                               \
    struct name##_data_intf {                                                             \
        RING_IDX in_cons, in_prod;                                                        \
        uint8_t pad1[56];                                                                 \
        RING_IDX out_cons, out_prod;                                                      \
        uint8_t pad2[56];                                                                 \
        RING_IDX ring_order;                                                              \
        grant_ref_t ref[];                                                                \
    };                                                                                    \
    DEFINE_XEN_FLEX_RING(name)

#endif /* PVISOR_XEN_IO_RING_H */
