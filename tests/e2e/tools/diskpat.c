/* diskpat.c: writes or verifies disktest's sector pattern in a host image file, for the block
 * tests. */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define SECTOR 512u
#define CHUNK  (256u * SECTOR)

static const char usage[] =
    "usage: diskpat write|verify FILE SEED\n"
    "  Every 512-byte sector n of FILE holds 64 copies of the little-endian 64-bit value\n"
    "  n * 0x9E3779B97F4A7C15 + SEED (wrapping), as the disktest guest writes it.\n"
    "  write   fills the whole file (its current size) with the pattern, then fsyncs\n"
    "  verify  exit 0 if every sector holds it; else prints the first bad sector, exit 1\n";

static void fill(uint8_t *buf, uint64_t first, unsigned nsect, uint64_t seed)
{
    for (unsigned s = 0; s < nsect; s++) {
        uint64_t v = (first + s) * 0x9E3779B97F4A7C15ull + seed;

        for (unsigned i = 0; i < SECTOR / 8; i++)
            for (unsigned b = 0; b < 8; b++)
                buf[s * SECTOR + i * 8 + b] = (uint8_t)(v >> (8 * b));
    }
}

static int run(int fd, uint64_t sectors, uint64_t seed, bool write)
{
    static uint8_t want[CHUNK], got[CHUNK];

    for (uint64_t s = 0; s < sectors; s += CHUNK / SECTOR) {
        unsigned n = sectors - s < CHUNK / SECTOR ? (unsigned)(sectors - s) : CHUNK / SECTOR;
        off_t off = (off_t)(s * SECTOR);

        fill(want, s, n, seed);
        if (write) {
            if (pwrite(fd, want, n * SECTOR, off) != (ssize_t)(n * SECTOR))
                return perror("diskpat: write"), 2;
            continue;
        }
        if (pread(fd, got, n * SECTOR, off) != (ssize_t)(n * SECTOR))
            return perror("diskpat: read"), 2;
        for (unsigned i = 0; i < n; i++)
            if (memcmp(want + i * SECTOR, got + i * SECTOR, SECTOR) != 0) {
                printf("diskpat: sector %llu differs from the pattern of seed %llu\n",
                       (unsigned long long)(s + i), (unsigned long long)seed);
                return 1;
            }
    }
    if (write && fsync(fd) < 0)
        return perror("diskpat: fsync"), 2;
    return 0;
}

int main(int argc, char **argv)
{
    struct stat st;
    char *end;
    uint64_t seed;
    int fd, rc;
    bool write;

    if (argc != 4 || (strcmp(argv[1], "write") != 0 && strcmp(argv[1], "verify") != 0)) {
        fputs(usage, stderr);
        return 2;
    }
    write = strcmp(argv[1], "write") == 0;
    errno = 0;
    seed = strtoull(argv[3], &end, 0);
    if (errno || *end || end == argv[3]) {
        fprintf(stderr, "diskpat: bad seed '%s'\n%s", argv[3], usage);
        return 2;
    }
    fd = open(argv[2], write ? O_RDWR : O_RDONLY);
    if (fd < 0 || fstat(fd, &st) < 0) {
        fprintf(stderr, "diskpat: %s: %s\n", argv[2], strerror(errno));
        return 2;
    }
    rc = run(fd, (uint64_t)st.st_size / SECTOR, seed, write);
    close(fd);
    if (rc == 0 && !write)
        printf("diskpat: %s holds the pattern of seed %llu\n", argv[2], (unsigned long long)seed);
    return rc;
}
