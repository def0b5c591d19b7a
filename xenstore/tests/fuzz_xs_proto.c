/* fuzz_xs_proto.c: libFuzzer target: raw client bytes into xenstored's core, and state records. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../xenstored/conn.h"
#include "../xenstored/domain.h"
#include "../xenstored/log.h"
#include "../xenstored/persist.h"
#include "../xenstored/proto.h"

/* Input bytes in, replies discarded; a stuck peer on odd inputs exercises back-pressure. */
struct fz_tp {
    const uint8_t *p;
    size_t len, off;
    bool stuck;
};

static ssize_t fz_recv(struct xs_conn *c, void *buf, size_t len)
{
    struct fz_tp *t = c->tp;
    size_t n = t->len - t->off < len ? t->len - t->off : len;

    memcpy(buf, t->p + t->off, n);
    t->off += n;
    return n ? (ssize_t)n : -EPIPE;
}

static ssize_t fz_send(struct xs_conn *c, const void *buf, size_t len)
{
    struct fz_tp *t = c->tp;

    (void)buf;
    return t->stuck ? 0 : (ssize_t)len;
}

static void fz_destroy(struct xs_conn *c)
{
    (void)c;
}

static const struct xs_conn_ops fz_ops = {"fuzz", fz_recv, fz_send, NULL, NULL, fz_destroy};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static bool init;
    struct fz_tp t;
    struct xs_caller who = {0, true, -1};
    struct xs_conn *c;

    if (!init) {
        xsd_log_set_level(XSD_LOG_ERROR);
        init = true;
    }
    if (size < 1)
        return 0;
    store_init(&xsd_store);
    if (data[0] & 1) { /* persistence records */
        persist_apply(&xsd_store, data + 1, size - 1);
    } else { /* a client: privileged or a guest, reading or stuck */
        t = (struct fz_tp){data + 1, size - 1, 0, (data[0] & 4) != 0};
        if (data[0] & 2)
            who = (struct xs_caller){5, false, -1};
        c = conn_new(&fz_ops, &t, &who, "fuzz");
        while (c && !c->closing && t.off < t.len) {
            conn_input(c);
            conn_run_pending();
            if (c->stalled)
                break;
        }
        conn_close_all();
    }
    domain_reset();
    store_fini(&xsd_store);
    return 0;
}
