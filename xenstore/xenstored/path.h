/* path.h: xenstore path syntax: validation, canonical form, domain homes, ancestry. */
#ifndef XSD_PATH_H
#define XSD_PATH_H

#include <stdbool.h>
#include <stddef.h>

/* Big enough for any canonical path the daemon accepts (XENSTORE_ABS_PATH_MAX + NUL). */
#define XSD_PATH_BUF 3080

/*
 * Canonicalise a request path for a caller of domain `domid`: a relative path becomes
 * /local/domain/<domid>/<path>; "@name" is accepted only when allow_special.
 * Rules (Xen's): characters [A-Za-z0-9_@/-], no "//", no trailing '/' except "/",
 * not empty; the part after /local/domain/<id>/ (or the whole path elsewhere) at
 * most max_rel bytes and the whole at most XENSTORE_ABS_PATH_MAX.
 * Returns 0 (out holds the path), -EINVAL (syntax) or -ENAMETOOLONG (length limit).
 */
int path_canon(unsigned domid, const char *in, bool allow_special, unsigned max_rel, char *out,
               size_t outsz);

/* "@introduceDomain" and friends: any path starting with '@'. */
bool path_is_special(const char *p);

/* True if `child` equals `parent` or lies below it ("/" is everyone's parent). */
bool path_is_child(const char *child, const char *parent);

/* Write "/local/domain/<domid>" into buf. */
void path_domain_home(unsigned domid, char *buf, size_t sz);

/* For a path below /local/domain/<domid>/, the part after that prefix; else NULL. */
const char *path_strip_home(const char *abs, unsigned domid);

/* Strict decimal parse of a domain id (0..65535). 0 or -EINVAL. */
int path_parse_domid(const char *s, unsigned *out);

#endif
