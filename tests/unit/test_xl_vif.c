/* test_xl_vif.c: Check suite for Xen's vif spec syntax, MAC addresses and the vif list. */
#include <check.h>

#include "check_run.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pvisor/xlcfg.h>

static char err[1024];
static struct xl_vif v;

static int parse(const char *spec)
{
    err[0] = '\0';
    return xl_vif_parse(spec, &v, err, sizeof(err));
}

static const char *mac_of(const struct xl_vif *x)
{
    static char out[18];

    xl_mac_format(x->mac, out);
    return out;
}

/* --- accepted specs ---------------------------------------------------------------------- */

START_TEST(empty_spec_defaults)
{
    static const char *const empty[] = {"", "   ", ",", " , ,", "\t"};

    for (size_t i = 0; i < sizeof(empty) / sizeof(empty[0]); i++) {
        ck_assert_msg(parse(empty[i]) == 0, "'%s': %s", empty[i], err);
        ck_assert_int_eq(v.mac_given, 0);
        ck_assert_str_eq(mac_of(&v), "00:00:00:00:00:00"); /* the caller picks one */
        ck_assert_str_eq(v.bridge, "xenbr0");
        ck_assert_int_eq(v.type, XL_VIF_TYPE_VIF);
        ck_assert_uint_eq(v.mtu, 1500);
        ck_assert_str_eq(v.vifname, "");
        ck_assert_str_eq(v.ip, "");
        ck_assert_int_eq(v.devid_given, 0);
        ck_assert_uint_eq(v.devid, 0);
    }
}
END_TEST

START_TEST(every_key)
{
    ck_assert_int_eq(parse("mac=00:16:3E:74:3d:76, bridge=br1 ,type=tap,vifname=web1-eth0,"
                           "mtu=9000,ip=192.0.2.10 2001:db8::1/64,devid=3"),
                     0);
    ck_assert_int_eq(v.mac_given, 1);
    ck_assert_str_eq(mac_of(&v), "00:16:3e:74:3d:76"); /* lower case */
    ck_assert_str_eq(v.bridge, "br1");
    ck_assert_int_eq(v.type, XL_VIF_TYPE_TAP);
    ck_assert_str_eq(v.vifname, "web1-eth0");
    ck_assert_uint_eq(v.mtu, 9000);
    ck_assert_str_eq(v.ip, "192.0.2.10 2001:db8::1/64");
    ck_assert_int_eq(v.devid_given, 1);
    ck_assert_uint_eq(v.devid, 3);
}
END_TEST

/* Xen's documented examples, and what Xen users write. */
START_TEST(xen_examples)
{
    ck_assert_int_eq(parse("mac=00:16:3E:74:34:32"), 0);
    ck_assert_str_eq(mac_of(&v), "00:16:3e:74:34:32");
    ck_assert_int_eq(parse("mac=00:16:3e:5f:48:e4,bridge=xenbr1"), 0);
    ck_assert_str_eq(v.bridge, "xenbr1");
    ck_assert_int_eq(parse("bridge=xenbr0,script=vif-bridge"), 0);
    ck_assert_int_eq(parse("script=/etc/xen/scripts/vif-bridge,type=vif"), 0);
    ck_assert_int_eq(v.type, XL_VIF_TYPE_VIF);
    ck_assert_int_eq(parse("backend=0"), 0);
    ck_assert_int_eq(parse("backend=Domain-0,ip=10.0.0.1"), 0);
}
END_TEST

START_TEST(blanks_and_empty_values)
{
    ck_assert_int_eq(parse("  mac = 02:00:00:00:00:01 ,  mtu =  1400  ,"), 0);
    ck_assert_str_eq(mac_of(&v), "02:00:00:00:00:01");
    ck_assert_uint_eq(v.mtu, 1400);
    /* an empty value is the default */
    ck_assert_int_eq(parse("mac=,bridge=,type=,mtu=,devid=,vifname=,ip="), 0);
    ck_assert_int_eq(v.mac_given, 0);
    ck_assert_str_eq(v.bridge, "xenbr0");
    ck_assert_uint_eq(v.mtu, 1500);
    ck_assert_int_eq(v.devid_given, 0);
}
END_TEST

