/* fuzz_xlvif.c: libFuzzer target: xl's vif specification and MAC parsers. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <pvisor/xlcfg.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct xl_vif v;
    char err[256], mac[18], *spec = malloc(size + 1);
    uint8_t back[6];

    if (!spec)
        return 0;
    memcpy(spec, data, size);
    spec[size] = '\0';
    if (xl_vif_parse(spec, &v, err, sizeof(err)) == 0) {
        /* An accepted spec has a sane MTU, terminated names and a MAC that round-trips. */
        if (v.mtu < 68 || v.mtu > XL_VIF_MTU_MAX || !memchr(v.bridge, '\0', sizeof(v.bridge)) ||
            !memchr(v.vifname, '\0', sizeof(v.vifname)))
            __builtin_trap();
        if (v.mac_given) {
            xl_mac_format(v.mac, mac);
            if (xl_mac_parse(mac, back, err, sizeof(err)) != 0 || memcmp(back, v.mac, 6) != 0 ||
                (v.mac[0] & 1))
                __builtin_trap();
        }
    } else if (!err[0]) {
        __builtin_trap(); /* a refusal always says why */
    }
    xl_mac_parse(spec, back, err, sizeof(err));
    free(spec);
    return 0;
}
