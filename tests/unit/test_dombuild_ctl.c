/* test_dombuild_ctl.c: Check suite for libpvctl and dombuild_create() on a fake pvisord. */
#include <check.h>

#include "check_run.h"
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <xen/elfnote.h>
#include <xen/xen.h>

#include <pvisor/dombuild.h>
#include <pvisor/pvctl.h>

#include "test_elf_img.h"

#define MAXDOM 8

/* ---- the fake pvisord ---------------------------------------------------------------- */

struct fdom {
    bool live;
    struct pvctl_dominfo info;
    int memfd;
    uint64_t ram_pages;
    uint64_t params[64];
    uint64_t hypercall_gpfn;
    struct pvctl_vcpu_ctx vcpu;
    uint32_t next_port;
    struct pvctl_memmap memmap; /* the last SET_MEMMAP */
};

static struct {
    char dir[64], sock[100];
    int lfd;
    pthread_t thr;
    struct fdom dom[MAXDOM];
    unsigned int creates, destroys;
    uint32_t fail_op; /* answer this op with -EIO */
} F;

static const char LOGTEXT[] = "hello from the guest\n";

struct answer {
    int32_t ret;
    uint32_t len;
    uint8_t data[PVCTL_MAX_PAYLOAD];
    int fd;
};

static struct fdom *fdom_get(const void *in, uint32_t len)
{
    uint32_t id;

    if (len < 4)
        return NULL;
    memcpy(&id, in, 4);
    return id < MAXDOM && F.dom[id].live ? &F.dom[id] : NULL;
}

static void put(struct answer *a, const void *p, uint32_t len)
{
    memcpy(a->data, p, len);
    a->len = len;
}

static int op_create(const struct pvctl_create *c, struct answer *a)
{
    struct pvctl_domid d = {0};
    unsigned int i;

    for (i = 1; i < MAXDOM; i++)
        if (F.dom[i].live && strcmp(F.dom[i].info.name, c->name) == 0)
            return -EEXIST;
    for (i = 1; i < MAXDOM && F.dom[i].live; i++)
        ;
    if (i == MAXDOM)
        return -ENOSPC;
    memset(&F.dom[i], 0, sizeof(F.dom[i]));
    F.dom[i].live = true;
    F.dom[i].ram_pages = c->mem_kb / 4;
    F.dom[i].next_port = 1;
    F.dom[i].info = (struct pvctl_dominfo){.domid = i,
                                           .flags = PVCTL_DOMF_PAUSED,
                                           .nr_vcpus = c->max_vcpus,
                                           .type = c->type,
                                           .nr_pages = c->mem_kb / 4};
    memcpy(F.dom[i].info.name, c->name, PVCTL_NAME_LEN);
    F.dom[i].memfd = memfd_create("fake-guest", MFD_CLOEXEC);
    ck_assert_int_ge(F.dom[i].memfd, 0);
    ck_assert_int_eq(ftruncate(F.dom[i].memfd, (off_t)((F.dom[i].ram_pages + 2) * 4096)), 0);
    F.creates++;
    d.domid = i;
    put(a, &d, sizeof(d));
    return 0;
}

static int op_map(struct fdom *d, struct answer *a)
{
    struct pvctl_map m = {.size = (d->ram_pages + 2) * 4096,
                          .ram_pages = d->ram_pages,
                          .shared_info_pfn = d->ram_pages,
                          .special_pfn = d->ram_pages,
                          .nr_special = 2,
                          .reserved_end_pfn = d->ram_pages + 2};

    put(a, &m, sizeof(m));
    a->fd = d->memfd;
    return 0;
}

static int op_log(const struct pvctl_log_req *r, struct answer *a)
{
    struct pvctl_log_rsp rsp = {.next = sizeof(LOGTEXT) - 1};
    uint64_t off = r->offset < rsp.next ? r->offset : rsp.next;
    uint32_t n = (uint32_t)(rsp.next - off);

    if (n > r->max)
        n = r->max;
    rsp.next = off + n;
    memcpy(a->data, &rsp, sizeof(rsp));
    memcpy(a->data + sizeof(rsp), LOGTEXT + off, n);
    a->len = (uint32_t)sizeof(rsp) + n;
    return 0;
}

static int op_list(struct answer *a)
{
    unsigned int i;

    for (i = 0; i < MAXDOM; i++)
        if (F.dom[i].live) {
            memcpy(a->data + a->len, &F.dom[i].info, sizeof(F.dom[i].info));
            a->len += sizeof(F.dom[i].info);
        }
    return 0;
}

