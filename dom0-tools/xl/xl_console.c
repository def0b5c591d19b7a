/* xl_console.c: following a domain's console_io log (`xl console`, `xl create -c`). */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "xl.h"

#define CTRL_RBRACKET 0x1d
#define LOG_CHUNK     16384

static int write_all(int fd, const char *p, size_t n)
{
    while (n) {
        ssize_t w = write(fd, p, n);

        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0)
            return -errno;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

long xl_stream_drain(struct pvctl *c, struct xl_stream *s)
{
    static char buf[LOG_CHUNK];
    long total = 0;

    for (;;) {
        uint32_t len = 0;
        uint64_t next = s->off, lost = 0;
        int rc = pvctl_domain_log_read(c, s->domid, s->off, buf, sizeof(buf), &len, &next, &lost);

        if (rc < 0)
            return rc;
        if (lost)
            dprintf(STDERR_FILENO, "\nxl: [%llu bytes of console output were lost]\n",
                    (unsigned long long)lost);
        if (len && (rc = write_all(s->out_fd, buf, len)) < 0)
            return rc;
        total += len;
        if (len == 0 || next == s->off)
            return total;
        s->off = next;
    }
}

/* ---- the terminal ------------------------------------------------------------------ */

static struct termios saved_tio;
static int tty_active;

void xl_tty_enter(void)
{
    struct termios t;

    if (tty_active || !isatty(STDIN_FILENO) || tcgetattr(STDIN_FILENO, &saved_tio) < 0)
        return;
    t = saved_tio;
    t.c_lflag &= (tcflag_t) ~(ICANON | ECHO); /* keys one by one, Ctrl-C still a signal */
    t.c_cc[VMIN] = 0;
    t.c_cc[VTIME] = 0;
    if (tcsetattr(STDIN_FILENO, TCSANOW, &t) == 0)
        tty_active = 1;
}

void xl_tty_leave(void)
{
    if (tty_active)
        tcsetattr(STDIN_FILENO, TCSANOW, &saved_tio);
    tty_active = 0;
}

int xl_tty_wait(unsigned ms)
{
    struct pollfd p = {.fd = STDIN_FILENO, .events = POLLIN};
    char keys[64];
    ssize_t n;

    if (!tty_active) {
        xl_sleep_ms(ms);
        return 0;
    }
    if (poll(&p, 1, (int)ms) <= 0)
        return 0;
    n = read(STDIN_FILENO, keys, sizeof(keys));
    return n > 0 && memchr(keys, CTRL_RBRACKET, (size_t)n) != NULL;
}

/* ---- xl console --------------------------------------------------------------------- */

static volatile sig_atomic_t interrupted;

static void on_signal(int sig)
{
    interrupted = sig;
}

void xl_catch_signals(void)
{
    struct sigaction sa = {.sa_handler = on_signal};

    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    signal(SIGPIPE, SIG_IGN); /* a closed stdout shows up as EPIPE from write() */
}

int xl_interrupted(void)
{
    return interrupted;
}

/* Follows the log with 10 ms polls, backing off to 50 ms while it is quiet. */
static int follow_console(struct pvctl *c, struct xl_stream *s)
{
    unsigned wait_ms = 10;
    long n;

    for (;;) {
        n = xl_stream_drain(c, s);
        if (n == -ESRCH)
            return XL_OK;
        if (n < 0) {
            xl_err("reading the console of domain %u: %s", s->domid, pvctl_strerror((int)n));
            return XL_FAIL;
        }
        wait_ms = n > 0 ? 10 : (wait_ms * 2 > 50 ? 50 : wait_ms * 2);
        if (interrupted || xl_tty_wait(wait_ms))
            return XL_OK;
    }
}

int xl_cmd_console(int argc, char **argv)
{
    struct xl_stream s = {.out_fd = STDOUT_FILENO};
    struct pvctl *c;
    int opt, rc;

    while ((opt = xl_getopt(argc, argv, "t:n:")) != -1) {
        if (opt == XL_OPT_HELP)
            return XL_OK;
        if (opt == XL_OPT_BAD)
            return XL_USAGE;
        /* -t TYPE and -n NUM (Xen's console selection) have only one choice here */
    }
    if (argc - optind != 1)
        return xl_usage_error("expected exactly one DOMAIN");
    if (xl_connect(&c) < 0)
        return XL_FAIL;
    if (xl_resolve(c, argv[optind], &s.domid, NULL) < 0) {
        pvctl_close(c);
        return XL_FAIL;
    }
    xl_catch_signals();
    xl_tty_enter();
    rc = follow_console(c, &s);
    xl_tty_leave();
    pvctl_close(c);
    return rc;
}
