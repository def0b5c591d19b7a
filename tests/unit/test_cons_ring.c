/* test_cons_ring.c: xenconsoled's console ring code: data, wrap-around, notification rules and
 * hostile guest indexes. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <pvisor/cons_ring.h>

#include "check_run.h"

static struct xencons_interface R;

/* The guest side: produce n bytes of output starting at its out_prod. */
static void guest_put(const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        R.out[MASK_XENCONS_IDX(R.out_prod + i, R.out)] = p[i];
    R.out_prod += (XENCONS_RING_IDX)n;
}

static void reset(XENCONS_RING_IDX start)
{
    memset(&R, 0, sizeof(R));
    R.out_prod = R.out_cons = start;
    R.in_prod = R.in_cons = start;
}

START_TEST(read_empty_and_simple)
{
    XENCONS_RING_IDX cons = 0;
    char buf[64];
    bool notify = false;

    reset(0);
    ck_assert_int_eq(cons_ring_read(&R, &cons, buf, sizeof(buf), &notify), 0);
    guest_put("hello", 5);
    ck_assert_int_eq(cons_ring_out_avail(&R, cons, NULL), 5);
    ck_assert_int_eq(cons_ring_read(&R, &cons, buf, sizeof(buf), &notify), 5);
    ck_assert_mem_eq(buf, "hello", 5);
    ck_assert_uint_eq(cons, 5);
    ck_assert_uint_eq(R.out_cons, 5);
    ck_assert(!notify);
}
END_TEST

START_TEST(read_wraps_index_and_buffer)
{
    XENCONS_RING_IDX cons = 0xfffffff0u;
    char in[CONS_OUT_SIZE], out[CONS_OUT_SIZE];
    bool notify = false;

    reset(cons);
    for (size_t i = 0; i < sizeof(in); i++)
        in[i] = (char)(i * 7 + 3);
    guest_put(in, 100);
    ck_assert_int_eq(cons_ring_read(&R, &cons, out, 30, &notify), 30); /* partial */
    ck_assert_int_eq(cons_ring_read(&R, &cons, out + 30, sizeof(out), &notify), 70);
    ck_assert_mem_eq(out, in, 100);
    ck_assert_uint_eq(cons, 0xfffffff0u + 100);
    guest_put(in, CONS_OUT_SIZE); /* exactly full */
    ck_assert_int_eq(cons_ring_out_avail(&R, cons, NULL), (int)CONS_OUT_SIZE);
    ck_assert_int_eq(cons_ring_read(&R, &cons, out, sizeof(out), &notify), (int)CONS_OUT_SIZE);
    ck_assert_mem_eq(out, in, CONS_OUT_SIZE);
}
END_TEST

START_TEST(notify_only_when_guest_may_wait)
{
    XENCONS_RING_IDX cons = 0;
    char fill[CONS_OUT_SIZE] = {0}, out[CONS_OUT_SIZE];
    bool notify = false;

    reset(0);
    guest_put(fill, CONS_OUT_SIZE - 1); /* not full: the guest never waited */
    cons_ring_read(&R, &cons, out, sizeof(out), &notify);
    ck_assert(!notify);
    guest_put(fill, CONS_OUT_SIZE); /* full: it may be waiting */
    cons_ring_read(&R, &cons, out, 10, &notify);
    ck_assert(notify);
    /* It refilled to full relative to our old index while we read: still a wake-up. */
    notify = false;
    cons_ring_read(&R, &cons, out, sizeof(out), &notify);
    ck_assert(!notify);
}
END_TEST

START_TEST(hostile_out_prod)
{
    static const XENCONS_RING_IDX bad[] = {CONS_OUT_SIZE + 1, 0x10000, 0x80000000u, 0xffffffffu};
    char out[16];

    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        XENCONS_RING_IDX cons = 1000;
        bool notify = false;

        reset(1000);
        R.out_prod = cons + bad[i];
        ck_assert_int_eq(cons_ring_out_avail(&R, cons, NULL), -EPROTO);
        ck_assert_int_eq(cons_ring_read(&R, &cons, out, sizeof(out), &notify), -EPROTO);
        ck_assert_uint_eq(cons, 1000); /* nothing consumed, nothing written */
        ck_assert_uint_eq(R.out_cons, 1000);
    }
}
END_TEST

