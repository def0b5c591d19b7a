/* xl.h: what the xl command families share: the command table, helpers, JSON, monitoring. */
#ifndef PVISOR_XL_H
#define PVISOR_XL_H

#include <getopt.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <pvisor/pvctl.h>
#include <pvisor/xlcfg.h>
#include <pvisor/xs.h>

/* Exit statuses of every command (docs/xl.md). */
enum { XL_OK = 0, XL_FAIL = 1, XL_USAGE = 2 };

/* Shutdown reasons (Xen's SHUTDOWN_*). */
enum {
    XL_SHUTDOWN_POWEROFF,
    XL_SHUTDOWN_REBOOT,
    XL_SHUTDOWN_SUSPEND,
    XL_SHUTDOWN_CRASH,
    XL_SHUTDOWN_WATCHDOG,
    XL_SHUTDOWN_SOFT_RESET
};

/* A command: handlers get argv[0] == the command name and return an exit status. */
struct xl_cmd {
    const char *name;
    int (*fn)(int argc, char **argv);
    const char *usage;   /* after "xl NAME " */
    const char *summary; /* one line for `xl help` */
    const char *help;    /* DESCRIPTION and OPTIONS text for `xl help NAME` */
};

int xl_cmd_create(int argc, char **argv);
int xl_cmd_list(int argc, char **argv);
int xl_cmd_destroy(int argc, char **argv);
int xl_cmd_shutdown(int argc, char **argv);
int xl_cmd_reboot(int argc, char **argv);
int xl_cmd_pause(int argc, char **argv);
int xl_cmd_unpause(int argc, char **argv);
int xl_cmd_dmesg(int argc, char **argv);
int xl_cmd_info(int argc, char **argv);
int xl_cmd_vcpu_list(int argc, char **argv);
int xl_cmd_console(int argc, char **argv);
int xl_cmd_block_attach(int argc, char **argv);
int xl_cmd_block_detach(int argc, char **argv);
int xl_cmd_block_list(int argc, char **argv);
int xl_cmd_network_attach(int argc, char **argv);
int xl_cmd_network_detach(int argc, char **argv);
int xl_cmd_network_list(int argc, char **argv);

/* ---- main.c: option parsing shared by every command -------------------------------- */

#define XL_OPT_HELP 0x100 /* xl_getopt() printed the command's help */
#define XL_OPT_BAD  '?'   /* xl_getopt() printed a usage error */

/* getopt for the running command: short options `opts` plus -h/--help. */
int xl_getopt(int argc, char **argv, const char *opts);

/* Prints "xl NAME: message" and the usage line to stderr; returns XL_USAGE. */
int xl_usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* ---- xl_util.c ----------------------------------------------------------------------- */

/* "xl: message\n" on stderr. */
void xl_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Connect to pvisord; on failure prints what is wrong and what to do, returns -errno. */
int xl_connect(struct pvctl **c);

/* Resolve a name or id to a live domain (info may be NULL); prints the error. */
int xl_resolve(struct pvctl *c, const char *arg, uint32_t *domid, struct pvctl_dominfo *info);

/* Xen's six state letters "rbpscd" (each '-' when unset) into out[7]. */
void xl_state_letters(const struct pvctl_dominfo *d, char out[7]);

/* Shutdown reason of a domain with PVCTL_DOMF_SHUTDOWN set. */
unsigned xl_shutdown_reason(const struct pvctl_dominfo *d);
const char *xl_reason_name(unsigned reason);

uint64_t xl_now_ms(void);
void xl_sleep_ms(unsigned ms);

/* Whether $PVISOR_RUNDIR/NAME.pid names a live (not zombie) process called NAME, as `pvisor
 * start` leaves the daemons (e.g. "blkback", "netback"). */
bool xl_daemon_running(struct pvctl *c, const char *name);

