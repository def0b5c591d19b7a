/* ctl_ops.c: libpvctl typed wrappers, one per control-socket op, and name lookup. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <pvisor/pvctl.h>

#define LOG_MAX (PVCTL_MAX_PAYLOAD - (uint32_t)sizeof(struct pvctl_log_rsp))

/* A call whose answer must be exactly outlen bytes (0 for none). */
static int call_fixed(struct pvctl *c, uint32_t op, const void *in, uint32_t inlen, void *out,
                      uint32_t outlen)
{
    uint32_t got;
    int ret;

    ret = pvctl_call(c, op, in, inlen, out, outlen, &got, NULL);
    if (ret == 0 && got != outlen)
        return -EPROTO;
    return ret;
}

static int call_domid(struct pvctl *c, uint32_t op, uint32_t domid)
{
    struct pvctl_domid d = {.domid = domid};

    return call_fixed(c, op, &d, sizeof(d), NULL, 0);
}

int pvctl_ping(struct pvctl *c, struct pvctl_version *v)
{
    struct pvctl_version tmp;
    int ret;

    ret = call_fixed(c, PVCTL_PING, NULL, 0, &tmp, sizeof(tmp));
    if (ret == 0 && v) {
        *v = tmp;
        v->pvisor[sizeof(v->pvisor) - 1] = '\0';
    }
    return ret;
}

int pvctl_domain_create(struct pvctl *c, const struct pvctl_create *req, uint32_t *domid)
{
    struct pvctl_domid d;
    int ret;

    ret = call_fixed(c, PVCTL_DOMAIN_CREATE, req, sizeof(*req), &d, sizeof(d));
    if (ret == 0)
        *domid = d.domid;
    return ret;
}

int pvctl_domain_destroy(struct pvctl *c, uint32_t domid)
{
    return call_domid(c, PVCTL_DOMAIN_DESTROY, domid);
}

int pvctl_domain_pause(struct pvctl *c, uint32_t domid)
{
    return call_domid(c, PVCTL_DOMAIN_PAUSE, domid);
}

int pvctl_domain_unpause(struct pvctl *c, uint32_t domid)
{
    return call_domid(c, PVCTL_DOMAIN_UNPAUSE, domid);
}

int pvctl_domain_shutdown(struct pvctl *c, uint32_t domid, uint32_t reason)
{
    struct pvctl_shutdown s = {.domid = domid, .reason = reason};

    return call_fixed(c, PVCTL_DOMAIN_SHUTDOWN, &s, sizeof(s), NULL, 0);
}

int pvctl_domain_getinfo(struct pvctl *c, uint32_t domid, struct pvctl_dominfo *info)
{
    struct pvctl_domid d = {.domid = domid};
    int ret;

    ret = call_fixed(c, PVCTL_DOMAIN_GETINFO, &d, sizeof(d), info, sizeof(*info));
    if (ret == 0)
        info->name[PVCTL_NAME_LEN - 1] = '\0';
    return ret;
}

/* Runs a call whose answer is an array of `esize`-byte records; copies up to max. */
static int call_array(struct pvctl *c, uint32_t op, const void *in, uint32_t inlen, void *buf,
                      uint32_t esize, uint32_t max, uint32_t *count)
{
    uint32_t got = 0, n;
    void *tmp;
    int ret;

    tmp = malloc(PVCTL_MAX_PAYLOAD);
    if (!tmp)
        return -ENOMEM;
    ret = pvctl_call(c, op, in, inlen, tmp, PVCTL_MAX_PAYLOAD, &got, NULL);
    if (ret == 0 && got % esize)
        ret = -EPROTO;
    if (ret == 0) {
        n = got / esize;
        *count = n;
        if (buf && max)
            memcpy(buf, tmp, (size_t)(n < max ? n : max) * esize);
    }
    free(tmp);
    return ret;
}

int pvctl_domain_list(struct pvctl *c, struct pvctl_dominfo *buf, uint32_t max, uint32_t *count)
{
    uint32_t i, n;
    int ret;

    ret = call_array(c, PVCTL_DOMAIN_LIST, NULL, 0, buf, sizeof(*buf), max, count);
    if (ret)
        return ret;
    n = *count < max ? *count : max;
    for (i = 0; i < n; i++)
        buf[i].name[PVCTL_NAME_LEN - 1] = '\0';
    return 0;
}

