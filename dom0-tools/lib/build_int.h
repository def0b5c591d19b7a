/* build_int.h: the domain builder's internal state and the steps PV and PVH builds share. */
#ifndef PVISOR_BUILD_INT_H
#define PVISOR_BUILD_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <pvisor/dombuild.h>

/* The state of one build, so that failure paths can undo it. */
struct build {
    struct pvctl *c;
    const struct dombuild_params *p;
    struct dombuild_result *r;
    char *err;
    size_t errlen;
    char kname[300]; /* "kernel PATH" for messages */
    uint8_t *file;
    size_t file_size;
    struct elf_image img;
    bool created;
    struct pvctl_map map;
    void *mem;
    struct pv_layout l;   /* PV */
    struct pvh_layout pl; /* PVH */
    uint64_t store_pfn, console_pfn;
};

/* One step of a build: 0 or a negative errno with a message in b->err. */
typedef int (*build_step)(struct build *b);

/* "domain 'NAME': WHAT: pvisord's reason"; returns ret. */
int build_ctl_fail(struct build *b, int ret, const char *what);
/* Reads the kernel file into b->file and parses it (message on failure). */
int build_read_image(struct build *b);

/* Steps of a PVH build (build_pvh.c), run after the shared ones that create the domain,
 * map its memory and allocate its ports; before seed_grants and set_params. */
int build_pvh_check_image(struct build *b); /* right after build_read_image */
int build_pvh_fill_memory(struct build *b);
int build_pvh_set_memmap(struct build *b);
int build_pvh_set_boot_vcpu(struct build *b);

#endif
