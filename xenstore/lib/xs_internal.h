/* xs_internal.h: libpvxs internals shared by its connection and operation files. */
#ifndef PVXS_INTERNAL_H
#define PVXS_INTERNAL_H

#include <stdint.h>
#include <sys/uio.h>

#include <pvisor/xs.h>

struct xs_event_msg;

struct xs_handle {
    int fd;   /* connected socket (blocking) */
    int epfd; /* xs_fileno(): polls fd and evfd; -1 until asked for */
    int evfd; /* eventfd (semaphore): one count per queued event */
    uint32_t req_id;
    struct xs_event_msg *evq_head, *evq_tail;
};

/*
 * Send one request (payload = the iovecs) and wait for its reply, queueing watch
 * events that arrive meanwhile. Returns the reply payload (malloc'd, NUL-terminated
 * one byte past *len) or NULL + errno (the daemon's error, or a transport errno).
 */
void *xs_talk(struct xs_handle *h, xs_transaction_t t, uint32_t type, const struct iovec *iov,
              int n, unsigned int *len);

/* xs_talk() with one string argument (sent with its NUL). */
void *xs_single(struct xs_handle *h, xs_transaction_t t, uint32_t type, const char *arg,
                unsigned int *len);

/* Reply "OK" -> true; frees the reply. NULL reply -> false (errno kept). */
bool xs_ok(void *reply);

/* Pop the oldest queued event as a vector, reading the socket while none is queued
 * and `block` (else NULL + EAGAIN). */
char **xs_next_event(struct xs_handle *h, bool block, unsigned int *num);

#endif
