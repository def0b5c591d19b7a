/* build_pv.c: the domain builder: PV image checks and memory, the steps PV and PVH share, dispatch
 * by type. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <xen/grant_table.h>
#include <xen/elfnote.h>
#include <xen/hvm/params.h>

#include <pvisor/dombuild.h>

#include "build_int.h"

#define KERNEL_MAX_BYTES (512ull << 20) /* largest kernel file the builder reads */

/* ---- image checks ------------------------------------------------------------------ */

static int check_kind(const struct elf_image *img, const char *name, char *err, size_t errlen)
{
    const struct elf_xen_notes *x = &img->xen;

    if (!img->has_xen_notes)
        return dombuild_errf(err, errlen, -ENOEXEC, "%s: not a Xen PV image (no Xen ELF notes)",
                             name);
    if (!elf_has_note(img, XEN_ELFNOTE_ENTRY) && elf_has_note(img, XEN_ELFNOTE_PHYS32_ENTRY))
        return dombuild_errf(err, errlen, -ENOEXEC,
                             "%s: not a Xen PV image (no XEN_ELFNOTE_ENTRY; it has a PVH entry "
                             "point, which needs type = \"pvh\")",
                             name);
    if (img->elfclass != 64)
        return dombuild_errf(err, errlen, -ENOEXEC,
                             "%s: 32-bit image: only 64-bit (x86-64) PV kernels are supported",
                             name);
    if (elf_has_note(img, XEN_ELFNOTE_XEN_VERSION) && strncmp(x->xen_version, "xen-3.0", 7))
        return dombuild_errf(err, errlen, -ENOEXEC,
                             "%s: built for Xen interface \"%s\" (want \"xen-3.0\")", name,
                             x->xen_version);
    return 0;
}

static bool lower_half(uint64_t va)
{
    return va < DOMBUILD_LOWER_LIMIT;
}

static int check_addresses(const struct elf_image *img, const char *name, char *err, size_t errlen)
{
    uint64_t hc = img->xen.hypercall_page;

    if (!lower_half(img->virt_base) || img->virt_kend > DOMBUILD_LOWER_LIMIT ||
        !lower_half(img->virt_entry))
        return dombuild_errf(
            err, errlen, -ENOEXEC,
            "%s: upper-half kernels are not supported on this substrate (VIRT_BASE "
            "%#llx, kernel [%#llx, %#llx)); link it below 0x800000000000",
            name, (unsigned long long)img->virt_base, (unsigned long long)img->virt_kstart,
            (unsigned long long)img->virt_kend);
    if (img->virt_entry < img->virt_kstart || img->virt_entry >= img->virt_kend)
        return dombuild_errf(err, errlen, -ENOEXEC,
                             "%s: entry point %#llx is outside the kernel "
                             "[%#llx, %#llx)",
                             name, (unsigned long long)img->virt_entry,
                             (unsigned long long)img->virt_kstart,
                             (unsigned long long)img->virt_kend);
    if (elf_has_note(img, XEN_ELFNOTE_HYPERCALL_PAGE) &&
        (hc % DOMBUILD_PAGE_SIZE || hc < img->virt_kstart || hc >= img->virt_kend))
        return dombuild_errf(err, errlen, -ENOEXEC,
                             "%s: hypercall page %#llx is not a page-aligned "
                             "address inside the kernel",
                             name, (unsigned long long)hc);
    return 0;
}

int dombuild_pv_check(const struct elf_image *img, const char *name, char *err, size_t errlen)
{
    int ret = check_kind(img, name, err, errlen);

    return ret ? ret : check_addresses(img, name, err, errlen);
}

/* ---- memory --------------------------------------------------------------------- */

/* Prefixes the message a lower layer left in err with the kernel's name. */
static void prefix_err(char *err, size_t errlen, const char *name)
{
    char tmp[512];

    if (!err || !errlen)
        return;
    snprintf(tmp, sizeof(tmp), "%s", err);
    snprintf(err, errlen, "%s: %s", name, tmp);
}