static void op_destroy(struct fdom *d)
{
    close(d->memfd);
    d->live = false;
    F.destroys++;
}

/* Ops that need no domain. */
static int global_op(uint32_t op, const void *in, uint32_t len, struct answer *a)
{
    struct pvctl_version v = {.version = PVCTL_VERSION, .xen_major = 4, .xen_minor = 17};
    struct pvctl_physinfo pi = {.nr_cpus = 4, .cpu_khz = 2100000};

    switch (op) {
    case PVCTL_PING:
        snprintf(v.pvisor, sizeof(v.pvisor), "fake");
        put(a, &v, sizeof(v));
        return 0;
    case PVCTL_PHYSINFO:
        snprintf(pi.substrate, sizeof(pi.substrate), "fake");
        put(a, &pi, sizeof(pi));
        return 0;
    case PVCTL_DOMAIN_LIST:
        return op_list(a);
    case PVCTL_DOMAIN_CREATE:
        return len == sizeof(struct pvctl_create) ? op_create(in, a) : -EINVAL;
    case PVCTL_HVLOG_READ:
        return len == sizeof(struct pvctl_log_req) ? op_log(in, a) : -EINVAL;
    default:
        return -ENOSYS;
    }
}

static int param_op(struct fdom *d, uint32_t op, const struct pvctl_param *p, struct answer *a)
{
    struct pvctl_param out = *p;

    if (p->index >= 64)
        return -EINVAL;
    if (op == PVCTL_DOMAIN_SET_PARAM) {
        d->params[p->index] = p->value;
        return 0;
    }
    out.value = d->params[p->index];
    put(a, &out, sizeof(out));
    return 0;
}

/* Ops on one domain; the request starts with its domid. */
static int domain_op(struct fdom *d, uint32_t op, const void *in, struct answer *a)
{
    struct pvctl_port port = {0};
    struct pvctl_vcpuinfo vi = {.domid = d->info.domid, .host_cpu = -1};

    switch (op) {
    case PVCTL_DOMAIN_DESTROY:
        op_destroy(d);
        return 0;
    case PVCTL_DOMAIN_PAUSE:
        d->info.flags |= PVCTL_DOMF_PAUSED;
        return 0;
    case PVCTL_DOMAIN_UNPAUSE:
        d->info.flags &= ~PVCTL_DOMF_PAUSED;
        return 0;
    case PVCTL_DOMAIN_SHUTDOWN:
        d->info.flags |= PVCTL_DOMF_SHUTDOWN;
        return 0;
    case PVCTL_DOMAIN_GETINFO:
    case PVCTL_DOMAIN_WAIT:
        put(a, &d->info, sizeof(d->info));
        return 0;
    case PVCTL_DOMAIN_MAP:
        return op_map(d, a);
    case PVCTL_DOMAIN_SET_VCPU:
        memcpy(&d->vcpu, in, sizeof(d->vcpu));
        return 0;
    case PVCTL_DOMAIN_HYPERCALL_INIT:
        memcpy(&d->hypercall_gpfn, (const uint8_t *)in + 8, 8);
        return 0;
    case PVCTL_DOMAIN_SET_MEMMAP:
        memcpy(&d->memmap, in, sizeof(d->memmap));
        return 0;
    case PVCTL_DOMAIN_SET_PARAM:
    case PVCTL_DOMAIN_GET_PARAM:
        return param_op(d, op, in, a);
    case PVCTL_DOMAIN_LOG:
        return op_log(in, a);
    case PVCTL_EVTCHN_ALLOC_UNBOUND:
        port.port = d->next_port++;
        put(a, &port, sizeof(port));
        return 0;
    case PVCTL_VCPU_LIST:
        put(a, &vi, sizeof(vi));
        return 0;
    default:
        return -ENOSYS;
    }
}

