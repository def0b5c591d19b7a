/* test_abi.c: Check suite comparing pvisor's Xen ABI headers with Debian's Xen 4.17 headers, item by item. */
#include <check.h>

#include "../unit/check_run.h"
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "abi_table.h"

/* A pair of tables evaluated from the same item list on two sides. */
struct abi_pair {
    const char *label; /* test name prefix */
    const struct abi_row *ours, *xen;
    const size_t *ours_len, *xen_len;
    const char *ours_side, *xen_side;
};

#include "legacy_versions.h" /* ABI_LEGACY_VERSIONS(X) */

/* Tables of abi_legacy.def, one pair per older interface version. */
#define ABI_LEGACY_DECL_(v)                                                               \
    extern const struct abi_row abi_legacy_xen_##v[], abi_legacy_ours_##v[];              \
    extern const size_t abi_legacy_xen_##v##_len, abi_legacy_ours_##v##_len;
ABI_LEGACY_VERSIONS(ABI_LEGACY_DECL_)

static const struct abi_pair abi_pairs[] = {
    {"x86_64", abi_ours64, abi_xen64, &abi_ours64_len, &abi_xen64_len, "ours", "xen"},
    {"x86_32", abi_ours32, abi_xen32, &abi_ours32_len, &abi_xen32_len, "ours -m32", "xen -m32"},
    {"compat", abi_compat64, abi_xen32_compat, &abi_compat64_len, &abi_xen32_compat_len,
     "ours compat_* (x86_64)", "xen -m32"},
#define ABI_LEGACY_PAIR_(v)                                                               \
    {"v" #v, abi_legacy_ours_##v, abi_legacy_xen_##v, &abi_legacy_ours_##v##_len,           \
     &abi_legacy_xen_##v##_len, "ours", "xen"},
    ABI_LEGACY_VERSIONS(ABI_LEGACY_PAIR_)
};
#define ABI_NPAIRS (sizeof(abi_pairs) / sizeof(abi_pairs[0]))

/* Loop indices of item tests encode the table pair and the row. */
#define ABI_ROW_BITS 16
#define ABI_IDX(pair, row) ((int)(((pair) << ABI_ROW_BITS) | (row)))

static const char *kind_fields(char kind, int i)
{
    static const char *const names[][3] = {
        ['K'] = {"value", "size", "signed"}, ['T'] = {"size", "align", "signed"},
        ['Z'] = {"size", "align", ""},       ['O'] = {"offset", "size", ""},
        ['F'] = {"offset", "", ""},
    };
    return names[(unsigned char)kind][i] ? names[(unsigned char)kind][i] : "";
}

/* Describe the differences between two rows of the same item into buf; 0 if equal. */
static int abi_row_diff(const struct abi_pair *pr, const struct abi_row *o,
                        const struct abi_row *x, char *buf, size_t len)
{
    int i, diff = 0;
    size_t used;

    if (strcmp(o->name, x->name) != 0 || o->kind != x->kind) {
        snprintf(buf, len, "item lists out of step: %s has %c %s, %s has %c %s",
                 pr->ours_side, o->kind, o->name, pr->xen_side, x->kind, x->name);
        return 1;
    }
    if (o->kind == 'S') {
        if (o->str && x->str && strcmp(o->str, x->str) == 0)
            return 0;
        snprintf(buf, len, "%s: %s=\"%s\" %s=\"%s\"", o->name, pr->ours_side,
                 o->str ? o->str : "(null)", pr->xen_side, x->str ? x->str : "(null)");
        return 1;
    }
    used = (size_t)snprintf(buf, len, "%c %s:", o->kind, o->name);
    for (i = 0; i < 3; i++) {
        if (o->v[i] == x->v[i])
            continue;
        diff = 1;
        if (used < len)
            used += (size_t)snprintf(buf + used, len - used, " %s: %s=%llu (0x%llx) %s=%llu (0x%llx);",
                                     kind_fields(o->kind, i), pr->ours_side, o->v[i], o->v[i],
                                     pr->xen_side, x->v[i], x->v[i]);
    }
    return diff;
}

static void abi_check_row(int i, const struct abi_pair *pr)
{
    char msg[1024];

    ck_assert_msg((size_t)i < *pr->ours_len && (size_t)i < *pr->xen_len,
                  "%s: row %d missing (ours has %zu rows, Xen %zu)", pr->label, i,
                  *pr->ours_len, *pr->xen_len);
    if (abi_row_diff(pr, &pr->ours[i], &pr->xen[i], msg, sizeof(msg)))
        ck_abort_msg("%s %s", pr->label, msg);
}

/* The loop index selects the table pair and the row. */
static void abi_test_row(int i)
{
    abi_check_row(i & ((1 << ABI_ROW_BITS) - 1), &abi_pairs[i >> ABI_ROW_BITS]);
}

/* The two tables list the same items (lengths and names agree). */
static void abi_test_same_items(int i)
{
    const struct abi_pair *pr = &abi_pairs[i];
    size_t r, n = *pr->ours_len < *pr->xen_len ? *pr->ours_len : *pr->xen_len;

    ck_assert_msg(*pr->ours_len == *pr->xen_len, "%s: %s has %zu rows, %s has %zu", pr->label,
                  pr->ours_side, *pr->ours_len, pr->xen_side, *pr->xen_len);
    for (r = 0; r < n; r++)
        ck_assert_msg(strcmp(pr->ours[r].name, pr->xen[r].name) == 0,
                      "%s: row %zu is %s on %s but %s on %s", pr->label, r, pr->ours[r].name,
                      pr->ours_side, pr->xen[r].name, pr->xen_side);
}

/* ---- macro coverage ---------------------------------------------------------------- */

/* Xen macros deliberately not value-checked (abi_unchecked.def). */
struct abi_unchecked {
    const char *name;
    int prefix; /* name is a prefix */
    int need;   /* ours must still define it */
    const char *why;
};
static const struct abi_unchecked abi_unchecked[] = {
#define U(n, need, why) {n, 0, need, why},
#define UP(n, need, why) {n, 1, need, why},
#include "abi_unchecked.def"
#undef U
#undef UP
};

/* Macros only our headers define besides PVISOR_* helpers, with the reason. */
static const char *const abi_our_extras[] = {
    "__XEN_INTERFACE_VERSION__", /* ours defaults it; the Xen side gets it from -D */
};

static const struct abi_unchecked *abi_find_unchecked(const char *name)
{
    size_t i;

    for (i = 0; i < sizeof(abi_unchecked) / sizeof(abi_unchecked[0]); i++) {
        const struct abi_unchecked *u = &abi_unchecked[i];

        if (u->prefix ? strncmp(name, u->name, strlen(u->name)) == 0 : strcmp(name, u->name) == 0)
            return u;
    }
    return NULL;
}

static int abi_in_list(const char *const *list, const char *name)
{
    for (; *list; list++)
        if (strcmp(*list, name) == 0)
            return 1;
    return 0;
}

/* Is name value-checked by a K or S item (possibly with sample arguments)? */
static int abi_value_checked(const struct abi_row *rows, size_t n, const char *name)
{
    size_t i, len = strlen(name);

    for (i = 0; i < n; i++)
        if ((rows[i].kind == 'K' || rows[i].kind == 'S') && strncmp(rows[i].name, name, len) == 0 &&
            (rows[i].name[len] == '\0' || rows[i].name[len] == '('))
            return 1;
    return 0;
}

static size_t abi_list_len(const char *const *list)
{
    size_t n = 0;

    while (list[n])
        n++;
    return n;
}

static void abi_check_xen_macro(const char *const *xen, const char *const *ours,
                                const struct abi_row *rows, size_t nrows, const char *arch, int i)
{
    const char *name = xen[i];
    const struct abi_unchecked *u = abi_find_unchecked(name);

    if ((!u || u->need) && !abi_in_list(ours, name))
        ck_abort_msg("%s: macro %s is defined by Xen 4.17's headers but not by ours%s%s", arch, name,
                     u ? " (listed as unchecked, but still required: " : "", u ? u->why : "");
    if (!u && !abi_value_checked(rows, nrows, name))
        ck_abort_msg("%s: macro %s is not value-checked: add K(%s) or S(%s) to abi_items.def, "
                     "or list it with a reason in abi_unchecked.def", arch, name, name, name);
}

static void abi_check_our_macro(const char *const *ours, const char *const *xen, const char *arch,
                                int i)
{
    const char *name = ours[i];
    size_t k;

    if (strncmp(name, "PVISOR_", 7) == 0 || abi_in_list(xen, name))
        return;
    for (k = 0; k < sizeof(abi_our_extras) / sizeof(abi_our_extras[0]); k++)
        if (strcmp(name, abi_our_extras[k]) == 0)
            return;
    ck_abort_msg("%s: our headers define %s, which Xen 4.17's do not (prefix private helpers "
                 "with PVISOR_)", arch, name);
}

static void abi_test_macros64(int i)
{
    abi_check_xen_macro(abi_xen_macros64, abi_ours_macros64, abi_xen64, abi_xen64_len, "x86_64", i);
}
static void abi_test_macros32(int i)
{
    abi_check_xen_macro(abi_xen_macros32, abi_ours_macros32, abi_xen32, abi_xen32_len, "x86_32", i);
}
static void abi_test_our_macros64(int i)
{
    abi_check_our_macro(abi_ours_macros64, abi_xen_macros64, "x86_64", i);
}
static void abi_test_our_macros32(int i)
{
    abi_check_our_macro(abi_ours_macros32, abi_xen_macros32, "x86_32", i);
}

/* ---- behaviour probes -------------------------------------------------------------- */
static struct abi_probe probe_xen, probe_ours, probe_xsd;

static void abi_probe_setup(void)
{
    abi_xen_probe(&probe_xen);
    abi_ours_probe(&probe_ours);
    abi_ours_probe_xsd_freestanding(&probe_xsd);
}

START_TEST(ring_macros_behave_like_xen)
{
    size_t i;

    ck_assert_uint_gt(probe_xen.ring_trace_len, 50);
    ck_assert_msg(probe_ours.ring_trace_len == probe_xen.ring_trace_len,
                  "ring trace length: ours=%zu xen=%zu", probe_ours.ring_trace_len,
                  probe_xen.ring_trace_len);
    for (i = 0; i < probe_xen.ring_trace_len; i++)
        ck_assert_msg(probe_ours.ring_trace[i] == probe_xen.ring_trace[i],
                      "ring trace step %zu: ours=%" PRIu32 " xen=%" PRIu32, i,
                      probe_ours.ring_trace[i], probe_xen.ring_trace[i]);
    for (i = 0; i < sizeof(probe_xen.ring_page); i++)
        ck_assert_msg(probe_ours.ring_page[i] == probe_xen.ring_page[i],
                      "shared ring page byte %zu: ours=0x%02x xen=0x%02x", i,
                      probe_ours.ring_page[i], probe_xen.ring_page[i]);
}
END_TEST

START_TEST(flex_ring_helpers_behave_like_xen)
{
    size_t i;

    ck_assert_uint_eq(probe_ours.flex_trace_len, probe_xen.flex_trace_len);
    for (i = 0; i < probe_xen.flex_trace_len; i++)
        ck_assert_msg(probe_ours.flex_trace[i] == probe_xen.flex_trace[i],
                      "flex trace step %zu: ours=%" PRIu32 " xen=%" PRIu32, i,
                      probe_ours.flex_trace[i], probe_xen.flex_trace[i]);
    ck_assert_mem_eq(probe_ours.flex_buf, probe_xen.flex_buf, sizeof(probe_xen.flex_buf));
}
END_TEST

START_TEST(toeplitz_hash_matches_xen)
{
    int i;

    for (i = 0; i < 4; i++)
        ck_assert_msg(probe_ours.toeplitz[i] == probe_xen.toeplitz[i],
                      "toeplitz case %d: ours=0x%08" PRIx32 " xen=0x%08" PRIx32, i,
                      probe_ours.toeplitz[i], probe_xen.toeplitz[i]);
    /* Microsoft's published RSS example: 66.9.149.187 -> 161.142.100.80 */
    ck_assert_uint_eq(probe_xen.toeplitz[0], 0x323e8fc2);
}
END_TEST

START_TEST(uuid_and_helper_macros_match_xen)
{
    size_t i;

    ck_assert_mem_eq(probe_ours.uuid, probe_xen.uuid, sizeof(probe_xen.uuid));
    ck_assert_uint_eq(probe_ours.misc_len, probe_xen.misc_len);
    for (i = 0; i < probe_xen.misc_len; i++)
        ck_assert_msg(probe_ours.misc[i] == probe_xen.misc[i], "helper %zu: ours=%" PRIu32
                      " xen=%" PRIu32, i, probe_ours.misc[i], probe_xen.misc[i]);
}
END_TEST

START_TEST(gnttab_error_msgs_match_xen)
{
    size_t i;

    ck_assert_uint_eq(probe_ours.gnttab_msgs_len, probe_xen.gnttab_msgs_len);
    for (i = 0; i < probe_xen.gnttab_msgs_len && i < 16; i++)
        ck_assert_str_eq(probe_ours.gnttab_msgs[i], probe_xen.gnttab_msgs[i]);
}
END_TEST

START_TEST(xsd_errors_table_matches_xen)
{
    size_t i;

    ck_assert_uint_eq(probe_ours.xsd_len, probe_xen.xsd_len);
    for (i = 0; i < probe_xen.xsd_len && i < 32; i++) {
        ck_assert_int_eq(probe_ours.xsd_errnum[i], probe_xen.xsd_errnum[i]);
        ck_assert_str_eq(probe_ours.xsd_errstr[i], probe_xen.xsd_errstr[i]);
    }
}
END_TEST

/* Freestanding table (Xen ABI errno numbers) equals the host's on Linux x86. */
START_TEST(xsd_errors_freestanding_uses_xen_errno)
{
    size_t i;

    ck_assert_uint_eq(probe_xsd.xsd_len, probe_xen.xsd_len);
    for (i = 0; i < probe_xen.xsd_len && i < 32; i++) {
        ck_assert_int_eq(probe_xsd.xsd_errnum[i], probe_xen.xsd_errnum[i]);
        ck_assert_str_eq(probe_xsd.xsd_errstr[i], probe_xen.xsd_errstr[i]);
    }
}
END_TEST

/* ---- suite ------------------------------------------------------------------------- */

/* The dynamically named tests outlive the suite's set-up; freed after the run (LeakSanitizer). */
static void *kept[512];
static size_t nkept;

static void *kept_alloc(size_t size)
{
    void *p = calloc(1, size);

    if (!p || nkept == sizeof(kept) / sizeof(kept[0]))
        abort();
    return kept[nkept++] = p;
}

/* Named per-section tests: "<pair>_<section>", looping over that section's rows. */
static void add_section_tests(TCase *tc, size_t pair)
{
    const struct abi_pair *pr = &abi_pairs[pair];
    size_t r, start = 0, n = *pr->xen_len;
    const char *sec = "preamble";

    for (r = 0; r <= n; r++) {
        if (r < n && pr->xen[r].kind != '#')
            continue;
        if (r > start) {
            TTest *t = kept_alloc(sizeof(*t));
            char *name = kept_alloc(128);

            snprintf(name, 128, "%s_%s", pr->label, sec);
            t->name = name;
            t->fn = abi_test_row;
            t->file = __FILE__;
            t->line = __LINE__;
            _tcase_add_test(tc, t, 0, 0, ABI_IDX(pair, start), ABI_IDX(pair, r));
        }
        if (r < n) {
            sec = pr->xen[r].name;
            start = r + 1;
        }
    }
    /* rows beyond the Xen table (ours longer) still get checked */
    if (*pr->ours_len > n) {
        TTest *t = kept_alloc(sizeof(*t));

        t->name = "extra_rows";
        t->fn = abi_test_row;
        t->file = __FILE__;
        t->line = __LINE__;
        _tcase_add_test(tc, t, 0, 0, ABI_IDX(pair, n), ABI_IDX(pair, *pr->ours_len));
    }
}

static Suite *abi_suite(void)
{
    Suite *s = suite_create("abi");
    TCase *items = tcase_create("items");
    TCase *behaviour = tcase_create("behaviour");
    TTest *same = kept_alloc(sizeof(*same));
    size_t i;

    same->name = "same_item_lists";
    same->fn = abi_test_same_items;
    same->file = __FILE__;
    same->line = __LINE__;
    _tcase_add_test(items, same, 0, 0, 0, (int)ABI_NPAIRS);
    for (i = 0; i < ABI_NPAIRS; i++)
        add_section_tests(items, i);
    suite_add_tcase(s, items);

    {
        static const struct {
            const char *name;
            TFun fn;
            const char *const *list;
        } mt[] = {
            {"macros_x86_64", abi_test_macros64, abi_xen_macros64},
            {"macros_x86_32", abi_test_macros32, abi_xen_macros32},
            {"our_macros_x86_64", abi_test_our_macros64, abi_ours_macros64},
            {"our_macros_x86_32", abi_test_our_macros32, abi_ours_macros32},
        };
        TCase *macros = tcase_create("macros");

        for (i = 0; i < sizeof(mt) / sizeof(mt[0]); i++) {
            TTest *t = kept_alloc(sizeof(*t));

            t->name = mt[i].name;
            t->fn = mt[i].fn;
            t->file = __FILE__;
            t->line = __LINE__;
            _tcase_add_test(macros, t, 0, 0, 0, (int)abi_list_len(mt[i].list));
        }
        suite_add_tcase(s, macros);
    }

    tcase_add_unchecked_fixture(behaviour, abi_probe_setup, NULL);
    tcase_add_test(behaviour, ring_macros_behave_like_xen);
    tcase_add_test(behaviour, flex_ring_helpers_behave_like_xen);
    tcase_add_test(behaviour, toeplitz_hash_matches_xen);
    tcase_add_test(behaviour, uuid_and_helper_macros_match_xen);
    tcase_add_test(behaviour, gnttab_error_msgs_match_xen);
    tcase_add_test(behaviour, xsd_errors_table_matches_xen);
    tcase_add_test(behaviour, xsd_errors_freestanding_uses_xen_errno);
    suite_add_tcase(s, behaviour);
    return s;
}

int main(void)
{
    /* Pure table comparisons: no need to fork per item (CK_FORK=yes overrides). */
    int rc = check_run(abi_suite(), false);

    while (nkept > 0)
        free(kept[--nkept]);
    return rc;
}
