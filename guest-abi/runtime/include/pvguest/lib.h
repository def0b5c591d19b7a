/* lib.h: freestanding basics for PV guests: types, compiler helpers, atomics, bit ops. */
#ifndef PVGUEST_LIB_H
#define PVGUEST_LIB_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PV_NORETURN          __attribute__((noreturn))
#define PV_PRINTF(fmt, args) __attribute__((format(printf, fmt, args)))
#define PV_UNUSED            __attribute__((unused))
#define likely(x)            __builtin_expect(!!(x), 1)
#define unlikely(x)          __builtin_expect(!!(x), 0)

#define ARRAY_SIZE(a)       (sizeof(a) / sizeof((a)[0]))
#define PV_ALIGN_UP(x, a)   (((x) + (a)-1) & ~((__typeof__(x))(a)-1))
#define PV_ALIGN_DOWN(x, a) ((x) & ~((__typeof__(x))(a)-1))
#define PV_MIN(a, b)        ((a) < (b) ? (a) : (b))
#define PV_MAX(a, b)        ((a) > (b) ? (a) : (b))

/* Compiler barrier; x86 keeps loads and stores to ordinary memory in program order. */
#define barrier() __asm__ __volatile__("" ::: "memory")
/* Full barrier (orders a store before a later load). */
static inline void pv_mb(void)
{
    __asm__ __volatile__("lock; addl $0,-4(%%rsp)" ::: "memory", "cc");
}
#define READ_ONCE(x)     (*(const volatile __typeof__(x) *)&(x))
#define WRITE_ONCE(x, v) (*(volatile __typeof__(x) *)&(x) = (v))

/* Spin-wait hint. */
static inline void cpu_relax(void)
{
    __asm__ __volatile__("pause" ::: "memory");
}

/*
 * Atomic bit operations on arrays of unsigned long (the layout of the 2-level event
 * channel bitmaps).  All are full barriers (lock prefix); safe against other vCPUs and
 * the hypervisor.
 */
static inline bool sync_test_bit(unsigned int nr, const volatile unsigned long *addr)
{
    return (addr[nr / 64] >> (nr % 64)) & 1;
}

static inline void sync_set_bit(unsigned int nr, volatile unsigned long *addr)
{
    __atomic_fetch_or(&addr[nr / 64], 1UL << (nr % 64), __ATOMIC_SEQ_CST);
}

static inline void sync_clear_bit(unsigned int nr, volatile unsigned long *addr)
{
    __atomic_fetch_and(&addr[nr / 64], ~(1UL << (nr % 64)), __ATOMIC_SEQ_CST);
}

/* Returns the old value of the bit. */
static inline bool sync_test_and_set_bit(unsigned int nr, volatile unsigned long *addr)
{
    unsigned long m = 1UL << (nr % 64);
    return (__atomic_fetch_or(&addr[nr / 64], m, __ATOMIC_SEQ_CST) & m) != 0;
}

static inline bool sync_test_and_clear_bit(unsigned int nr, volatile unsigned long *addr)
{
    unsigned long m = 1UL << (nr % 64);
    return (__atomic_fetch_and(&addr[nr / 64], ~m, __ATOMIC_SEQ_CST) & m) != 0;
}

/* Atomically replace *p with v, returning the old value. */
static inline unsigned long pv_xchg(volatile unsigned long *p, unsigned long v)
{
    return __atomic_exchange_n(p, v, __ATOMIC_SEQ_CST);
}

/* A test-and-set spinlock.  Holders must not block; mask events if a handler may take it. */
typedef struct {
    volatile uint32_t locked;
} pv_spinlock_t;
#define PV_SPINLOCK_INIT                                                                           \
    {                                                                                              \
        0                                                                                          \
    }

static inline void pv_spin_lock(pv_spinlock_t *l)
{
    while (__atomic_exchange_n(&l->locked, 1, __ATOMIC_ACQUIRE))
        while (READ_ONCE(l->locked))
            cpu_relax();
}

static inline bool pv_spin_trylock(pv_spinlock_t *l)
{
    return !__atomic_exchange_n(&l->locked, 1, __ATOMIC_ACQUIRE);
}

static inline void pv_spin_unlock(pv_spinlock_t *l)
{
    __atomic_store_n(&l->locked, 0, __ATOMIC_RELEASE);
}

/* Time stamp counter (native at CPL3 here); lfence keeps it after earlier loads. */
static inline uint64_t pv_rdtsc(void)
{
    uint32_t lo, hi;
    __asm__ __volatile__("lfence; rdtsc" : "=a"(lo), "=d"(hi)::"memory");
    return ((uint64_t)hi << 32) | lo;
}

/* Stop with a message: prints "panic: ..." and crashes the domain (SHUTDOWN_crash). */
PV_NORETURN PV_PRINTF(1, 2) void panic(const char *fmt, ...);

#define BUG_ON(cond)                                                                               \
    do {                                                                                           \
        if (unlikely(cond))                                                                        \
            panic("BUG_ON(%s) at %s:%d", #cond, __FILE__, __LINE__);                               \
    } while (0)

#endif /* PVGUEST_LIB_H */
