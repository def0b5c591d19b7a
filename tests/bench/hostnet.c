/*
 * hostnet.c: the host baseline of the network benchmarks: the same UDP patterns as the
 * netbench guests, between two processes of this host over the loopback interface (a
 * kernel path without any hypervisor in it).
 *
 *   hostnet udp SIZE SECONDS REPS   sender floods SIZE-byte datagrams for SECONDS, the
 *                                   receiver counts what arrives
 *     -> SAMPLE host_udp_<SIZE> MB/s v1..   and  SAMPLE host_udp_<SIZE>_pps kpps v1..
 *   hostnet rr COUNT REPS           COUNT request/response round trips of 64-byte datagrams
 *     -> SAMPLE host_udp_rr us v1..
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "benchlib.h"

#define WHO "hostnet"

/* A UDP socket on 127.0.0.1, bound to an ephemeral port (returned in *port). */
static int udp_socket(uint16_t *port)
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof(a);
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), buf = 4 << 20;

    if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 ||
        getsockname(fd, (struct sockaddr *)&a, &len) < 0)
        bench_die(WHO, "udp socket", -errno);
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &buf, sizeof(buf));
    *port = ntohs(a.sin_port);
    return fd;
}

static void to(int fd, uint16_t port)
{
    struct sockaddr_in a = {
        .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK), .sin_port = htons(port)};

    if (connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0)
        bench_die(WHO, "connect", -errno);
}

/* One flood: a child sends for `seconds`, we count; bytes and packets received. */
static void udp_once(size_t size, unsigned seconds, double *mbps, double *kpps)
{
    uint16_t rport, sport;
    int rfd = udp_socket(&rport), sfd = udp_socket(&sport);
    static char buf[65536];
    uint64_t t0, t1 = 0, bytes = 0, pkts = 0;
    pid_t pid;

    to(sfd, rport);
    pid = fork();
    if (pid < 0)
        bench_die(WHO, "fork", -errno);
    if (pid == 0) {
        uint64_t end = bench_now_ns() + (uint64_t)seconds * 1000000000ull;

        while (bench_now_ns() < end)
            if (send(sfd, buf, size, 0) < 0 && errno != ENOBUFS && errno != ECONNREFUSED)
                _exit(1);
        _exit(0);
    }
    t0 = bench_now_ns();
    for (;;) {
        struct pollfd pf = {.fd = rfd, .events = POLLIN};
        ssize_t n;

        if (poll(&pf, 1, 200) <= 0)
            break; /* the sender stopped */
        while ((n = recv(rfd, buf, sizeof(buf), MSG_DONTWAIT)) > 0) {
            bytes += (uint64_t)n;
            pkts++;
            t1 = bench_now_ns();
        }
    }
    waitpid(pid, NULL, 0);
    close(rfd);
    close(sfd);
    *mbps = t1 > t0 ? (double)bytes * 1e3 / (double)(t1 - t0) : 0;
    *kpps = t1 > t0 ? (double)pkts * 1e6 / (double)(t1 - t0) : 0;
}

static void udp(size_t size, unsigned seconds, unsigned reps)
{
    double mb[BENCH_MAX_REPS], kp[BENCH_MAX_REPS];
    char name[64];

    for (unsigned r = 0; r < reps; r++)
        udp_once(size, seconds, &mb[r], &kp[r]);
    snprintf(name, sizeof(name), "host_udp_%zu", size);
    bench_sample(name, "MB/s", mb, reps);
    snprintf(name, sizeof(name), "host_udp_%zu_pps", size);
    bench_sample(name, "kpps", kp, reps);
}

/* Request/response: a child echoes; we time count round trips. */
static void rr(unsigned long count, unsigned reps)
{
    double us[BENCH_MAX_REPS];
    uint16_t ep, cp;
    int efd = udp_socket(&ep), cfd = udp_socket(&cp);
    char buf[64] = {0};
    pid_t pid;

    to(cfd, ep);
    to(efd, cp);
    pid = fork();
    if (pid < 0)
        bench_die(WHO, "fork", -errno);
    if (pid == 0) {
        for (;;) {
            ssize_t n = recv(efd, buf, sizeof(buf), 0);

            if (n <= 0 || buf[0] == 'q' || send(efd, buf, (size_t)n, 0) < 0)
                _exit(0);
        }
    }
    for (unsigned r = 0; r < reps; r++) {
        uint64_t t0 = bench_now_ns();

        for (unsigned long i = 0; i < count; i++)
            if (send(cfd, buf, sizeof(buf), 0) < 0 || recv(cfd, buf, sizeof(buf), 0) <= 0)
                bench_die(WHO, "round trip", -errno);
        us[r] = (double)(bench_now_ns() - t0) / 1e3 / (double)count;
    }
    buf[0] = 'q';
    send(cfd, buf, 1, 0);
    waitpid(pid, NULL, 0);
    bench_sample("host_udp_rr", "us", us, reps);
}

int main(int argc, char **argv)
{
    signal(SIGPIPE, SIG_IGN);
    if (argc == 5 && strcmp(argv[1], "udp") == 0)
        udp(bench_count(argv[2], "SIZE"), (unsigned)bench_count(argv[3], "SECONDS"),
            (unsigned)bench_count(argv[4], "REPS"));
    else if (argc == 4 && strcmp(argv[1], "rr") == 0)
        rr(bench_count(argv[2], "COUNT"), (unsigned)bench_count(argv[3], "REPS"));
    else {
        fprintf(stderr, "usage: hostnet udp SIZE SECONDS REPS | hostnet rr COUNT REPS\n");
        return 2;
    }
    return 0;
}
