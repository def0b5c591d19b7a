/* io/netif.h: Xen 4.17 network device rings (tx/rx), extra-info slots, control ring and flags. */
#ifndef PVISOR_XEN_IO_NETIF_H
#define PVISOR_XEN_IO_NETIF_H

#include "ring.h"
#include "../grant_table.h"

/*
 * The front end grants a tx and an rx ring (tx-ring-ref, rx-ring-ref) and one or two
 * event channels.  A packet is one or more tx requests (NETTXF_more_data chains them),
 * optionally followed by netif_extra_info slots (NETTXF_extra_info).  For rx the front
 * end posts empty granted pages; the back end fills them and answers with rx responses.
 */

/* A back end must accept packets spanning at least this many slots. */
#define XEN_NETIF_NR_SLOTS_MIN 18

/* ---- Control ring (optional, "ctrl-ring-ref"): hashing and grant mapping ----------- */

/* Hash types (bit numbers and masks). */
#define _XEN_NETIF_CTRL_HASH_TYPE_IPV4 0
#define XEN_NETIF_CTRL_HASH_TYPE_IPV4 (1 << _XEN_NETIF_CTRL_HASH_TYPE_IPV4)
#define _XEN_NETIF_CTRL_HASH_TYPE_IPV4_TCP 1
#define XEN_NETIF_CTRL_HASH_TYPE_IPV4_TCP (1 << _XEN_NETIF_CTRL_HASH_TYPE_IPV4_TCP)
#define _XEN_NETIF_CTRL_HASH_TYPE_IPV6 2
#define XEN_NETIF_CTRL_HASH_TYPE_IPV6 (1 << _XEN_NETIF_CTRL_HASH_TYPE_IPV6)
#define _XEN_NETIF_CTRL_HASH_TYPE_IPV6_TCP 3
#define XEN_NETIF_CTRL_HASH_TYPE_IPV6_TCP (1 << _XEN_NETIF_CTRL_HASH_TYPE_IPV6_TCP)

/* Hash algorithms. */
#define XEN_NETIF_CTRL_HASH_ALGORITHM_NONE 0
#define XEN_NETIF_CTRL_HASH_ALGORITHM_TOEPLITZ 1

#ifdef XEN_NETIF_DEFINE_TOEPLITZ
/*
 * Toeplitz hash of buf with key (bytes past keylen read as zero): for every set input
 * bit (most significant first), XOR in the 32 key bits starting at that bit position.
 */
#if defined(__GNUC__)
__attribute__((__unused__))
#endif
static uint32_t xen_netif_toeplitz_hash(const uint8_t *key, unsigned int keylen,
                                        const uint8_t *buf, unsigned int buflen)
{
    uint64_t window = 0; /* key bits [i, i+64) for input bit i */
    uint32_t hash = 0;
    unsigned int k, b, bit;

    for (k = 0; k < 8; k++)
        window = (window << 8) | (k < keylen ? key[k] : 0);
    for (b = 0; b < buflen; b++, k++) {
        for (bit = 0; bit < 8; bit++) {
            if (buf[b] & (0x80 >> bit))
                hash ^= (uint32_t)(window >> 32);
            window <<= 1;
        }
        window |= k < keylen ? key[k] : 0;
    }
    return hash;
}
#endif

/* Control ring message types. */
#define XEN_NETIF_CTRL_TYPE_INVALID 0
#define XEN_NETIF_CTRL_TYPE_GET_HASH_FLAGS 1
#define XEN_NETIF_CTRL_TYPE_SET_HASH_FLAGS 2
#define XEN_NETIF_CTRL_TYPE_SET_HASH_KEY 3
#define XEN_NETIF_CTRL_TYPE_GET_HASH_MAPPING_SIZE 4
#define XEN_NETIF_CTRL_TYPE_SET_HASH_MAPPING_SIZE 5
#define XEN_NETIF_CTRL_TYPE_SET_HASH_MAPPING 6
#define XEN_NETIF_CTRL_TYPE_SET_HASH_ALGORITHM 7
#define XEN_NETIF_CTRL_TYPE_GET_GREF_MAPPING_SIZE 8
#define XEN_NETIF_CTRL_TYPE_ADD_GREF_MAPPING 9
#define XEN_NETIF_CTRL_TYPE_DEL_GREF_MAPPING 10

/* Control ring status codes. */
#define XEN_NETIF_CTRL_STATUS_SUCCESS 0
#define XEN_NETIF_CTRL_STATUS_NOT_SUPPORTED 1
#define XEN_NETIF_CTRL_STATUS_INVALID_PARAMETER 2
#define XEN_NETIF_CTRL_STATUS_BUFFER_OVERFLOW 3

/* xen_netif_gref.flags */
#define _XEN_NETIF_CTRLF_GREF_readonly 0
#define XEN_NETIF_CTRLF_GREF_readonly (1U << _XEN_NETIF_CTRLF_GREF_readonly)

struct xen_netif_ctrl_request {
    uint16_t id;
    uint16_t type; /* XEN_NETIF_CTRL_TYPE_* */
    uint32_t data[3];
};

struct xen_netif_ctrl_response {
    uint16_t id;
    uint16_t type;
    uint32_t status; /* XEN_NETIF_CTRL_STATUS_* */
    uint32_t data;
};

