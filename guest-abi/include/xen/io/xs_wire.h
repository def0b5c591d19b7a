/* io/xs_wire.h: Xen 4.17 xenstore wire protocol: message header, XS_* types, errors, ring page. */
#ifndef PVISOR_XEN_IO_XS_WIRE_H
#define PVISOR_XEN_IO_XS_WIRE_H

#include <stdint.h>

/* Message types (xsd_sockmsg.type). */
enum xsd_sockmsg_type {
    XS_CONTROL, /* 0; formerly XS_DEBUG */
#define XS_DEBUG XS_CONTROL
    XS_DIRECTORY,
    XS_READ,
    XS_GET_PERMS,
    XS_WATCH,
    XS_UNWATCH,
    XS_TRANSACTION_START,
    XS_TRANSACTION_END,
    XS_INTRODUCE,
    XS_RELEASE,
    XS_GET_DOMAIN_PATH,
    XS_WRITE,
    XS_MKDIR,
    XS_RM,
    XS_SET_PERMS,
    XS_WATCH_EVENT,
    XS_ERROR,
    XS_IS_DOMAIN_INTRODUCED,
    XS_RESUME,
    XS_SET_TARGET,
    /* 20 (XS_RESTRICT) is retired */
    XS_RESET_WATCHES = XS_SET_TARGET + 2,
    XS_DIRECTORY_PART,
    XS_TYPE_COUNT, /* number of defined types */
    XS_INVALID = 0xffff /* never a valid type */
};

/* Old XS_WRITE flag strings. */
#define XS_WRITE_NONE "NONE"
#define XS_WRITE_CREATE "CREATE"
#define XS_WRITE_CREATE_EXCL "CREATE|EXCL"

/* Errors travel as XS_ERROR messages whose payload is the errno name, e.g. "ENOENT". */
struct xsd_errors {
    int errnum;
    const char *errstring;
};

/* The known error names in protocol order (new ones are only ever appended). */
#define PVISOR_XSD_ERROR_NAMES_(X)                                                        \
    X(EINVAL, 22) X(EACCES, 13) X(EEXIST, 17) X(EISDIR, 21) X(ENOENT, 2) X(ENOMEM, 12)   \
    X(ENOSPC, 28) X(EIO, 5) X(ENOTEMPTY, 39) X(ENOSYS, 38) X(EROFS, 30) X(EBUSY, 16)     \
    X(EAGAIN, 11) X(EISCONN, 106) X(E2BIG, 7) X(EPERM, 1)

/*
 * With <errno.h> (EINVAL defined) this provides Xen's XSD_ERROR() and the static table
 * xsd_errors[] using the includer's errno values.  Freestanding code without errno.h
 * can define PVISOR_XSD_ERRORS_XEN_ERRNO to get the same table with Xen's ABI errno
 * numbers (<xen/errno.h>, equal to Linux x86 values).
 */
#if defined(EINVAL)
#define XSD_ERROR(x) {x, #x}
#define PVISOR_XSD_ROW_(name, xen_errno) {name, #name},
#elif defined(PVISOR_XSD_ERRORS_XEN_ERRNO)
#define PVISOR_XSD_ROW_(name, xen_errno) {xen_errno, #name},
#endif
#ifdef PVISOR_XSD_ROW_
static const struct xsd_errors xsd_errors[]
#if defined(__GNUC__)
    __attribute__((unused))
#endif
    = {PVISOR_XSD_ERROR_NAMES_(PVISOR_XSD_ROW_)};
#undef PVISOR_XSD_ROW_
#endif

/* Header of every message on the socket or ring; len bytes of payload follow. */
struct xsd_sockmsg {
    uint32_t type;   /* XS_* */
    uint32_t req_id; /* echoed in the reply */
    uint32_t tx_id;  /* transaction, 0 = none */
    uint32_t len;    /* payload bytes (<= XENSTORE_PAYLOAD_MAX) */
};

/* Fields of an XS_WATCH_EVENT payload. */
enum xs_watch_type {
    XS_WATCH_PATH = 0,
    XS_WATCH_TOKEN
};

/* ---- The xenstore ring page of a domain --------------------------------------------- */
#define XENSTORE_RING_SIZE 1024
typedef uint32_t XENSTORE_RING_IDX;
#define MASK_XENSTORE_IDX(idx) ((idx) & (XENSTORE_RING_SIZE - 1))

struct xenstore_domain_interface {
    char req[XENSTORE_RING_SIZE]; /* guest -> xenstored */
    char rsp[XENSTORE_RING_SIZE]; /* xenstored -> guest (replies, watch events) */
    XENSTORE_RING_IDX req_cons, req_prod;
    XENSTORE_RING_IDX rsp_cons, rsp_prod;
    uint32_t server_features; /* XENSTORE_SERVER_FEATURE_* */
    uint32_t connection;      /* XENSTORE_CONNECTED / XENSTORE_RECONNECT */
    uint32_t error;           /* XENSTORE_ERROR_* */
};

/* Larger payloads are a protocol violation. */
#define XENSTORE_PAYLOAD_MAX 4096

/* Longer paths get an error reply. */
#define XENSTORE_ABS_PATH_MAX 3072
#define XENSTORE_REL_PATH_MAX 2048

/* server_features bits. */
#define XENSTORE_SERVER_FEATURE_RECONNECTION 1 /* the connection field works */
#define XENSTORE_SERVER_FEATURE_ERROR 2        /* the error field works */

/* connection values. */
#define XENSTORE_CONNECTED 0
#define XENSTORE_RECONNECT 1

/* error values. */
#define XENSTORE_ERROR_NONE 0
#define XENSTORE_ERROR_COMM 1    /* communication problem */
#define XENSTORE_ERROR_RINGIDX 2 /* bad ring index */
#define XENSTORE_ERROR_PROTO 3   /* protocol violation, e.g. payload too long */

#endif /* PVISOR_XEN_IO_XS_WIRE_H */
