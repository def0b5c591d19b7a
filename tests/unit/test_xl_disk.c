/* test_xl_disk.c: Check suite for Xen's disk spec syntax, vdev numbers and the disk list. */
#include <check.h>

#include "check_run.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pvisor/xlcfg.h>

static char err[1024];
static struct xl_disk d;

static int parse(const char *spec)
{
    err[0] = '\0';
    return xl_disk_parse(spec, &d, err, sizeof(err));
}

/* --- spec forms ------------------------------------------------------------------------ */

START_TEST(keyed_form)
{
    ck_assert_int_eq(parse("format=raw, vdev=xvda, access=rw, target=/images/g1.img"), 0);
    ck_assert_str_eq(d.target, "/images/g1.img");
    ck_assert_str_eq(d.vdev, "xvda");
    ck_assert_uint_eq(d.devid, 51712);
    ck_assert_int_eq(d.readwrite, 1);
    ck_assert_int_eq(d.devtype, XL_DISK_DISK);
    ck_assert_int_eq(d.backend, XL_DISK_BE_DEFAULT);
    ck_assert_int_eq(d.discard, -1);
}
END_TEST

START_TEST(positional_form)
{
    ck_assert_int_eq(parse("/img.raw,raw,xvdb,ro"), 0);
    ck_assert_str_eq(d.target, "/img.raw");
    ck_assert_str_eq(d.vdev, "xvdb");
    ck_assert_uint_eq(d.devid, 51728);
    ck_assert_int_eq(d.readwrite, 0);
}
END_TEST

/* Xen's documented equivalents. */
START_TEST(xen_examples)
{
    static const char *const disk[] = {
        "/dev/vg/guest-volume,,hda",
        "/dev/vg/guest-volume,raw,hda,rw",
        "format=raw, vdev=hda, access=rw, target=/dev/vg/guest-volume",
        "raw:/dev/vg/guest-volume,hda,w",
    };
    static const char *const cdrom[] = {
        "/root/image.iso,,hdc,cdrom",
        "/root/image.iso,,hdc,,cdrom",
        "/root/image.iso,raw,hdc,devtype=cdrom",
        "format=raw, vdev=hdc, access=ro, devtype=cdrom, target=/root/image.iso",
        "raw:/root/image.iso,hdc:cdrom,ro",
    };

    for (size_t i = 0; i < sizeof(disk) / sizeof(disk[0]); i++) {
        ck_assert_msg(parse(disk[i]) == 0, "%s: %s", disk[i], err);
        ck_assert_str_eq(d.target, "/dev/vg/guest-volume");
        ck_assert_str_eq(d.vdev, "hda");
        ck_assert_uint_eq(d.devid, 768);
        ck_assert_int_eq(d.readwrite, 1);
        ck_assert_int_eq(d.devtype, XL_DISK_DISK);
    }
    for (size_t i = 0; i < sizeof(cdrom) / sizeof(cdrom[0]); i++) {
        ck_assert_msg(parse(cdrom[i]) == 0, "%s: %s", cdrom[i], err);
        ck_assert_str_eq(d.target, "/root/image.iso");
        ck_assert_str_eq(d.vdev, "hdc");
        ck_assert_uint_eq(d.devid, 5632);
        ck_assert_int_eq(d.readwrite, 0);
        ck_assert_int_eq(d.devtype, XL_DISK_CDROM);
    }
}
END_TEST

START_TEST(target_takes_the_rest)
{
    ck_assert_int_eq(parse("vdev=xvda, target=/a,b, c=d ,"), 0);
    ck_assert_str_eq(d.target, "/a,b, c=d ,");
    ck_assert_int_eq(parse("  target=/x"), -EINVAL); /* still needs a vdev */
    ck_assert_str_eq(err, "no vdev: name the device the guest sees, e.g. vdev=xvda (or give it "
                          "as the third positional value)");
}
END_TEST

START_TEST(relative_target_is_under_dev)
{
    ck_assert_int_eq(parse("vg/disk,,xvda"), 0);
    ck_assert_str_eq(d.target, "/dev/vg/disk");
    ck_assert_int_eq(parse("vdev=xvda,target=sdb"), 0);
    ck_assert_str_eq(d.target, "/dev/sdb");
}
END_TEST

