/*
 * gntdom0.c: a guest that shares with dom0 for the grant/event-channel tests: page A
 * granted read-write, page B read-only, a ref granted to some other domain, and an
 * unbound port for dom0. Each event from dom0 is answered: A.reply = A.seq + 1, a
 * command in A.cmd is run (1: try to end A's grant, result in B.result), then an event
 * goes back. The guest runs until destroyed. Layout offsets are in the GNTDOM0_* constants below;
 * the dom0 side is tests/e2e/tools/gntprobe.c.
 */
#include <pvguest/gnttab.h>
#include <pvguest/pvguest.h>

#define OFF_MAGIC  0
#define OFF_SEQ    64  /* dom0 writes */
#define OFF_REPLY  72  /* we write seq + 1 */
#define OFF_CMD    128 /* dom0 writes a command */
#define OFF_RESULT 128 /* in B: the last command's result */
#define OFF_DONE   136 /* in B: commands run */

static uint8_t *page_a, *page_b;
static int ref_a;
static evtchn_port_t port;

static uint64_t *at(uint8_t *page, unsigned off)
{
    return (uint64_t *)(void *)(page + off);
}

static void on_event(evtchn_port_t p, void *arg)
{
    (void)arg;
    WRITE_ONCE(*at(page_a, OFF_REPLY), READ_ONCE(*at(page_a, OFF_SEQ)) + 1);
    uint64_t cmd = READ_ONCE(*at(page_a, OFF_CMD));
    if (cmd) {
        WRITE_ONCE(*at(page_a, OFF_CMD), 0);
        if (cmd == 1)
            WRITE_ONCE(*at(page_b, OFF_RESULT),
                       (uint64_t)(int64_t)gnttab_end_access((grant_ref_t)ref_a));
        WRITE_ONCE(*at(page_b, OFF_DONE), READ_ONCE(*at(page_b, OFF_DONE)) + 1);
    }
    pv_mb();
    evtchn_send(p);
}

int main(const char *cmdline)
{
    (void)cmdline;
    page_a = pv_alloc_page();
    page_b = pv_alloc_page();
    uint8_t *page_c = pv_alloc_page();
    if (!page_a || !page_b || !page_c)
        panic("gntdom0: out of pages");
    strlcpy((char *)page_a, "A-page", 64);
    strlcpy((char *)page_b, "B-page", 64);
    ref_a = gnttab_grant_access(0, pv_virt_to_mfn(page_a), false);
    int ref_b = gnttab_grant_access(0, pv_virt_to_mfn(page_b), true);
    int ref_c = gnttab_grant_access(DOMID_FIRST_RESERVED - 1, pv_virt_to_mfn(page_c), false);
    int p = evtchn_alloc_unbound(0, on_event, NULL);
    if (ref_a < 0 || ref_b < 0 || ref_c < 0 || p < 0) {
        printk("gntdom0: setup failed: a=%d b=%d c=%d port=%d\n", ref_a, ref_b, ref_c, p);
        return 1;
    }
    port = (evtchn_port_t)p;
    printk("gntdom0: ready a=%d b=%d c=%d port=%u\n", ref_a, ref_b, ref_c, port);
    for (;;)
        pv_block(); /* events are served in the handler */
}
