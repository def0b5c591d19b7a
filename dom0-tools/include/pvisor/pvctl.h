/* pvctl.h: libpvctl, the dom0 client of pvisord's control socket (ctl_wire.h). */
#ifndef PVISOR_PVCTL_H
#define PVISOR_PVCTL_H

#include <stdint.h>

#include <pvisor/ctl_wire.h>

/*
 * Conventions for every function here:
 *  - return 0 (or a documented non-negative value) on success, a negative errno on
 *    failure. Failures come from two places: the transport (the socket broke, the reply
 *    is malformed: -ECONNRESET, -EPROTO, -EMSGSIZE, ...) or pvisord's own answer
 *    (ret of struct pvctl_rsp: -ESRCH no such domain, -EBUSY wrong domain state,
 *    -EINVAL bad request, -ENOSYS unknown op, ...). pvctl_strerror() names either kind.
 *  - a struct pvctl is one connection with one reply buffer: use it from one thread at
 *    a time (open one per thread if several threads talk to pvisord).
 *  - nothing here prints or exits.
 */

struct pvctl;

/* Default run directory when neither the argument nor $PVISOR_RUNDIR is set. */
#define PVCTL_DEFAULT_RUNDIR "/run/pvisor"
#define PVCTL_SOCKET_NAME    "pvisord.sock"

/* The run directory that pvctl_open(rundir, ...) would use: rundir itself, else
 * $PVISOR_RUNDIR (if set and non-empty), else PVCTL_DEFAULT_RUNDIR. Never NULL; the
 * string is rundir, the environment's, or a constant (do not free). */
const char *pvctl_rundir(const char *rundir);

/* Connect to RUNDIR/pvisord.sock (AF_UNIX, SOCK_SEQPACKET, close-on-exec). On success
 * *out owns the connection (release with pvctl_close()). Errors: -ENOENT (no socket) or
 * -ECONNREFUSED (stale socket): pvisord is not running; callers say "pvisord is not
 * running in RUNDIR (start it with `pvisor start`)". -EACCES/-EPERM: not allowed to use
 * it; -ENAMETOOLONG: the path does not fit a sockaddr_un; -ENOMEM. */
int pvctl_open(const char *rundir, struct pvctl **out);

/* Close the connection and free it. NULL is allowed. */
void pvctl_close(struct pvctl *c);

/* The run directory this connection was opened in (owned by c). */
const char *pvctl_get_rundir(const struct pvctl *c);

/*
 * One request/response round trip: send op with `inlen` bytes of `in` (in may be NULL
 * when inlen is 0; inlen <= PVCTL_MAX_PAYLOAD), wait for the answer, copy its payload to
 * `out` (capacity outcap) and store its length in *outlen (outlen may be NULL).
 * If the answer carries a file descriptor it goes to *fd_out (close-on-exec, owned by
 * the caller); *fd_out is -1 otherwise. With fd_out NULL a received fd is closed.
 * Returns the answer's ret (0 or -errno from pvisord; the payload is still copied) or
 * a transport error: -EMSGSIZE (payload larger than outcap; nothing copied, no fd
 * kept), -EPROTO (malformed answer), -ECONNRESET (pvisord closed the connection),
 * -EINVAL (inlen too large).
 */
int pvctl_call(struct pvctl *c, uint32_t op, const void *in, uint32_t inlen, void *out,
               uint32_t outcap, uint32_t *outlen, int *fd_out);

/* As pvctl_call(), and the request carries nfds (<= PVCTL_MAX_REQ_FDS) descriptors with
 * SCM_RIGHTS (the caller keeps its own copies). */
#define PVCTL_MAX_REQ_FDS 3
int pvctl_call_fds(struct pvctl *c, uint32_t op, const void *in, uint32_t inlen, const int *fds,
                   unsigned nfds, void *out, uint32_t outcap, uint32_t *outlen, int *fd_out);

/* A human-readable message for err (negative or positive errno), worded for what the
 * control socket means by it (e.g. -ESRCH "no such domain"). Static storage. */
const char *pvctl_strerror(int err);

/* ---- typed wrappers: one per op in ctl_wire.h ------------------------------------
 * Each fails with -EPROTO if pvisord's answer does not have the expected size. */

/* PVCTL_PING: pvisord is alive; *v (may be NULL) gets its versions. */
int pvctl_ping(struct pvctl *c, struct pvctl_version *v);

/* PVCTL_DOMAIN_CREATE: *domid gets the new domain's id. The domain has RAM but nothing
 * loaded and no vCPU state: use dombuild_create() (dombuild.h) to get a bootable one. */
int pvctl_domain_create(struct pvctl *c, const struct pvctl_create *req, uint32_t *domid);

