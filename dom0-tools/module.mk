# dom0-tools/module.mk: xl (toolstack), its xl.cfg parser library, the pvisor launcher.
# (libpvctl and the domain builder have their own fragment in dom0-tools/lib/.)
YAJL_CFLAGS := $(shell pkg-config --cflags yajl 2>/dev/null)
YAJL_LIBS   := $(or $(shell pkg-config --libs yajl 2>/dev/null),-lyajl)
CFLAGS_dom0-tools/xl/ += $(YAJL_CFLAGS)

XLCFG_SRCS := dom0-tools/xl/xlcfg_parse.c dom0-tools/xl/xlcfg.c dom0-tools/xl/xlcfg_io.c \
              dom0-tools/xl/xlcfg_disk.c dom0-tools/xl/xlcfg_vif.c
XL_SRCS    := dom0-tools/xl/main.c dom0-tools/xl/xl_util.c dom0-tools/xl/json.c \
              dom0-tools/xl/xl_create.c dom0-tools/xl/xl_monitor.c dom0-tools/xl/xl_list.c \
              dom0-tools/xl/xl_domain.c dom0-tools/xl/xl_info.c dom0-tools/xl/xl_console.c \
              dom0-tools/xl/xl_xs.c dom0-tools/xl/xl_device.c dom0-tools/xl/xl_block.c \
              dom0-tools/xl/xl_blockcmd.c dom0-tools/xl/xl_net.c dom0-tools/xl/xl_netcmd.c

$(eval $(call host-lib,xlcfg,$(XLCFG_SRCS)))
$(eval $(call host-prog,xl,$(XL_SRCS),$(BUILD)/lib/libxlcfg.a $(BUILD)/lib/libpvctl.a $(BUILD)/lib/libpvxs.a,$(YAJL_LIBS)))
$(eval $(call host-prog,pvisor,dom0-tools/pvisor/main.c dom0-tools/pvisor/daemons.c,$(BUILD)/lib/libpvctl.a,))
$(eval $(call unit-test,test-xlcfg,tests/unit/test_xlcfg.c tests/unit/test_xlcfg_files.c tests/unit/test_xlcfg_hostile.c,$(BUILD)/lib/libxlcfg.a,))
$(eval $(call unit-test,test-xl-disk,tests/unit/test_xl_disk.c,$(BUILD)/lib/libxlcfg.a,))
$(eval $(call unit-test,test-xl-vif,tests/unit/test_xl_vif.c,$(BUILD)/lib/libxlcfg.a,))
