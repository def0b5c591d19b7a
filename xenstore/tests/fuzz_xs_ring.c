/* fuzz_xs_ring.c: libFuzzer target: a hostile guest's ring page (indexes, bytes, reconnects) into
 * xenstored's ring transport. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../xenstored/conn.h"
#include "../xenstored/domain.h"
#include "../xenstored/log.h"
#include "../xenstored/proto.h"
#include "../xenstored/ring.h"

#define DOMID 5

static struct xenstore_domain_interface page __attribute__((aligned(4096)));
static bool bound;

static int f_map(unsigned domid, uint64_t mfn, void **p)
{
    (void)domid, (void)mfn;
    *p = &page;
    return 0;
}

static void f_unmap(void *p)
{
    (void)p;
}

static int f_bind(unsigned domid, uint32_t rport, uint32_t *lport)
{
    (void)domid, (void)rport;
    if (bound)
        return -EINVAL;
    bound = true;
    *lport = 1;
    return 0;
}

static void f_unbind(uint32_t lport)
{
    (void)lport;
    bound = false;
}

static void f_notify(uint32_t lport)
{
    (void)lport;
}

static const struct ring_env env = {f_map, f_unmap, f_bind, f_unbind, f_notify};

/*
 * Input: a sequence of operations, one opcode byte each:
 *   0: append the next n (1 byte) bytes to the request ring, advancing req_prod
 *   1: set req_prod to the next 4 bytes     2: set rsp_cons to the next 4 bytes
 *   3: set req_cons / rsp_prod (the daemon's indexes) to the next 4 bytes
 *   4: consume all responses                5: ask for a reconnection
 * Each operation is followed by an event on the port.
 */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static bool init;
    bool fresh;
    size_t i = 0;
    uint32_t v;

    if (!init) {
        xsd_log_set_level(XSD_LOG_ERROR);
        ring_transport_init(&env);
        init = true;
    }
    memset(&page, 0, sizeof(page));
    store_init(&xsd_store);
    domain_add(DOMID, 1000, 10, -1, &fresh);
    while (i < size) {
        uint8_t op = data[i++] % 6;
        switch (op) {
        case 0: {
            uint8_t n = i < size ? data[i++] : 0;
            for (uint8_t k = 0; k < n && i < size; k++)
                page.req[MASK_XENSTORE_IDX(page.req_prod++)] = (char)data[i++];
            break;
        }
        case 1:
        case 2:
        case 3:
            v = 0;
            if (i + 4 <= size)
                memcpy(&v, data + i, 4);
            i += 4;
            if (op == 1)
                page.req_prod = v;
            else if (op == 2)
                page.rsp_cons = v;
            else if (v & 1)
                page.req_cons = v;
            else
                page.rsp_prod = v;
            break;
        case 4:
            page.rsp_cons = page.rsp_prod;
            break;
        case 5:
            page.connection = XENSTORE_RECONNECT;
            break;
        }
        ring_port_event(1);
        conn_run_pending();
        conn_reap();
    }
    domain_reset();
    conn_close_all();
    store_fini(&xsd_store);
    return 0;
}