START_TEST(named_then_positional)
{
    /* positionals fill the slots not given by name, in order */
    ck_assert_int_eq(parse("format=raw, /x, xvdc"), 0);
    ck_assert_str_eq(d.target, "/x");
    ck_assert_str_eq(d.vdev, "xvdc");
    ck_assert_int_eq(parse("vdev=xvdd, access=r, /y"), 0);
    ck_assert_str_eq(d.target, "/y");
    ck_assert_int_eq(d.readwrite, 0);
    ck_assert_int_eq(parse("vdev=xvdd, /y, raw, w"), 0);
    ck_assert_int_eq(d.readwrite, 1);
}
END_TEST

START_TEST(deprecated_prefixes)
{
    ck_assert_int_eq(parse("phy:/dev/vg/g1,xvda,w"), 0);
    ck_assert_str_eq(d.target, "/dev/vg/g1");
    ck_assert_str_eq(d.vdev, "xvda");
    ck_assert_int_eq(d.readwrite, 1);
    ck_assert_int_eq(parse("file:/img,xvdb,r"), 0);
    ck_assert_str_eq(d.target, "/img");
    ck_assert_int_eq(d.readwrite, 0);
    ck_assert_int_eq(parse("tap:aio:/img,xvdb"), 0);
    ck_assert_str_eq(d.target, "/img");
    ck_assert_int_eq(parse("tap:qcow2:/img,xvdb"), -EINVAL);
    ck_assert_ptr_nonnull(strstr(err, "format 'qcow2' is not supported: only raw images"));
    ck_assert_int_eq(parse("xvda:disk,vdev=xvdb"), 0); /* not a known prefix: a path */
    ck_assert_str_eq(d.target, "/dev/xvda:disk");
}
END_TEST

START_TEST(defaults_and_flags)
{
    ck_assert_int_eq(parse("/x,,xvda,,"), 0); /* empty values are defaults; trailing comma */
    ck_assert_int_eq(d.readwrite, 1);
    ck_assert_int_eq(parse("/x,,xvda,,cdrom"), 0);
    ck_assert_int_eq(d.readwrite, 0);
    ck_assert_int_eq(parse("/x,,xvda,rw,cdrom"), 0);
    ck_assert_int_eq(d.readwrite, 1);
    ck_assert_int_eq(parse("/x,,xvda,discard"), 0);
    ck_assert_int_eq(d.discard, 1);
    ck_assert_int_eq(parse("/x,,xvda,no-discard, direct-io-safe, trusted"), 0);
    ck_assert_int_eq(d.discard, 0);
    ck_assert_int_eq(parse("vdev=xvda,devtype=cdrom"), 0); /* an empty cdrom drive */
    ck_assert_str_eq(d.target, "");
    ck_assert_int_eq(parse("/x,,xvda,backend=0,backendtype=qdisk"), 0);
    ck_assert_int_eq(d.backend, XL_DISK_BE_QDISK);
    ck_assert_str_eq(xl_disk_backend_name(d.backend), "qdisk");
    ck_assert_str_eq(xl_disk_backend_name(XL_DISK_BE_DEFAULT), "phy");
    ck_assert_int_eq(parse("/x,,xvda,backend=Domain-0,backendtype=phy"), 0);
    ck_assert_int_eq(parse("\t /x , raw , xvda , rw "), 0);
    ck_assert_str_eq(d.target, "/x");
}
END_TEST

struct bad_spec {
    const char *spec;
    const char *err;
};