START_TEST(mtu_and_devid_bounds)
{
    ck_assert_int_eq(parse("mtu=68"), 0);
    ck_assert_int_eq(parse("mtu=65517"), 0);
    ck_assert_int_eq(parse("devid=0"), 0);
    ck_assert_int_eq(v.devid_given, 1);
    ck_assert_int_eq(parse("devid=65535"), 0);
    ck_assert_uint_eq(v.devid, 65535);
}
END_TEST

START_TEST(mac_helpers)
{
    uint8_t m[6];
    const uint8_t r[3] = {0xff, 0x01, 0xab};

    ck_assert_int_eq(xl_mac_parse("AA:bb:Cc:00:01:02", m, err, sizeof(err)), 0);
    xl_mac_format(m, err);
    ck_assert_str_eq(err, "aa:bb:cc:00:01:02");
    ck_assert_int_eq(parse(""), 0);
    xl_vif_random_mac(&v, r);
    ck_assert_str_eq(mac_of(&v), "00:16:3e:7f:01:ab"); /* libxl masks the 4th octet */
    ck_assert_str_eq(xl_vif_type_name(XL_VIF_TYPE_VIF), "vif");
    ck_assert_str_eq(xl_vif_type_name(XL_VIF_TYPE_TAP), "tap");
}
END_TEST

/* --- refused specs ------------------------------------------------------------------------ */

struct refusal {
    const char *spec, *err;
};

#define MAC_USE "e.g. mac=00:16:3e:12:34:56, or leave mac= out for a random 00:16:3e:xx:xx:xx"
#define IF_RULE "1 to 15 characters, no '/', ':' or blanks, not '.' or '..'"

