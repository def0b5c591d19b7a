/* test_xlcfg.c: Check suite for the xl.cfg parser: value forms, keys, overrides (main). */
#include <check.h>

#include "check_run.h"
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <pvisor/ctl_wire.h>
#include <pvisor/xlcfg.h>

TCase *xlcfg_files_tcase(void);
TCase *xlcfg_errors_tcase(void);
TCase *xlcfg_hostile_tcase(void);

static char err[512];
static char warnings[4096];
static struct xlcfg_doc doc;
static struct xlcfg cfg;

static void collect_warning(void *opaque, const char *msg)
{
    (void)opaque;
    strncat(warnings, msg, sizeof(warnings) - strlen(warnings) - 2);
    strcat(warnings, "\n");
}

static void setup(void)
{
    err[0] = warnings[0] = '\0';
    memset(&doc, 0, sizeof(doc));
    memset(&cfg, 0, sizeof(cfg));
}

static void teardown(void)
{
    xlcfg_doc_free(&doc);
    xlcfg_free(&cfg);
}

static int parse(const char *text)
{
    return xlcfg_doc_parse(&doc, "t.cfg", 1, text, strlen(text), err, sizeof(err));
}

static const struct xlcfg_value *val(const char *key)
{
    const struct xlcfg_setting *s = xlcfg_doc_get(&doc, key);

    ck_assert_msg(s != NULL, "no setting %s", key);
    return &s->v;
}

static void assert_str(const char *key, const char *want)
{
    const struct xlcfg_value *v = val(key);

    ck_assert_int_eq(v->type, XLCFG_STRING);
    ck_assert_str_eq(v->str, want);
}

/* Builds a domain config from a file text plus overrides. */
static int build(const char *text, char *const *ov, int nov)
{
    int rc = xlcfg_doc_parse(&doc, "t.cfg", 1, text, strlen(text), err, sizeof(err));

    for (int i = 0; rc == 0 && i < nov; i++)
        rc = xlcfg_doc_parse(&doc, "<command line>", i + 1, ov[i], strlen(ov[i]), err, sizeof(err));
    if (rc == 0)
        rc = xlcfg_from_doc(&doc, "t.cfg", &cfg, collect_warning, NULL, err, sizeof(err));
    return rc;
}

#define MIN_CFG "name = 'g'\nkernel = '/k'\n"

/* --- value forms ------------------------------------------------------------------ */

START_TEST(double_quoted)
{
    ck_assert_int_eq(parse("a = \"hello world\"\n"), 0);
    assert_str("a", "hello world");
}
END_TEST

START_TEST(single_quoted)
{
    ck_assert_int_eq(parse("a = 'it \"is\" here'"), 0);
    assert_str("a", "it \"is\" here");
}
END_TEST

START_TEST(escapes)
{
    ck_assert_int_eq(parse("a = '\\n\\t\\\\\\\"\\'\\x41\\101\\a\\b\\f\\r\\v\\7'"), 0);
    assert_str("a", "\n\t\\\"'AA\a\b\f\r\v\a");
}
END_TEST

START_TEST(hash_in_string)
{
    ck_assert_int_eq(parse("a = 'x # not a comment' # a comment\n"), 0);
    assert_str("a", "x # not a comment");
}
END_TEST

START_TEST(empty_string)
{
    ck_assert_int_eq(parse("a = ''"), 0);
    assert_str("a", "");
}
END_TEST

START_TEST(utf8_string)
{
    ck_assert_int_eq(parse("a = 'gr\xc3\xbc\xc3\x9f'"), 0);
    assert_str("a", "gr\xc3\xbc\xc3\x9f");
}
END_TEST

START_TEST(numbers)
{
    ck_assert_int_eq(parse("a = 42\nb = 0x1F\nc = 007\nd = 18446744073709551615\n"), 0);
    ck_assert_int_eq(val("a")->type, XLCFG_NUMBER);
    ck_assert_str_eq(val("a")->str, "42");
    ck_assert_str_eq(val("b")->str, "0x1F");
    ck_assert_str_eq(val("c")->str, "007");
    ck_assert_str_eq(val("d")->str, "18446744073709551615");
}
END_TEST

