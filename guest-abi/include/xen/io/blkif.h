/* io/blkif.h: Xen 4.17 block device ring protocol, plus the x86_32/x86_64 "protocol" layouts for back ends. */
#ifndef PVISOR_XEN_IO_BLKIF_H
#define PVISOR_XEN_IO_BLKIF_H

#include "ring.h"
#include "../grant_table.h"

/*
 * Front and back end meet in xenstore (device/vbd/<id> and backend/vbd/<dom>/<id>);
 * the front end grants one ring page (ring-ref) and an event channel.  Requests name
 * data pages by grant reference; sector numbers are in 512-byte units.
 */

#ifndef blkif_vdev_t
#define blkif_vdev_t uint16_t
#endif
#define blkif_sector_t uint64_t

/* Request operations. */
#define BLKIF_OP_READ 0
#define BLKIF_OP_WRITE 1
#define BLKIF_OP_WRITE_BARRIER 2   /* "feature-barrier" */
#define BLKIF_OP_FLUSH_DISKCACHE 3 /* "feature-flush-cache" */
#define BLKIF_OP_RESERVED_1 4      /* was used by blktap */
#define BLKIF_OP_DISCARD 5         /* "feature-discard"; use blkif_request_discard */
#define BLKIF_OP_INDIRECT 6        /* "feature-max-indirect-segments"; blkif_request_indirect */

/* Segments carried directly in a request (keeps 32 requests in one page). */
#define BLKIF_MAX_SEGMENTS_PER_REQUEST 11
/* Pages of segment descriptors one indirect request may name. */
#define BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST 8

/* One data page: sectors first_sect..last_sect (inclusive) of the granted frame. */
struct blkif_request_segment {
    grant_ref_t gref;
    uint8_t first_sect, last_sect;
};

struct blkif_request {
    uint8_t operation;   /* BLKIF_OP_* */
    uint8_t nr_segments; /* valid entries in seg */
    blkif_vdev_t handle; /* device (read/write only) */
    uint64_t id;         /* opaque, echoed in the response */
    blkif_sector_t sector_number;
    struct blkif_request_segment seg[BLKIF_MAX_SEGMENTS_PER_REQUEST];
};
typedef struct blkif_request blkif_request_t;

/* BLKIF_OP_DISCARD view of a request slot. */
struct blkif_request_discard {
    uint8_t operation; /* BLKIF_OP_DISCARD */
    uint8_t flag;      /* BLKIF_DISCARD_SECURE or 0 */
#define BLKIF_DISCARD_SECURE (1 << 0)
    blkif_vdev_t handle;
    uint64_t id;
    blkif_sector_t sector_number;
    uint64_t nr_sectors;
};
typedef struct blkif_request_discard blkif_request_discard_t;

/* BLKIF_OP_INDIRECT view: segments live in granted pages of blkif_request_segment. */
struct blkif_request_indirect {
    uint8_t operation;   /* BLKIF_OP_INDIRECT */
    uint8_t indirect_op; /* BLKIF_OP_READ or BLKIF_OP_WRITE */
    uint16_t nr_segments;
    uint64_t id;
    blkif_sector_t sector_number;
    blkif_vdev_t handle;
    grant_ref_t indirect_grefs[BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST];
#ifdef __i386__
    uint64_t pad; /* 64 bytes on i386 too */
#endif
};
typedef struct blkif_request_indirect blkif_request_indirect_t;

struct blkif_response {
    uint64_t id;       /* from the request */
    uint8_t operation; /* from the request */
    int16_t status;    /* BLKIF_RSP_* */
};
typedef struct blkif_response blkif_response_t;

#define BLKIF_RSP_EOPNOTSUPP -2 /* operation not supported */
#define BLKIF_RSP_ERROR -1      /* I/O error */
#define BLKIF_RSP_OKAY 0

DEFINE_RING_TYPES(blkif, struct blkif_request, struct blkif_response);

/* "info" bits a back end publishes. */
#define VDISK_CDROM 0x1
#define VDISK_REMOVABLE 0x2
#define VDISK_READONLY 0x4

/*
 * ABI-specific layouts for back ends serving front ends of another word size (the
 * front end writes "protocol" = XEN_IO_PROTO_ABI_* in xenstore).  Field names match
 * struct blkif_request / blkif_response; only alignment of the 64-bit fields differs:
 * 4 bytes on x86_32, 8 on x86_64.  These types have the same layout in any build.
 */
