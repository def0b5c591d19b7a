/* log.c: timestamped, leveled logging with a rate limit for hostile-input warnings. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

#define LIMIT_BURST 20 /* lines per second through xsd_log_limited() */

static enum xsd_log_level cur_level = XSD_LOG_INFO;
static int log_fd = 2;
static const char *const level_names[] = {"error", "warn", "info", "debug"};

void xsd_log_set_fd(int fd)
{
    log_fd = fd;
}

void xsd_log_set_level(enum xsd_log_level lvl)
{
    cur_level = lvl;
}

enum xsd_log_level xsd_log_get_level(void)
{
    return cur_level;
}

const char *xsd_log_level_name(enum xsd_log_level lvl)
{
    return lvl <= XSD_LOG_DEBUG ? level_names[lvl] : "?";
}

int xsd_log_parse_level(const char *s, enum xsd_log_level *out)
{
    for (int i = 0; i <= XSD_LOG_DEBUG; i++) {
        if (strcmp(s, level_names[i]) == 0) {
            *out = i;
            return 0;
        }
    }
    if (strcmp(s, "warning") == 0 || strcmp(s, "on") == 0 || strcmp(s, "off") == 0) {
        *out = s[0] == 'w' ? XSD_LOG_WARN : s[1] == 'n' ? XSD_LOG_INFO : XSD_LOG_ERROR;
        return 0;
    }
    return -EINVAL;
}

static void vlog(enum xsd_log_level lvl, const char *fmt, va_list ap)
{
    struct timespec ts;
    struct tm tm;
    char stamp[32];

    clock_gettime(CLOCK_REALTIME, &ts);
    localtime_r(&ts.tv_sec, &tm);
    strftime(stamp, sizeof(stamp), "%Y-%m-%d %H:%M:%S", &tm);
    char line[1024];
    int n = snprintf(line, sizeof(line), "%s.%03ld xenstored %s: ", stamp, ts.tv_nsec / 1000000,
                     xsd_log_level_name(lvl));

    if (n > 0 && (size_t)n < sizeof(line))
        vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
    n = (int)strnlen(line, sizeof(line) - 1);
    line[n++] = '\n';
    if (write(log_fd, line, (size_t)n) < 0) {
        /* nowhere left to report it */
    }
}

void xsd_log(enum xsd_log_level lvl, const char *fmt, ...)
{
    va_list ap;

    if (lvl > cur_level)
        return;
    va_start(ap, fmt);
    vlog(lvl, fmt, ap);
    va_end(ap);
}

void xsd_log_limited(const char *fmt, ...)
{
    static time_t window;
    static unsigned used, dropped;
    time_t now = time(NULL);
    va_list ap;

    if (now != window) {
        if (dropped)
            xsd_log(XSD_LOG_WARN, "%u similar warnings suppressed", dropped);
        window = now;
        used = dropped = 0;
    }
    if (used >= LIMIT_BURST) {
        dropped++;
        return;
    }
    used++;
    if (XSD_LOG_WARN > cur_level)
        return;
    va_start(ap, fmt);
    vlog(XSD_LOG_WARN, fmt, ap);
    va_end(ap);
}