static const struct bad_spec bad_specs[] = {
    {"", "the disk spec is empty; e.g. 'format=raw, vdev=xvda, access=rw, "
         "target=/images/disk.img'"},
    {"  ", "the disk spec is empty; e.g. 'format=raw, vdev=xvda, access=rw, "
           "target=/images/disk.img'"},
    {"/x", "no vdev: name the device the guest sees, e.g. vdev=xvda (or give it as the third "
           "positional value)"},
    {"/x,,", "no vdev: name the device the guest sees, e.g. vdev=xvda (or give it as the third "
             "positional value)"},
    {"vdev=xvda", "no target: give the image file or block device, e.g. "
                  "target=/images/disk.img"},
    {"/x,qcow2,xvda", "format 'qcow2' is not supported: only raw images; convert it (`qemu-img "
                      "convert -O raw IN OUT`) and use format=raw"},
    {"format=vhd,vdev=xvda,target=/x", "format 'vhd' is not supported: only raw images; convert "
                                       "it (`qemu-img convert -O raw IN OUT`) and use "
                                       "format=raw"},
    {"/x,iso,xvda", "unknown format 'iso'; use format=raw"},
    {"/x,,xvda,rwx", "access 'rwx' is not one of r, ro, rw, w"},
    {"/x,,xvda,devtype=floppy", "unknown devtype 'floppy'; use devtype=disk or cdrom"},
    {"/x,,xvda,backend=dd1",
     "backend 'dd1' is not supported: pvisor serves disks from Domain-0 only; remove "
     "backend= or use backend=0"},
    {"/x,,xvda,backendtype=nbd",
     "unknown backendtype 'nbd'; use phy, qdisk, tap or standalone (pvisor's blkback serves "
     "raw images for all of them)"},
    {"/x,,xvda,script=block",
     "script= is not supported: pvisor runs no hotplug scripts (blkback opens the target "
     "itself); remove it"},
    {"/x,,xvda,colo-host=h",
     "unknown parameter 'colo-host' (pvisor knows target, format, vdev, access, devtype, "
     "backend, backendtype and the flags cdrom, discard, no-discard)"},
    {"/x,raw,xvda,rw,extra",
     "too many positional values at 'extra' (their order is target, format, vdev, access; "
     "name the others, e.g. devtype=cdrom)"},
    {"vdev=xvda,vdev=xvdb,target=/x", "vdev is given twice"},
    {"/x,raw,xvda,format=raw", "format is given twice"},
    {"/x,,xvda,cdrom,devtype=cdrom", "devtype is given twice"},
    {"/x,,xvda,discard,no-discard", "discard / no-discard is given twice"},
    {"/x,,xvda:floppy", "vdev 'xvda:floppy': the part after ':' must be cdrom or disk"},
    {"/x,,xvq1",
     "vdev 'xvq1' is not a virtual device name (Xen's names start with xvd, hd or sd, or are "
     "d<disk>p<partition> or a device number); use e.g. xvda, xvdb1, hdc, sda or a device "
     "number such as 51712"},
};

START_TEST(spec_errors)
{
    for (size_t i = 0; i < sizeof(bad_specs) / sizeof(bad_specs[0]); i++) {
        ck_assert_msg(parse(bad_specs[i].spec) == -EINVAL, "'%s' was accepted", bad_specs[i].spec);
        ck_assert_str_eq(err, bad_specs[i].err);
    }
}
END_TEST

START_TEST(long_items)
{
    static char spec[XL_DISK_TARGET_MAX + 64];

    memset(spec, 'a', sizeof(spec) - 1);
    spec[sizeof(spec) - 1] = '\0';
    ck_assert_int_eq(parse(spec), -EINVAL);
    ck_assert_ptr_nonnull(strstr(err, "is too long (at most 4095 bytes)"));
    memcpy(spec, "vdev=xvda,target=/", 18);
    ck_assert_int_eq(parse(spec), -EINVAL);
    ck_assert_str_eq(err, "target is longer than 4095 bytes");
    /* exactly at the limit */
    spec[XL_DISK_TARGET_MAX - 1 + 17] = '\0';
    ck_assert_msg(parse(spec) == 0, "%s", err);
    ck_assert_uint_eq(strlen(d.target), XL_DISK_TARGET_MAX - 1);
    /* a relative target that only overflows with /dev/ in front */
    memcpy(spec, "vdev=xvda,target=aa", 19);
    ck_assert_int_eq(parse(spec), -EINVAL);
    ck_assert_str_eq(err, "target is longer than 4095 bytes");
}
END_TEST

/* --- vdev numbers --------------------------------------------------------------------- */

