# guest-abi/module.mk: the PV guest runtime (build/lib/libpvguest.a) and the shipped guests.

PVGUEST_SRCS := \
	guest-abi/runtime/head.S \
	guest-abi/runtime/entry.S \
	guest-abi/runtime/setup.c \
	guest-abi/runtime/smp.c \
	guest-abi/runtime/events.c \
	guest-abi/runtime/time.c \
	guest-abi/runtime/sched.c \
	guest-abi/runtime/mm.c \
	guest-abi/runtime/console.c \
	guest-abi/runtime/printf.c \
	guest-abi/runtime/cmdline.c \
	guest-abi/runtime/hypercall.c \
	guest-abi/runtime/lib.c

PVGUEST_SRCS += guest-abi/runtime/xenbus.c guest-abi/runtime/xenbus_ops.c guest-abi/runtime/xenbus_dev.c
PVGUEST_SRCS += guest-abi/runtime/gnttab.c
PVGUEST_SRCS += guest-abi/runtime/setup_pvh.c
PVGUEST_SRCS += guest-abi/runtime/blkfront.c guest-abi/runtime/blkfront_xb.c \
	guest-abi/runtime/blkfront_io.c
PVGUEST_SRCS += guest-abi/runtime/netfront.c guest-abi/runtime/netfront_xb.c \
	guest-abi/runtime/netfront_io.c
PVGUEST_SRCS += guest-abi/runtime/netproto.c guest-abi/runtime/net.c guest-abi/runtime/net_arp.c \
	guest-abi/runtime/net_ip.c

$(BUILD)/lib/libpvguest.a: $(call gobjs,$(PVGUEST_SRCS))
	@mkdir -p $(dir $@)
	$(call say,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^
ALL_TARGETS += $(BUILD)/lib/libpvguest.a

SELFTEST_SRCS := $(sort $(wildcard guest-abi/guests/selftest/*.c))

$(eval $(call guest-image,hello,guest-abi/guests/hello.c))
$(eval $(call guest-image,crash,guest-abi/guests/crash.c))
$(eval $(call guest-image,smp,guest-abi/guests/smp.c))
$(eval $(call guest-image,echo,guest-abi/guests/echo.c))
$(eval $(call guest-image,selftest,$(SELFTEST_SRCS)))
$(eval $(call guest-image,pingpong,guest-abi/guests/pingpong.c))
$(eval $(call guest-image,blkhostile,guest-abi/guests/blkhostile.c))
$(eval $(call guest-image,gntdom0,guest-abi/guests/gntdom0.c))
$(eval $(call guest-image,xsclient,guest-abi/guests/xsclient.c))
$(eval $(call guest-image,bench,guest-abi/guests/bench.c))
$(eval $(call guest-image,disktest,guest-abi/guests/disktest.c))
$(eval $(call guest-image,diskbench,guest-abi/guests/diskbench.c))
$(eval $(call guest-image,nettest,guest-abi/guests/nettest.c))
$(eval $(call guest-image,netbench,guest-abi/guests/netbench.c))
$(eval $(call guest-image,nethostile,guest-abi/guests/nethostile.c))

# PVH images (build/guests/NAME-pvh): the same guest and runtime plus the PVH start code
# (head_pvh.S, PHYS32_ENTRY); they keep the PV notes too, so they boot as either type.
PVH_START := $(BUILD)/gobj/guest-abi/runtime/head_pvh.o
define guest-image-pvh
$(BUILD)/guests/$(1)-pvh: $(call gobjs,$(2)) $(PVH_START) $(BUILD)/lib/libpvguest.a guest-abi/runtime/pv.lds
	@mkdir -p $$(dir $$@)
	$$(call say,GLD,$$@)
	$(Q)$$(CC) $$(GUEST_LDFLAGS) -T guest-abi/runtime/pv.lds -o $$@ $(PVH_START) \
	    $(call gobjs,$(2)) $(BUILD)/lib/libpvguest.a -lgcc
ALL_TARGETS += $(BUILD)/guests/$(1)-pvh
endef
$(eval $(call guest-image-pvh,hello,guest-abi/guests/hello.c))
$(eval $(call guest-image-pvh,selftest,$(SELFTEST_SRCS)))
$(eval $(call guest-image-pvh,nettest,guest-abi/guests/nettest.c))

# The network stack's wire code (pure) against hostile packets, on the host.
CFLAGS_guest-abi/runtime/ := -Iguest-abi/runtime/include
$(eval $(call unit-test,test-net-proto,tests/unit/test_net_proto.c guest-abi/runtime/netproto.c,,))
# netfront's data path against a simulated backend, on the host.
$(BUILD)/obj/tests/unit/test_net_front.o: HOST_CFLAGS += -Iguest-abi/runtime/include
$(eval $(call unit-test,test-net-front,tests/unit/test_net_front.c guest-abi/runtime/netfront_io.c,,))
$(eval $(call guest-image,hostile,guest-abi/guests/hostile.c))
