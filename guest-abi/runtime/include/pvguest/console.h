/* console.h: guest console: output over the PV console ring (console_io as fallback), input. */
#ifndef PVGUEST_CONSOLE_H
#define PVGUEST_CONSOLE_H

#include <pvguest/lib.h>

struct xencons_interface;

/*
 * Writes len bytes as they are; output of concurrent callers on different vCPUs does not
 * interleave.  Usable from event handlers and before the runtime finished setup.
 *
 * Where the bytes go:
 *  - before pv_console_init() (early boot) and if the console page is unusable:
 *    HYPERVISOR_console_io (one hypercall per 4 KiB), i.e. the domain log / `xl dmesg`;
 *  - afterwards into the console ring (start_info console.domU.mfn/evtchn) that the dom0
 *    backend (xenconsoled) drains.  The backend is notified only when it had drained
 *    everything before this write (it may be idle); otherwise it is still working and
 *    will see the new bytes itself;
 *  - until a backend has shown up (bound the port or consumed output), every write also
 *    goes to console_io, so nothing is lost on a host without xenconsoled;
 *  - a full ring is waited for (SCHEDOP_poll on the console port, events masked); if it
 *    makes no progress for 1 s (the backend went away) the write goes to console_io, and
 *    so do later ones until the backend consumes again.  Before any backend was seen the
 *    total wait over the domain's life is at most 2 s.  The caller never hangs.
 */
void pv_console_write(const char *buf, size_t len);

/*
 * printf-style output (see printf.h for the format subset) in one console write.  Lines
 * longer than 1 KiB are cut and end in "[...]".  Returns the number of bytes written.
 */
int printk(const char *fmt, ...) PV_PRINTF(1, 2);
int vprintk(const char *fmt, va_list ap) PV_PRINTF(1, 0);

/*
 * Console input (bytes typed into `xl console`, from the ring's in[] part).  Copies up to
 * len available bytes without waiting; returns how many (0: none, or no console ring).
 * Hands the space back to the backend and notifies it only if the ring had been full.
 * Any vCPU; not from event handlers concurrently with another reader.
 */
size_t pv_console_read(char *buf, size_t len);

/*
 * Waits until input is available (true) or the absolute system time deadline_ns passes
 * (false; 0 = no deadline).  Polls the console port in slices of 100 ms, so a missed
 * wakeup costs at most that.  Returns false at once without a console ring.  Not from
 * event handlers.
 */
bool pv_console_wait_input(uint64_t deadline_ns);

/* The console ring page, or NULL (console_io only).  For tests that misbehave on purpose. */
struct xencons_interface *pv_console_ring(void);

/* Runtime internal (setup.c): switch printk to the ring described by start_info. */
void pv_console_init(void);

#endif /* PVGUEST_CONSOLE_H */
