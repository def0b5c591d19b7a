# xenstore/module.mk: xenstored, the client library libpvxs, the xenstore CLI, unit tests.
XSD_SRCS := xenstore/common/errors.c \
    $(addprefix xenstore/xenstored/,log.c path.c store.c perms.c quota.c db.c transaction.c \
        persist.c domain.c watch.c conn.c sock.c loop.c proto.c ops_node.c ops_session.c \
        ops_domain.c ops_control.c)

# The daemon's core as a library, so the unit suites link the same objects.
$(eval $(call host-lib,pvxsd,$(XSD_SRCS)))
$(eval $(call host-prog,xenstored,xenstore/xenstored/main.c,$(BUILD)/lib/libpvxsd.a,))

# Client library (build/lib/libpvxs.a) and the xenstore CLI with its xenstore-* names.
$(eval $(call host-lib,pvxs,xenstore/common/errors.c xenstore/lib/xs.c xenstore/lib/xs_ops.c))
$(eval $(call host-prog,xenstore,$(addprefix xenstore/cli/,main.c cmds.c ls.c escape.c),$(BUILD)/lib/libpvxs.a,))

XS_CLI_LINKS := $(addprefix $(BUILD)/bin/xenstore-,read write ls rm exists list chmod watch)
$(XS_CLI_LINKS): $(BUILD)/bin/xenstore
	$(Q)ln -sf xenstore $@
ALL_TARGETS += $(XS_CLI_LINKS)