static const struct refusal refusals[] = {
    {"mac=00:16:3e:00:00", "mac '00:16:3e:00:00' is not a MAC address (six two-digit hex octets "
                           "separated by colons); " MAC_USE},
    {"mac=00:16:3e:00:00:01:02",
     "mac '00:16:3e:00:00:01:02' is not a MAC address (six two-digit hex octets separated by "
     "colons); " MAC_USE},
    {"mac=0:16:3e:0:0:1", "mac '0:16:3e:0:0:1' is not a MAC address (six two-digit hex octets "
                          "separated by colons); " MAC_USE},
    {"mac=00-16-3e-00-00-01",
     "mac '00-16-3e-00-00-01' is not a MAC address (six two-digit hex octets separated by "
     "colons); " MAC_USE},
    {"mac=00:16:3g:00:00:01",
     "mac '00:16:3g:00:00:01' is not a MAC address (six two-digit hex octets separated by "
     "colons); " MAC_USE},
    {"mac=01:00:5e:00:00:01",
     "mac '01:00:5e:00:00:01' is a multicast address (the low bit of the first octet is set); "
     "a vif needs a unicast MAC, " MAC_USE},
    {"mac=ff:ff:ff:ff:ff:ff",
     "mac 'ff:ff:ff:ff:ff:ff' is a multicast address (the low bit of the first octet is set); "
     "a vif needs a unicast MAC, " MAC_USE},
    {"mac=00:00:00:00:00:00", "mac '00:00:00:00:00:00' is all zeros; " MAC_USE},
    {"type=ioemu",
     "type 'ioemu' (an emulated NIC) is not supported: pvisor has no device model; use type=vif "
     "(the guest's PV netfront) or type=tap"},
    {"type=vif_ioemu",
     "type 'vif_ioemu' (an emulated NIC) is not supported: pvisor has no device model; use "
     "type=vif (the guest's PV netfront) or type=tap"},
    {"type=bridge", "unknown type 'bridge'; use type=vif or type=tap"},
    {"model=e1000",
     "model 'e1000' is not supported: model= picks an emulated NIC and pvisor has no device "
     "model; guests use the PV netfront, so remove model="},
    {"script=vif-route",
     "script 'vif-route' is not supported: pvisor runs no hotplug scripts; netback joins the vif "
     "to its bridge itself (what vif-bridge does), so remove script= or use script=vif-bridge"},
    {"backend=dd1",
     "backend 'dd1' is not supported: pvisor's netback runs in Domain-0 only; remove backend= or "
     "use backend=0"},
    {"rate=10Mb/s", "rate= is not supported: netback does not limit a vif's bandwidth; remove it"},
    {"gatewaydev=eth0",
     "gatewaydev= (netdev=) is not supported: it is for Xen's vif-route and vif-nat scripts, and "
     "pvisor runs no hotplug scripts (netback switches frames itself or uses a host bridge or TAP "
     "device); remove it"},
    {"netdev=eth0",
     "gatewaydev= (netdev=) is not supported: it is for Xen's vif-route and vif-nat scripts, and "
     "pvisor runs no hotplug scripts (netback switches frames itself or uses a host bridge or TAP "
     "device); remove it"},
    {"forwarddev=eth1", "forwarddev= (COLO replication) is not supported; remove it"},
    {"accel=x", "accel= is obsolete (Xen ignores it too); remove it"},
    {"bridge=a/b",
     "bridge 'a/b' is not a network interface name (" IF_RULE "); e.g. bridge=xenbr0"},
    {"bridge=0123456789abcdef",
     "bridge '0123456789abcdef' is not a network interface name (" IF_RULE "); e.g. "
     "bridge=xenbr0"},
    {"bridge=..", "bridge '..' is not a network interface name (" IF_RULE "); e.g. bridge=xenbr0"},
    {"vifname=eth0:1",
     "vifname 'eth0:1' is not a network interface name (" IF_RULE "); e.g. vifname=web1-eth0"},
    {"vifname=a b",
     "vifname 'a b' is not a network interface name (" IF_RULE "); e.g. vifname=web1-eth0"},
    {"mtu=67",
     "mtu '67' is not a number in 68..65517; e.g. mtu=1500 (or mtu=9000 for jumbo frames)"},
    {"mtu=65518",
     "mtu '65518' is not a number in 68..65517; e.g. mtu=1500 (or mtu=9000 for jumbo frames)"},
    {"mtu=01500",
     "mtu '01500' is not a number in 68..65517; e.g. mtu=1500 (or mtu=9000 for jumbo frames)"},
    {"mtu=1500k",
     "mtu '1500k' is not a number in 68..65517; e.g. mtu=1500 (or mtu=9000 for jumbo frames)"},
    {"mtu=99999999999999999999",
     "mtu '99999999999999999999' is not a number in 68..65517; e.g. mtu=1500 (or mtu=9000 for "
     "jumbo frames)"},
    {"devid=-1",
     "devid '-1' is not a device number in 0..65535 (decimal, no leading zero); e.g. devid=1, "
     "or leave it out for the next free one"},
    {"devid=65536",
     "devid '65536' is not a device number in 0..65535 (decimal, no leading zero); e.g. "
     "devid=1, or leave it out for the next free one"},
    {"ip=10.0.0.256",
     "ip: '10.0.0.256' is not an IPv4 or IPv6 address (optionally /prefix); give addresses "
     "separated by blanks, e.g. ip=192.0.2.10"},
    {"ip=10.0.0.1 example.org",
     "ip: 'example.org' is not an IPv4 or IPv6 address (optionally /prefix); give addresses "
     "separated by blanks, e.g. ip=192.0.2.10"},
    {"ip=10.0.0.1/33",
     "ip: '10.0.0.1/33' is not an IPv4 or IPv6 address (optionally /prefix); give addresses "
     "separated by blanks, e.g. ip=192.0.2.10"},
    {"mac", "'mac' is not key=value; a vif spec is a list like "
            "'mac=00:16:3e:12:34:56,bridge=xenbr0'"},
    {"colour=red", "unknown key 'colour' (pvisor knows mac, bridge, type, vifname, mtu, ip, "
                   "devid, backend=0 and script=vif-bridge)"},
    {"bridge=a,bridge=b", "bridge is given twice"},
    {"mtu=1500, mtu =1500", "mtu is given twice"},
};

START_TEST(refused)
{
    const struct refusal *r = &refusals[_i];

    ck_assert_msg(parse(r->spec) == -EINVAL, "'%s' was accepted", r->spec);
    ck_assert_str_eq(err, r->err);
}
END_TEST

START_TEST(long_items)
{
    char spec[2048];

    memset(spec, 'x', sizeof(spec) - 1);
    spec[sizeof(spec) - 1] = '\0';
    memcpy(spec, "ip=", 3);
    ck_assert_int_eq(parse(spec), -EINVAL);
    ck_assert_str_eq(err, "the item 'ip=xxxxxxxxxxxxxxxxx...' is too long (at most 511 bytes)");
    snprintf(spec, sizeof(spec), "ip=%0300d", 1);
    ck_assert_int_eq(parse(spec), -EINVAL);
    ck_assert_ptr_nonnull(strstr(err, "is too long (at most 255 characters)"));
    ck_assert_int_eq(parse("vifname=0123456789abcde"), 0); /* 15: the most Linux allows */
}
END_TEST

