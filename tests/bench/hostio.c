/*
 * hostio.c: the host baseline of the block benchmarks: the same I/O pattern as the diskbench
 * guest, straight on the image file (O_DIRECT, as blkback opens it).
 *
 *   hostio TEST QD SECONDS REPS FILE
 *     TEST: randread4k (4 KiB reads at random 4 KiB-aligned offsets), seqread1m, seqwrite1m
 *     QD 1 uses pread/pwrite; a larger QD keeps that many requests in flight with io_uring.
 *   -> SAMPLE host_<TEST>_qd<QD> <unit> v1 .. vREPS   (ops/s for randread4k, MB/s otherwise)
 */
#include <errno.h>
#include <fcntl.h>
#include <liburing.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "benchlib.h"

#define MAX_QD 64

struct job {
    int fd;
    bool write, random;
    size_t bs;
    uint64_t size, next; /* sequential position */
    uint64_t rng;
};

static uint64_t offset(struct job *j)
{
    uint64_t off;

    if (j->random) {
        j->rng = j->rng * 6364136223846793005ull + 1442695040888963407ull;
        return ((j->rng >> 16) % (j->size / j->bs)) * j->bs;
    }
    off = j->next;
    j->next = (j->next + j->bs) % (j->size - j->size % j->bs);
    return off;
}

static uint64_t run_sync(struct job *j, void *buf, uint64_t end_ns)
{
    uint64_t n = 0;

    while (bench_now_ns() < end_ns) {
        ssize_t r = j->write ? pwrite(j->fd, buf, j->bs, (off_t)offset(j))
                             : pread(j->fd, buf, j->bs, (off_t)offset(j));
        if (r != (ssize_t)j->bs)
            bench_die("hostio", "I/O", r < 0 ? -errno : -EIO);
        n++;
    }
    return n;
}

static void submit_one(struct io_uring *ring, struct job *j, void *buf)
{
    struct io_uring_sqe *sqe = io_uring_get_sqe(ring);

    if (j->write)
        io_uring_prep_write(sqe, j->fd, buf, (unsigned)j->bs, offset(j));
    else
        io_uring_prep_read(sqe, j->fd, buf, (unsigned)j->bs, offset(j));
    io_uring_sqe_set_data(sqe, buf);
}

static uint64_t run_uring(struct job *j, void **bufs, unsigned qd, uint64_t end_ns)
{
    struct io_uring ring;
    struct io_uring_cqe *cqe;
    uint64_t n = 0;
    unsigned inflight = qd;
    int rc = io_uring_queue_init(qd, &ring, 0);

    if (rc < 0)
        bench_die("hostio", "io_uring_queue_init", rc);
    for (unsigned i = 0; i < qd; i++)
        submit_one(&ring, j, bufs[i]);
    io_uring_submit(&ring);
    while (inflight) {
        if ((rc = io_uring_wait_cqe(&ring, &cqe)) < 0)
            bench_die("hostio", "io_uring_wait_cqe", rc);
        if (cqe->res != (int)j->bs)
            bench_die("hostio", "I/O", cqe->res < 0 ? cqe->res : -EIO);
        void *buf = io_uring_cqe_get_data(cqe);
        io_uring_cqe_seen(&ring, cqe);
        n++;
        if (bench_now_ns() < end_ns) {
            submit_one(&ring, j, buf);
            io_uring_submit(&ring);
        } else {
            inflight--;
        }
    }
    io_uring_queue_exit(&ring);
    return n;
}

int main(int argc, char **argv)
{
    struct job j = {.rng = 12345};
    double v[BENCH_MAX_REPS];
    void *bufs[MAX_QD];
    char name[64];
    struct stat st;
    unsigned qd, reps;
    double secs;

    if (argc != 6) {
        fprintf(stderr, "usage: hostio randread4k|seqread1m|seqwrite1m QD SECONDS REPS FILE\n");
        return 2;
    }
    j.random = strcmp(argv[1], "randread4k") == 0;
    j.write = strcmp(argv[1], "seqwrite1m") == 0;
    if (!j.random && !j.write && strcmp(argv[1], "seqread1m") != 0)
        bench_die("hostio", "unknown test", -EINVAL);
    j.bs = j.random ? 4096 : 1 << 20;
    qd = (unsigned)bench_count(argv[2], "QD");
    secs = (double)bench_count(argv[3], "SECONDS");
    reps = (unsigned)bench_count(argv[4], "REPS");
    if (qd > MAX_QD || reps > BENCH_MAX_REPS)
        bench_die("hostio", "QD at most 64, REPS at most 32", -EINVAL);
    j.fd = open(argv[5], (j.write ? O_RDWR : O_RDONLY) | O_DIRECT);
    if (j.fd < 0 || fstat(j.fd, &st) < 0)
        bench_die("hostio", argv[5], -errno);
    j.size = (uint64_t)st.st_size;
    if (j.size < j.bs * 2)
        bench_die("hostio", "file too small", -EINVAL);
    for (unsigned i = 0; i < qd; i++)
        if (posix_memalign(&bufs[i], 4096, j.bs) != 0)
            bench_die("hostio", "posix_memalign", -ENOMEM);
    for (unsigned i = 0; i < qd; i++)
        memset(bufs[i], 0x42, j.bs);
    for (unsigned r = 0; r < reps; r++) {
        uint64_t t0 = bench_now_ns(), end = t0 + (uint64_t)(secs * 1e9);
        uint64_t n = qd == 1 ? run_sync(&j, bufs[0], end) : run_uring(&j, bufs, qd, end);
        double s = (double)(bench_now_ns() - t0) / 1e9;

        v[r] = j.random ? (double)n / s : (double)n * (double)j.bs / s / 1e6;
    }
    snprintf(name, sizeof(name), "host_%s_qd%u", argv[1], qd);
    bench_sample(name, j.random ? "ops/s" : "MB/s", v, reps);
    return 0;
}
