# dom0-tools/lib/module.mk: libpvctl (control-socket client, ELF loader, PV and PVH domain builder) and its unit tests.
PVCTL_SRCS := dom0-tools/lib/ctl.c dom0-tools/lib/ctl_ops.c dom0-tools/lib/elf.c \
              dom0-tools/lib/evtchn.c dom0-tools/lib/gnttab.c dom0-tools/lib/fmem.c \
              dom0-tools/lib/daemon.c \
              dom0-tools/lib/pv_layout.c dom0-tools/lib/build_pv.c dom0-tools/lib/build_pvh.c
$(eval $(call host-lib,pvctl,$(PVCTL_SRCS)))

$(eval $(call unit-test,test-elf,tests/unit/test_elf.c tests/unit/test_elf_img.c,$(BUILD)/lib/libpvctl.a,))
$(eval $(call unit-test,test-dombuild,tests/unit/test_dombuild.c tests/unit/test_elf_img.c,$(BUILD)/lib/libpvctl.a,))
$(eval $(call unit-test,test-dombuild-ctl,tests/unit/test_dombuild_ctl.c tests/unit/test_elf_img.c,$(BUILD)/lib/libpvctl.a,))

# libpvsandbox: the daemons' capability drop and seccomp allowlist (only they link -lseccomp);
# sanitizer builds skip the filter (sandbox.c says why).
$(BUILD)/obj/dom0-tools/lib/sandbox.o: CFLAGS_dom0-tools/lib/ += $(if $(SANITIZE),-DPVISOR_SANITIZE='"$(SANITIZE)"')
$(eval $(call host-lib,pvsandbox,dom0-tools/lib/sandbox.c dom0-tools/lib/sandbox_policy.c))
$(eval $(call unit-test,test-sandbox,tests/unit/test_sandbox.c,$(BUILD)/lib/libpvsandbox.a,-lseccomp))
