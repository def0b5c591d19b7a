/* log.c: byte-ring logs with absolute offsets: the hypervisor log (xl dmesg) and per-domain logs. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pvisord.h"

struct logbuf g_hvlog;

int logbuf_init(struct logbuf *l, size_t cap)
{
    l->buf = malloc(cap);
    if (!l->buf)
        return -ENOMEM;
    l->cap = cap;
    l->head = 0;
    pthread_mutex_init(&l->lock, NULL);
    return 0;
}

void logbuf_free(struct logbuf *l)
{
    free(l->buf);
    l->buf = NULL;
    pthread_mutex_destroy(&l->lock);
}

void logbuf_write(struct logbuf *l, const char *s, size_t n)
{
    pthread_mutex_lock(&l->lock);
    if (n > l->cap) { /* keep only the newest cap bytes */
        l->head += n - l->cap;
        s += n - l->cap;
        n = l->cap;
    }
    for (size_t i = 0; i < n;) {
        size_t at = (size_t)(l->head % l->cap);
        size_t chunk = l->cap - at < n - i ? l->cap - at : n - i;
        memcpy(l->buf + at, s + i, chunk);
        l->head += chunk;
        i += chunk;
    }
    pthread_mutex_unlock(&l->lock);
}

size_t logbuf_read(struct logbuf *l, uint64_t *off, char *dst, size_t max, uint64_t *lost)
{
    pthread_mutex_lock(&l->lock);
    uint64_t oldest = l->head > l->cap ? l->head - l->cap : 0;
    uint64_t from = *off;
    *lost = 0;
    if (from < oldest) {
        *lost = oldest - from;
        from = oldest;
    }
    if (from > l->head)
        from = l->head;
    size_t n = (size_t)(l->head - from) < max ? (size_t)(l->head - from) : max;
    for (size_t i = 0; i < n;) {
        size_t at = (size_t)((from + i) % l->cap);
        size_t chunk = l->cap - at < n - i ? l->cap - at : n - i;
        memcpy(dst + i, l->buf + at, chunk);
        i += chunk;
    }
    *off = from + n;
    pthread_mutex_unlock(&l->lock);
    return n;
}

/* Formats one line, always newline-terminated; returns its length (0 on error). */
static size_t format_line(char *line, size_t size, const char *fmt, va_list ap)
{
    int n = vsnprintf(line, size - 1, fmt, ap);
    if (n < 0)
        return 0;
    if ((size_t)n > size - 2)
        n = (int)size - 2;
    if (n == 0 || line[n - 1] != '\n')
        line[n++] = '\n';
    return (size_t)n;
}

void hvlog(const char *fmt, ...)
{
    char line[1024];
    va_list ap;
    va_start(ap, fmt);
    size_t n = format_line(line, sizeof line, fmt, ap);
    va_end(ap);
    logbuf_write(&g_hvlog, line, n);
    fwrite(line, 1, n, stderr);
}

void domlog(struct domain *d, const char *fmt, ...)
{
    char line[1024];
    va_list ap;
    va_start(ap, fmt);
    size_t n = format_line(line, sizeof line, fmt, ap);
    va_end(ap);
    if (!n)
        return;
    logbuf_write(&d->log, line, n);
    hvlog("(d%u) %.*s", d->domid, (int)n - 1, line);
}
