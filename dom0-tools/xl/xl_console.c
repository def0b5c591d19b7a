/* xl_console.c: the console streams of `xl console` and `xl create -c`: the domain's pty from
 * xenconsoled (input and output), or its console_io log when xenconsoled does not run. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

#include <pvisor/xenconsoled.h>

#include "xl.h"

#define CTRL_RBRACKET  XL_DETACH_CHAR
#define LOG_CHUNK      16384
#define PTY_CHUNK      4096
#define TTY_WAIT_MS    5000 /* a new domain's console appears within this */
#define REQ_TIMEOUT_MS 3000
#define FINISH_MS      3000 /* at most this long to collect a dead domain's last output */
#define QUIET_MS       50

static int write_all(int fd, const char *p, size_t n)
{
    while (n) {
        ssize_t w = write(fd, p, n);

        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0 && errno == EAGAIN) {
            struct pollfd pf = {.fd = fd, .events = POLLOUT};
            poll(&pf, 1, 100);
            continue;
        }
        if (w < 0)
            return -errno;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* ---- xenconsoled's control socket --------------------------------------------------- */

/* One request, one answer line (without its newline) in reply. -ENOENT/-ECONNREFUSED:
 * xenconsoled does not run; -ETIMEDOUT; -EPROTO for an empty answer. */
static int xcd_request(struct pvctl *c, const char *req, char *reply, size_t len)
{
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    size_t got = 0;
    uint64_t t0 = xl_now_ms();
    int fd, rc = 0;

    if ((size_t)snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/%s", pvctl_get_rundir(c),
                         XENCONSOLED_SOCKET) >= sizeof(sa.sun_path))
        return -ENAMETOOLONG;
    fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -errno;
    if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
        write_all(fd, req, strlen(req)) < 0) {
        rc = -errno;
        close(fd);
        return rc;
    }
    while (got < len - 1) {
        struct pollfd pf = {.fd = fd, .events = POLLIN};
        uint64_t spent = xl_now_ms() - t0;

        if (spent >= REQ_TIMEOUT_MS || poll(&pf, 1, (int)(REQ_TIMEOUT_MS - spent)) == 0) {
            rc = -ETIMEDOUT;
            break;
        }
        ssize_t n = read(fd, reply + got, len - 1 - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        got += (size_t)n;
        if (memchr(reply, '\n', got))
            break;
    }
    close(fd);
    reply[got] = '\0';
    reply[strcspn(reply, "\n")] = '\0';
    return rc ? rc : got ? 0 : -EPROTO;
}

/* The pty of domid's console. 0; -ENOENT when xenconsoled does not run; -EIO when it does
 * not serve this console (why[] says). */
static int console_tty(struct pvctl *c, uint32_t domid, char *tty, size_t len, char *why,
                       size_t wlen)
{
    char req[64], reply[512];
    uint64_t t0 = xl_now_ms();
    int rc;

    snprintf(req, sizeof(req), "tty %u\n", domid);
    for (;;) {
        rc = xcd_request(c, req, reply, sizeof(reply));
        if (rc == -ENOENT || rc == -ECONNREFUSED)
            return -ENOENT;
        if (rc == 0 && strncmp(reply, "ok ", 3) == 0 && strlen(reply + 3) < len) {
            memcpy(tty, reply + 3, strlen(reply + 3) + 1);
            return 0;
        }
        if (rc < 0)
            snprintf(why, wlen, "xenconsoled did not answer: %s", strerror(-rc));
        else
            snprintf(why, wlen, "%s", strncmp(reply, "err ", 4) == 0 ? reply + 4 : reply);
        /* A domain just built: xenconsoled sets its console up within moments. */
        if (rc < 0 || !strstr(reply, "not ready") || xl_now_ms() - t0 > TTY_WAIT_MS)
            return -EIO;
        xl_sleep_ms(20);
    }
}

int xl_stream_open(struct pvctl *c, struct xl_stream *s, uint32_t domid, bool quiet)
{
    char tty[128], why[512] = "";
    int rc;

    s->domid = domid;
    s->off = 0;
    s->pty_fd = -1;
    s->in_eof = false;
    s->npending = 0;
    rc = console_tty(c, domid, tty, sizeof(tty), why, sizeof(why));
    if (rc == 0) {
        s->pty_fd = open(tty, O_RDWR | O_NOCTTY | O_CLOEXEC | O_NONBLOCK);
        if (s->pty_fd >= 0)
            return 0;
        snprintf(why, sizeof(why), "cannot open %s: %s", tty, strerror(errno));
    }
    if (rc == -ENOENT && !quiet)
        xl_err("note: xenconsoled is not running: following domain %u's console_io log instead "
               "(output only; `pvisor start` starts xenconsoled)",
               domid);
    else if (rc != -ENOENT)
        xl_err("note: %s; following domain %u's console_io log instead (output only)", why, domid);
    return 0;
}