typedef uint64_t blkif_x86_32_u64_t __attribute__((__aligned__(4)));
typedef uint64_t blkif_x86_64_u64_t __attribute__((__aligned__(8)));

struct blkif_x86_32_request {
    uint8_t operation;
    uint8_t nr_segments;
    uint16_t handle;
    blkif_x86_32_u64_t id;            /* offset 4 */
    blkif_x86_32_u64_t sector_number; /* offset 12 */
    struct blkif_request_segment seg[BLKIF_MAX_SEGMENTS_PER_REQUEST];
}; /* 108 bytes */
struct blkif_x86_32_request_discard {
    uint8_t operation;
    uint8_t flag;
    uint16_t handle;
    blkif_x86_32_u64_t id;
    blkif_x86_32_u64_t sector_number;
    blkif_x86_32_u64_t nr_sectors;
}; /* 28 bytes */
struct blkif_x86_32_request_indirect {
    uint8_t operation;
    uint8_t indirect_op;
    uint16_t nr_segments;
    blkif_x86_32_u64_t id;
    blkif_x86_32_u64_t sector_number;
    uint16_t handle;
    grant_ref_t indirect_grefs[BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST];
    blkif_x86_32_u64_t pad;
}; /* 64 bytes */
struct blkif_x86_32_response {
    blkif_x86_32_u64_t id;
    uint8_t operation;
    int16_t status;
}; /* 12 bytes */
typedef struct blkif_x86_32_request blkif_x86_32_request_t;
typedef struct blkif_x86_32_request_discard blkif_x86_32_request_discard_t;
typedef struct blkif_x86_32_request_indirect blkif_x86_32_request_indirect_t;
typedef struct blkif_x86_32_response blkif_x86_32_response_t;

struct blkif_x86_64_request {
    uint8_t operation;
    uint8_t nr_segments;
    uint16_t handle;
    blkif_x86_64_u64_t id;            /* offset 8 */
    blkif_x86_64_u64_t sector_number; /* offset 16 */
    struct blkif_request_segment seg[BLKIF_MAX_SEGMENTS_PER_REQUEST];
}; /* 112 bytes */
struct blkif_x86_64_request_discard {
    uint8_t operation;
    uint8_t flag;
    uint16_t handle;
    blkif_x86_64_u64_t id;
    blkif_x86_64_u64_t sector_number;
    blkif_x86_64_u64_t nr_sectors;
}; /* 32 bytes */
struct blkif_x86_64_request_indirect {
    uint8_t operation;
    uint8_t indirect_op;
    uint16_t nr_segments;
    blkif_x86_64_u64_t id;
    blkif_x86_64_u64_t sector_number;
    uint16_t handle;
    grant_ref_t indirect_grefs[BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST];
}; /* 64 bytes */
struct blkif_x86_64_response {
    blkif_x86_64_u64_t id;
    uint8_t operation;
    int16_t status;
}; /* 16 bytes */
typedef struct blkif_x86_64_request blkif_x86_64_request_t;
typedef struct blkif_x86_64_request_discard blkif_x86_64_request_discard_t;
typedef struct blkif_x86_64_request_indirect blkif_x86_64_request_indirect_t;
typedef struct blkif_x86_64_response blkif_x86_64_response_t;

/* Ring types blkif_x86_32_sring, blkif_x86_32_back_ring, ... (and x86_64). */
DEFINE_RING_TYPES(blkif_x86_32, struct blkif_x86_32_request, struct blkif_x86_32_response);
DEFINE_RING_TYPES(blkif_x86_64, struct blkif_x86_64_request, struct blkif_x86_64_response);

/* Which layout a back end uses for a given front end. */
enum blkif_protocol {
    BLKIF_PROTOCOL_NATIVE = 1,
    BLKIF_PROTOCOL_X86_32 = 2,
    BLKIF_PROTOCOL_X86_64 = 3,
};

/* A back ring viewed with any of the layouts (all share the 64-byte header). */
union blkif_back_rings {
    blkif_back_ring_t native;
    blkif_x86_32_back_ring_t x86_32_part;
    blkif_x86_64_back_ring_t x86_64_part;
};
typedef union blkif_back_rings blkif_back_rings_t;

#endif /* PVISOR_XEN_IO_BLKIF_H */