START_TEST(list_one_line)
{
    const struct xlcfg_value *v;

    ck_assert_int_eq(parse("disk = [ 'a', \"b\", 3 ]"), 0);
    v = val("disk");
    ck_assert_int_eq(v->type, XLCFG_LIST);
    ck_assert_uint_eq(v->nitems, 3);
    ck_assert_str_eq(v->items[0], "a");
    ck_assert_str_eq(v->items[1], "b");
    ck_assert_str_eq(v->items[2], "3");
}
END_TEST

START_TEST(list_multi_line)
{
    const struct xlcfg_value *v;

    ck_assert_int_eq(parse("vif = [\n  'mac=1',  # first\n\n  # between\n  'mac=2',\n]\n"
                           "after = 1\n"),
                     0);
    v = val("vif");
    ck_assert_uint_eq(v->nitems, 2);
    ck_assert_str_eq(v->items[1], "mac=2");
    ck_assert_int_eq(xlcfg_doc_get(&doc, "after")->line, 7);
}
END_TEST

START_TEST(list_empty_and_trailing_comma)
{
    ck_assert_int_eq(parse("a = []\nb = [ 'x', ]\nc = [\n]\n"), 0);
    ck_assert_uint_eq(val("a")->nitems, 0);
    ck_assert_int_eq(val("a")->type, XLCFG_LIST);
    ck_assert_uint_eq(val("b")->nitems, 1);
    ck_assert_uint_eq(val("c")->nitems, 0);
}
END_TEST

START_TEST(comments_and_blank_lines)
{
    ck_assert_int_eq(parse("# header\n\n   # indented\n\ta = 1 # trailing\n#end"), 0);
    ck_assert_uint_eq(doc.nset, 1);
    ck_assert_int_eq(xlcfg_doc_get(&doc, "a")->line, 4);
}
END_TEST

START_TEST(semicolons)
{
    ck_assert_int_eq(parse("a = 1; b = 'x';\n;;\nc = [ 'y' ];"), 0);
    ck_assert_uint_eq(doc.nset, 3);
    ck_assert_int_eq(xlcfg_doc_get(&doc, "c")->line, 3);
}
END_TEST

START_TEST(crlf_and_no_final_newline)
{
    ck_assert_int_eq(parse("a = 'x'\r\nb = 2\r\nc = 3"), 0);
    assert_str("a", "x");
    ck_assert_str_eq(val("c")->str, "3");
    ck_assert_int_eq(xlcfg_doc_get(&doc, "c")->line, 3);
}
END_TEST

START_TEST(last_wins)
{
    ck_assert_int_eq(parse("a = 'x'\nb = 1\na = [ 'y' ]\n"), 0);
    ck_assert_uint_eq(doc.nset, 2);
    ck_assert_int_eq(val("a")->type, XLCFG_LIST);
    ck_assert_int_eq(xlcfg_doc_get(&doc, "a")->line, 3);
}
END_TEST

START_TEST(plus_equals)
{
    ck_assert_int_eq(parse("s = 'ab'\ns += 'cd'\nl = [ 'x' ]\nl += [ 'y', 'z' ]\n"
                           "n += 'new'\n"),
                     0);
    assert_str("s", "abcd");
    ck_assert_uint_eq(val("l")->nitems, 3);
    ck_assert_str_eq(val("l")->items[2], "z");
    assert_str("n", "new");
}
END_TEST

START_TEST(key_forms)
{
    ck_assert_int_eq(parse("on_crash = 1\nA.b_9 = 2\n_x=3\n"), 0);
    ck_assert_ptr_nonnull(xlcfg_doc_get(&doc, "A.b_9"));
    ck_assert_ptr_nonnull(xlcfg_doc_get(&doc, "_x"));
    ck_assert_ptr_null(xlcfg_doc_get(&doc, "nope"));
}
END_TEST

