/* printf.h: formatted output into buffers (C99 printf subset, no floating point). */
#ifndef PVGUEST_PRINTF_H
#define PVGUEST_PRINTF_H

#include <pvguest/lib.h>

/*
 * Formats like C99 snprintf: conversions d i u o x X c s p %, flags - + space # 0,
 * width and precision (also *), length modifiers hh h l ll j z t.  No %n and no floats.
 * Writes at most size bytes including the terminating NUL (nothing if size is 0) and
 * returns the length the full output would have had.  Reentrant; no locks.
 */
int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap) PV_PRINTF(3, 0);
int snprintf(char *buf, size_t size, const char *fmt, ...) PV_PRINTF(3, 4);

#endif /* PVGUEST_PRINTF_H */
