/* abi_table.h: row format shared by the conformance test's translation units (Xen side, our side, 32-bit tables). */
#ifndef PVISOR_TESTS_ABI_TABLE_H
#define PVISOR_TESTS_ABI_TABLE_H

#include <stddef.h>
#include <stdint.h>

/*
 * One evaluated item of abi_items.def / abi_compat.def.  kind and v[]:
 *   '#' section marker (name = section)
 *   'K' integer constant: v = { value, sizeof, is_signed }
 *   'S' string constant:  str
 *   'T' scalar typedef:   v = { sizeof, alignof, is_signed }
 *   'Z' type:             v = { sizeof, alignof }
 *   'O' member:           v = { offsetof, sizeof }
 *   'F' flexible member:  v = { offsetof }
 */
struct abi_row {
    const char *name;
    char kind;
    unsigned long long v[3];
    const char *str;
};

/* x86_64 tables: Xen's headers and ours, both from abi_items.def. */
extern const struct abi_row abi_xen64[];
extern const size_t abi_xen64_len;
extern const struct abi_row abi_ours64[];
extern const size_t abi_ours64_len;

/* x86_32 tables, produced by a -m32 compile (see abi_emit32.c) of abi_items.def. */
extern const struct abi_row abi_xen32[];
extern const size_t abi_xen32_len;
extern const struct abi_row abi_ours32[];
extern const size_t abi_ours32_len;

/* abi_compat.def: Xen's native x86_32 layouts (-m32) vs our compat_* types (x86_64). */
extern const struct abi_row abi_xen32_compat[];
extern const size_t abi_xen32_compat_len;
extern const struct abi_row abi_compat64[];
extern const size_t abi_compat64_len;

/* Macro names left defined by each side's headers (NULL-terminated, sorted). */
extern const char *const abi_xen_macros64[];
extern const char *const abi_xen_macros32[];
extern const char *const abi_ours_macros64[];
extern const char *const abi_ours_macros32[];

/* Behaviour probes (abi_behaviour.inc), one set per side. */
#define ABI_RING_TRACE_MAX 256
struct abi_probe {
    uint32_t ring_trace[ABI_RING_TRACE_MAX]; /* values observed while driving a ring */
    size_t ring_trace_len;
    unsigned char ring_page[4096]; /* shared ring page after the scenario */
    uint32_t flex_trace[64];
    size_t flex_trace_len;
    unsigned char flex_buf[64];
    uint32_t toeplitz[4];
    unsigned char uuid[16];
    uint32_t misc[16]; /* guest handles, TI_* macros ... */
    size_t misc_len;
    const char *gnttab_msgs[16];
    size_t gnttab_msgs_len;
    int xsd_errnum[32];
    const char *xsd_errstr[32];
    size_t xsd_len;
};
void abi_xen_probe(struct abi_probe *p);
void abi_ours_probe(struct abi_probe *p);
/* Our xsd_errors[] built freestanding (no errno.h, Xen ABI numbers). */
void abi_ours_probe_xsd_freestanding(struct abi_probe *p);

#endif /* PVISOR_TESTS_ABI_TABLE_H */
