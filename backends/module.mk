# backends/module.mk: the split-driver backends: xenconsoled (PV consoles), blkback (block), netback (network).
XCD_SRCS := $(addprefix backends/xenconsoled/,main.c domain.c io.c ring.c ctlsock.c)

$(eval $(call host-prog,xenconsoled,$(XCD_SRCS),$(BUILD)/lib/libpvctl.a $(BUILD)/lib/libpvxs.a $(BUILD)/lib/libpvsandbox.a,-lseccomp))

# The ring code against hostile indexes, without pvisord.
$(eval $(call unit-test,test-cons-ring,tests/unit/test_cons_ring.c backends/xenconsoled/ring.c,,))

# libpvback: the backends' shared core (process life, xenbus state machine, control socket,
# persistent grants).
PVBACK_SRCS := $(addprefix backends/common/,main.c options.c xenbus.c ctlsock.c pgcache.c)
$(eval $(call host-lib,pvback,$(PVBACK_SRCS)))
PVBACK_LIBS := $(BUILD)/lib/libpvback.a $(BUILD)/lib/libpvctl.a $(BUILD)/lib/libpvxs.a

BLKBACK_SRCS := $(addprefix backends/blkback/,main.c xenbus.c vbd.c ring.c io.c image.c)
$(eval $(call host-prog,blkback,$(BLKBACK_SRCS),$(PVBACK_LIBS) $(BUILD)/lib/libpvsandbox.a,-luring -lseccomp))

# Request decoding and the I/O engines, without pvisord.
$(eval $(call unit-test,test-blkback,tests/unit/test_blkback.c backends/blkback/ring.c backends/blkback/io.c,,-luring))

NETBACK_SRCS := $(addprefix backends/netback/,main.c xenbus.c data.c tx.c switch.c tap.c)
$(eval $(call host-prog,netback,$(NETBACK_SRCS),$(PVBACK_LIBS),-lmnl))

# tx parsing and the switch, without pvisord.
$(eval $(call unit-test,test-netback,tests/unit/test_netback.c backends/netback/tx.c \
    backends/netback/switch.c,$(BUILD)/lib/libpvctl.a,))
