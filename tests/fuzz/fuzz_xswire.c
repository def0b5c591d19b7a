/* fuzz_xswire.c: libFuzzer target: xenstored's message framing and request parsing on a client
 * byte stream split into arbitrary reads, with a model of the framing (one reply per
 * request, in order), and the state-record decoder. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../xenstore/xenstored/domain.h"
#include "../../xenstore/xenstored/persist.h"
#include "../../xenstore/xenstored/proto.h"
#include "xsfuzz.h"

/*
 * Input: flags (1 byte), split seed (8 bytes), then the client's byte stream.
 *   flags bits 0-1: the client: 0 dom0 (privileged), 1 domain 5, 2 domain 5 acting for
 *                   domain 7 (SET_TARGET), 3 domain 7
 *   bit 2: reads and writes are split into random pieces (also empty ones)
 *   bit 3: the client stops reading its replies now and then (back-pressure)
 *   bit 4: the stream ends with end-of-file
 *   bit 5: two watchers of "/": dom0 that never reads (its queue overflows) and domain 6
 *   bits 6-7 both set: the stream is a state-record body for persist_apply() instead
 */
static void watch_all(struct xsf_peer *w)
{
    xsf_peer_push_msg(w, XS_WATCH, 1, 0, "/\0w", 4);
    xsf_peer_push_msg(w, XS_WATCH, 2, 0, "@releaseDomain\0r", 17);
    conn_input(w->c);
}

static void drain(struct xsf_peer *w)
{
    struct xsf_msg m;

    if (w)
        while (xsf_peer_pop(w, &m))
            ;
}

static void run_stream(uint8_t flags, uint64_t seed, const uint8_t *s, size_t len)
{
    static const struct xs_caller ids[4] = {
        {0, true, -1}, {5, false, -1}, {5, false, 7}, {7, false, -1}};
    static struct xsf_req exp[XENSTORE_PAYLOAD_MAX];
    struct xsf_peer *a, *w0 = NULL, *w6 = NULL;
    unsigned long hits0 = quota_hits(Q_OUTPUT_QUEUE);
    size_t nexp, nreply = 0;
    bool oversize, fresh;
    struct xsf_msg m;

    if ((flags & 3) == 2) {
        domain_add(7, 1, 1, -1, &fresh);
        domain_add(5, 1, 1, 7, &fresh);
    }
    if (flags & 0x20) {
        w0 = xsf_peer_new(&ids[0], "watcher0", 0);
        w6 = xsf_peer_new(&(struct xs_caller){6, false, -1}, "watcher6", 0);
        watch_all(w0);
        watch_all(w6);
        w0->reading = false;
    }
    a = xsf_peer_new(&ids[flags & 3], "client", seed);
    a->split = flags & 4;
    a->eof = flags & 0x10;
    xsf_peer_push(a, s, len);
    nexp = xsf_requests(s, len, exp, sizeof(exp) / sizeof(exp[0]), &oversize);

    for (unsigned iter = 0; a->c && !a->c->closing; iter++) {
        bool done_in = a->inoff == a->inlen;
        if (done_in || iter > 4 * len + 64) { /* from now on the client reads everything */
            a->reading = true;
            a->split = false;
        } else if ((flags & 8) && (xsf_rand(&a->rng) & 3) == 0) {
            a->reading = !a->reading;
        }
        conn_input(a->c);
        conn_run_pending();
        if (a->c && !a->c->closing)
            conn_output(a->c);
        while (xsf_peer_pop(a, &m)) {
            if (m.h.type == XS_WATCH_EVENT)
                continue;
            xsf_match_reply(&m, exp, nexp, &nreply);
        }
        drain(w6);
        if (done_in && !conn_have_pending() && a->c && !a->c->out_head &&
            (oversize || !a->eof || a->c->closing))
            break;
        if (iter > 8 * len + 4096)
            xsf_fail("a reading client is not served any more (%zu of %zu replies)", nreply, nexp);
    }
    if (a->c && !a->c->closing) {
        if (oversize)
            xsf_fail("an oversized header did not close the connection");
        if (nreply != nexp)
            xsf_fail("%zu complete requests, %zu replies", nexp, nreply);
    } else if (!oversize && !a->eof && quota_hits(Q_OUTPUT_QUEUE) == hits0) {
        xsf_fail("connection closed without a reason (%zu of %zu replies)", nreply, nexp);
    }
    xsf_check_accounting();
    conn_close_all();
    xsf_peer_free(a);
    xsf_peer_free(w0);
    xsf_peer_free(w6);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint64_t seed = 0;

    if (size < 9)
        return 0;
    xsf_reset();
    memcpy(&seed, data + 1, 8);
    if ((data[0] & 0xc0) == 0xc0) {
        persist_apply(&xsd_store, data + 9, size - 9);
        xsf_check_accounting();
    } else {
        run_stream(data[0], seed, data + 9, size - 9);
    }
    return 0;
}
