/* cmdline.h: parsing "word key=value ..." guest command lines (space separated). */
#ifndef PVGUEST_CMDLINE_H
#define PVGUEST_CMDLINE_H

#include <pvguest/lib.h>

/*
 * Finds the first token "key=value" and copies value (up to the next space; truncated to
 * size-1 bytes, always terminated) into buf.  Returns true if the key was present.
 */
bool pv_cmdline_get(const char *cmdline, const char *key, char *buf, size_t size);

/* True if a token is exactly word, or starts with "word=". */
bool pv_cmdline_has(const char *cmdline, const char *word);

/* Numeric value of key (strtoul base 0), or def if absent or not a number. */
unsigned long pv_cmdline_ulong(const char *cmdline, const char *key, unsigned long def);

/*
 * Copies the n-th (0-based) space-separated token into buf (truncated, terminated).
 * Returns true if it exists.
 */
bool pv_cmdline_word(const char *cmdline, unsigned int n, char *buf, size_t size);

#endif /* PVGUEST_CMDLINE_H */