int pvctl_domain_wait(struct pvctl *c, uint32_t domid, uint32_t known_flags, uint32_t timeout_ms,
                      struct pvctl_dominfo *info)
{
    struct pvctl_wait w = {.domid = domid, .known_flags = known_flags, .timeout_ms = timeout_ms};
    int ret;

    ret = call_fixed(c, PVCTL_DOMAIN_WAIT, &w, sizeof(w), info, sizeof(*info));
    if (ret == 0)
        info->name[PVCTL_NAME_LEN - 1] = '\0';
    return ret;
}

static int map_check(const struct pvctl_map *m)
{
    if (m->size == 0 || m->size % 4096 || m->size > (uint64_t)SIZE_MAX)
        return -EPROTO;
    if (m->ram_pages > m->size / 4096 || m->shared_info_pfn >= m->size / 4096)
        return -EPROTO;
    return 0;
}

int pvctl_domain_map(struct pvctl *c, uint32_t domid, struct pvctl_map *info, void **mem)
{
    struct pvctl_domid d = {.domid = domid};
    uint32_t got;
    void *p;
    int ret, fd;

    *mem = NULL;
    ret = pvctl_call(c, PVCTL_DOMAIN_MAP, &d, sizeof(d), info, sizeof(*info), &got, &fd);
    if (ret == 0 && (got != sizeof(*info) || fd < 0))
        ret = -EPROTO;
    if (ret == 0)
        ret = map_check(info);
    if (ret == 0) {
        p = mmap(NULL, (size_t)info->size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
        if (p == MAP_FAILED)
            ret = -errno;
        else
            *mem = p;
    }
    if (fd >= 0)
        close(fd);
    return ret;
}

int pvctl_domain_unmap(void *mem, const struct pvctl_map *info)
{
    if (!mem)
        return 0;
    return munmap(mem, (size_t)info->size) < 0 ? -errno : 0;
}

int pvctl_domain_set_vcpu(struct pvctl *c, const struct pvctl_vcpu_ctx *ctx)
{
    return call_fixed(c, PVCTL_DOMAIN_SET_VCPU, ctx, sizeof(*ctx), NULL, 0);
}

int pvctl_domain_hypercall_init(struct pvctl *c, uint32_t domid, uint64_t gpfn)
{
    struct pvctl_gpfn g = {.domid = domid, .gpfn = gpfn};

    return call_fixed(c, PVCTL_DOMAIN_HYPERCALL_INIT, &g, sizeof(g), NULL, 0);
}

int pvctl_domain_set_memmap(struct pvctl *c, const struct pvctl_memmap *m)
{
    return call_fixed(c, PVCTL_DOMAIN_SET_MEMMAP, m, sizeof(*m), NULL, 0);
}

int pvctl_domain_set_param(struct pvctl *c, uint32_t domid, uint32_t index, uint64_t value)
{
    struct pvctl_param p = {.domid = domid, .index = index, .value = value};

    return call_fixed(c, PVCTL_DOMAIN_SET_PARAM, &p, sizeof(p), NULL, 0);
}

int pvctl_domain_get_param(struct pvctl *c, uint32_t domid, uint32_t index, uint64_t *value)
{
    struct pvctl_param p = {.domid = domid, .index = index};
    int ret;

    ret = call_fixed(c, PVCTL_DOMAIN_GET_PARAM, &p, sizeof(p), &p, sizeof(p));
    if (ret == 0)
        *value = p.value;
    return ret;
}

/* Shared body of the two log reads. */
static int log_read(struct pvctl *c, uint32_t op, uint32_t domid, uint64_t offset, void *buf,
                    uint32_t cap, uint32_t *len, uint64_t *next, uint64_t *lost)
{
    struct pvctl_log_req req = {.domid = domid, .offset = offset};
    struct pvctl_log_rsp rsp;
    uint8_t *tmp;
    uint32_t got = 0;
    int ret;

    *len = 0;
    req.max = cap < LOG_MAX ? cap : LOG_MAX;
    tmp = malloc(PVCTL_MAX_PAYLOAD);
    if (!tmp)
        return -ENOMEM;
    ret = pvctl_call(c, op, &req, sizeof(req), tmp, PVCTL_MAX_PAYLOAD, &got, NULL);
    if (ret == 0 && (got < sizeof(rsp) || got - sizeof(rsp) > req.max))
        ret = -EPROTO;
    if (ret == 0) {
        memcpy(&rsp, tmp, sizeof(rsp));
        *len = got - (uint32_t)sizeof(rsp);
        memcpy(buf, tmp + sizeof(rsp), *len);
        *next = rsp.next;
        if (lost)
            *lost = rsp.lost;
    }
    free(tmp);
    return ret;
}

int pvctl_domain_log_read(struct pvctl *c, uint32_t domid, uint64_t offset, void *buf, uint32_t cap,
                          uint32_t *len, uint64_t *next, uint64_t *lost)
{
    return log_read(c, PVCTL_DOMAIN_LOG, domid, offset, buf, cap, len, next, lost);
}

int pvctl_hvlog_read(struct pvctl *c, uint64_t offset, void *buf, uint32_t cap, uint32_t *len,
                     uint64_t *next, uint64_t *lost)
{
    return log_read(c, PVCTL_HVLOG_READ, 0, offset, buf, cap, len, next, lost);
}

int pvctl_evtchn_alloc_unbound(struct pvctl *c, uint32_t domid, uint32_t remote_domid,
                               uint32_t *port)
{
    struct pvctl_evtchn_alloc a = {.domid = domid, .remote_domid = remote_domid};
    struct pvctl_port p;
    int ret;

    ret = call_fixed(c, PVCTL_EVTCHN_ALLOC_UNBOUND, &a, sizeof(a), &p, sizeof(p));
    if (ret == 0)
        *port = p.port;
    return ret;
}

int pvctl_vcpu_list(struct pvctl *c, uint32_t domid, struct pvctl_vcpuinfo *buf, uint32_t max,
                    uint32_t *count)
{
    struct pvctl_domid d = {.domid = domid};

    return call_array(c, PVCTL_VCPU_LIST, &d, sizeof(d), buf, sizeof(*buf), max, count);
}

int pvctl_physinfo(struct pvctl *c, struct pvctl_physinfo *pi)
{
    int ret;

    ret = call_fixed(c, PVCTL_PHYSINFO, NULL, 0, pi, sizeof(*pi));
    if (ret == 0)
        pi->substrate[sizeof(pi->substrate) - 1] = '\0';
    return ret;
}

/* A string of 1-10 decimal digits that fits uint32_t. */
static int parse_domid(const char *s, uint32_t *domid)
{
    uint64_t v = 0;
    size_t i;

    for (i = 0; s[i]; i++) {
        if (s[i] < '0' || s[i] > '9' || i >= 10)
            return -EINVAL;
        v = v * 10 + (uint64_t)(s[i] - '0');
    }
    if (i == 0 || v > UINT32_MAX)
        return -EINVAL;
    *domid = (uint32_t)v;
    return 0;
}

static int find_name(struct pvctl *c, const char *name, uint32_t *domid)
{
    struct pvctl_dominfo *list;
    uint32_t i, n, max = PVCTL_MAX_PAYLOAD / sizeof(*list);
    int ret;

    list = calloc(max, sizeof(*list));
    if (!list)
        return -ENOMEM;
    ret = pvctl_domain_list(c, list, max, &n);
    if (ret == 0) {
        ret = -ESRCH;
        for (i = 0; i < n && i < max; i++) {
            if (strcmp(list[i].name, name) == 0) {
                *domid = list[i].domid;
                ret = 0;
                break;
            }
        }
    }
    free(list);
    return ret;
}

int pvctl_domid_by_name(struct pvctl *c, const char *name_or_id, uint32_t *domid)
{
    struct pvctl_dominfo info;
    uint32_t id;
    int ret;

    if (!name_or_id || !name_or_id[0])
        return -EINVAL;
    if (parse_domid(name_or_id, &id) == 0) {
        ret = pvctl_domain_getinfo(c, id, &info);
        if (ret == 0)
            *domid = id;
        return ret;
    }
    if (strlen(name_or_id) >= PVCTL_NAME_LEN)
        return -ESRCH;
    return find_name(c, name_or_id, domid);
}
