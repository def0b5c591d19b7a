/* xsfuzz.h: shared parts of the xenstored fuzz targets: a resettable daemon core, a byte-stream
 * transport with arbitrary splits, and a checker of the daemon's wire output. */
#ifndef XSFUZZ_H
#define XSFUZZ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../../xenstore/common/wire.h"
#include "../../xenstore/xenstored/conn.h"

/* For the harness's own checking loops: not coverage-instrumented (noise for the fuzzer's
 * guidance, and time), still under ASan. */
#if defined(__clang__)
#define XSF_NO_COVERAGE __attribute__((no_sanitize("coverage")))
#else
#define XSF_NO_COVERAGE
#endif

/* Aborts the process with a message (a finding): libFuzzer keeps the input. */
void xsf_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

/* Small deterministic generator for split decisions (xorshift64*). */
uint64_t xsf_rand(uint64_t *state);

/* Fresh daemon state for one input: connections, domains, the store, default quotas and
 * log level (a CONTROL request of the previous input may have changed them). The first
 * call also silences the log. */
void xsf_reset(void);

/* Completely parsed daemon-to-client messages (header and payload). */
struct xsf_msg {
    struct xsd_sockmsg h;
    const uint8_t *body;
};

/* The daemon's output as a client receives it, cut into messages. */
struct xsf_stream {
    uint8_t *b;
    size_t len, cap, consumed;
    unsigned long nmsgs;
};
void xsf_stream_add(struct xsf_stream *s, const void *data, size_t len);
/* Next complete message (body valid until the next call), checked for the rules every
 * daemon message follows (payload limit, error names, event strings); false if none. */
bool xsf_stream_pop(struct xsf_stream *s, struct xsf_msg *m);
void xsf_stream_free(struct xsf_stream *s);

/* The framing model: the requests in a client's byte stream that the daemon must answer,
 * one reply each, in order: every complete message before the first header announcing
 * more than XENSTORE_PAYLOAD_MAX bytes (*oversize: there is one; it ends the connection). */
struct xsf_req {
    uint32_t type, req_id, tx_id;
};
size_t xsf_requests(const uint8_t *p, size_t len, struct xsf_req *out, size_t max, bool *oversize);
/* Checks a reply (not an event) against request *next of exp[0..nexp) and advances. */
void xsf_match_reply(const struct xsf_msg *m, const struct xsf_req *exp, size_t nexp, size_t *next);

/*
 * The client end of a connection: bytes it sends (consumed by the daemon's recv, split as
 * chosen), and the daemon's output, parsed into messages. `reading` false makes send take
 * nothing (a peer that does not read); `split` makes reads and writes partial at random.
 */
struct xsf_peer {
    struct xs_conn *c;
    uint8_t *in;
    size_t inlen, inoff, incap;
    bool eof;     /* recv reports the end of the stream once `in` is consumed */
    bool reading; /* send accepts bytes */
    bool split;   /* partial reads and writes */
    uint64_t rng;
    struct xsf_stream out; /* what the daemon sent */
};

/* Connect a peer acting as `who`. */
struct xsf_peer *xsf_peer_new(const struct xs_caller *who, const char *name, uint64_t seed);
/* Queue bytes / one message for the daemon (does not call conn_input). */
void xsf_peer_push(struct xsf_peer *p, const void *data, size_t len);
void xsf_peer_push_msg(struct xsf_peer *p, uint32_t type, uint32_t req_id, uint32_t tx_id,
                       const void *payload, uint32_t len);
/* Next message from the daemon (xsf_stream_pop on p->out). */
bool xsf_peer_pop(struct xsf_peer *p, struct xsf_msg *m);
/* Frees a peer whose connection is gone (after conn_reap()). */
void xsf_peer_free(struct xsf_peer *p);

/* Every node's owner count against the accounting (xenstored's CONTROL check). */
void xsf_check_accounting(void);

#endif
