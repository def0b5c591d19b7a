/* version.c: selftest of xen_version, console_io, unknown hypercalls and multicall. */
#include "st.h"

#define FILL 0xAA

static void check_string_subop(int cmd, const char *name, char *buf, size_t size)
{
    memset(buf, FILL, size);
    if (st_eq(HYPERVISOR_xen_version(cmd, buf), 0, "xen_version %s returns 0", name))
        st_zero_padded(buf, size, "xen_version %s is zero padded", name);
}

static void st_version_strings(void)
{
    static xen_capabilities_info_t caps;
    xen_extraversion_t extra;
    xen_changeset_info_t changeset;
    xen_compile_info_t ci;

    check_string_subop(XENVER_extraversion, "extraversion", extra, sizeof(extra));
    check_string_subop(XENVER_changeset, "changeset", changeset, sizeof(changeset));
    check_string_subop(XENVER_capabilities, "capabilities", caps, sizeof(caps));
    st_ok(strstr(caps, "xen-3.0-x86_64") != NULL, 0, "\"xen-3.0-x86_64\" listed",
          "capabilities include xen-3.0-x86_64");

    memset(&ci, FILL, sizeof(ci));
    if (st_eq(HYPERVISOR_xen_version(XENVER_compile_info, &ci), 0, "xen_version compile_info")) {
        st_zero_padded(ci.compiler, sizeof(ci.compiler), "compile_info.compiler zero padded");
        st_zero_padded(ci.compile_by, sizeof(ci.compile_by), "compile_info.compile_by zero padded");
        st_zero_padded(ci.compile_domain, sizeof(ci.compile_domain),
                       "compile_info.compile_domain zero padded");
        st_zero_padded(ci.compile_date, sizeof(ci.compile_date),
                       "compile_info.compile_date zero padded");
    }
}

static void st_version_numbers(void)
{
    long ver = HYPERVISOR_xen_version(XENVER_version, NULL);
    st_ok(ver >= 0 && (ver >> 16) == 4, ver, "(4 << 16) | minor",
          "xen_version version is 4.x (%ld.%ld)", ver >> 16, ver & 0xffff);

    xen_platform_parameters_t pp = {.virt_start = 0};
    st_eq(HYPERVISOR_xen_version(XENVER_platform_parameters, &pp), 0,
          "xen_version platform_parameters");
    st_ok(pp.virt_start == HYPERVISOR_VIRT_START, (long)pp.virt_start,
          "HYPERVISOR_VIRT_START (0xffff800000000000)",
          "platform_parameters.virt_start is the 64-bit PV hypervisor start");

    xen_feature_info_t fi = {.submap_idx = 0, .submap = 0xdeadbeef};
    st_eq(HYPERVISOR_xen_version(XENVER_get_features, &fi), 0, "xen_version get_features(0)");
    uint32_t hvm = (1u << XENFEAT_auto_translated_physmap) | (1u << XENFEAT_hvm_callback_vector);
    uint32_t never = (1u << XENFEAT_dom0) | (1u << XENFEAT_supervisor_mode_kernel);
    if (pv_pvh)
        st_ok((fi.submap & hvm) == hvm && !(fi.submap & never), fi.submap,
              "auto_translated and hvm_callback, no dom0/smk bit",
              "get_features(0) has the HVM bits for a PVH domU");
    else
        st_ok((fi.submap & (hvm | never)) == 0, fi.submap,
              "no auto_translated/hvm_callback/dom0/smk bit",
              "get_features(0) has no HVM/dom0 bits for a PV domU");
    fi.submap_idx = 1;
    st_eq(HYPERVISOR_xen_version(XENVER_get_features, &fi), -EINVAL,
          "xen_version get_features(1) is not a submap");

    st_eq(HYPERVISOR_xen_version(XENVER_pagesize, NULL), 4096, "xen_version pagesize");
    char dummy[8];
    st_eq(HYPERVISOR_xen_version(XENVER_pagesize, dummy), -EINVAL,
          "xen_version pagesize with a non-NULL argument");

    xen_domain_handle_t handle;
    st_eq(HYPERVISOR_xen_version(XENVER_guest_handle, handle), 0, "xen_version guest_handle");

    static xen_commandline_t cmdline;
    memset(cmdline, FILL, sizeof(cmdline));
    st_eq(HYPERVISOR_xen_version(XENVER_commandline, cmdline), 0,
          "xen_version commandline answers a domU");
    cmdline[sizeof(cmdline) - 1] = '\0';
    st_ok(!strcmp(cmdline, "<denied>"), 0, "\"<denied>\"",
          "xen_version commandline is \"<denied>\" for a domU");

    struct {
        xen_build_id_t id;
        unsigned char space[64];
    } build_id = {.id.len = 64};
    st_eq(HYPERVISOR_xen_version(XENVER_build_id, &build_id), -EPERM,
          "xen_version build_id is refused to a domU");
    st_eq(HYPERVISOR_xen_version(99, NULL), -ENOSYS, "xen_version unknown sub-op 99");
}

static void st_console(void)
{
    static const char msg[] = "# console_io write from the selftest\n";
    st_eq(HYPERVISOR_console_io(CONSOLEIO_write, sizeof(msg) - 1, msg), 0, "console_io write");
    st_eq(HYPERVISOR_console_io(CONSOLEIO_write, 0, msg), 0, "console_io write of 0 bytes");
    char buf[16];
    st_eq(HYPERVISOR_console_io(CONSOLEIO_read, sizeof(buf), buf), -EPERM,
          "console_io read is refused to a domU");
}

static void st_unknown_numbers(void)
{
    static const unsigned int nrs[] = {11, 60, 64, 100, 127};
    for (size_t i = 0; i < ARRAY_SIZE(nrs); i++)
        st_eq(pv_hypercall_raw(nrs[i], 0, 0, 0, 0, 0), -ENOSYS, "unused hypercall %u", nrs[i]);
}

static void st_multicall(void)
{
    multicall_entry_t calls[3] = {
        {.op = __HYPERVISOR_xen_version, .args = {XENVER_version, 0}},
        {.op = __HYPERVISOR_xen_version, .args = {XENVER_pagesize, 0}},
        {.op = 60},
    };
    for (size_t i = 0; i < ARRAY_SIZE(calls); i++)
        calls[i].result = 0x5a5a;
    long ver = HYPERVISOR_xen_version(XENVER_version, NULL);
    st_eq(HYPERVISOR_multicall(calls, 3), 0, "multicall of 3 entries");
    st_eq((long)calls[0].result, ver, "multicall entry 0 (xen_version version) result");
    st_eq((long)calls[1].result, 4096, "multicall entry 1 (xen_version pagesize) result");
    st_eq((long)calls[2].result, -ENOSYS, "multicall entry 2 (unused hypercall 60) result");
    st_eq(HYPERVISOR_multicall(calls, 0), 0, "multicall of 0 entries");
}

void st_version(void)
{
    st_version_numbers();
    st_version_strings();
    st_console();
    st_unknown_numbers();
    st_multicall();
}
