/* log.h: xenstored's leveled, rate-limited log (stderr or the daemon's log file). */
#ifndef XSD_LOG_H
#define XSD_LOG_H

enum xsd_log_level { XSD_LOG_ERROR = 0, XSD_LOG_WARN, XSD_LOG_INFO, XSD_LOG_DEBUG };

/* Where lines go (default stderr). */
void xsd_log_set_fd(int fd);

/* Current threshold; messages above it are dropped. Default XSD_LOG_INFO. */
void xsd_log_set_level(enum xsd_log_level lvl);
enum xsd_log_level xsd_log_get_level(void);

/* Parse "error|warn|info|debug" (also "on" = info, "off" = error). 0 or -EINVAL. */
int xsd_log_parse_level(const char *s, enum xsd_log_level *out);
const char *xsd_log_level_name(enum xsd_log_level lvl);

/* printf-style line with timestamp and level. Not thread-safe (single-threaded daemon). */
void xsd_log(enum xsd_log_level lvl, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Like xsd_log(XSD_LOG_WARN) but at most a burst of lines per second, so a hostile
 * client cannot flood the log; suppressed lines are counted and reported. */
void xsd_log_limited(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#define log_err(...)   xsd_log(XSD_LOG_ERROR, __VA_ARGS__)
#define log_warn(...)  xsd_log(XSD_LOG_WARN, __VA_ARGS__)
#define log_info(...)  xsd_log(XSD_LOG_INFO, __VA_ARGS__)
#define log_debug(...) xsd_log(XSD_LOG_DEBUG, __VA_ARGS__)

#endif