int pvctl_domain_destroy(struct pvctl *c, uint32_t domid);
int pvctl_domain_pause(struct pvctl *c, uint32_t domid);
int pvctl_domain_unpause(struct pvctl *c, uint32_t domid);

/* reason: Xen's SHUTDOWN_* (poweroff 0, reboot 1, suspend 2, crash 3, watchdog 4). */
int pvctl_domain_shutdown(struct pvctl *c, uint32_t domid, uint32_t reason);

int pvctl_domain_getinfo(struct pvctl *c, uint32_t domid, struct pvctl_dominfo *info);

/* PVCTL_DOMAIN_LIST: copies up to `max` entries into buf (buf may be NULL if max is 0)
 * and stores the number of live domains in *count (which may exceed max: call again
 * with a bigger buffer). */
int pvctl_domain_list(struct pvctl *c, struct pvctl_dominfo *buf, uint32_t max, uint32_t *count);

/* PVCTL_DOMAIN_WAIT: block until the domain's flags differ from known_flags or
 * timeout_ms passes (0 = answer at once); *info gets the current state either way. */
int pvctl_domain_wait(struct pvctl *c, uint32_t domid, uint32_t known_flags, uint32_t timeout_ms,
                      struct pvctl_dominfo *info);

/* PVCTL_DOMAIN_MAP: map the domain's whole memfd read-write, shared. On success *mem
 * points at guest frame 0 (frame N at *mem + N * 4096, hypervisor-owned frames after
 * RAM as *info says) and the fd is already closed. Release with pvctl_domain_unmap().
 * Errors: pvisord's, -EPROTO (no fd / bad sizes), or mmap's errno. */
int pvctl_domain_map(struct pvctl *c, uint32_t domid, struct pvctl_map *info, void **mem);

/* Undo pvctl_domain_map(). Returns 0 or -errno of munmap. */
int pvctl_domain_unmap(void *mem, const struct pvctl_map *info);

int pvctl_domain_set_vcpu(struct pvctl *c, const struct pvctl_vcpu_ctx *ctx);

/* Install the hypercall page (port-I/O stubs) in guest frame gpfn. */
int pvctl_domain_hypercall_init(struct pvctl *c, uint32_t domid, uint64_t gpfn);

/* PVCTL_DOMAIN_SET_MEMMAP: the memory map the guest gets from XENMEM_memory_map
 * (m->nr <= PVCTL_E820_MAX entries, each non-empty). */
int pvctl_domain_set_memmap(struct pvctl *c, const struct pvctl_memmap *m);

/* HVM_PARAM_* index (STORE_PFN 1, STORE_EVTCHN 2, CONSOLE_PFN 17, CONSOLE_EVTCHN 18). */
int pvctl_domain_set_param(struct pvctl *c, uint32_t domid, uint32_t index, uint64_t value);
int pvctl_domain_get_param(struct pvctl *c, uint32_t domid, uint32_t index, uint64_t *value);

/*
 * PVCTL_DOMAIN_LOG / PVCTL_HVLOG_READ: read up to `cap` bytes of the domain's console
 * log / the hypervisor log from absolute offset `offset` (0 = oldest kept) into buf.
 * *len gets the bytes returned, *next the offset to ask for next time, *lost (may be
 * NULL) the bytes dropped before the first byte returned. cap is clamped to what one
 * answer can carry (PVCTL_MAX_PAYLOAD - sizeof(struct pvctl_log_rsp)).
 */
int pvctl_domain_log_read(struct pvctl *c, uint32_t domid, uint64_t offset, void *buf, uint32_t cap,
                          uint32_t *len, uint64_t *next, uint64_t *lost);
int pvctl_hvlog_read(struct pvctl *c, uint64_t offset, void *buf, uint32_t cap, uint32_t *len,
                     uint64_t *next, uint64_t *lost);

/* PVCTL_EVTCHN_ALLOC_UNBOUND: an unbound port in domid that remote_domid may bind. */
int pvctl_evtchn_alloc_unbound(struct pvctl *c, uint32_t domid, uint32_t remote_domid,
                               uint32_t *port);

/* PVCTL_VCPU_LIST: like pvctl_domain_list() for the vCPUs of one domain. */
int pvctl_vcpu_list(struct pvctl *c, uint32_t domid, struct pvctl_vcpuinfo *buf, uint32_t max,
                    uint32_t *count);

int pvctl_physinfo(struct pvctl *c, struct pvctl_physinfo *pi);

/* Resolve a domain given by name or by decimal id (a string of digits is an id, as in
 * xl). Returns 0 with *domid set, -ESRCH if no live domain matches, -EINVAL for an
 * empty string, or a transport error. */
int pvctl_domid_by_name(struct pvctl *c, const char *name_or_id, uint32_t *domid);

#endif