int dombuild_pv_memory(const struct elf_image *img, const char *name, void *mem, uint64_t nr_pages,
                       const struct pv_boot_info *b, struct pv_layout *l, char *err, size_t errlen)
{
    int ret;

    ret = dombuild_pv_check(img, name, err, errlen);
    if (ret)
        return ret;
    ret = pv_layout_compute(img->virt_base, img->virt_kstart, img->virt_kend, nr_pages, l, err,
                            errlen);
    if (ret) {
        prefix_err(err, errlen, name);
        return ret;
    }
    /* A segment with physical address p belongs in frame (p - paddr_offset) / 4096. */
    ret = elf_load(img, mem, nr_pages * DOMBUILD_PAGE_SIZE, img->paddr_offset, name, err, errlen);
    if (ret)
        return ret;
    if (pv_write_boot(mem, nr_pages, l, b))
        return dombuild_errf(err, errlen, -ERANGE, "%s: boot data does not fit guest memory", name);
    return 0;
}

/* ---- the kernel file -------------------------------------------------------------- */

static int read_all(int fd, uint8_t *buf, size_t len)
{
    size_t done = 0;
    ssize_t n;

    while (done < len) {
        n = read(fd, buf + done, len - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -errno;
        if (n == 0)
            return -EIO; /* shrank while reading */
        done += (size_t)n;
    }
    return 0;
}

static int read_kernel(const char *path, uint8_t **data, size_t *size, char *err, size_t errlen)
{
    struct stat st;
    int fd, ret;

    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0 || fstat(fd, &st) < 0) {
        ret = -errno;
        if (fd >= 0)
            close(fd);
        return dombuild_errf(err, errlen, ret, "kernel %s: %s", path, strerror(-ret));
    }
    ret = -EFBIG;
    if (!S_ISREG(st.st_mode) || (uint64_t)st.st_size > KERNEL_MAX_BYTES) {
        ret = S_ISREG(st.st_mode) ? -EFBIG : -EINVAL;
        close(fd);
        return dombuild_errf(err, errlen, ret, "kernel %s: %s", path,
                             ret == -EFBIG ? "file larger than 512 MiB" : "not a regular file");
    }
    *size = (size_t)st.st_size;
    *data = malloc(*size ? *size : 1);
    ret = *data ? read_all(fd, *data, *size) : -ENOMEM;
    close(fd);
    if (ret) {
        free(*data);
        *data = NULL;
        return dombuild_errf(err, errlen, ret, "kernel %s: read failed: %s", path, strerror(-ret));
    }
    return 0;
}

/* ---- talking to pvisord ----------------------------------------------------------- */

int build_ctl_fail(struct build *b, int ret, const char *what)
{
    return dombuild_errf(b->err, b->errlen, ret, "domain '%s': %s: %s", b->p->name, what,
                         pvctl_strerror(ret));
}

static int check_params(const struct dombuild_params *p, char *err, size_t errlen)
{
    if (!p->name || !p->name[0] || strlen(p->name) >= PVCTL_NAME_LEN)
        return dombuild_errf(err, errlen, -EINVAL, "domain name must be 1-%d bytes",
                             PVCTL_NAME_LEN - 1);
    if (!p->kernel_path || !p->kernel_path[0])
        return dombuild_errf(err, errlen, -EINVAL, "domain '%s': no kernel given", p->name);
    if (p->type != PVCTL_TYPE_PV && p->type != PVCTL_TYPE_PVH)
        return dombuild_errf(err, errlen, -EINVAL,
                             "domain '%s': unknown domain type %u (want pv or pvh)", p->name,
                             p->type);
    if (p->vcpus == 0)
        return dombuild_errf(err, errlen, -EINVAL, "domain '%s': vcpus must be at least 1",
                             p->name);
    if (p->mem_kb == 0 || p->mem_kb % 4 || (p->max_mem_kb && p->max_mem_kb < p->mem_kb))
        return dombuild_errf(err, errlen, -EINVAL,
                             "domain '%s': bad memory size (%llu KiB, max %llu "
                             "KiB)",
                             p->name, (unsigned long long)p->mem_kb,
                             (unsigned long long)p->max_mem_kb);
    return 0;
}

