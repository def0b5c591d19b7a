/* watch.h: watches: registration per connection, matching, permission-filtered events. */
#ifndef XSD_WATCH_H
#define XSD_WATCH_H

#include <stdbool.h>

#include "conn.h"
#include "db.h"

struct xs_watch {
    struct xs_watch *next;
    char *path; /* canonical (absolute or "@...") */
    char *token;
    bool relative; /* registered relative to the domain's home: events are too */
};

/* Register; duplicates (same path and token) -EEXIST; unprivileged connections are
 * limited by the watches quota (-EDQUOT). *out = the new watch. 0 or -errno. */
int watch_add(struct xs_conn *c, const char *path, const char *token, bool relative,
              struct xs_watch **out);

/* Remove by path and token. 0 or -ENOENT. */
int watch_del(struct xs_conn *c, const char *path, const char *token);

/* Remove all of a connection's watches. */
void watch_clear(struct xs_conn *c);

/*
 * Does an event on epath (recurse: a removal) fire a watch on wpath? If so *report is
 * the path to put in the event: epath, or wpath itself when a parent of wpath was
 * removed.
 */
bool watch_matches(const char *wpath, const char *epath, bool recurse, const char **report);

/* Deliver an event to every matching watch whose connection may read the node. */
void watch_fire(const struct xs_event *ev);

/* Send one WATCH_EVENT for w to c (the first event after registration, too). */
void watch_send(struct xs_conn *c, const struct xs_watch *w, const char *epath);

#endif