START_TEST(empty_text)
{
    ck_assert_int_eq(parse(""), 0);
    ck_assert_uint_eq(doc.nset, 0);
    ck_assert_int_eq(parse("\n\n# only comments\n"), 0);
    ck_assert_uint_eq(doc.nset, 0);
}
END_TEST

/* --- the domain configuration -------------------------------------------------------- */

START_TEST(defaults)
{
    ck_assert_int_eq(build(MIN_CFG, NULL, 0), 0);
    ck_assert_str_eq(cfg.name, "g");
    ck_assert_str_eq(cfg.kernel, "/k");
    ck_assert_uint_eq(cfg.type, PVCTL_TYPE_PV);
    ck_assert_uint_eq(cfg.memory_mb, 32);
    ck_assert_uint_eq(cfg.maxmem_mb, 32);
    ck_assert_uint_eq(cfg.vcpus, 1);
    ck_assert_uint_eq(cfg.maxvcpus, 1);
    ck_assert_int_eq(cfg.on_poweroff, XLCFG_DESTROY);
    ck_assert_int_eq(cfg.on_reboot, XLCFG_RESTART);
    ck_assert_int_eq(cfg.on_crash, XLCFG_DESTROY);
    ck_assert_int_eq(cfg.have_uuid, 0);
    ck_assert_str_eq(cfg.cmdline, "");
    ck_assert_uint_eq(cfg.disk.n, 0);
    ck_assert_str_eq(warnings, "");
}
END_TEST

START_TEST(all_keys)
{
    ck_assert_int_eq(build("name = \"web1\"; type = \"pvh\"; kernel = \"k\"\n"
                           "cmdline = \"console=hvc0\"; extra = \"quiet\"\n"
                           "memory = 64; maxmem = 0x80; vcpus = 2; maxvcpus = 4\n"
                           "on_poweroff = 'preserve'; on_reboot = 'destroy'\n"
                           "on_crash = 'restart'; on_watchdog = 'preserve'\n"
                           "uuid = '0123ABCD-4567-89ab-cdef-0123456789ab'\n"
                           "disk = [ 'format=raw, vdev=xvda, target=/d' ]\n"
                           "vif = [ 'mac=00:16:3e:00:00:01', 'bridge=br0' ]\n",
                           NULL, 0),
                     0);
    ck_assert_str_eq(cfg.name, "web1");
    ck_assert_uint_eq(cfg.type, PVCTL_TYPE_PVH);
    ck_assert_str_eq(cfg.cmdline, "console=hvc0 quiet");
    ck_assert_uint_eq(cfg.memory_mb, 64);
    ck_assert_uint_eq(cfg.maxmem_mb, 128);
    ck_assert_uint_eq(cfg.vcpus, 2);
    ck_assert_uint_eq(cfg.maxvcpus, 4);
    ck_assert_int_eq(cfg.on_poweroff, XLCFG_PRESERVE);
    ck_assert_int_eq(cfg.on_reboot, XLCFG_DESTROY);
    ck_assert_int_eq(cfg.on_crash, XLCFG_RESTART);
    ck_assert_int_eq(cfg.on_watchdog, XLCFG_PRESERVE);
    ck_assert_int_eq(cfg.have_uuid, 1);
    ck_assert_uint_eq(cfg.uuid[0], 0x01);
    ck_assert_uint_eq(cfg.uuid[3], 0xcd);
    ck_assert_uint_eq(cfg.uuid[15], 0xab);
    ck_assert_uint_eq(cfg.disk.n, 1);
    ck_assert_str_eq(cfg.disk.v[0], "format=raw, vdev=xvda, target=/d");
    ck_assert_uint_eq(cfg.vif.n, 2);
    ck_assert_str_eq(cfg.vif.v[1], "bridge=br0");
    ck_assert_str_eq(warnings, "");
}
END_TEST

