/* loop.h: the daemon's single-threaded epoll event loop (implemented in sock.c). */
#ifndef XSD_LOOP_H
#define XSD_LOOP_H

#include <stdint.h>

/* Embed in whatever owns an fd; fn runs with the epoll event mask. */
struct loop_handler {
    void (*fn)(struct loop_handler *h, uint32_t events);
};

/* 0 or -errno. */
int loop_init(void);
void loop_fini(void);

/* Register / change / remove an fd (level-triggered). 0 or -errno. */
int loop_add(int fd, uint32_t events, struct loop_handler *h);
int loop_mod(int fd, uint32_t events, struct loop_handler *h);
void loop_del(int fd);

/* Wait up to timeout_ms and run the handlers of ready fds. 0 or -errno. */
int loop_once(int timeout_ms);

#endif