/* Entry of a grant-mapping list passed over the control ring. */
struct xen_netif_gref {
    grant_ref_t ref;
    uint16_t flags;  /* XEN_NETIF_CTRLF_GREF_* */
    uint16_t status; /* XEN_NETIF_CTRL_STATUS_* */
};

DEFINE_RING_TYPES(xen_netif_ctrl, struct xen_netif_ctrl_request, struct xen_netif_ctrl_response);

/* ---- Transmit ----------------------------------------------------------------------- */

/* netif_tx_request.flags */
#define _NETTXF_csum_blank (0) /* checksum left for the back end to fill */
#define NETTXF_csum_blank (1U << _NETTXF_csum_blank)
#define _NETTXF_data_validated (1) /* checksum already verified */
#define NETTXF_data_validated (1U << _NETTXF_data_validated)
#define _NETTXF_more_data (2) /* packet continues in the next request */
#define NETTXF_more_data (1U << _NETTXF_more_data)
#define _NETTXF_extra_info (3) /* netif_extra_info slot(s) follow */
#define NETTXF_extra_info (1U << _NETTXF_extra_info)

#define XEN_NETIF_MAX_TX_SIZE 0xFFFF

struct netif_tx_request {
    grant_ref_t gref; /* page holding the data */
    uint16_t offset;  /* data offset in that page */
    uint16_t flags;   /* NETTXF_* */
    uint16_t id;      /* echoed in the response */
    uint16_t size;    /* first request: whole packet length; others: this fragment */
};
typedef struct netif_tx_request netif_tx_request_t;

/* netif_extra_info.type */
#define XEN_NETIF_EXTRA_TYPE_NONE (0) /* invalid */
#define XEN_NETIF_EXTRA_TYPE_GSO (1)
#define XEN_NETIF_EXTRA_TYPE_MCAST_ADD (2)
#define XEN_NETIF_EXTRA_TYPE_MCAST_DEL (3)
#define XEN_NETIF_EXTRA_TYPE_HASH (4)
#define XEN_NETIF_EXTRA_TYPE_MAX (5)

/* netif_extra_info.flags: another extra slot follows. */
#define _XEN_NETIF_EXTRA_FLAG_MORE (0)
#define XEN_NETIF_EXTRA_FLAG_MORE (1U << _XEN_NETIF_EXTRA_FLAG_MORE)

/* GSO types. */
#define XEN_NETIF_GSO_TYPE_NONE (0)
#define XEN_NETIF_GSO_TYPE_TCPV4 (1)
#define XEN_NETIF_GSO_TYPE_TCPV6 (2)

/* Extra slot; fits in both a tx request and an rx response (8 bytes). */
struct netif_extra_info {
    uint8_t type;  /* XEN_NETIF_EXTRA_TYPE_* */
    uint8_t flags; /* XEN_NETIF_EXTRA_FLAG_* */
    union {
        struct {
            uint16_t size; /* maximum segment size */
            uint8_t type;  /* XEN_NETIF_GSO_TYPE_* */
            uint8_t pad;
            uint16_t features;
        } gso;
        struct {
            uint8_t addr[6]; /* multicast MAC address */
        } mcast;
        struct {
            uint8_t type;      /* _XEN_NETIF_CTRL_HASH_TYPE_* */
            uint8_t algorithm; /* XEN_NETIF_CTRL_HASH_ALGORITHM_* */
            uint8_t value[4];  /* little endian */
        } hash;
        uint16_t pad[3];
    } u;
};
typedef struct netif_extra_info netif_extra_info_t;

struct netif_tx_response {
    uint16_t id;
    int16_t status; /* NETIF_RSP_* */
};
typedef struct netif_tx_response netif_tx_response_t;

/* ---- Receive ------------------------------------------------------------------------ */

struct netif_rx_request {
    uint16_t id; /* echoed in the response */
    uint16_t pad;
    grant_ref_t gref; /* empty page for the back end to fill */
};
typedef struct netif_rx_request netif_rx_request_t;

/* netif_rx_response.flags */
#define _NETRXF_data_validated (0)
#define NETRXF_data_validated (1U << _NETRXF_data_validated)
#define _NETRXF_csum_blank (1)
#define NETRXF_csum_blank (1U << _NETRXF_csum_blank)
#define _NETRXF_more_data (2)
#define NETRXF_more_data (1U << _NETRXF_more_data)
#define _NETRXF_extra_info (3)
#define NETRXF_extra_info (1U << _NETRXF_extra_info)
#define _NETRXF_gso_prefix (4) /* deprecated */
#define NETRXF_gso_prefix (1U << _NETRXF_gso_prefix)

struct netif_rx_response {
    uint16_t id;
    uint16_t offset; /* data offset in the page */
    uint16_t flags;  /* NETRXF_* */
    int16_t status;  /* >= 0: bytes received; < 0: NETIF_RSP_* */
};
typedef struct netif_rx_response netif_rx_response_t;

DEFINE_RING_TYPES(netif_tx, struct netif_tx_request, struct netif_tx_response);
DEFINE_RING_TYPES(netif_rx, struct netif_rx_request, struct netif_rx_response);

#define NETIF_RSP_DROPPED -2
#define NETIF_RSP_ERROR -1
#define NETIF_RSP_OKAY 0
#define NETIF_RSP_NULL 1 /* slot carried no packet (e.g. an extra-info slot) */

#endif /* PVISOR_XEN_IO_NETIF_H */
