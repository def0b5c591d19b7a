/* wire.h: xenstore wire protocol facts (Xen 4.17 xs_wire) kept private to xenstore/. */
#ifndef PVXS_WIRE_H
#define PVXS_WIRE_H

/*
 * Until guest-abi/include/xen/io/xs_wire.h (our own copy of Xen's public header)
 * lands, the message types, header layout and limits live here. Switching over means
 * replacing the block below with `#include <xen/io/xs_wire.h>`; everything else in
 * xenstore/ only uses the names defined here, which are Xen's names.
 */
#include <stdint.h>

enum xsd_sockmsg_type {
    XS_CONTROL = 0, /* XS_DEBUG is the old name of the same type */
    XS_DIRECTORY = 1,
    XS_READ = 2,
    XS_GET_PERMS = 3,
    XS_WATCH = 4,
    XS_UNWATCH = 5,
    XS_TRANSACTION_START = 6,
    XS_TRANSACTION_END = 7,
    XS_INTRODUCE = 8,
    XS_RELEASE = 9,
    XS_GET_DOMAIN_PATH = 10,
    XS_WRITE = 11,
    XS_MKDIR = 12,
    XS_RM = 13,
    XS_SET_PERMS = 14,
    XS_WATCH_EVENT = 15,
    XS_ERROR = 16,
    XS_IS_DOMAIN_INTRODUCED = 17,
    XS_RESUME = 18,
    XS_SET_TARGET = 19,
    /* 20 was XS_RESTRICT, removed from the protocol */
    XS_RESET_WATCHES = 21,
    XS_DIRECTORY_PART = 22,
    XS_TYPE_COUNT = 23,
    XS_INVALID = 0xffff,
};
#define XS_DEBUG XS_CONTROL

/* Every message, both directions: this header, then `len` payload bytes. */
struct xsd_sockmsg {
    uint32_t type;   /* enum xsd_sockmsg_type */
    uint32_t req_id; /* echoed in the reply */
    uint32_t tx_id;  /* transaction, 0 = none */
    uint32_t len;    /* payload bytes that follow */
};

/* Indices of path and token in a watch event (also defined, guarded, by pvisor/xs.h). */
#ifndef PVXS_HAVE_WATCH_TYPE
#define PVXS_HAVE_WATCH_TYPE
enum xs_watch_type { XS_WATCH_PATH = 0, XS_WATCH_TOKEN = 1 };
#endif

#define XENSTORE_PAYLOAD_MAX  4096 /* larger payloads kill the connection */
#define XENSTORE_ABS_PATH_MAX 3072
#define XENSTORE_REL_PATH_MAX 2048

/* The guest ring page (one page shared with each domain, plus an event channel). */
#define XENSTORE_RING_SIZE 1024
typedef uint32_t XENSTORE_RING_IDX;
#define MASK_XENSTORE_IDX(idx) ((idx) & (XENSTORE_RING_SIZE - 1))
struct xenstore_domain_interface {
    char req[XENSTORE_RING_SIZE]; /* requests to xenstored */
    char rsp[XENSTORE_RING_SIZE]; /* replies and watch events */
    XENSTORE_RING_IDX req_cons, req_prod;
    XENSTORE_RING_IDX rsp_cons, rsp_prod;
    uint32_t server_features;
    uint32_t connection;
    uint32_t error;
};
#define XENSTORE_SERVER_FEATURE_RECONNECTION 1
#define XENSTORE_SERVER_FEATURE_ERROR        2
#define XENSTORE_CONNECTED                   0
#define XENSTORE_RECONNECT                   1
#define XENSTORE_ERROR_NONE                  0
#define XENSTORE_ERROR_COMM                  1
#define XENSTORE_ERROR_RINGIDX               2
#define XENSTORE_ERROR_PROTO                 3

/* Permission bits as carried in "r5"-style strings. */
#define XS_PERM_NONE  0x0
#define XS_PERM_READ  0x1
#define XS_PERM_WRITE 0x2
#define XS_PERM_BOTH  (XS_PERM_READ | XS_PERM_WRITE)

#define XS_WRITE_NONE        "NONE"
#define XS_WRITE_CREATE      "CREATE"
#define XS_WRITE_CREATE_EXCL "CREATE|EXCL"

#endif