/* $RUNDIR/xl/domain-ID.cfg, where create keeps the config it built a domain from. */
int xl_saved_cfg_path(struct pvctl *c, uint32_t domid, char *buf, size_t len);
int xl_save_cfg(struct pvctl *c, uint32_t domid, const struct xlcfg *cfg);
/* Loads it back if it exists and its uuid matches info's; 0, -ENOENT or -errno. */
int xl_load_saved_cfg(struct pvctl *c, const struct pvctl_dominfo *info, struct xlcfg *cfg);
void xl_forget_cfg(struct pvctl *c, uint32_t domid);

/* ---- xl_xs.c: xenstore ------------------------------------------------------------------ */

struct dombuild_result;

/* Writes Xen's nodes for a just-built (paused) domain under /local/domain/ID and
 * /vm/UUID, in one transaction, then INTRODUCEs it (its store ring). Without a running
 * xenstored it warns once and returns 0; other failures print and return -errno. */
int xl_xs_setup(struct pvctl *c, const struct xlcfg *cfg, const struct dombuild_result *res);

/* The domain is gone: RELEASE it and remove /local/domain/ID, its /vm/UUID and its disk and
 * vif backends /local/domain/0/backend/{vbd,vif}/ID (quiet when xenstored is not running). */
void xl_xs_release(struct pvctl *c, uint32_t domid);

/* Writes control/shutdown = word ("poweroff", "reboot"). 0, -ENOTCONN (no xenstored),
 * -ENOENT (the domain was not introduced: no PV control), or -errno. */
int xl_xs_shutdown_request(struct pvctl *c, uint32_t domid, const char *word);

/* 1 when the guest has acknowledged (control/shutdown no longer reads `word`), 0 when
 * not yet, -errno when it cannot be read. */
int xl_xs_shutdown_acked(struct pvctl *c, uint32_t domid, const char *word);

/* A connection to xenstored in c's run directory (sets XENSTORED_PATH unless given), or
 * NULL with errno set. */
struct xs_handle *xl_xs_open(struct pvctl *c);

/* Writes inside one transaction: after the first failure every call does nothing, and
 * err / where keep that failure's errno and path. */
struct xl_xw {
    struct xs_handle *h;
    xs_transaction_t t;
    int err;
    const char *where;
};

