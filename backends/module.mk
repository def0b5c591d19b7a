# backends/module.mk: the split-driver backends: xenconsoled (PV consoles); blkback, netback later.
XCD_SRCS := $(addprefix backends/xenconsoled/,main.c domain.c io.c ring.c ctlsock.c)

$(eval $(call host-prog,xenconsoled,$(XCD_SRCS),$(BUILD)/lib/libpvctl.a $(BUILD)/lib/libpvxs.a,))

# The ring code against hostile indexes, without pvisord.
$(eval $(call unit-test,test-cons-ring,tests/unit/test_cons_ring.c backends/xenconsoled/ring.c,,))