START_TEST(builder_generic)
{
    ck_assert_int_eq(build(MIN_CFG "builder = 'generic'\n", NULL, 0), 0);
    ck_assert_uint_eq(cfg.type, PVCTL_TYPE_PV);
}
END_TEST

START_TEST(type_beats_builder)
{
    ck_assert_int_eq(build(MIN_CFG "builder = 'hvm'\ntype = 'pvh'\n", NULL, 0), 0);
    ck_assert_uint_eq(cfg.type, PVCTL_TYPE_PVH);
}
END_TEST

START_TEST(type_errors)
{
    ck_assert_int_eq(build(MIN_CFG "type = 'hvm'\n", NULL, 0), -EINVAL);
    ck_assert_str_eq(err, "t.cfg:3: type \"hvm\" is not supported: pvisor runs PV and PVH "
                          "guests (type = \"pv\" or \"pvh\")");
    xlcfg_doc_free(&doc);
    ck_assert_int_eq(build(MIN_CFG "\ntype = 'xen'\n", NULL, 0), -EINVAL);
    ck_assert_str_eq(err, "t.cfg:4: unknown type \"xen\" (use type = \"pv\" or \"pvh\")");
    xlcfg_doc_free(&doc);
    ck_assert_int_eq(build(MIN_CFG "type = 'generic'\n", NULL, 0), -EINVAL);
    xlcfg_doc_free(&doc);
    ck_assert_int_eq(build(MIN_CFG "builder = 'hvm'\n", NULL, 0), -EINVAL);
    ck_assert_ptr_nonnull(strstr(err, "t.cfg:3: builder \"hvm\" is not supported"));
}
END_TEST

START_TEST(cmdline_forms)
{
    ck_assert_int_eq(build(MIN_CFG "root = '/dev/xvda1'\nextra = 'ro quiet'\n", NULL, 0), 0);
    ck_assert_str_eq(cfg.cmdline, "root=/dev/xvda1 ro quiet");
    xlcfg_doc_free(&doc);
    xlcfg_free(&cfg);
    ck_assert_int_eq(build(MIN_CFG "extra = 'x=1'\n", NULL, 0), 0);
    ck_assert_str_eq(cfg.cmdline, "x=1");
    xlcfg_doc_free(&doc);
    xlcfg_free(&cfg);
    ck_assert_int_eq(build(MIN_CFG "root = 'r'\n", NULL, 0), 0);
    ck_assert_str_eq(cfg.cmdline, "root=r");
}
END_TEST

START_TEST(cmdline_overrides_root)
{
    ck_assert_int_eq(build(MIN_CFG "root = 'r'\ncmdline = 'c'\nextra = 'e'\n", NULL, 0), 0);
    ck_assert_str_eq(cfg.cmdline, "c e");
    ck_assert_ptr_nonnull(strstr(warnings, "t.cfg:4: warning: root = \"r\" is ignored"));
}
END_TEST

START_TEST(numbers_as_strings)
{
    ck_assert_int_eq(build(MIN_CFG "memory = '48'\nvcpus = \"0x2\"\n", NULL, 0), 0);
    ck_assert_uint_eq(cfg.memory_mb, 48);
    ck_assert_uint_eq(cfg.vcpus, 2);
    ck_assert_str_eq(cfg.name, "g");
}
END_TEST

START_TEST(number_errors)
{
    ck_assert_int_eq(build(MIN_CFG "memory = 'lots'\n", NULL, 0), -EINVAL);
    ck_assert_str_eq(err, "t.cfg:3: 'memory' must be a number (decimal or 0x hex)");
    xlcfg_doc_free(&doc);
    ck_assert_int_eq(build(MIN_CFG "memory = 0\n", NULL, 0), -EINVAL);
    ck_assert_str_eq(err, "t.cfg:3: 'memory' = 0 is out of range (1..1048576)");
    xlcfg_doc_free(&doc);
    ck_assert_int_eq(build(MIN_CFG "\n\nvcpus = 5000\n", NULL, 0), -EINVAL);
    ck_assert_str_eq(err, "t.cfg:5: 'vcpus' = 5000 is out of range (1..4096)");
    xlcfg_doc_free(&doc);
    ck_assert_int_eq(build(MIN_CFG "vcpus = [ 1 ]\n", NULL, 0), -EINVAL);
    ck_assert_str_eq(err, "t.cfg:3: 'vcpus' must be a number (decimal or 0x hex)");
    xlcfg_doc_free(&doc);
    ck_assert_int_eq(build(MIN_CFG "memory = '-5'\n", NULL, 0), -EINVAL);
}
END_TEST