struct vdev_case {
    const char *vdev;
    uint32_t devid;
};

static const struct vdev_case vdevs[] = {
    {"xvda", 51712},
    {"xvdb", 51728},
    {"xvdp", 51952},
    {"xvda1", 51713},
    {"xvda15", 51727},
    {"xvda0", 51712},
    {"xvda16", (1u << 28) | 16},
    {"xvdq", (1u << 28) | (16 << 8)},
    {"xvdz", (1u << 28) | (25 << 8)},
    {"xvdaa", (1u << 28) | (26 << 8)},
    {"xvdzz", (1u << 28) | (701 << 8)},
    {"xvdtq37", (1u << 28) | (536 << 8) | 37},
    {"xvdq255", (1u << 28) | (16 << 8) | 255},
    {"hda", 768},
    {"hdb", 832},
    {"hdc", 5632},
    {"hdd", 5696},
    {"hda1", 769},
    {"hdb63", 895},
    {"hdc2", 5634},
    {"sda", 2048},
    {"sdb", 2064},
    {"sdd", 2096},
    {"sda3", 2051},
    {"sdp15", 2303},
    {"d0", 51712},
    {"d0p0", 51712},
    {"d1p2", 51730},
    {"d536p37", (1u << 28) | (536 << 8) | 37},
    {"d16", (1u << 28) | (16 << 8)},
    {"51712", 51712},
    {"0", 0},
    {"2147483647", 2147483647u},
};

START_TEST(vdev_numbers)
{
    for (size_t i = 0; i < sizeof(vdevs) / sizeof(vdevs[0]); i++) {
        uint32_t id = 1;

        ck_assert_msg(xl_vdev_parse(vdevs[i].vdev, &id, err, sizeof(err)) == 0, "%s: %s",
                      vdevs[i].vdev, err);
        ck_assert_msg(id == vdevs[i].devid, "%s: %u, want %u", vdevs[i].vdev, id, vdevs[i].devid);
    }
}
END_TEST

struct vdev_bad {
    const char *vdev;
    const char *why; /* a part of the message */
};