START_TEST(write_input)
{
    XENCONS_RING_IDX prod = 0xfffffe00u;
    char big[CONS_IN_SIZE + 100];
    bool notify = false;

    reset(prod);
    memset(big, 'x', sizeof(big));
    ck_assert_int_eq(cons_ring_in_space(&R, prod), (int)CONS_IN_SIZE);
    ck_assert_int_eq(cons_ring_write(&R, &prod, "ab", 2, &notify), 2);
    ck_assert(notify); /* the guest had read everything: wake it */
    ck_assert_uint_eq(R.in_prod, prod);
    ck_assert(R.in[MASK_XENCONS_IDX(prod - 2, R.in)] == 'a');
    notify = false;
    ck_assert_int_eq(cons_ring_write(&R, &prod, big, sizeof(big), &notify), (int)CONS_IN_SIZE - 2);
    ck_assert(!notify); /* "ab" still unread: the guest is not idle */
    ck_assert_int_eq(cons_ring_write(&R, &prod, big, 1, &notify), 0); /* full */
    /* the guest consumed all */
    R.in_cons = prod;
    ck_assert_int_eq(cons_ring_in_space(&R, prod), (int)CONS_IN_SIZE);
}
END_TEST

START_TEST(hostile_in_cons)
{
    XENCONS_RING_IDX prod = 50;
    bool notify = false;

    reset(50);
    R.in_cons = prod + 1; /* ahead of what we produced */
    ck_assert_int_eq(cons_ring_in_space(&R, prod), -EPROTO);
    ck_assert_int_eq(cons_ring_write(&R, &prod, "a", 1, &notify), -EPROTO);
    R.in_cons = prod - CONS_IN_SIZE - 1; /* more than a ring behind */
    ck_assert_int_eq(cons_ring_write(&R, &prod, "a", 1, &notify), -EPROTO);
    ck_assert_uint_eq(prod, 50);
    ck_assert_uint_eq(R.in_prod, 50);
}
END_TEST

/* Random indexes: results always within the ring, our index moves exactly by the count. */
START_TEST(random_indexes)
{
    char out[CONS_OUT_SIZE + 8];

    srand(12345);
    for (int i = 0; i < 200000; i++) {
        XENCONS_RING_IDX cons = (XENCONS_RING_IDX)rand() * 2654435761u, prod0;
        bool notify = false;
        size_t max = (size_t)rand() % sizeof(out);

        R.out_prod = rand() % 2 ? cons + (XENCONS_RING_IDX)(rand() % (2 * CONS_OUT_SIZE))
                                : (XENCONS_RING_IDX)rand();
        R.in_cons = (XENCONS_RING_IDX)rand();
        prod0 = R.out_prod;
        XENCONS_RING_IDX c0 = cons;
        int n = cons_ring_read(&R, &cons, out, max, &notify);
        if (prod0 - c0 > CONS_OUT_SIZE) {
            ck_assert_int_eq(n, -EPROTO);
            ck_assert_uint_eq(cons, c0);
        } else {
            ck_assert_int_ge(n, 0);
            ck_assert_uint_le((unsigned)n, max);
            ck_assert_uint_le((unsigned)n, prod0 - c0);
            ck_assert_uint_eq(cons - c0, (unsigned)n);
        }
        XENCONS_RING_IDX p = (XENCONS_RING_IDX)rand(), p0 = p;
        n = cons_ring_write(&R, &p, out, max, &notify);
        ck_assert(n == -EPROTO || (n >= 0 && (unsigned)n <= CONS_IN_SIZE && p - p0 == (unsigned)n));
    }
}
END_TEST

static Suite *cons_ring_suite(void)
{
    Suite *s = suite_create("cons_ring");
    TCase *t = tcase_create("ring");

    tcase_add_test(t, read_empty_and_simple);
    tcase_add_test(t, read_wraps_index_and_buffer);
    tcase_add_test(t, notify_only_when_guest_may_wait);
    tcase_add_test(t, hostile_out_prod);
    tcase_add_test(t, write_input);
    tcase_add_test(t, hostile_in_cons);
    tcase_add_test(t, random_indexes);
    suite_add_tcase(s, t);
    return s;
}

int main(void)
{
    return check_run(cons_ring_suite(), true);
}