static int create_domain(struct build *b)
{
    struct pvctl_create req = {
        .type = b->p->type, .max_vcpus = b->p->vcpus, .mem_kb = b->p->mem_kb};
    struct pvctl_dominfo info;
    int ret;

    req.max_mem_kb = b->p->max_mem_kb ? b->p->max_mem_kb : b->p->mem_kb;
    snprintf(req.name, sizeof(req.name), "%s", b->p->name);
    memcpy(req.uuid, b->p->uuid, sizeof(req.uuid));
    ret = pvctl_domain_create(b->c, &req, &b->r->domid);
    if (ret)
        return build_ctl_fail(b, ret, "create");
    b->created = true;
    ret = pvctl_domain_getinfo(b->c, b->r->domid, &info);
    if (ret == 0 && !(info.flags & PVCTL_DOMF_PAUSED))
        ret = pvctl_domain_pause(b->c, b->r->domid);
    return ret ? build_ctl_fail(b, ret, "pause after create") : 0;
}

static int map_memory(struct build *b)
{
    int ret = pvctl_domain_map(b->c, b->r->domid, &b->map, &b->mem);

    if (ret)
        return build_ctl_fail(b, ret, "map memory");
    return 0;
}

static int alloc_ports(struct build *b)
{
    int ret;

    ret = pvctl_evtchn_alloc_unbound(b->c, b->r->domid, 0, &b->r->store_port);
    if (ret == 0)
        ret = pvctl_evtchn_alloc_unbound(b->c, b->r->domid, 0, &b->r->console_port);
    return ret ? build_ctl_fail(b, ret, "allocate event channels") : 0;
}

static int fill_memory(struct build *b)
{
    struct pv_boot_info bi = {.shared_info_pfn = b->map.shared_info_pfn,
                              .store_evtchn = b->r->store_port,
                              .console_evtchn = b->r->console_port,
                              .cmdline = b->p->cmdline};
    int ret = dombuild_pv_memory(&b->img, b->kname, b->mem, b->map.ram_pages, &bi, &b->l, b->err,
                                 b->errlen);

    b->store_pfn = b->l.store_pfn;
    b->console_pfn = b->l.console_pfn;
    return ret;
}

static int set_params(struct build *b)
{
    const struct {
        uint32_t idx;
        uint64_t val;
    } prm[] = {
        {HVM_PARAM_STORE_PFN, b->store_pfn},
        {HVM_PARAM_STORE_EVTCHN, b->r->store_port},
        {HVM_PARAM_CONSOLE_PFN, b->console_pfn},
        {HVM_PARAM_CONSOLE_EVTCHN, b->r->console_port},
    };
    size_t i;
    int ret;

    for (i = 0; i < sizeof(prm) / sizeof(prm[0]); i++) {
        ret = pvctl_domain_set_param(b->c, b->r->domid, prm[i].idx, prm[i].val);
        if (ret)
            return build_ctl_fail(b, ret, "set HVM params");
    }
    b->r->store_pfn = b->store_pfn;
    b->r->console_pfn = b->console_pfn;
    return 0;
}

/* Grants the console and xenstore pages to domain 0 in the reserved refs, as Xen's
 * toolstack does, so backends can map them by grant instead of by frame number. */
static int seed_grants(struct build *b)
{
    grant_entry_v1_t *gt =
        (grant_entry_v1_t *)(void *)((uint8_t *)b->mem +
                                     (b->map.special_pfn + 1) * DOMBUILD_PAGE_SIZE);

    gt[GNTTAB_RESERVED_CONSOLE] = (grant_entry_v1_t){
        .flags = GTF_permit_access, .domid = 0, .frame = (uint32_t)b->console_pfn};
    gt[GNTTAB_RESERVED_XENSTORE] =
        (grant_entry_v1_t){.flags = GTF_permit_access, .domid = 0, .frame = (uint32_t)b->store_pfn};
    return 0;
}

