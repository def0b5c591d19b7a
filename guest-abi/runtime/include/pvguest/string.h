/* string.h: memory and string helpers for PV guests (the compiler may call mem* itself). */
#ifndef PVGUEST_STRING_H
#define PVGUEST_STRING_H

#include <stddef.h>

void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
void *memchr(const void *s, int c, size_t n);

size_t strlen(const char *s);
/* Length of s, at most max (s need not be terminated within max bytes). */
size_t strnlen(const char *s, size_t max);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
char *strchr(const char *s, int c);
char *strrchr(const char *s, int c);
/* First occurrence of needle in hay, or NULL. */
char *strstr(const char *hay, const char *needle);
/* Copies at most size-1 bytes and always terminates (if size > 0); returns strlen(src). */
size_t strlcpy(char *dst, const char *src, size_t size);

/*
 * Parses an unsigned number in base (0: auto 0x/0 prefixes, else 2..36); *end gets the
 * first unparsed character (may be NULL).  No overflow detection beyond wrapping.
 */
unsigned long strtoul(const char *s, char **end, int base);
long strtol(const char *s, char **end, int base);

/* Let the compiler inline fixed-size copies; bigger ones still call the functions above. */
#define memcpy(d, s, n) __builtin_memcpy(d, s, n)
#define memset(d, c, n) __builtin_memset(d, c, n)
#define memcmp(a, b, n) __builtin_memcmp(a, b, n)
#define strlen(s)       __builtin_strlen(s)

#endif /* PVGUEST_STRING_H */
