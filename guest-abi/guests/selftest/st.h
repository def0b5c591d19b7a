/* st.h: the selftest guest's check helpers and the test groups it runs. */
#ifndef SELFTEST_ST_H
#define SELFTEST_ST_H

#include <pvguest/pvguest.h>

/*
 * Each check prints "ok N - description" or
 * "not ok N - description (got X, want Y)" and returns whether it passed.
 */
bool st_eq(long got, long want, const char *fmt, ...) PV_PRINTF(3, 4);
/* Passes if cond; on failure prints got (decimal) and the free-text expectation. */
bool st_ok(bool cond, long got, const char *want, const char *fmt, ...) PV_PRINTF(4, 5);
/* A buffer filled by the hypervisor: NUL-terminated and zero-padded to its end. */
bool st_zero_padded(const char *buf, size_t size, const char *fmt, ...) PV_PRINTF(3, 4);
/* Prints a "# ..." diagnostic line. */
void st_note(const char *fmt, ...) PV_PRINTF(1, 2);

/* Waits (SCHEDOP_poll on the VIRQ_TIMER port, independent of the vCPU timers) until
 * system time deadline or until this vCPU saw at least want VIRQ_TIMER ticks. */
bool st_wait_ticks(uint64_t want, uint64_t deadline_ns);
/* Waits for *flag to become nonzero (checked every 100 us), at most timeout_ns. */
bool st_wait_flag(volatile unsigned int *flag, uint64_t timeout_ns);

/* This domain's id, learnt from the status of a loopback unbound port (evtchn.c). */
extern domid_t st_domid;

/* Test groups, in the order main() runs them. */
void st_version(void);    /* xen_version, console_io, unknown numbers, multicall */
void st_memory(void);     /* memory_op */
void st_mmu(void);        /* mmu_update, update_va_mapping, mmuext_op, vm_assist */
void st_callbacks(void);  /* set_trap_table, set_callbacks, callback_op */
void st_vcpu(void);       /* vcpu_op bookkeeping and register_vcpu_info */
void st_evtchn(void);     /* event channels */
void st_gnttab(void);     /* grant_table_op (needs st_domid from st_evtchn) */
void st_timers(void);     /* set_timer_op, vcpu timers, sched_op block/poll/yield */
void st_privileged(void); /* physdev_op, hvm_op, sysctl, domctl, remote_shutdown */

#endif /* SELFTEST_ST_H */