START_TEST(maxmem_below_memory)
{
    ck_assert_int_eq(build(MIN_CFG "memory = 64\nmaxmem = 32\n", NULL, 0), -EINVAL);
    ck_assert_str_eq(err, "t.cfg:4: maxmem (32 MiB) is below memory (64 MiB)");
}
END_TEST

START_TEST(maxvcpus_below_vcpus)
{
    ck_assert_int_eq(build(MIN_CFG "maxvcpus = 1\nvcpus = 2\n", NULL, 0), -EINVAL);
    ck_assert_str_eq(err, "t.cfg:3: maxvcpus (1) is below vcpus (2)");
}
END_TEST

START_TEST(ramdisk_rejected)
{
    ck_assert_int_eq(build(MIN_CFG "\nramdisk = '/boot/initrd'\n", NULL, 0), -EINVAL);
    ck_assert_str_eq(err, "t.cfg:4: ramdisk is not supported yet; remove the ramdisk line");
}
END_TEST

START_TEST(actions_unsupported)
{
    static const char *const bad[] = {"rename-restart", "coredump-destroy", "coredump-restart"};
    static const char *const keys[] = {"on_poweroff", "on_reboot", "on_crash"};
    char text[256], want[256];

    for (int k = 0; k < 3; k++) {
        for (int b = 0; b < 3; b++) {
            snprintf(text, sizeof(text), MIN_CFG "%s = '%s'\n", keys[k], bad[b]);
            snprintf(want, sizeof(want),
                     "t.cfg:3: %s = \"%s\" is not supported by pvisor; "
                     "use \"destroy\", \"restart\" or \"preserve\"",
                     keys[k], bad[b]);
            ck_assert_int_eq(build(text, NULL, 0), -EINVAL);
            ck_assert_str_eq(err, want);
            xlcfg_doc_free(&doc);
        }
    }
    ck_assert_int_eq(build(MIN_CFG "on_crash = 'explode'\n", NULL, 0), -EINVAL);
    ck_assert_ptr_nonnull(strstr(err, "unknown on_crash action \"explode\""));
}
END_TEST

START_TEST(uuid_forms)
{
    uint8_t u[16];
    char s[37];

    ck_assert_int_eq(xlcfg_uuid_parse("00112233-4455-6677-8899-aabbccddeeff", u), 0);
    xlcfg_uuid_format(u, s);
    ck_assert_str_eq(s, "00112233-4455-6677-8899-aabbccddeeff");
    ck_assert_int_eq(xlcfg_uuid_parse("00112233-4455-6677-8899-aabbccddeef", u), -EINVAL);
    ck_assert_int_eq(xlcfg_uuid_parse("00112233-4455-6677-8899-aabbccddeeff0", u), -EINVAL);
    ck_assert_int_eq(xlcfg_uuid_parse("0011223344556677-8899-aabbccddeeff00", u), -EINVAL);
    ck_assert_int_eq(xlcfg_uuid_parse("g0112233-4455-6677-8899-aabbccddeeff", u), -EINVAL);
    ck_assert_int_eq(xlcfg_uuid_parse("", u), -EINVAL);
    ck_assert_int_eq(build(MIN_CFG "uuid = 'nope'\n", NULL, 0), -EINVAL);
    ck_assert_ptr_nonnull(strstr(err, "t.cfg:3: uuid \"nope\" is not of the form"));
}
END_TEST

