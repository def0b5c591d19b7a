# xenstore/module.mk: xenstored, the client library libpvxs, the xenstore CLI, unit tests.
XSD_SRCS := $(addprefix xenstore/xenstored/,log.c store.c perms.c db.c transaction.c persist.c \
    domain.c watch.c conn.c sock.c proto.c ops_node.c ops_domain.c ops_control.c ring.c)

# The daemon's core as a library, so the unit suites link the same objects.
$(eval $(call host-lib,pvxsd,$(XSD_SRCS)))
# The daemon proper adds the guest rings' host side (libpvevtchn, libpvfmem in libpvctl).
$(eval $(call host-prog,xenstored,xenstore/xenstored/main.c xenstore/xenstored/ring_pvisor.c,$(BUILD)/lib/libpvxsd.a $(BUILD)/lib/libpvctl.a $(BUILD)/lib/libpvsandbox.a,-lseccomp))

# Client library (build/lib/libpvxs.a) and the xenstore CLI with its xenstore-* names.
$(eval $(call host-lib,pvxs,xenstore/lib/xs.c xenstore/lib/xs_ops.c))
$(eval $(call host-prog,xenstore,$(addprefix xenstore/cli/,main.c cmds.c format.c),$(BUILD)/lib/libpvxs.a,))

XS_CLI_LINKS := $(addprefix $(BUILD)/bin/xenstore-,read write ls rm exists list chmod watch)
$(XS_CLI_LINKS): $(BUILD)/bin/xenstore
	$(Q)ln -sf xenstore $@
ALL_TARGETS += $(XS_CLI_LINKS)

# Check suites: the daemon's core without sockets (tests/unit/test_xs_*.c).
XS_UNIT_LIBS := $(BUILD)/lib/libpvxsd.a
$(eval $(call unit-test,test-xs-store,tests/unit/test_xs_store.c,$(XS_UNIT_LIBS),))
$(eval $(call unit-test,test-xs-perms,tests/unit/test_xs_perms.c,$(XS_UNIT_LIBS),))
$(eval $(call unit-test,test-xs-tx,tests/unit/test_xs_tx.c,$(XS_UNIT_LIBS),))
$(eval $(call unit-test,test-xs-persist,tests/unit/test_xs_persist.c,$(XS_UNIT_LIBS),))
$(eval $(call unit-test,test-xs-proto,tests/unit/test_xs_proto.c,$(XS_UNIT_LIBS),))
$(eval $(call unit-test,test-xs-ring,tests/unit/test_xs_ring.c,$(XS_UNIT_LIBS),))
# libpvxs against a private daemon: needs xenstored built first.
$(eval $(call unit-test,test-xs-client,tests/unit/test_xs_client.c,$(BUILD)/lib/libpvxs.a,))
$(BUILD)/tests/unit/test-xs-client: | $(BUILD)/bin/xenstored

# The fuzz targets for the wire, the guest rings and the store semantics are in tests/fuzz/
# (xswire, xsring, xsmodel): make fuzz.
