/* loop.c: epoll wrapper: fds with handler callbacks, one batch per loop_once(). */
#include <errno.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "loop.h"

#define BATCH 64

static int epfd = -1;

int loop_init(void)
{
    epfd = epoll_create1(EPOLL_CLOEXEC);
    return epfd < 0 ? -errno : 0;
}

void loop_fini(void)
{
    if (epfd >= 0)
        close(epfd);
    epfd = -1;
}

static int ctl(int op, int fd, uint32_t events, struct loop_handler *h)
{
    struct epoll_event ev = {.events = events, .data.ptr = h};

    return epoll_ctl(epfd, op, fd, &ev) < 0 ? -errno : 0;
}

int loop_add(int fd, uint32_t events, struct loop_handler *h)
{
    return ctl(EPOLL_CTL_ADD, fd, events, h);
}

int loop_mod(int fd, uint32_t events, struct loop_handler *h)
{
    return ctl(EPOLL_CTL_MOD, fd, events, h);
}

void loop_del(int fd)
{
    epoll_ctl(epfd, EPOLL_CTL_DEL, fd, NULL);
}

int loop_once(int timeout_ms)
{
    struct epoll_event ev[BATCH];
    int n = epoll_wait(epfd, ev, BATCH, timeout_ms);

    if (n < 0)
        return errno == EINTR ? 0 : -errno;
    for (int i = 0; i < n; i++) {
        struct loop_handler *h = ev[i].data.ptr;
        h->fn(h, ev[i].events);
    }
    return 0;
}