static const struct vdev_bad bad_vdevs[] = {
    {"", "vdev is empty"},
    {"xvd", "vdev 'xvd' has no disk letter after its prefix"},
    {"xvd1", "vdev 'xvd1' has no disk letter after its prefix"},
    {"xvdA", "vdev 'xvdA' has no disk letter after its prefix"},
    {"xvda1x", "vdev 'xvda1x': unexpected 'x' after the partition number"},
    {"xvda-1", "vdev 'xvda-1': unexpected '-' after the disk"},
    {"xvda01", "vdev 'xvda01': the partition number is malformed"},
    {"xvda12345", "vdev 'xvda12345': the partition number is malformed"},
    {"xvda256", "vdev 'xvda256': partition 256 is over Xen's limit of 255"},
    {"xvdabcdefg", "vdev 'xvdabcdefg': too many disk letters"},
    {"xvdbzzzz", "vdev 'xvdbzzzz': disk number 1389205 is over Xen's limit of 1048575"},
    {"hde", "vdev 'hde': IDE disks are hda to hdd"},
    {"hda64", "vdev 'hda64': IDE partitions go up to 63"},
    {"sdq", "vdev 'sdq': SCSI disks are sda to sdp"},
    {"sda16", "vdev 'sda16': SCSI partitions go up to 15"},
    {"d", "vdev 'd' is not a virtual device name"},
    {"dx", "vdev 'dx' is not a virtual device name"},
    {"d1p", "vdev 'd1p': 'p' must be followed by a partition number"},
    {"d1q2", "vdev 'd1q2': unexpected 'q' after the disk"},
    {"d01", "vdev 'd01': 'd' must be followed by a disk number"},
    {"d1048576", "vdev 'd1048576': disk number 1048576 is over Xen's limit of 1048575"},
    {"0768", "vdev '0768' is not a device number (decimal, no leading zero, at most 2147483647)"},
    {"2147483648", "vdev '2147483648' is not a device number"},
    {"99999999999999999999", "vdev '99999999999999999999' is not a device number"},
    {"12ab", "vdev '12ab' is not a device number"},
    {"vda", "vdev 'vda' is not a virtual device name"},
    {"xvdaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "is too long (at most 31 characters)"},
};

START_TEST(vdev_errors)
{
    for (size_t i = 0; i < sizeof(bad_vdevs) / sizeof(bad_vdevs[0]); i++) {
        uint32_t id;

        err[0] = '\0';
        ck_assert_msg(xl_vdev_parse(bad_vdevs[i].vdev, &id, err, sizeof(err)) == -EINVAL,
                      "'%s' was accepted", bad_vdevs[i].vdev);
        ck_assert_msg(strstr(err, bad_vdevs[i].why) != NULL, "'%s': got \"%s\"", bad_vdevs[i].vdev,
                      err);
        ck_assert_msg(strstr(err, "; use ") != NULL, "'%s': no way out in \"%s\"",
                      bad_vdevs[i].vdev, err);
    }
}
END_TEST

/* --- hostile input ---------------------------------------------------------------------- */

START_TEST(random_specs_never_crash)
{
    static const char alphabet[] = "xvdahsp0123456789,=:/ \t-targetformatvdevaccessrwcdrom";
    char spec[96];
    unsigned seed = 12345;

    for (int round = 0; round < 200000; round++) {
        size_t n = (size_t)(rand_r(&seed) % (sizeof(spec) - 1));

        for (size_t i = 0; i < n; i++)
            spec[i] = (rand_r(&seed) % 8) ? alphabet[rand_r(&seed) % (sizeof(alphabet) - 1)]
                                          : (char)(rand_r(&seed) % 255 + 1);
        spec[n] = '\0';
        if (xl_disk_parse(spec, &d, err, sizeof(err)) == 0) {
            ck_assert(d.vdev[0] != '\0');
            ck_assert(d.target[0] == '/' || (d.target[0] == '\0' && d.devtype == XL_DISK_CDROM));
        } else {
            ck_assert(err[0] != '\0');
        }
    }
}
END_TEST

/* --- the disk list of a configuration ---------------------------------------------------- */

static struct xlcfg_doc doc;
static struct xlcfg cfg;

static void cfg_setup(void)
{
    err[0] = '\0';
    memset(&doc, 0, sizeof(doc));
    memset(&cfg, 0, sizeof(cfg));
}

static void cfg_teardown(void)
{
    xlcfg_doc_free(&doc);
    xlcfg_free(&cfg);
}

static int build(const char *text)
{
    int rc = xlcfg_doc_parse(&doc, "t.cfg", 1, text, strlen(text), err, sizeof(err));

    return rc < 0 ? rc : xlcfg_from_doc(&doc, "t.cfg", &cfg, NULL, NULL, err, sizeof(err));
}

#define MIN_CFG "name = 'g'\nkernel = '/k'\n"

START_TEST(config_disks)
{
    ck_assert_int_eq(build(MIN_CFG "disk = [ 'format=raw, vdev=xvda, access=rw, target=/a',\n"
                                   "  '/b,,xvdb,r', '/c,,hdc,cdrom' ]\n"),
                     0);
    ck_assert_uint_eq(cfg.ndisks, 3);
    ck_assert_uint_eq(cfg.disk.n, 3);
    ck_assert_str_eq(cfg.disks[0].target, "/a");
    ck_assert_uint_eq(cfg.disks[1].devid, 51728);
    ck_assert_int_eq(cfg.disks[1].readwrite, 0);
    ck_assert_int_eq(cfg.disks[2].devtype, XL_DISK_CDROM);
}
END_TEST

START_TEST(config_no_disks)
{
    ck_assert_int_eq(build(MIN_CFG), 0);
    ck_assert_uint_eq(cfg.ndisks, 0);
    ck_assert_ptr_null(cfg.disks);
    xlcfg_free(&cfg);
    ck_assert_int_eq(build(MIN_CFG "disk = []\n"), 0);
    ck_assert_uint_eq(cfg.ndisks, 0);
}
END_TEST

START_TEST(config_disk_error_names_the_disk)
{
    ck_assert_int_eq(build(MIN_CFG "\ndisk = [ '/a,,xvda',\n '/b,,xvq1' ]\n"), -EINVAL);
    ck_assert_str_eq(err, "t.cfg:4: disk 2 ('/b,,xvq1'): vdev 'xvq1' is not a virtual device "
                          "name (Xen's names start with xvd, hd or sd, or are "
                          "d<disk>p<partition> or a device number); use e.g. xvda, xvdb1, hdc, "
                          "sda or a device number such as 51712");
    ck_assert_ptr_null(cfg.disks); /* freed with the rest on error */
}
END_TEST

START_TEST(config_duplicate_vdev)
{
    ck_assert_int_eq(build(MIN_CFG "disk = [ '/a,,xvda', '/b,,xvdb', 'vdev=51712,target=/c' ]\n"),
                     -EINVAL);
    ck_assert_str_eq(err, "t.cfg:3: disk 3 ('vdev=51712,target=/c'): vdev '51712' (device 51712) "
                          "is already used by disk 1 ('/a,,xvda'); give each disk its own vdev");
}
END_TEST

START_TEST(config_too_many_disks)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);

    fputs(MIN_CFG "disk = [", f);
    for (int i = 0; i <= XLCFG_MAX_DISKS; i++)
        fprintf(f, "'/x,,d%d',", i);
    fputs("]\n", f);
    fclose(f);
    ck_assert_int_eq(build(text), -EINVAL);
    ck_assert_str_eq(err, "t.cfg:3: 257 disks given; a domain may have at most 256");
    free(text);
}
END_TEST