static const uint32_t in_sizes[PVCTL_OP_MAX] = {
    [PVCTL_DOMAIN_DESTROY] = sizeof(struct pvctl_domid),
    [PVCTL_DOMAIN_PAUSE] = sizeof(struct pvctl_domid),
    [PVCTL_DOMAIN_UNPAUSE] = sizeof(struct pvctl_domid),
    [PVCTL_DOMAIN_SHUTDOWN] = sizeof(struct pvctl_shutdown),
    [PVCTL_DOMAIN_GETINFO] = sizeof(struct pvctl_domid),
    [PVCTL_DOMAIN_WAIT] = sizeof(struct pvctl_wait),
    [PVCTL_DOMAIN_MAP] = sizeof(struct pvctl_domid),
    [PVCTL_DOMAIN_SET_VCPU] = sizeof(struct pvctl_vcpu_ctx),
    [PVCTL_DOMAIN_HYPERCALL_INIT] = sizeof(struct pvctl_gpfn),
    [PVCTL_DOMAIN_SET_PARAM] = sizeof(struct pvctl_param),
    [PVCTL_DOMAIN_GET_PARAM] = sizeof(struct pvctl_param),
    [PVCTL_DOMAIN_LOG] = sizeof(struct pvctl_log_req),
    [PVCTL_EVTCHN_ALLOC_UNBOUND] = sizeof(struct pvctl_evtchn_alloc),
    [PVCTL_VCPU_LIST] = sizeof(struct pvctl_domid),
    [PVCTL_DOMAIN_SET_MEMMAP] = sizeof(struct pvctl_memmap),
};

static int dispatch(uint32_t op, const void *in, uint32_t len, struct answer *a)
{
    struct fdom *d;

    if (op == F.fail_op)
        return -EIO;
    if (op >= PVCTL_OP_MAX || !in_sizes[op])
        return global_op(op, in, len, a);
    if (len != in_sizes[op])
        return -EINVAL;
    d = fdom_get(in, len);
    return d ? domain_op(d, op, in, a) : -ESRCH;
}

static void send_answer(int fd, struct answer *a)
{
    union {
        char b[CMSG_SPACE(sizeof(int))];
        struct cmsghdr align;
    } ctl;
    struct pvctl_rsp rsp = {.ret = a->ret, .len = a->len};
    struct iovec iov[2] = {{&rsp, sizeof(rsp)}, {a->data, a->len}};
    struct msghdr mh = {.msg_iov = iov, .msg_iovlen = 2};

    if (a->fd >= 0) {
        mh.msg_control = ctl.b;
        mh.msg_controllen = sizeof(ctl.b);
        CMSG_FIRSTHDR(&mh)->cmsg_level = SOL_SOCKET;
        CMSG_FIRSTHDR(&mh)->cmsg_type = SCM_RIGHTS;
        CMSG_FIRSTHDR(&mh)->cmsg_len = CMSG_LEN(sizeof(int));
        memcpy(CMSG_DATA(CMSG_FIRSTHDR(&mh)), &a->fd, sizeof(int));
    }
    ck_assert_int_ge(sendmsg(fd, &mh, MSG_NOSIGNAL), 0);
}

static void *server(void *arg)
{
    static uint8_t req[8 + PVCTL_MAX_PAYLOAD];
    static struct answer a;
    struct pvctl_req h;
    ssize_t n;
    int fd;

    (void)arg;
    while ((fd = accept(F.lfd, NULL, NULL)) >= 0) {
        while ((n = recv(fd, req, sizeof(req), 0)) >= 8) {
            memcpy(&h, req, sizeof(h));
            memset(&a, 0, offsetof(struct answer, data));
            a.fd = -1;
            a.ret = h.len == (uint32_t)n - 8 ? dispatch(h.op, req + 8, h.len, &a) : -EINVAL;
            send_answer(fd, &a);
        }
        close(fd);
    }
    return NULL;
}