START_TEST(tiny_error_buffer)
{
    char small[8];

    ck_assert_int_eq(xl_vif_parse("type=ioemu", &v, small, sizeof(small)), -EINVAL);
    ck_assert_str_eq(small, "type 'i");
    ck_assert_int_eq(xl_vif_parse("type=ioemu", &v, NULL, 0), -EINVAL);
}
END_TEST

/* Random bytes: never a crash, every accepted vif is well-formed. */
START_TEST(random_specs_never_crash)
{
    static const char alphabet[] = "mac=bridge,type:vif tap0123456789abcdef/.ipdevidmtu ";
    char spec[64];
    unsigned seed = 12345;

    for (int n = 0; n < 200000; n++) {
        size_t len = (size_t)(rand_r(&seed) % (sizeof(spec) - 1));

        for (size_t i = 0; i < len; i++)
            spec[i] = alphabet[rand_r(&seed) % (sizeof(alphabet) - 1)];
        spec[len] = '\0';
        if (parse(spec) == 0) {
            ck_assert(v.mtu >= 68 && v.mtu <= 65535);
            ck_assert(v.bridge[0] != '\0');
            ck_assert(!v.mac_given || !(v.mac[0] & 1));
        }
    }
}
END_TEST

/* --- a configuration's vif list ------------------------------------------------------------- */

static struct xlcfg_doc doc;
static struct xlcfg cfg;

static void cfg_setup(void)
{
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

START_TEST(config_vifs)
{
    ck_assert_int_eq(build(MIN_CFG "vif = [ 'mac=00:16:3e:01:02:03,bridge=xenbr0', '',\n"
                                   "  'type=tap,vifname=g-eth2' ]\n"),
                     0);
    ck_assert_uint_eq(cfg.nvifs, 3);
    ck_assert_uint_eq(cfg.vif.n, 3);
    ck_assert_str_eq(mac_of(&cfg.vifs[0]), "00:16:3e:01:02:03");
    ck_assert_int_eq(cfg.vifs[1].mac_given, 0);
    ck_assert_int_eq(cfg.vifs[2].type, XL_VIF_TYPE_TAP);
    for (unsigned i = 0; i < 3; i++)
        ck_assert_uint_eq(cfg.vifs[i].devid, i); /* their index in the list */
}
END_TEST

START_TEST(config_devids_next_free)
{
    ck_assert_int_eq(build(MIN_CFG "vif = [ '', 'devid=0', '', 'devid=2', '' ]\n"), 0);
    ck_assert_uint_eq(cfg.vifs[0].devid, 1);
    ck_assert_uint_eq(cfg.vifs[1].devid, 0);
    ck_assert_uint_eq(cfg.vifs[2].devid, 3);
    ck_assert_uint_eq(cfg.vifs[3].devid, 2);
    ck_assert_uint_eq(cfg.vifs[4].devid, 4);
    ck_assert_int_eq(cfg.vifs[0].devid_given, 0);
    ck_assert_int_eq(cfg.vifs[1].devid_given, 1);
}
END_TEST

START_TEST(config_no_vifs)
{
    ck_assert_int_eq(build(MIN_CFG), 0);
    ck_assert_uint_eq(cfg.nvifs, 0);
    ck_assert_ptr_null(cfg.vifs);
    xlcfg_free(&cfg);
    ck_assert_int_eq(build(MIN_CFG "vif = []\n"), 0);
    ck_assert_uint_eq(cfg.nvifs, 0);
}
END_TEST

START_TEST(config_vif_error_names_the_vif)
{
    ck_assert_int_eq(build(MIN_CFG "\nvif = [ '',\n 'model=rtl8139,bridge=xenbr0' ]\n"), -EINVAL);
    ck_assert_str_eq(err, "t.cfg:4: vif 2 ('model=rtl8139,bridge=xenbr0'): model 'rtl8139' is "
                          "not supported: model= picks an emulated NIC and pvisor has no device "
                          "model; guests use the PV netfront, so remove model=");
    ck_assert_ptr_null(cfg.vifs);
}
END_TEST

START_TEST(config_duplicates)
{
    ck_assert_int_eq(build(MIN_CFG "vif = [ 'devid=1', 'devid=1' ]\n"), -EINVAL);
    ck_assert_str_eq(err, "t.cfg:3: vif 2 ('devid=1'): devid 1 is already used by vif 1 "
                          "('devid=1'); give each vif its own devid, or leave devid= out");
    cfg_teardown();
    cfg_setup();
    ck_assert_int_eq(build(MIN_CFG "vif = [ 'mac=00:16:3E:00:00:01', '',"
                                   " 'mac=00:16:3e:00:00:01' ]\n"),
                     -EINVAL);
    ck_assert_str_eq(err, "t.cfg:3: vif 3 ('mac=00:16:3e:00:00:01'): mac 00:16:3e:00:00:01 is "
                          "already used by vif 1 ('mac=00:16:3E:00:00:01'); give each vif its "
                          "own MAC, or leave mac= out for a random one");
    cfg_teardown();
    cfg_setup();
    ck_assert_int_eq(build(MIN_CFG "vif = [ 'vifname=t0', 'type=tap,vifname=t0' ]\n"), -EINVAL);
    ck_assert_str_eq(err, "t.cfg:3: vif 2 ('type=tap,vifname=t0'): vifname t0 is already used "
                          "by vif 1 ('vifname=t0'); give each vif its own vifname");
}
END_TEST

START_TEST(config_too_many_vifs)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);

    fputs(MIN_CFG "vif = [", f);
    for (int i = 0; i <= XLCFG_MAX_VIFS; i++)
        fputs("'',", f);
    fputs("]\n", f);
    fclose(f);
    ck_assert_int_eq(build(text), -EINVAL);
    ck_assert_str_eq(err, "t.cfg:3: 257 vifs given; a domain may have at most 256");
    free(text);
}
END_TEST