static int init_hypercall_page(struct build *b)
{
    uint64_t gpfn;
    int ret;

    if (!elf_has_note(&b->img, XEN_ELFNOTE_HYPERCALL_PAGE))
        return 0;
    gpfn = (b->img.xen.hypercall_page - b->l.virt_base) / DOMBUILD_PAGE_SIZE;
    ret = pvctl_domain_hypercall_init(b->c, b->r->domid, gpfn);
    return ret ? build_ctl_fail(b, ret, "install hypercall page") : 0;
}

static int set_boot_vcpu(struct build *b)
{
    struct pvctl_vcpu_ctx ctx = {.domid = b->r->domid, .vcpu = 0, .mode = PVCTL_MODE_PV64};
    int ret;

    ctx.rip = b->img.virt_entry;
    ctx.gpr[PVCTL_RSP] = pv_layout_va(&b->l, b->l.stack_pfn + 1);
    ctx.gpr[PVCTL_RSI] = pv_layout_va(&b->l, b->l.start_info_pfn);
    ctx.cr3 = b->l.pt_pfn * DOMBUILD_PAGE_SIZE;
    ret = pvctl_domain_set_vcpu(b->c, &ctx);
    return ret ? build_ctl_fail(b, ret, "set vCPU 0 state") : 0;
}

int build_read_image(struct build *b)
{
    int ret;

    snprintf(b->kname, sizeof(b->kname), "kernel %s", b->p->kernel_path);
    ret = read_kernel(b->p->kernel_path, &b->file, &b->file_size, b->err, b->errlen);
    if (ret)
        return ret;
    return elf_parse(&b->img, b->file, b->file_size, b->kname, b->err, b->errlen);
}

static int load_image(struct build *b)
{
    int ret = build_read_image(b);

    if (ret == 0)
        ret = dombuild_pv_check(&b->img, b->kname, b->err, b->errlen);
    if (ret)
        return ret;
    /* memory-size check before creating anything */
    ret = pv_layout_compute(b->img.virt_base, b->img.virt_kstart, b->img.virt_kend,
                            b->p->mem_kb / 4, &b->l, b->err, b->errlen);
    if (ret)
        prefix_err(b->err, b->errlen, b->kname);
    return ret;
}

static void cleanup(struct build *b, int ret)
{
    if (b->mem)
        pvctl_domain_unmap(b->mem, &b->map);
    if (ret && b->created)
        pvctl_domain_destroy(b->c, b->r->domid);
    free(b->file);
}

static int load_pvh_image(struct build *b)
{
    int ret = build_read_image(b);

    return ret ? ret : build_pvh_check_image(b);
}

/* The steps of each type, in order; NULL ends a list. */
static const build_step pv_steps[] = {
    load_image,  create_domain, map_memory,          alloc_ports,   fill_memory,
    seed_grants, set_params,    init_hypercall_page, set_boot_vcpu, NULL,
};
static const build_step pvh_steps[] = {
    load_pvh_image,          create_domain, map_memory, alloc_ports,
    build_pvh_fill_memory,   seed_grants,   set_params, build_pvh_set_memmap,
    build_pvh_set_boot_vcpu, NULL,
};

int dombuild_create(struct pvctl *c, const struct dombuild_params *p, struct dombuild_result *r,
                    char *err, size_t errlen)
{
    const build_step *steps;
    struct build *b;
    size_t i;
    int ret;

    memset(r, 0, sizeof(*r));
    if (err && errlen)
        err[0] = '\0';
    ret = check_params(p, err, errlen);
    if (ret)
        return ret;
    b = calloc(1, sizeof(*b));
    if (!b)
        return dombuild_errf(err, errlen, -ENOMEM, "out of memory");
    *b = (struct build){.c = c, .p = p, .r = r, .err = err, .errlen = errlen};
    steps = p->type == PVCTL_TYPE_PVH ? pvh_steps : pv_steps;
    for (i = 0; ret == 0 && steps[i]; i++)
        ret = steps[i](b);
    cleanup(b, ret);
    free(b);
    if (ret)
        r->domid = 0;
    return ret;
}