void xl_stream_close(struct xl_stream *s)
{
    if (s->pty_fd >= 0)
        close(s->pty_fd);
    s->pty_fd = -1;
}

static long drain_log(struct pvctl *c, struct xl_stream *s)
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

/* Whatever the pty has now. -ENOTCONN once xenconsoled closed it (domain gone or console
 * disconnected). */
static long drain_pty(struct xl_stream *s)
{
    char buf[PTY_CHUNK];
    long total = 0;

    for (;;) {
        ssize_t n = read(s->pty_fd, buf, sizeof(buf));
        int rc;

        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && errno == EAGAIN)
            return total;
        if (n <= 0)
            return total ? total : -ENOTCONN; /* EIO: the other end closed */
        if ((rc = write_all(s->out_fd, buf, (size_t)n)) < 0)
            return rc;
        total += n;
    }
}

long xl_stream_drain(struct pvctl *c, struct xl_stream *s)
{
    return s->pty_fd >= 0 ? drain_pty(s) : drain_log(c, s);
}

/* Sends what stdin gave us to the guest; false once the escape character was typed. */
static bool forward_input(struct xl_stream *s, int escape)
{
    char buf[PTY_CHUNK];
    ssize_t n;

    if (s->npending == 0) {
        n = read(STDIN_FILENO, buf, sizeof(buf) - 1);
        if (n < 0 && (errno == EINTR || errno == EAGAIN))
            return true;
        if (n == 0 && isatty(STDIN_FILENO))
            return true; /* raw terminal with VMIN 0: nothing after all */
        if (n <= 0) {
            s->in_eof = true; /* output keeps flowing */
            return true;
        }
        if (escape >= 0 && xl_tty_is_raw() && memchr(buf, escape, (size_t)n))
            return false;
        memcpy(s->pending, buf, (size_t)n);
        s->npending = (size_t)n;
    }
    n = write(s->pty_fd, s->pending, s->npending);
    if (n > 0) {
        memmove(s->pending, s->pending + n, s->npending - (size_t)n);
        s->npending -= (size_t)n;
    }
    return true;
}

int xl_stream_wait(struct pvctl *c, struct xl_stream *s, unsigned ms, int escape)
{
    struct pollfd p[2];
    bool want_in;

    (void)c;
    if (s->pty_fd < 0)
        return xl_tty_wait(ms);
    want_in = !s->in_eof && (xl_tty_is_raw() || !isatty(STDIN_FILENO));
    p[0] = (struct pollfd){.fd = s->pty_fd, .events = POLLIN | (s->npending ? POLLOUT : 0)};
    p[1] = (struct pollfd){.fd = want_in && !s->npending ? STDIN_FILENO : -1, .events = POLLIN};
    if (poll(p, 2, (int)ms) <= 0)
        return 0;
    if ((p[0].revents & POLLOUT) || (p[1].revents & (POLLIN | POLLHUP)))
        return forward_input(s, escape) ? 0 : 1;
    return 0;
}

void xl_stream_finish(struct pvctl *c, struct xl_stream *s)
{
    char req[64], reply[128];
    uint64_t t0 = xl_now_ms(), quiet_since;

    if (s->pty_fd < 0) {
        drain_log(c, s);
        return;
    }
    /* Ask xenconsoled to empty the ring into the pty, read, repeat until nothing is left. */
    snprintf(req, sizeof(req), "drain %u\n", s->domid);
    while (xl_now_ms() - t0 < FINISH_MS) {
        int rc = xcd_request(c, req, reply, sizeof(reply));
        bool done = rc < 0 || strcmp(reply, "ok 0") == 0 || strncmp(reply, "ok ", 3) != 0;

        for (quiet_since = xl_now_ms(); xl_now_ms() - quiet_since < QUIET_MS;) {
            struct pollfd pf = {.fd = s->pty_fd, .events = POLLIN};
            long n;

            poll(&pf, 1, QUIET_MS);
            n = drain_pty(s);
            if (n < 0)
                return;
            if (n > 0)
                quiet_since = xl_now_ms();
        }
        if (done)
            return;
    }
}

/* ---- the terminal ------------------------------------------------------------------ */

static struct termios saved_tio;
static int tty_active, tty_raw;