void xl_xw_put(struct xl_xw *w, const char *val, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* ACL of path: owned by `owner` (no access for others), `reader` may read (-1: nobody). */
void xl_xw_acl(struct xl_xw *w, const char *path, unsigned owner, int reader);
/* Creates path with value and ACL; children created later inherit the ACL. */
void xl_xw_node(struct xl_xw *w, const char *path, const char *val, unsigned owner, int reader);

/* Runs body in a transaction and commits, redoing it (up to 10 times) when xenstored says
 * EAGAIN; body's first failure aborts it. 0 or -errno (*where, if given, names the path or
 * step that failed; valid until the next xl_xw_put). */
int xl_xs_transact(struct xs_handle *h, void (*body)(struct xl_xw *w, void *arg), void *arg,
                   const char **where);

/* ---- xl_block.c: virtual block devices ---------------------------------------------------- */

struct xl_running;

/* Xen's vbd nodes for disk d of domain domid (d->blockdev says "phy" or "file"):
 * /local/domain/0/backend/vbd/ID/DEVID (dom0's, readable by the guest) and
 * /local/domain/ID/device/vbd/DEVID (the guest's, readable by dom0), both state 1. */
void xl_vbd_write(struct xl_xw *w, uint32_t domid, const struct xl_disk *d);

/* Checks that d's target exists and is a regular file or a block device that can be
 * opened as asked; sets d->blockdev. Prints "xl: LABEL: what is wrong; what to do" and
 * returns -errno. */
int xl_disk_check(struct xl_disk *d, const char *label);

/* Checks that every disk's target exists and is a regular file or a block device that
 * can be opened as asked (sets each d->blockdev). Prints what is wrong and returns -errno. */
int xl_disks_check(struct xlcfg *cfg);

/* ---- xl_device.c: what disks and vifs share (split-driver devices in xenstore) ---------- */

/* A kind of device: its xenstore directory, its words in messages, its daemon. */
struct xl_devkind {
    const char *xs;     /* "vbd" / "vif": .../backend/XS/DOMID/DEVID, .../device/XS/DEVID */
    const char *noun;   /* "disk" / "vif" */
    const char *nouns;  /* "disks" / "vifs" */
    const char *daemon; /* "blkback" / "netback": its backend */
    const char *cmd;    /* "block" / "network": the commands' prefix (block-list, ...) */
};

extern const struct xl_devkind xl_vbd_kind, xl_vif_kind;

/* One device of a domain: its backend and frontend directories. */
struct xl_dev {
    const struct xl_devkind *k;
    uint32_t domid, devid;
    char be[80], fe[80];
};

void xl_dev_init(struct xl_dev *d, const struct xl_devkind *k, uint32_t domid, uint32_t devid);

/* dir/key as a malloc'd string, or NULL when absent. */
char *xl_xs_get(struct xs_handle *h, xs_transaction_t t, const char *dir, const char *key);
/* dir/key as a decimal number, or -1 when absent or not a number. */
long xl_xs_num(struct xs_handle *h, const char *dir, const char *key);
bool xl_xs_exists(struct xs_handle *h, xs_transaction_t t, const char *path);
/* The decimal names under dir (device numbers), sorted; *out malloc'd (NULL when none). */
size_t xl_xs_numbers(struct xs_handle *h, const char *dir, uint32_t **out);

/* DOMAIN (a guest, not Domain-0) resolved, plus a xenstore connection for k's devices.
 * Returns -1 to go on, or an exit status after printing what is wrong. */
int xl_dev_open_guest(const char *arg, const char *cmd, const struct xl_devkind *k,
                      struct pvctl **c, struct pvctl_dominfo *info, struct xs_handle **h);
void xl_dev_close_guest(struct pvctl *c, struct xs_handle *h);

/* The domain has shut down or is dying. */
bool xl_domain_down(const struct pvctl_dominfo *info);

/* Before attaching a device of kind k: the domain runs, is known to xenstored, and k's
 * daemon runs. 0 or -errno after printing. */
int xl_dev_attach_checks(struct pvctl *c, struct xs_handle *h, const struct pvctl_dominfo *info,
                         const struct xl_devkind *k);

/* Waits until d's backend has taken the device: hotplug-status "connected" or state InitWait
 * .. Connected. Gives up at `deadline` (xl_now_ms() time). 0, or -EIO with the backend's
 * hotplug-error in msg, -ECONNRESET (it closed the device), -ENOENT (someone removed it) or
 * -ETIMEDOUT; *state is the backend state last read. */
int xl_dev_wait_backend(struct xs_handle *h, const struct xl_dev *d, uint64_t deadline, long *state,
                        char *msg, size_t len);

/* Prints why xl_dev_wait_backend() failed for the device called `label` (e.g. "disk xvdb"). */
void xl_dev_wait_failed(int rc, const struct pvctl_dominfo *info, const struct xl_dev *d,
                        const char *label, long state, const char *msg);

/* Removes d's frontend and backend directories in one transaction. 0 or -errno (printed). */
int xl_dev_remove(struct xs_handle *h, const struct xl_dev *d);

/* Attaches d to a running domain: write(w, arg) fills both directories in one transaction
 * (-EEXIST, not printed, when either exists already), then waits up to 10 s for the backend;
 * on failure the directories are removed again and the reason printed. On success `spec`
 * is added to the config kept for the domain. 0 or -errno. */
int xl_dev_attach(struct pvctl *c, struct xs_handle *h, const struct pvctl_dominfo *info,
                  const struct xl_dev *d, const char *label,
                  void (*write)(struct xl_xw *w, const void *arg), const void *arg,
                  const char *spec);

/* Detaches d as Xen does: backend online = 0 and state Closing (5), a wait of up to 10 s for
 * the backend to reach Closed (6) when a live frontend and k's daemon take part (never with
 * force), then both directories are removed and the kept config updated. `label` names it
 * in messages ("disk xvdb"), `arg` is what the user typed for it (for the -f hint). 0 or
 * -errno after printing. */
int xl_dev_detach(struct pvctl *c, struct xs_handle *h, const struct pvctl_dominfo *info,
                  const struct xl_dev *d, const char *label, const char *arg, bool force);

/* `xl block-list` / `network-list DOMAIN...`: prints header, then list(h, domid) for each
 * domain named (Domain-0 too); `what` names the devices in the message when xenstored is
 * not running. An xl exit status. */
int xl_dev_list_cmd(int argc, char **argv, const char *what, const char *header,
                    void (*list)(struct xs_handle *h, uint32_t domid));

/* The spec's components, joined with commas (as Xen's xl does); malloc'd, NULL: ENOMEM. */
char *xl_join_spec(int argc, char **argv);

/* Updates k's list (disk or vif) of the config kept for a running domain (`xl list -l`,
 * restarts): drops the devices numbered devid, then appends spec unless it is NULL. 0 (also
 * when no config is kept for it) or -errno. */
int xl_saved_devs_update(struct pvctl *c, const struct pvctl_dominfo *info,
                         const struct xl_devkind *k, uint32_t devid, const char *spec);

/* Before restarting domain `old`: takes over the disk and vif lists its saved config has
 * now (devices attached or detached while it ran), as Xen does. Keeps r->cfg's lists when
 * there is no saved config. */
void xl_devices_refresh(struct pvctl *c, struct xl_running *r, uint32_t old);

/* ---- xl_net.c: vifs --------------------------------------------------------------------- */

/* Xen's vif nodes for v of domain domid (docs/net.md): /local/domain/0/backend/vif/ID/DEVID
 * (dom0's, readable by the guest) and /local/domain/ID/device/vif/DEVID (the guest's,
 * readable by dom0), both state 1. */
void xl_vif_write(struct xl_xw *w, uint32_t domid, const struct xl_vif *v);

/* Gives every vif of cfg without mac= a random 00:16:3e MAC (from getrandom, none equal to
 * another vif's) and makes each spec in cfg->vif name its MAC and devid (appending mac= and
 * devid= when missing), so that the kept config (restarts, `xl list -l`) keeps them. Does
 * nothing when every vif has both. 0 or -errno (printed). */
int xl_vifs_pick_macs(struct xlcfg *cfg);

/* Gives v a random 00:16:3e MAC that is not one of taken[0..ntaken). 0 or -errno (printed). */
int xl_vif_pick_mac(struct xl_vif *v, const uint8_t (*taken)[6], size_t ntaken);

/* spec plus ",mac=M" / ",devid=N" for what v has but spec does not name (mac_given,
 * devid_given say which); malloc'd, NULL: ENOMEM. */
char *xl_vif_complete_spec(const char *spec, const struct xl_vif *v);

/* Before building a domain with vifs: netback must run. 0 or -ENOTCONN (printed). */
int xl_vifs_check(struct pvctl *c, const struct xlcfg *cfg);

/* After the domain's nodes are written, before it is unpaused: waits (10 s in all) until
 * netback has set up each vif (hotplug-status connected). 0, or -errno after printing why
 * (hotplug-error), the caller then destroys the domain. */
int xl_vifs_wait(struct pvctl *c, const struct xlcfg *cfg, uint32_t domid);

/* ---- json.c: the one adapter over libyajl ------------------------------------------ */

struct xl_json;
struct xl_json *xj_new(void);         /* pretty-printed, 4-space indent; NULL: ENOMEM */
void xj_map(struct xl_json *j);       /* { */
void xj_end_map(struct xl_json *j);   /* } */
void xj_array(struct xl_json *j);     /* [ */
void xj_end_array(struct xl_json *j); /* ] */
void xj_key(struct xl_json *j, const char *k);
void xj_str(struct xl_json *j, const char *s);
void xj_u64(struct xl_json *j, uint64_t v);
void xj_bool(struct xl_json *j, bool v);
void xj_kstr(struct xl_json *j, const char *k, const char *s);
void xj_ku64(struct xl_json *j, const char *k, uint64_t v);
/* Writes the document plus a newline; 0 or -EINVAL if the generator reported an error. */
int xj_print(struct xl_json *j, FILE *f);
void xj_free(struct xl_json *j);

/* The "config" object Xen's `xl list -l` shows, from a parsed config and/or the live
 * info (either may be NULL). */
void xl_json_config(struct xl_json *j, const struct xlcfg *cfg, const struct pvctl_dominfo *info);

/* ---- xl_console.c: console streams ---------------------------------------------------- */

/* A domain's console as xl shows it: its pty from xenconsoled (output and input), or, when
 * xenconsoled does not run or does not serve it, its console_io log (output only). */
struct xl_stream {
    uint32_t domid;
    uint64_t off; /* log: next offset to read */
    int out_fd;   /* where the bytes go */
    int pty_fd;   /* -1: the log is followed */
    bool in_eof;  /* stdin ended: output only from then on */
    size_t npending;
    char pending[4096]; /* input read from stdin, not yet taken by the pty */
};

/* Picks the pty (asking xenconsoled, waiting up to 5 s for a new domain's console) or the
 * log, printing a note to stderr when it falls back to the log (unless quiet and
 * xenconsoled simply does not run). Always 0; s->pty_fd says which. */
int xl_stream_open(struct pvctl *c, struct xl_stream *s, uint32_t domid, bool quiet);
void xl_stream_close(struct xl_stream *s);

/* Copies everything new to s->out_fd. Returns bytes copied (>= 0); for the log -ESRCH once
 * the domain is gone, for the pty -ENOTCONN once xenconsoled closed it; or another -errno
 * (-EPIPE: stdout closed). */
long xl_stream_drain(struct pvctl *c, struct xl_stream *s);

/* Waits up to ms for console output or typed input, forwarding input to the guest (pty
 * only). Returns 1 if the user typed the escape character on a raw terminal (or Ctrl-]
 * on the log's terminal), else 0. */
int xl_stream_wait(struct pvctl *c, struct xl_stream *s, unsigned ms, int escape);

/* The domain stopped: copies its last output (asks xenconsoled to drain the ring; bounded
 * to 3 s). */
void xl_stream_finish(struct pvctl *c, struct xl_stream *s);

/* SIGINT/SIGTERM/SIGHUP set a flag instead of killing xl; xl_interrupted() returns the
 * signal number caught (0 if none). */
void xl_catch_signals(void);
int xl_interrupted(void);

/* The terminal when stdin is one: xl_tty_enter() for the log (keys one by one, Ctrl-C
 * still a signal), xl_tty_enter_raw() for a pty (every key goes to the guest; output
 * processing kept). xl_tty_leave() restores it. */
void xl_tty_enter(void);
void xl_tty_enter_raw(void);
int xl_tty_is_raw(void);
void xl_tty_leave(void);
/* Waits up to ms for a key on the tty; returns 1 if the user asked to detach. */
int xl_tty_wait(unsigned ms);

#define XL_DETACH_CHAR 0x1d /* Ctrl-], as in Xen */

/* ---- xl_monitor.c: applying on_poweroff / on_reboot / on_crash ----------------------- */

struct xl_running {
    struct xlcfg *cfg;
    uint32_t domid;
    bool console;     /* stream the domain's console to stdout (create -c) */
    bool console_pty; /* ... from xenconsoled's pty (not the console_io log) */
    bool quiet;
    uint64_t restarts[10]; /* times (ms) of the latest restarts, a ring */
    unsigned nrestarts;
};

/* Build the domain described by r->cfg (paused) and record r->domid; prints errors. */
int xl_build(struct pvctl *c, struct xl_running *r);

/* Follow r->domid until nothing is left to do. Returns the exit status for create -c
 * (XL_OK after poweroff, XL_FAIL after a crash or an error) */
int xl_follow(struct pvctl *c, struct xl_running *r);

/* Fork a detached monitor (log in $RUNDIR/xl-NAME.log) that follows r. Returns 0 in
 * the caller once the monitor is started, -errno otherwise. */
int xl_spawn_monitor(struct pvctl *c, struct xl_running *r);

#endif