START_TEST(list_keys_need_lists)
{
    ck_assert_int_eq(build(MIN_CFG "disk = 'target=/x'\n", NULL, 0), -EINVAL);
    ck_assert_str_eq(err, "t.cfg:3: 'disk' must be a list, e.g. disk = [ '...' ]");
    xlcfg_doc_free(&doc);
    ck_assert_int_eq(build(MIN_CFG "name = [ 'a' ]\n", NULL, 0), -EINVAL);
    ck_assert_str_eq(err, "t.cfg:3: 'name' takes a single value, not a list");
}
END_TEST

START_TEST(unknown_key_warns)
{
    ck_assert_int_eq(build(MIN_CFG "\nbootloader = 'pygrub'\nvfb = [ ]\n", NULL, 0), 0);
    ck_assert_str_eq(warnings,
                     "t.cfg:4: warning: unknown or unsupported setting 'bootloader' ignored\n"
                     "t.cfg:5: warning: unknown or unsupported setting 'vfb' ignored\n");
}
END_TEST

START_TEST(name_checks)
{
    static const struct {
        const char *text, *msg;
    } cases[] = {
        {"kernel = '/k'\n", "t.cfg: no name: add a line like name = \"guest1\""},
        {"name = 'g'\n", "t.cfg: no kernel: add a line like kernel = \"/path/to/guest\""},
        {"name = ''\nkernel = '/k'\n", "t.cfg:1: name must be 1..63 characters"},
        {"name = '123'\nkernel = '/k'\n",
         "t.cfg:1: name \"123\" is all digits and would read as a domain id"},
        {"name = 'a b'\nkernel = '/k'\n",
         "t.cfg:1: name \"a b\" may only hold printable characters, no spaces or '/'"},
        {"name = 'a/b'\nkernel = '/k'\n",
         "t.cfg:1: name \"a/b\" may only hold printable characters, no spaces or '/'"},
        {"name = 'Domain-0'\nkernel = '/k'\n",
         "t.cfg:1: name \"Domain-0\" is reserved for the control domain"},
        {"name = 'g'\nkernel = ''\n", "t.cfg:2: kernel is empty"},
    };

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        ck_assert_int_eq(build(cases[i].text, NULL, 0), -EINVAL);
        ck_assert_str_eq(err, cases[i].msg);
        ck_assert_ptr_null(cfg.name);
        xlcfg_doc_free(&doc);
    }
}
END_TEST

START_TEST(name_length_limit)
{
    char text[256];

    snprintf(text, sizeof(text), "kernel='/k'\nname='%063d'\n", 7);
    text[strlen("kernel='/k'\nname='")] = 'x';
    ck_assert_int_eq(build(text, NULL, 0), 0);
    ck_assert_uint_eq(strlen(cfg.name), 63);
    xlcfg_doc_free(&doc);
    xlcfg_free(&cfg);
    snprintf(text, sizeof(text), "kernel='/k'\nname='x%063d'\n", 7);
    ck_assert_int_eq(build(text, NULL, 0), -EINVAL);
    ck_assert_str_eq(err, "t.cfg:2: name must be 1..63 characters");
}
END_TEST

/* --- command-line overrides ------------------------------------------------------------ */

START_TEST(overrides_win)
{
    char *ov[] = {"memory=64", "name=\"x\"", "vcpus = 2; extra='e'"};

    ck_assert_int_eq(build(MIN_CFG "memory = 16\nvcpus = 1\n", ov, 3), 0);
    ck_assert_uint_eq(cfg.memory_mb, 64);
    ck_assert_str_eq(cfg.name, "x");
    ck_assert_uint_eq(cfg.vcpus, 2);
    ck_assert_str_eq(cfg.cmdline, "e");
}
END_TEST

