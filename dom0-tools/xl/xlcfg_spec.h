/* xlcfg_spec.h: helpers shared by the device-spec parsers (xlcfg_disk.c, xlcfg_vif.c). */
#ifndef XLCFG_SPEC_H
#define XLCFG_SPEC_H

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* Formats a refusal into err (errlen bytes, may be 0) and returns -EINVAL. */
static inline int errf(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static inline int errf(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;

    if (errlen) {
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
    }
    return -EINVAL;
}

/* isspace() in the C locale, whatever the process's locale. */
static inline bool is_blank(char ch)
{
    return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r' || ch == '\f' || ch == '\v';
}

#endif