START_TEST(config_round_trip)
{
    struct xlcfg again;
    struct xlcfg_doc d2 = {0};
    char *text;

    ck_assert_int_eq(build(MIN_CFG "vif = [ 'mac=00:16:3e:0a:0b:0c,ip=10.1.2.3', 'type=tap' ]\n"),
                     0);
    text = xlcfg_format(&cfg);
    ck_assert_ptr_nonnull(text);
    ck_assert_int_eq(xlcfg_doc_parse(&d2, "fmt", 1, text, strlen(text), err, sizeof(err)), 0);
    ck_assert_int_eq(xlcfg_from_doc(&d2, "fmt", &again, NULL, NULL, err, sizeof(err)), 0);
    ck_assert_uint_eq(again.nvifs, 2);
    ck_assert_str_eq(mac_of(&again.vifs[0]), "00:16:3e:0a:0b:0c");
    ck_assert_str_eq(again.vifs[0].ip, "10.1.2.3");
    ck_assert_int_eq(again.vifs[1].type, XL_VIF_TYPE_TAP);
    xlcfg_free(&again);
    xlcfg_doc_free(&d2);
    free(text);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("xl_vif");
    TCase *spec = tcase_create("spec"), *bad = tcase_create("refused");
    TCase *hostile = tcase_create("hostile"), *conf = tcase_create("config");

    tcase_add_test(spec, empty_spec_defaults);
    tcase_add_test(spec, every_key);
    tcase_add_test(spec, xen_examples);
    tcase_add_test(spec, blanks_and_empty_values);
    tcase_add_test(spec, mtu_and_devid_bounds);
    tcase_add_test(spec, mac_helpers);
    tcase_add_loop_test(bad, refused, 0, (int)(sizeof(refusals) / sizeof(refusals[0])));
    tcase_add_test(bad, long_items);
    tcase_add_test(bad, tiny_error_buffer);
    tcase_add_test(hostile, random_specs_never_crash);
    tcase_add_checked_fixture(conf, cfg_setup, cfg_teardown);
    tcase_add_test(conf, config_vifs);
    tcase_add_test(conf, config_devids_next_free);
    tcase_add_test(conf, config_no_vifs);
    tcase_add_test(conf, config_vif_error_names_the_vif);
    tcase_add_test(conf, config_duplicates);
    tcase_add_test(conf, config_too_many_vifs);
    tcase_add_test(conf, config_round_trip);
    suite_add_tcase(s, spec);
    suite_add_tcase(s, bad);
    suite_add_tcase(s, hostile);
    suite_add_tcase(s, conf);
    return check_run(s, true);
}