START_TEST(override_errors_name_argument)
{
    char *ov[] = {"memory=64", "name=x"};
    char *ov2[] = {"memory=0"};

    ck_assert_int_eq(build(MIN_CFG, ov, 2), -EINVAL);
    ck_assert_str_eq(err, "<command line>:2: bare word 'x' after '='; strings need quotes: "
                          "\"x\"");
    xlcfg_doc_free(&doc);
    ck_assert_int_eq(build(MIN_CFG, ov2, 1), -EINVAL);
    ck_assert_str_eq(err, "<command line>:1: 'memory' = 0 is out of range (1..1048576)");
}
END_TEST

START_TEST(override_list_append)
{
    char *ov[] = {"vif += [ 'bridge=b' ]"};

    ck_assert_int_eq(build(MIN_CFG "vif = [ 'bridge=a' ]\n", ov, 1), 0);
    ck_assert_uint_eq(cfg.vif.n, 2);
    ck_assert_str_eq(cfg.vif.v[1], "bridge=b");
    ck_assert_uint_eq(cfg.nvifs, 2);
    ck_assert_str_eq(cfg.vifs[1].bridge, "b");
}
END_TEST

START_TEST(names_of_things)
{
    ck_assert_str_eq(xlcfg_action_name(XLCFG_DESTROY), "destroy");
    ck_assert_str_eq(xlcfg_action_name(XLCFG_RESTART), "restart");
    ck_assert_str_eq(xlcfg_action_name(XLCFG_PRESERVE), "preserve");
    ck_assert_str_eq(xlcfg_type_name(PVCTL_TYPE_PV), "pv");
    ck_assert_str_eq(xlcfg_type_name(PVCTL_TYPE_PVH), "pvh");
}
END_TEST

static TCase *values_tcase(void)
{
    TCase *tc = tcase_create("values");

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, double_quoted);
    tcase_add_test(tc, single_quoted);
    tcase_add_test(tc, escapes);
    tcase_add_test(tc, hash_in_string);
    tcase_add_test(tc, empty_string);
    tcase_add_test(tc, utf8_string);
    tcase_add_test(tc, numbers);
    tcase_add_test(tc, list_one_line);
    tcase_add_test(tc, list_multi_line);
    tcase_add_test(tc, list_empty_and_trailing_comma);
    tcase_add_test(tc, comments_and_blank_lines);
    tcase_add_test(tc, semicolons);
    tcase_add_test(tc, crlf_and_no_final_newline);
    tcase_add_test(tc, last_wins);
    tcase_add_test(tc, plus_equals);
    tcase_add_test(tc, key_forms);
    tcase_add_test(tc, empty_text);
    return tc;
}

static TCase *keys_tcase(void)
{
    TCase *tc = tcase_create("keys");

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, defaults);
    tcase_add_test(tc, all_keys);
    tcase_add_test(tc, builder_generic);
    tcase_add_test(tc, type_beats_builder);
    tcase_add_test(tc, type_errors);
    tcase_add_test(tc, cmdline_forms);
    tcase_add_test(tc, cmdline_overrides_root);
    tcase_add_test(tc, numbers_as_strings);
    tcase_add_test(tc, number_errors);
    tcase_add_test(tc, maxmem_below_memory);
    tcase_add_test(tc, maxvcpus_below_vcpus);
    tcase_add_test(tc, ramdisk_rejected);
    tcase_add_test(tc, actions_unsupported);
    tcase_add_test(tc, uuid_forms);
    tcase_add_test(tc, list_keys_need_lists);
    tcase_add_test(tc, unknown_key_warns);
    tcase_add_test(tc, name_checks);
    tcase_add_test(tc, name_length_limit);
    tcase_add_test(tc, overrides_win);
    tcase_add_test(tc, override_errors_name_argument);
    tcase_add_test(tc, override_list_append);
    tcase_add_test(tc, names_of_things);
    return tc;
}

int main(void)
{
    Suite *s = suite_create("xlcfg");

    suite_add_tcase(s, values_tcase());
    suite_add_tcase(s, keys_tcase());
    suite_add_tcase(s, xlcfg_files_tcase());
    suite_add_tcase(s, xlcfg_errors_tcase());
    suite_add_tcase(s, xlcfg_hostile_tcase());
    return check_run(s, true);
}
