/* io.c: blkback's I/O engines: io_uring (liburing) and a synchronous preadv/pwritev fallback. */
#include <errno.h>
#include <fcntl.h>
#include <liburing.h>
#include <linux/falloc.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "blkback.h"

struct done {
    uint64_t tag;
    int64_t res;
};

struct bio_engine {
    bool uring;
    unsigned depth, inflight;
    /* io_uring */
    struct io_uring ring;
    int efd;
    unsigned queued; /* SQEs prepared but not submitted */
    /* synchronous: completions waiting for bio_reap */
    struct done *done;
    unsigned ndone;
    bool skip_next; /* a linked predecessor failed */
};

static int uring_open(struct bio_engine *e)
{
    int rc = io_uring_queue_init(e->depth, &e->ring, 0);

    if (rc < 0)
        return rc;
    e->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (e->efd < 0 || io_uring_register_eventfd(&e->ring, e->efd) < 0) {
        rc = e->efd < 0 ? -errno : -EINVAL;
        if (e->efd >= 0)
            close(e->efd);
        io_uring_queue_exit(&e->ring);
        return rc;
    }
    e->uring = true;
    return 0;
}

int bio_open(unsigned depth, bool use_uring, struct bio_engine **out)
{
    struct bio_engine *e = calloc(1, sizeof(*e));

    if (!e)
        return -ENOMEM;
    e->depth = depth;
    e->efd = -1;
    if (!use_uring || uring_open(e) < 0) {
        e->done = calloc(depth, sizeof(*e->done));
        if (!e->done) {
            free(e);
            return -ENOMEM;
        }
    }
    *out = e;
    return 0;
}

bool bio_is_uring(const struct bio_engine *e)
{
    return e->uring;
}

int bio_fd(struct bio_engine *e)
{
    return e->efd;
}

static void drop_done(void *arg, uint64_t tag, int64_t res)
{
    (void)arg;
    (void)tag;
    (void)res;
}

void bio_close(struct bio_engine *e)
{
    if (!e)
        return;
    if (e->uring) {
        bio_kick(e);
        while (e->inflight) {
            struct io_uring_cqe *cqe;

            if (io_uring_wait_cqe(&e->ring, &cqe) < 0)
                break;
            bio_reap(e, drop_done, NULL);
        }
        io_uring_queue_exit(&e->ring);
        close(e->efd);
    }
    free(e->done);
    free(e);
}

/* ---- the synchronous engine -------------------------------------------------------------- */

static int64_t run_rw(const struct bio *b)
{
    uint64_t off = b->off;
    int64_t total = 0;
    ssize_t n;

    for (unsigned i = 0; i < b->niov; i++)
        total += (int64_t)b->iov[i].iov_len;
    n = b->kind == BIO_READ ? preadv(b->fd, b->iov, (int)b->niov, (off_t)off)
                            : pwritev(b->fd, b->iov, (int)b->niov, (off_t)off);
    if (n < 0)
        return -errno;
    return n == total ? n : -EIO; /* short transfers are errors: the range was checked */
}

static int64_t run_sync(const struct bio *b)
{
    switch (b->kind) {
    case BIO_READ:
    case BIO_WRITE:
        return run_rw(b);
    case BIO_FSYNC:
        return fdatasync(b->fd) < 0 ? -errno : 0;
    case BIO_DISCARD:
        return fallocate(b->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, (off_t)b->off,
                         (off_t)b->len) < 0
                   ? -errno
                   : 0;
    }
    return -EINVAL;
}

static int sync_queue(struct bio_engine *e, const struct bio *b)
{
    int64_t res = e->skip_next ? -ECANCELED : run_sync(b);

    e->skip_next = b->link_next && res < 0;
    e->done[e->ndone++] = (struct done){b->tag, res};
    return 0;
}

/* ---- io_uring ------------------------------------------------------------------------------ */

static void prep(struct io_uring_sqe *sqe, const struct bio *b)
{
    switch (b->kind) {
    case BIO_READ:
        io_uring_prep_readv(sqe, b->fd, b->iov, b->niov, b->off);
        break;
    case BIO_WRITE:
        io_uring_prep_writev(sqe, b->fd, b->iov, b->niov, b->off);
        break;
    case BIO_FSYNC:
        io_uring_prep_fsync(sqe, b->fd, IORING_FSYNC_DATASYNC);
        break;
    case BIO_DISCARD:
        io_uring_prep_fallocate(sqe, b->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
                                (off_t)b->off, (off_t)b->len);
        break;
    }
    io_uring_sqe_set_data64(sqe, b->tag);
    io_uring_sqe_set_flags(sqe,
                           (b->drain ? IOSQE_IO_DRAIN : 0) | (b->link_next ? IOSQE_IO_LINK : 0));
}

int bio_queue(struct bio_engine *e, const struct bio *b)
{
    struct io_uring_sqe *sqe;

    if (e->inflight + e->queued + e->ndone >= e->depth)
        return -EBUSY;
    if (!e->uring)
        return sync_queue(e, b);
    sqe = io_uring_get_sqe(&e->ring);
    if (!sqe) {
        bio_kick(e);
        if (!(sqe = io_uring_get_sqe(&e->ring)))
            return -EBUSY;
    }
    prep(sqe, b);
    e->queued++;
    return 0;
}

int bio_kick(struct bio_engine *e)
{
    int rc;

    if (!e->uring || !e->queued)
        return 0;
    rc = io_uring_submit(&e->ring);
    if (rc < 0)
        return rc;
    e->inflight += (unsigned)rc;
    e->queued -= (unsigned)rc;
    return 0;
}

int bio_reap(struct bio_engine *e, void (*done)(void *arg, uint64_t tag, int64_t res), void *arg)
{
    struct io_uring_cqe *cqe;
    int n = 0;

    if (!e->uring) {
        for (unsigned i = 0; i < e->ndone; i++, n++)
            done(arg, e->done[i].tag, e->done[i].res);
        e->ndone = 0;
        return n;
    }
    uint64_t junk;
    if (read(e->efd, &junk, sizeof(junk)) < 0 && errno != EAGAIN)
        return -errno;
    while (io_uring_peek_cqe(&e->ring, &cqe) == 0) {
        uint64_t tag = io_uring_cqe_get_data64(cqe);
        int64_t res = cqe->res;

        io_uring_cqe_seen(&e->ring, cqe);
        e->inflight--;
        done(arg, tag, res);
        n++;
    }
    return n;
}
