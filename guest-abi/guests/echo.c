/*
 * echo.c: reads lines from the PV console and writes each back in upper case, so that a
 * round trip through xenconsoled and `xl console` can be checked.  Input commands:
 * "quit" powers off, "burst N" writes N bytes of numbered 64-byte lines at full speed.
 * Command line: "flood=S" writes numbered lines at full speed for S seconds first;
 * "corrupt=out" / "corrupt=in" scribbles over the console ring's indexes (a misbehaving
 * guest, for tests of the backend).
 */
#include <xen/io/console.h>
#include <pvguest/pvguest.h>

#define LINE_MAX  256
#define BURST_MAX (64UL << 20)

/* One 64-byte line: "TAG NNNNNNNN " + filler + '\n', numbered so that losses show. */
static void numbered_line(char *out, const char *tag, unsigned long n)
{
    static const char fill[] = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";
    int len = snprintf(out, 65, "%s %08lu ", tag, n);
    if (len < 0)
        len = 0;
    memcpy(out + len, fill, (size_t)(63 - len));
    out[63] = '\n';
}

static void burst(unsigned long bytes)
{
    char line[65];
    unsigned long n = 0, done = 0;

    if (bytes > BURST_MAX)
        bytes = BURST_MAX;
    while (done + 64 <= bytes) {
        numbered_line(line, "burst", n++);
        pv_console_write(line, 64);
        done += 64;
    }
    printk("burst: done %lu lines\n", n);
}

static void flood(unsigned long secs)
{
    uint64_t end = pv_now_ns() + (uint64_t)secs * NSEC_PER_SEC;
    unsigned long n = 0;
    char line[65];

    printk("flood: writing at full speed for %lu s\n", secs);
    while (pv_now_ns() < end) {
        numbered_line(line, "flood", n++);
        pv_console_write(line, 64);
    }
    printk("flood: done %lu lines (%lu bytes)\n", n, n * 64);
}

/* A misbehaving guest: indexes the backend must refuse (it disconnects us). */
static void corrupt(const char *which)
{
    struct xencons_interface *r = pv_console_ring();

    if (!r) {
        printk("echo: no console ring to corrupt\n");
        return;
    }
    printk("echo: corrupting the console ring (%s)\n", which);
    pv_sleep_ns(200 * NSEC_PER_MSEC); /* let that line through first */
    if (strcmp(which, "in") == 0)
        WRITE_ONCE(r->in_cons, READ_ONCE(r->in_prod) + 0x12345);
    else
        WRITE_ONCE(r->out_prod, READ_ONCE(r->out_cons) + 0x10000);
    pv_mb();
    (void)evtchn_send(pv_start_info->console.domU.evtchn);
}

static void answer(char *line)
{
    unsigned long n;

    if (strcmp(line, "quit") == 0) {
        printk("echo: bye\n");
        pv_poweroff();
    }
    if (strncmp(line, "burst ", 6) == 0 && (n = strtoul(line + 6, NULL, 0)) > 0) {
        burst(n);
        return;
    }
    for (char *p = line; *p; p++)
        if (*p >= 'a' && *p <= 'z')
            *p = (char)(*p - 'a' + 'A');
    printk("%s\n", line);
}

int main(const char *cmdline)
{
    char line[LINE_MAX], c, word[16];
    size_t len = 0;

    if (pv_cmdline_ulong(cmdline, "flood", 0))
        flood(pv_cmdline_ulong(cmdline, "flood", 0));
    printk("echo: ready (type a line; \"quit\" powers off)\n");
    if (pv_cmdline_get(cmdline, "corrupt", word, sizeof(word)))
        corrupt(word);
    if (!pv_console_ring()) {
        printk("echo: no console ring, nothing to read\n");
        return 1;
    }
    for (;;) {
        if (!pv_console_read(&c, 1)) {
            pv_console_wait_input(0);
            continue;
        }
        if (c == '\r' || c == '\n') { /* terminals send \r, pipes \n */
            if (!len)
                continue;
            line[len] = '\0';
            answer(line);
            len = 0;
        } else if (len < sizeof(line) - 1) {
            line[len++] = c;
        }
    }
}