START_TEST(config_long_spec_shortened)
{
    char text[512];

    snprintf(text, sizeof(text), MIN_CFG "disk = [ 'vdev=sdz,target=/%0200d' ]\n", 0);
    ck_assert_int_eq(build(text), -EINVAL);
    ck_assert_ptr_nonnull(strstr(err, "t.cfg:3: disk 1 ('vdev=sdz,target=/000"));
    ck_assert_ptr_nonnull(strstr(err, "000...'): vdev 'sdz': SCSI disks are sda to sdp"));
}
END_TEST

START_TEST(config_disks_append)
{
    ck_assert_int_eq(build(MIN_CFG "disk = [ '/a,,xvda' ]\ndisk += [ '/b,,xvdb' ]\n"), 0);
    ck_assert_uint_eq(cfg.ndisks, 2);
    ck_assert_str_eq(cfg.disks[1].target, "/b");
}
END_TEST

int main(void)
{
    Suite *s = suite_create("xl_disk");
    TCase *spec = tcase_create("spec"), *vdev = tcase_create("vdev");
    TCase *hostile = tcase_create("hostile"), *conf = tcase_create("config");

    tcase_add_test(spec, keyed_form);
    tcase_add_test(spec, positional_form);
    tcase_add_test(spec, xen_examples);
    tcase_add_test(spec, target_takes_the_rest);
    tcase_add_test(spec, relative_target_is_under_dev);
    tcase_add_test(spec, named_then_positional);
    tcase_add_test(spec, deprecated_prefixes);
    tcase_add_test(spec, defaults_and_flags);
    tcase_add_test(spec, spec_errors);
    tcase_add_test(spec, long_items);
    tcase_add_test(vdev, vdev_numbers);
    tcase_add_test(vdev, vdev_errors);
    tcase_add_test(hostile, random_specs_never_crash);
    tcase_add_checked_fixture(conf, cfg_setup, cfg_teardown);
    tcase_add_test(conf, config_disks);
    tcase_add_test(conf, config_no_disks);
    tcase_add_test(conf, config_disk_error_names_the_disk);
    tcase_add_test(conf, config_duplicate_vdev);
    tcase_add_test(conf, config_too_many_disks);
    tcase_add_test(conf, config_long_spec_shortened);
    tcase_add_test(conf, config_disks_append);
    suite_add_tcase(s, spec);
    suite_add_tcase(s, vdev);
    suite_add_tcase(s, hostile);
    suite_add_tcase(s, conf);
    return check_run(s, true);
}