static void fake_start(void)
{
    struct sockaddr_un sa = {.sun_family = AF_UNIX};

    memset(&F, 0, sizeof(F));
    snprintf(F.dir, sizeof(F.dir), "/tmp/pvctl-test.XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(F.dir));
    snprintf(F.sock, sizeof(F.sock), "%s/pvisord.sock", F.dir);
    snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", F.sock);
    F.lfd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
    ck_assert_int_ge(F.lfd, 0);
    ck_assert_int_eq(bind(F.lfd, (struct sockaddr *)&sa, sizeof(sa)), 0);
    ck_assert_int_eq(listen(F.lfd, 4), 0);
    ck_assert_int_eq(pthread_create(&F.thr, NULL, server, NULL), 0);
}

static void fake_stop(void)
{
    char path[200];

    shutdown(F.lfd, SHUT_RDWR);
    pthread_join(F.thr, NULL);
    close(F.lfd);
    unlink(F.sock);
    snprintf(path, sizeof(path), "%s/kernel", F.dir);
    unlink(path);
    rmdir(F.dir);
}

static struct pvctl *connect_fake(void)
{
    struct pvctl *c;

    ck_assert_int_eq(pvctl_open(F.dir, &c), 0);
    return c;
}

/* ---- libpvctl ----------------------------------------------------------------------- */

START_TEST(t_open_not_running)
{
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    char dir[] = "/tmp/pvctl-empty.XXXXXX";
    struct pvctl *c = (struct pvctl *)1;
    int s;

    ck_assert_ptr_nonnull(mkdtemp(dir));
    ck_assert_int_eq(pvctl_open(dir, &c), -ENOENT);
    ck_assert_ptr_null(c);
    ck_assert_ptr_nonnull(strstr(pvctl_strerror(-ENOENT), "not running"));
    /* a socket file nobody listens on: a stale one left by a dead pvisord */
    snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/pvisord.sock", dir);
    s = socket(AF_UNIX, SOCK_SEQPACKET, 0);
    ck_assert_int_eq(bind(s, (struct sockaddr *)&sa, sizeof(sa)), 0);
    close(s);
    ck_assert_int_eq(pvctl_open(dir, &c), -ECONNREFUSED);
    ck_assert_ptr_nonnull(strstr(pvctl_strerror(ECONNREFUSED), "not running"));
    unlink(sa.sun_path);
    rmdir(dir);
}
END_TEST

START_TEST(t_rundir)
{
    static char longdir[200];

    unsetenv("PVISOR_RUNDIR");
    ck_assert_str_eq(pvctl_rundir(NULL), "/run/pvisor");
    setenv("PVISOR_RUNDIR", "/tmp/x", 1);
    ck_assert_str_eq(pvctl_rundir(NULL), "/tmp/x");
    ck_assert_str_eq(pvctl_rundir("/a"), "/a");
    memset(longdir, 'd', sizeof(longdir) - 1);
    longdir[0] = '/';
    {
        struct pvctl *c;

        ck_assert_int_eq(pvctl_open(longdir, &c), -ENAMETOOLONG);
    }
    setenv("PVISOR_RUNDIR", F.dir, 1);
    {
        struct pvctl *c;

        ck_assert_int_eq(pvctl_open(NULL, &c), 0);
        ck_assert_str_eq(pvctl_get_rundir(c), F.dir);
        pvctl_close(c);
    }
}
END_TEST

START_TEST(t_ping_physinfo)
{
    struct pvctl *c = connect_fake();
    struct pvctl_version v;
    struct pvctl_physinfo pi;

    ck_assert_int_eq(pvctl_ping(c, &v), 0);
    ck_assert_uint_eq(v.version, PVCTL_VERSION);
    ck_assert_str_eq(v.pvisor, "fake");
    ck_assert_int_eq(pvctl_ping(c, NULL), 0);
    ck_assert_int_eq(pvctl_physinfo(c, &pi), 0);
    ck_assert_uint_eq(pi.nr_cpus, 4);
    ck_assert_int_eq(pvctl_call(c, 99, NULL, 0, NULL, 0, NULL, NULL), -ENOSYS);
    ck_assert_int_eq(pvctl_call(c, PVCTL_DOMAIN_GETINFO, "x", 1, NULL, 0, NULL, NULL), -EINVAL);
    ck_assert_int_eq(pvctl_call(c, PVCTL_PING, NULL, 0, NULL, 0, NULL, NULL), -EMSGSIZE);
    ck_assert_int_eq(pvctl_call(c, PVCTL_PING, NULL, PVCTL_MAX_PAYLOAD + 1, NULL, 0, NULL, NULL),
                     -EINVAL);
    ck_assert_int_eq(pvctl_ping(c, &v), 0); /* the connection is still in step */
    pvctl_close(c);
}
END_TEST

static uint32_t create(struct pvctl *c, const char *name)
{
    struct pvctl_create req = {
        .type = PVCTL_TYPE_PV, .max_vcpus = 1, .mem_kb = 8192, .max_mem_kb = 8192};
    uint32_t id;

    snprintf(req.name, sizeof(req.name), "%s", name);
    ck_assert_int_eq(pvctl_domain_create(c, &req, &id), 0);
    return id;
}

START_TEST(t_domain_ops)
{
    struct pvctl *c = connect_fake();
    struct pvctl_dominfo list[4], info;
    struct pvctl_vcpuinfo vl[2];
    uint32_t a, b, id, n;
    uint64_t v;

    a = create(c, "alpha");
    b = create(c, "beta");
    ck_assert_int_eq(pvctl_domain_list(c, list, 4, &n), 0);
    ck_assert_uint_eq(n, 2);
    ck_assert_str_eq(list[1].name, "beta");
    ck_assert_int_eq(pvctl_domain_list(c, list, 1, &n), 0);
    ck_assert_uint_eq(n, 2); /* total, though only one was copied */
    ck_assert_int_eq(pvctl_domid_by_name(c, "beta", &id), 0);
    ck_assert_uint_eq(id, b);
    ck_assert_int_eq(pvctl_domid_by_name(c, "1", &id), 0);
    ck_assert_uint_eq(id, a);
    ck_assert_int_eq(pvctl_domid_by_name(c, "gamma", &id), -ESRCH);
    ck_assert_int_eq(pvctl_domid_by_name(c, "7", &id), -ESRCH);
    ck_assert_int_eq(pvctl_domid_by_name(c, "", &id), -EINVAL);
    ck_assert_int_eq(pvctl_domain_unpause(c, a), 0);
    ck_assert_int_eq(pvctl_domain_getinfo(c, a, &info), 0);
    ck_assert_uint_eq(info.flags & PVCTL_DOMF_PAUSED, 0);
    ck_assert_int_eq(pvctl_domain_pause(c, a), 0);
    ck_assert_int_eq(pvctl_domain_wait(c, a, 0, 10, &info), 0);
    ck_assert_uint_ne(info.flags & PVCTL_DOMF_PAUSED, 0);
    ck_assert_int_eq(pvctl_domain_shutdown(c, a, 0), 0);
    ck_assert_int_eq(pvctl_domain_set_param(c, a, 17, 1234), 0);
    ck_assert_int_eq(pvctl_domain_get_param(c, a, 17, &v), 0);
    ck_assert_uint_eq(v, 1234);
    ck_assert_int_eq(pvctl_evtchn_alloc_unbound(c, a, 0, &id), 0);
    ck_assert_uint_eq(id, 1);
    ck_assert_int_eq(pvctl_vcpu_list(c, a, vl, 2, &n), 0);
    ck_assert_uint_eq(n, 1);
    ck_assert_int_eq(vl[0].host_cpu, -1);
    ck_assert_int_eq(pvctl_domain_destroy(c, a), 0);
    ck_assert_int_eq(pvctl_domain_getinfo(c, a, &info), -ESRCH);
    ck_assert_str_eq(pvctl_strerror(-ESRCH), "no such domain");
    pvctl_close(c);
}
END_TEST

START_TEST(t_map)
{
    struct pvctl *c = connect_fake();
    struct pvctl_map m;
    uint32_t id = create(c, "m");
    uint8_t *p, byte = 0;

    ck_assert_int_eq(pvctl_domain_map(c, id, &m, (void **)&p), 0);
    ck_assert_uint_eq(m.ram_pages, 2048);
    ck_assert_uint_eq(m.size, 2050 * 4096);
    p[5 * 4096 + 7] = 0x42;
    ck_assert_int_eq(pread(F.dom[id].memfd, &byte, 1, 5 * 4096 + 7), 1);
    ck_assert_uint_eq(byte, 0x42);
    ck_assert_int_eq(pvctl_domain_unmap(p, &m), 0);
    ck_assert_int_eq(pvctl_domain_map(c, 6, &m, (void **)&p), -ESRCH);
    ck_assert_ptr_null(p);
    pvctl_close(c);
}
END_TEST

START_TEST(t_log_read)
{
    struct pvctl *c = connect_fake();
    uint32_t id = create(c, "l"), len;
    uint64_t next, lost;
    char buf[64];

    ck_assert_int_eq(pvctl_domain_log_read(c, id, 0, buf, 5, &len, &next, &lost), 0);
    ck_assert_uint_eq(len, 5);
    ck_assert_int_eq(memcmp(buf, "hello", 5), 0);
    ck_assert_int_eq(pvctl_domain_log_read(c, id, next, buf, sizeof(buf), &len, &next, NULL), 0);
    ck_assert_uint_eq(len, sizeof(LOGTEXT) - 1 - 5);
    ck_assert_uint_eq(next, sizeof(LOGTEXT) - 1);
    ck_assert_int_eq(pvctl_hvlog_read(c, 0, buf, sizeof(buf), &len, &next, &lost), 0);
    ck_assert_uint_eq(len, sizeof(LOGTEXT) - 1);
    ck_assert_int_eq(pvctl_domain_log_read(c, 5, 0, buf, 5, &len, &next, &lost), -ESRCH);
    pvctl_close(c);
}
END_TEST

/* ---- dombuild_create --------------------------------------------------------------- */

static char kpath[200];

static void write_kernel(const struct timg_spec *s)
{
    static uint8_t img[1 << 20];
    size_t n = timg_build(s, img, sizeof(img), NULL);
    FILE *f;

    snprintf(kpath, sizeof(kpath), "%s/kernel", F.dir);
    f = fopen(kpath, "wb");
    ck_assert_ptr_nonnull(f);
    ck_assert_uint_eq(fwrite(img, 1, n, f), n);
    fclose(f);
}

static int build_type(struct pvctl *c, uint32_t type, uint64_t mem_kb, struct dombuild_result *r,
                      char *err)
{
    struct dombuild_params p = {.name = "guest",
                                .kernel_path = kpath,
                                .cmdline = "hi",
                                .mem_kb = mem_kb,
                                .vcpus = 2,
                                .type = type};

    return dombuild_create(c, &p, r, err, 256);
}

static int build(struct pvctl *c, uint64_t mem_kb, struct dombuild_result *r, char *err)
{
    return build_type(c, PVCTL_TYPE_PV, mem_kb, r, err);
}

/* A GRUB-like PVH image: ELF32 at 1 MiB, PHYS32_ENTRY only in an SHT_NOTE section. */
static void pvh32_image(struct timg_spec *s)
{
    memset(s, 0, sizeof(*s));
    s->elfclass = 32;
    s->entry = 0x100000;
    s->nsegs = 1;
    s->segs[0] = (struct timg_seg){0x100000, 0x100000, 0x2000, 0x5000, 0x30};
    s->notes_in_shdr = true;
    timg_note_num(s, XEN_ELFNOTE_PHYS32_ENTRY, 0x100040, 4);
}

START_TEST(t_dombuild_create)
{
    struct pvctl *c = connect_fake();
    struct dombuild_result r;
    struct start_info si;
    struct timg_spec s;
    struct fdom *d;
    char err[256];

    timg_pv64(&s, 0x400000);
    write_kernel(&s);
    ck_assert_int_eq(build(c, 16384, &r, err), 0);
    d = &F.dom[r.domid];
    ck_assert(d->live);
    ck_assert_uint_ne(d->info.flags & PVCTL_DOMF_PAUSED, 0);
    ck_assert_uint_eq(d->info.nr_vcpus, 2);
    ck_assert_uint_eq(r.store_port, 1);
    ck_assert_uint_eq(r.console_port, 2);
    ck_assert_uint_eq(d->params[1], r.store_pfn);
    ck_assert_uint_eq(d->params[2], r.store_port);
    ck_assert_uint_eq(d->params[17], r.console_pfn);
    ck_assert_uint_eq(d->params[18], r.console_port);
    ck_assert_uint_eq(d->hypercall_gpfn, 2); /* 0x402000 - VIRT_BASE */
    ck_assert_uint_eq(d->vcpu.mode, PVCTL_MODE_PV64);
    ck_assert_uint_eq(d->vcpu.vcpu, 0);
    ck_assert_uint_eq(d->vcpu.rip, 0x401000);
    ck_assert_uint_eq(d->vcpu.rflags, 0);
    ck_assert_uint_eq(d->vcpu.gpr[PVCTL_RSP] % 16, 0);
    ck_assert_uint_eq(d->vcpu.cr3 % 4096, 0);
    ck_assert_uint_eq(pread(d->memfd, &si, sizeof(si), (off_t)(d->vcpu.gpr[PVCTL_RSI] - 0x400000)),
                      sizeof(si));
    ck_assert_str_eq(si.magic, "xen-3.0-x86_64");
    ck_assert_uint_eq(si.store_mfn, r.store_pfn);
    ck_assert_uint_eq(si.console.domU.evtchn, r.console_port);
    ck_assert_uint_eq(si.shared_info, 4096ull * 4096);
    ck_assert_uint_eq(si.pt_base, 0x400000 + d->vcpu.cr3);
    ck_assert_str_eq((char *)si.cmd_line, "hi");
    pvctl_close(c);
}
END_TEST

START_TEST(t_dombuild_create_pvh)
{
    struct pvctl *c = connect_fake();
    struct dombuild_result r;
    struct hvm_start_info si;
    struct hvm_memmap_table_entry mm[3];
    struct timg_spec s;
    struct fdom *d;
    char err[256], cmd[8] = "";
    uint8_t b;

    pvh32_image(&s);
    write_kernel(&s);
    ck_assert_int_eq(build_type(c, PVCTL_TYPE_PVH, 16384, &r, err), 0);
    d = &F.dom[r.domid];
    ck_assert_uint_eq(d->info.type, PVCTL_TYPE_PVH);
    ck_assert_uint_eq(d->vcpu.mode, PVCTL_MODE_PVH32);
    ck_assert_uint_eq(d->vcpu.rip, 0x100040);
    ck_assert_uint_eq(d->vcpu.gpr[PVCTL_RBX], 0x105000); /* the page after the image */
    ck_assert_uint_eq(d->hypercall_gpfn, 0);             /* the guest asks for its own */
    ck_assert_uint_eq(r.console_pfn, 4096 - 2);
    ck_assert_uint_eq(r.store_pfn, 4096 - 1);
    ck_assert_uint_eq(d->params[1], r.store_pfn);
    ck_assert_uint_eq(d->params[17], r.console_pfn);
    ck_assert_uint_eq(pread(d->memfd, &si, sizeof(si), 0x105000), sizeof(si));
    ck_assert_uint_eq(si.magic, XEN_HVM_START_MAGIC_VALUE);
    ck_assert_uint_eq(si.version, 1);
    ck_assert_uint_eq(si.memmap_entries, 3);
    ck_assert_uint_lt(si.cmdline_paddr, 1ull << 30);
    ck_assert_int_eq(pread(d->memfd, cmd, 3, (off_t)si.cmdline_paddr), 3);
    ck_assert_str_eq(cmd, "hi");
    ck_assert_uint_eq(pread(d->memfd, mm, sizeof(mm), (off_t)si.memmap_paddr), sizeof(mm));
    ck_assert_uint_eq(mm[0].addr, 0);
    ck_assert_uint_eq(mm[0].size, (4096 - 2) * 4096ull);
    ck_assert_uint_eq(mm[0].type, XEN_HVM_MEMMAP_TYPE_RAM);
    ck_assert_uint_eq(mm[1].addr, r.console_pfn * 4096);
    ck_assert_uint_eq(mm[1].type, XEN_HVM_MEMMAP_TYPE_RESERVED);
    ck_assert_uint_eq(mm[2].addr, 4096 * 4096ull); /* the fake's special frames */
    ck_assert_uint_eq(mm[2].size, 2 * 4096);
    ck_assert_uint_eq(d->memmap.nr, 3); /* pvisord got the same map */
    ck_assert_uint_eq(d->memmap.e[1].addr, mm[1].addr);
    ck_assert_uint_eq(d->memmap.e[2].type, 2);
    ck_assert_int_eq(pread(d->memfd, &b, 1, 0x100000), 1); /* segment at its paddr */
    ck_assert_uint_eq(b, 0x30);
    ck_assert_int_eq(pread(d->memfd, &b, 1, 0x104fff), 1); /* bss zeroed */
    ck_assert_uint_eq(b, 0);
    pvctl_close(c);
}
END_TEST

START_TEST(t_dombuild_pvh_wrong_type)
{
    struct pvctl *c = connect_fake();
    struct dombuild_result r;
    struct timg_spec s;
    char err[256];

    timg_pv64(&s, 0);
    write_kernel(&s);
    ck_assert_int_eq(build_type(c, PVCTL_TYPE_PVH, 16384, &r, err), -ENOEXEC);
    ck_assert_ptr_nonnull(strstr(err, "not a PVH image"));
    ck_assert_ptr_nonnull(strstr(err, "type = \"pv\""));
    pvh32_image(&s);
    write_kernel(&s);
    ck_assert_int_eq(build(c, 16384, &r, err), -ENOEXEC);
    ck_assert_ptr_nonnull(strstr(err, "type = \"pvh\""));
    ck_assert_int_eq(build_type(c, PVCTL_TYPE_PVH, 1024 + 16, &r, err), -ENOMEM); /* 1 MiB */
    ck_assert_ptr_nonnull(strstr(err, "too small"));
    ck_assert_uint_eq(F.creates, 0);
    pvctl_close(c);
}
END_TEST

START_TEST(t_dombuild_failure_destroys)
{
    struct pvctl *c = connect_fake();
    struct dombuild_result r;
    struct timg_spec s;
    char err[256];

    timg_pv64(&s, 0);
    write_kernel(&s);
    F.fail_op = PVCTL_DOMAIN_SET_VCPU;
    ck_assert_int_eq(build(c, 16384, &r, err), -EIO);
    ck_assert_ptr_nonnull(strstr(err, "domain 'guest': set vCPU 0 state"));
    ck_assert_uint_eq(F.creates, 1);
    ck_assert_uint_eq(F.destroys, 1);
    F.fail_op = PVCTL_DOMAIN_MAP;
    ck_assert_int_eq(build(c, 16384, &r, err), -EIO);
    ck_assert_uint_eq(F.destroys, 2);
    F.fail_op = 0;
    ck_assert_int_eq(build(c, 16384, &r, err), 0); /* the name is free again */
    pvctl_close(c);
}
END_TEST

START_TEST(t_dombuild_bad_kernel)
{
    struct pvctl *c = connect_fake();
    struct dombuild_result r;
    struct timg_spec s;
    char err[256];
    FILE *f;

    snprintf(kpath, sizeof(kpath), "%s/missing", F.dir);
    ck_assert_int_eq(build(c, 16384, &r, err), -ENOENT);
    ck_assert_ptr_nonnull(strstr(err, "/missing: No such file or directory"));
    snprintf(kpath, sizeof(kpath), "%s/kernel", F.dir);
    f = fopen(kpath, "w");
    fputs("#!/bin/sh\necho not a kernel\n", f);
    fclose(f);
    ck_assert_int_eq(build(c, 16384, &r, err), -ENOEXEC);
    ck_assert_ptr_nonnull(strstr(err, "/kernel: not an ELF file"));
    timg_pv64(&s, 0);
    s.nnotes = 0;
    write_kernel(&s);
    ck_assert_int_eq(build(c, 16384, &r, err), -ENOEXEC);
    ck_assert_ptr_nonnull(strstr(err, "/kernel: not a Xen PV image"));
    timg_pv64(&s, 0);
    s.segs[1].memsz = 20 << 20;
    write_kernel(&s);
    ck_assert_int_eq(build(c, 16384, &r, err), -ENOMEM);
    ck_assert_ptr_nonnull(strstr(err, "/kernel: memory 16 MiB too small for kernel of 21 MiB"));
    ck_assert_uint_eq(F.creates, 0); /* all caught before creating a domain */
    pvctl_close(c);
}
END_TEST

START_TEST(t_dombuild_bad_params)
{
    struct pvctl *c = connect_fake();
    struct dombuild_params p = {
        .name = "g", .kernel_path = "/k", .mem_kb = 16384, .vcpus = 1, .type = 7};
    struct dombuild_result r;
    char err[256];

    ck_assert_int_eq(dombuild_create(c, &p, &r, err, sizeof(err)), -EINVAL);
    ck_assert_ptr_nonnull(strstr(err, "unknown domain type 7"));
    p.type = PVCTL_TYPE_PV;
    p.mem_kb = 16383;
    ck_assert_int_eq(dombuild_create(c, &p, &r, err, sizeof(err)), -EINVAL);
    p.mem_kb = 16384;
    p.vcpus = 0;
    ck_assert_int_eq(dombuild_create(c, &p, &r, err, sizeof(err)), -EINVAL);
    ck_assert_uint_eq(F.creates, 0);
    pvctl_close(c);
}
END_TEST

static Suite *ctl_suite(void)
{
    Suite *s = suite_create("pvctl");
    TCase *ct = tcase_create("client"), *bt = tcase_create("dombuild_create");

    tcase_add_checked_fixture(ct, fake_start, fake_stop);
    tcase_add_checked_fixture(bt, fake_start, fake_stop);
    tcase_add_test(ct, t_open_not_running);
    tcase_add_test(ct, t_rundir);
    tcase_add_test(ct, t_ping_physinfo);
    tcase_add_test(ct, t_domain_ops);
    tcase_add_test(ct, t_map);
    tcase_add_test(ct, t_log_read);
    tcase_add_test(bt, t_dombuild_create);
    tcase_add_test(bt, t_dombuild_create_pvh);
    tcase_add_test(bt, t_dombuild_pvh_wrong_type);
    tcase_add_test(bt, t_dombuild_failure_destroys);
    tcase_add_test(bt, t_dombuild_bad_kernel);
    tcase_add_test(bt, t_dombuild_bad_params);
    suite_add_tcase(s, ct);
    suite_add_tcase(s, bt);
    return s;
}

int main(void)
{
    return check_run(ctl_suite(), true);
}
