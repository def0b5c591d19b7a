/* cli.h: the xenstore command (read, write, ls, rm, exists, list, chmod, watch). */
#ifndef PVXS_CLI_H
#define PVXS_CLI_H

#include <stdbool.h>
#include <stddef.h>

#include <pvisor/xs.h>

enum mode {
    MODE_unknown,
    MODE_chmod,
    MODE_exists,
    MODE_list,
    MODE_ls,
    MODE_read,
    MODE_rm,
    MODE_write,
    MODE_watch
};

struct cli_opts {
    enum mode mode;
    bool prefix, tidy, upto, recurse, raw, socket, full_path;
    int max_events;               /* watch -n; -1 = forever */
    int max_width, desired_width; /* ls layout */
    int argc;                     /* keys: argv[0..argc) */
    char **argv;
};

/* Run the mode's work for every key inside transaction t. 0 ok, 1 failed. */
int cli_perform(const struct cli_opts *o, struct xs_handle *h, xs_transaction_t t);

/* xenstore-ls: print the tree below path. Exits on a listing error, like Xen's. */
void cli_ls(const struct cli_opts *o, struct xs_handle *h, const char *path, int depth);

/* Buffered output of read/list, printed once the transaction ends. */
void out_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void out_write(const void *p, size_t len);
void out_reset(void);
void out_flush(void);

/* Escaping of values: non-printables as \t \n \r \\ \ooo (< 010) or \xNN. The result
 * is a static buffer valid until the next call. */
const char *cli_sanitise(const char *val, unsigned int len);
/* The reverse, for xenstore-write; out needs strlen(in)+1 bytes. *outlen = bytes. */
void cli_unsanitise(const char *in, char *out, unsigned int *outlen);

#endif
