/* console.h: guest console output over HYPERVISOR_console_io(CONSOLEIO_write). */
#ifndef PVGUEST_CONSOLE_H
#define PVGUEST_CONSOLE_H

#include <pvguest/lib.h>

/*
 * Writes len bytes as they are.  One hypercall per call (chunks of 4 KiB for longer
 * buffers); output of concurrent callers on different vCPUs does not interleave.
 * Usable from event handlers and before the runtime finished setup.
 */
void pv_console_write(const char *buf, size_t len);

/*
 * printf-style output (see printf.h for the format subset) in one console write.  Lines
 * longer than 1 KiB are cut and end in "[...]".  Returns the number of bytes written.
 */
int printk(const char *fmt, ...) PV_PRINTF(1, 2);
int vprintk(const char *fmt, va_list ap) PV_PRINTF(1, 0);

#endif /* PVGUEST_CONSOLE_H */
