# tests/e2e/module.mk: dom0-side helper programs the end-to-end suites run (build/tests/NAME).
E2E_TOOLS := gntprobe diskpat

define e2e-tool
$(BUILD)/tests/$(1): $(call objs,tests/e2e/tools/$(1).c) $(BUILD)/lib/libpvctl.a
	@mkdir -p $$(dir $$@)
	$$(call say,LINK,$$@)
	$(Q)$$(CC) $$(HOST_LDFLAGS) -o $$@ $(call objs,tests/e2e/tools/$(1).c) $(BUILD)/lib/libpvctl.a -lpthread
ALL_TARGETS += $(BUILD)/tests/$(1)
endef
$(foreach t,$(E2E_TOOLS),$(eval $(call e2e-tool,$(t))))
