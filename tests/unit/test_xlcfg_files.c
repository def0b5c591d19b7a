/* test_xlcfg_files.c: xl.cfg files: loading, kernel path resolution, rendering round trip. */
#include <check.h>
#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <pvisor/ctl_wire.h>
#include <pvisor/xlcfg.h>

TCase *xlcfg_files_tcase(void);

static char err[512];
static char tmpdir[PATH_MAX];
static struct xlcfg_doc doc;
static struct xlcfg cfg;

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st, (void)flag, (void)ftw;
    return remove(path);
}

static void setup(void)
{
    err[0] = tmpdir[0] = '\0';
    memset(&doc, 0, sizeof(doc));
    memset(&cfg, 0, sizeof(cfg));
}

static void teardown(void)
{
    xlcfg_doc_free(&doc);
    xlcfg_free(&cfg);
    if (tmpdir[0])
        nftw(tmpdir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static int build(const char *text, char *const *ov, int nov)
{
    int rc = xlcfg_doc_parse(&doc, "t.cfg", 1, text, strlen(text), err, sizeof(err));

    (void)ov, (void)nov;
    if (rc == 0)
        rc = xlcfg_from_doc(&doc, "t.cfg", &cfg, NULL, NULL, err, sizeof(err));
    return rc;
}

static void collect_warning(void *opaque, const char *msg)
{
    (void)opaque, (void)msg;
}

/* --- files, paths, rendering ---------------------------------------------------------- */

static void write_file(const char *rel, const char *text)
{
    char path[PATH_MAX + 64];
    FILE *f;

    snprintf(path, sizeof(path), "%s/%s", tmpdir, rel);
    f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs(text, f);
    fclose(f);
}

static void make_tmpdir(void)
{
    char sub[PATH_MAX + 16];

    snprintf(tmpdir, sizeof(tmpdir), "/tmp/test-xlcfg-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(tmpdir));
    snprintf(sub, sizeof(sub), "%s/etc", tmpdir);
    ck_assert_int_eq(mkdir(sub, 0700), 0);
    snprintf(sub, sizeof(sub), "%s/guests", tmpdir);
    ck_assert_int_eq(mkdir(sub, 0700), 0);
    write_file("guests/hello", "ELF");
}

START_TEST(load_and_resolve_relative_to_config)
{
    char path[PATH_MAX + 32], want[PATH_MAX + 32], *ov[] = {"vcpus=2"};

    make_tmpdir();
    write_file("etc/h.cfg", "name = 'h'\nkernel = '../guests/hello'\nmemory = 16\n");
    snprintf(path, sizeof(path), "%s/etc/h.cfg", tmpdir);
    ck_assert_int_eq(xlcfg_load(path, ov, 1, &cfg, collect_warning, NULL, err, sizeof(err)), 0);
    ck_assert_str_eq(cfg.source, path);
    snprintf(want, sizeof(want), "%s/etc", tmpdir);
    ck_assert_str_eq(cfg.dir, want);
    ck_assert_uint_eq(cfg.vcpus, 2);
    ck_assert_int_eq(xlcfg_resolve_paths(&cfg, err, sizeof(err)), 0);
    snprintf(want, sizeof(want), "%s/guests/hello", tmpdir);
    ck_assert_str_eq(cfg.kernel, want);
}
END_TEST

START_TEST(resolve_falls_back_to_cwd)
{
    char old[PATH_MAX], want[PATH_MAX + 32];

    make_tmpdir();
    ck_assert_ptr_nonnull(getcwd(old, sizeof(old)));
    ck_assert_int_eq(chdir(tmpdir), 0);
    write_file("etc/h.cfg", "name = 'h'\nkernel = 'guests/hello'\n");
    ck_assert_int_eq(xlcfg_load("etc/h.cfg", NULL, 0, &cfg, NULL, NULL, err, sizeof(err)), 0);
    ck_assert_str_eq(cfg.dir, "etc");
    ck_assert_int_eq(xlcfg_resolve_paths(&cfg, err, sizeof(err)), 0);
    snprintf(want, sizeof(want), "%s/guests/hello", tmpdir);
    ck_assert_str_eq(cfg.kernel, want);
    ck_assert_int_eq(chdir(old), 0);
}
END_TEST

START_TEST(resolve_not_found)
{
    char path[PATH_MAX + 32];

    make_tmpdir();
    write_file("etc/h.cfg", "name = 'h'\nkernel = 'nothere'\n");
    snprintf(path, sizeof(path), "%s/etc/h.cfg", tmpdir);
    ck_assert_int_eq(xlcfg_load(path, NULL, 0, &cfg, NULL, NULL, err, sizeof(err)), 0);
    ck_assert_int_eq(xlcfg_resolve_paths(&cfg, err, sizeof(err)), -ENOENT);
    ck_assert_str_eq(cfg.kernel, "nothere");
    ck_assert_ptr_nonnull(strstr(err, "kernel \"nothere\" not found (looked for "));
    xlcfg_free(&cfg);
    ck_assert_int_eq(build("name='a'\nkernel='/no/such/kernel'\n", NULL, 0), 0);
    ck_assert_int_eq(xlcfg_resolve_paths(&cfg, err, sizeof(err)), -ENOENT);
    ck_assert_str_eq(err, "kernel /no/such/kernel: No such file or directory");
}
END_TEST

START_TEST(load_errors)
{
    char path[PATH_MAX + 32];

    ck_assert_int_eq(xlcfg_load("/no/such.cfg", NULL, 0, &cfg, NULL, NULL, err, sizeof(err)),
                     -ENOENT);
    ck_assert_str_eq(err, "/no/such.cfg: cannot read config: No such file or directory");
    ck_assert_int_eq(xlcfg_load("/tmp", NULL, 0, &cfg, NULL, NULL, err, sizeof(err)), -EINVAL);
    ck_assert_str_eq(err, "/tmp: not a regular file");
    make_tmpdir();
    write_file("bad.cfg", "name = 'h'\n\nkernel = \n");
    snprintf(path, sizeof(path), "%s/bad.cfg", tmpdir);
    ck_assert_int_eq(xlcfg_load(path, NULL, 0, &cfg, NULL, NULL, err, sizeof(err)), -EINVAL);
    ck_assert_ptr_nonnull(strstr(err, "/bad.cfg:3: expected a value after '=', found end of "
                                      "line"));
}
END_TEST

START_TEST(format_round_trip)
{
    struct xlcfg again;
    struct xlcfg_doc d2 = {0};
    char *text, *text2;

    ck_assert_int_eq(build("name='q\"x'\nkernel='/a b/\\\\k'\nextra='a\\tb\\nc\\'d'\n"
                           "memory=20\nmaxmem=40\nvcpus=2\nmaxvcpus=3\non_crash='preserve'\n"
                           "uuid='00112233-4455-6677-8899-aabbccddeeff'\n"
                           "disk=['x,,xvda','vdev=xvdb, target=/y\\\\z,\"q']\nvif=['bridge=v']\n"
                           "type='pvh'\n",
                           NULL, 0),
                     0);
    text = xlcfg_format(&cfg);
    ck_assert_ptr_nonnull(text);
    ck_assert_int_eq(xlcfg_doc_parse(&d2, "fmt", 1, text, strlen(text), err, sizeof(err)), 0);
    ck_assert_int_eq(xlcfg_from_doc(&d2, "fmt", &again, NULL, NULL, err, sizeof(err)), 0);
    text2 = xlcfg_format(&again);
    ck_assert_str_eq(text, text2);
    ck_assert_str_eq(again.name, "q\"x");
    ck_assert_str_eq(again.kernel, "/a b/\\k");
    ck_assert_str_eq(again.cmdline, "a\tb\nc'd");
    ck_assert_str_eq(again.disk.v[1], "vdev=xvdb, target=/y\\z,\"q");
    ck_assert_uint_eq(again.ndisks, 2);
    ck_assert_str_eq(again.disks[0].target, "/dev/x");
    ck_assert_str_eq(again.disks[1].target, "/y\\z,\"q");
    ck_assert_uint_eq(again.type, PVCTL_TYPE_PVH);
    ck_assert_int_eq(memcmp(again.uuid, cfg.uuid, 16), 0);
    free(text);
    free(text2);
    xlcfg_free(&again);
    xlcfg_doc_free(&d2);
}
END_TEST

TCase *xlcfg_files_tcase(void)
{
    TCase *tc = tcase_create("files");

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, load_and_resolve_relative_to_config);
    tcase_add_test(tc, resolve_falls_back_to_cwd);
    tcase_add_test(tc, resolve_not_found);
    tcase_add_test(tc, load_errors);
    tcase_add_test(tc, format_round_trip);
    return tc;
}