static void tty_set(bool raw)
{
    struct termios t;

    if (tty_active || !isatty(STDIN_FILENO) || tcgetattr(STDIN_FILENO, &saved_tio) < 0)
        return;
    t = saved_tio;
    if (raw) {
        cfmakeraw(&t);                 /* every key goes to the guest, Ctrl-C too ... */
        t.c_oflag = saved_tio.c_oflag; /* ... but "\n" still starts a new line here */
    } else {
        t.c_lflag &= (tcflag_t) ~(ICANON | ECHO); /* keys one by one, Ctrl-C a signal */
    }
    t.c_cc[VMIN] = 0;
    t.c_cc[VTIME] = 0;
    if (tcsetattr(STDIN_FILENO, TCSANOW, &t) == 0) {
        tty_active = 1;
        tty_raw = raw;
    }
}

void xl_tty_enter(void)
{
    tty_set(false);
}

void xl_tty_enter_raw(void)
{
    tty_set(true);
}

int xl_tty_is_raw(void)
{
    return tty_active && tty_raw;
}

void xl_tty_leave(void)
{
    if (tty_active)
        tcsetattr(STDIN_FILENO, TCSANOW, &saved_tio);
    tty_active = tty_raw = 0;
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

/* "^]", "^a", "x" or a decimal/0x code -> the character; -1 if invalid. */
static int parse_escape(const char *s)
{
    char *end;
    long v;

    if (s[0] == '^' && s[1] && !s[2])
        return s[1] == '?' ? 0x7f : (s[1] & 0x1f);
    if (s[0] && !s[1])
        return (unsigned char)s[0];
    v = strtol(s, &end, 0);
    return *end || v < 0 || v > 255 ? -1 : (int)v;
}

/* The domain is gone (or its console closed): collect the rest, say so. */
static int console_ended(struct pvctl *c, struct xl_stream *s, const char *what)
{
    struct pvctl_dominfo info;
    int rc;

    xl_stream_finish(c, s);
    xl_tty_leave();
    rc = pvctl_domain_getinfo(c, s->domid, &info);
    if (rc == -ESRCH) {
        xl_err("domain %u is gone; console closed", s->domid);
        return XL_OK;
    }
    xl_err("the console of domain %u %s", s->domid, what);
    return XL_FAIL;
}

/* Follows the log with 10 ms polls, backing off to 50 ms while it is quiet. */
static int follow_log(struct pvctl *c, struct xl_stream *s)
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

/* Copies the pty to stdout and stdin to the pty until the domain goes or the user leaves. */
static int follow_pty(struct pvctl *c, struct xl_stream *s, int escape)
{
    uint64_t last_check = xl_now_ms();
    struct pvctl_dominfo info;

    for (;;) {
        long n = xl_stream_drain(c, s);

        if (n == -ENOTCONN)
            return console_ended(c, s, "was closed by xenconsoled (see its log)");
        if (n < 0) {
            xl_tty_leave();
            xl_err("writing the console of domain %u: %s", s->domid, strerror((int)-n));
            return XL_FAIL;
        }
        if (interrupted)
            return XL_OK;
        if (xl_stream_wait(c, s, 500, escape))
            return XL_OK; /* the escape character */
        if (xl_now_ms() - last_check >= 1000) {
            last_check = xl_now_ms();
            if (pvctl_domain_getinfo(c, s->domid, &info) == -ESRCH)
                return console_ended(c, s, "was closed");
        }
    }
}

int xl_cmd_console(int argc, char **argv)
{
    struct xl_stream s = {.out_fd = STDOUT_FILENO, .pty_fd = -1};
    int escape = CTRL_RBRACKET, opt, rc;
    struct pvctl *c;
    uint32_t domid;

    while ((opt = xl_getopt(argc, argv, "t:n:e:")) != -1) {
        if (opt == XL_OPT_HELP)
            return XL_OK;
        if (opt == XL_OPT_BAD)
            return XL_USAGE;
        if (opt == 'e' && (escape = parse_escape(optarg)) < 0)
            return xl_usage_error("-e: '%s' is not a character (try ^] or ^a)", optarg);
        /* -t TYPE and -n NUM (Xen's console selection) have only one choice here */
    }
    if (argc - optind != 1)
        return xl_usage_error("expected exactly one DOMAIN");
    if (xl_connect(&c) < 0)
        return XL_FAIL;
    if (xl_resolve(c, argv[optind], &domid, NULL) < 0) {
        pvctl_close(c);
        return XL_FAIL;
    }
    xl_catch_signals();
    xl_stream_open(c, &s, domid, false);
    if (s.pty_fd >= 0) {
        xl_tty_enter_raw();
        rc = follow_pty(c, &s, escape);
    } else {
        xl_tty_enter();
        rc = follow_log(c, &s);
    }
    xl_tty_leave();
    xl_stream_close(&s);
    pvctl_close(c);
    return rc;
}
