# tests/abi/module.mk: the Xen ABI conformance suite (test-abi): our guest-abi/include/xen vs Debian's libxen-dev.
#
# Item lists: tests/abi/abi_items.def (native layouts, checked on x86_64 and -m32) and
# tests/abi/abi_compat.def (our compat_* types vs Xen's -m32 layouts).  Translation units:
#   abi_xen.o    Debian's headers (/usr/include/xen), x86_64, NOT -Iguest-abi/include
#   abi_ours.o   our headers, x86_64 (+ compat.h)
#   xen32.s / ours32.s   abi_emit32.c compiled -m32 -S against each; abi_asm2c.awk turns
#                the values into build/tests/abi/{xen32,ours32}.h (no 32-bit libc needed)
#   guest_*.o    our headers built with the guest flags (64- and 32-bit) and from assembly

# Where Debian's xen/ headers are; point elsewhere (make ABI_XEN_INC=/path) to test
# against another copy.
ABI_XEN_INC     ?= /usr/include
ABI_XEN_ISYS     = $(if $(filter-out /usr/include,$(ABI_XEN_INC)),-isystem $(ABI_XEN_INC))
ABI_XEN_VERSION := 0x00040e00
ABI_GEN         := $(BUILD)/tests/abi
ABI_GCC_INC     := $(shell $(CC) -print-file-name=include)
ABI_DEFS        := tests/abi/abi_items.def tests/abi/abi_compat.def tests/abi/abi_headers.h
ABI_FREESTANDING = -std=gnu11 -O0 $(WARN) -ffreestanding -nostdinc -isystem $(ABI_GCC_INC)

# Xen side: only the system include path, so <xen/...> is Debian's.  -MD (not -MMD):
# a libxen-dev update must rebuild.
$(BUILD)/obj/tests/abi/abi_xen.o: tests/abi/abi_xen.c | deps-ok
	@mkdir -p $(dir $@)
	$(call say,CC,$<:libxen-dev)
	$(Q)$(CC) -std=gnu11 -O2 -g $(WARN) -D_GNU_SOURCE -MD -MP $(ABI_XEN_ISYS) \
	    -D__XEN_INTERFACE_VERSION__=$(ABI_XEN_VERSION) -c -o $@ $<

$(ABI_GEN)/xen32.s: tests/abi/abi_emit32.c tests/abi/abi_asm2c.awk | deps-ok
	@mkdir -p $(dir $@)
	$(call say,CC32,$<:libxen-dev)
	$(Q)$(CC) -m32 $(ABI_FREESTANDING) -idirafter $(ABI_XEN_INC) -MD -MP \
	    -D__XEN_INTERFACE_VERSION__=$(ABI_XEN_VERSION) -DABI_EMIT_COMPAT -S -o $@ $<

$(ABI_GEN)/ours32.s: tests/abi/abi_emit32.c tests/abi/abi_asm2c.awk
	@mkdir -p $(dir $@)
	$(call say,CC32,$<)
	$(Q)$(CC) -m32 $(ABI_FREESTANDING) -Iguest-abi/include -MD -MP -S -o $@ $<

$(ABI_GEN)/xen32.h: $(ABI_GEN)/xen32.s
	$(Q)awk -v items=abi_xen32 -v compat=abi_xen32_compat -f tests/abi/abi_asm2c.awk $< > $@.tmp
	$(Q)mv $@.tmp $@

$(ABI_GEN)/ours32.h: $(ABI_GEN)/ours32.s
	$(Q)awk -v items=abi_ours32 -f tests/abi/abi_asm2c.awk $< > $@.tmp
	$(Q)mv $@.tmp $@

CFLAGS_tests/abi/ := -I$(ABI_GEN)
$(BUILD)/obj/tests/abi/abi_tables32.o: $(ABI_GEN)/xen32.h $(ABI_GEN)/ours32.h

# Our headers as guests see them: freestanding, 64- and 32-bit, C and assembly.
ABI_GUEST_OBJS := $(ABI_GEN)/guest64.o $(ABI_GEN)/guest32.o $(ABI_GEN)/guest_asm64.o \
                  $(ABI_GEN)/guest_asm32.o
$(ABI_GEN)/guest64.o: tests/abi/abi_guest.c
	@mkdir -p $(dir $@)
	$(call say,GCC,$<)
	$(Q)$(CC) $(GUEST_CFLAGS) -c -o $@ $<
$(ABI_GEN)/guest32.o: tests/abi/abi_guest.c
	@mkdir -p $(dir $@)
	$(call say,GCC32,$<)
	$(Q)$(CC) -m32 $(filter-out -mcmodel=small,$(GUEST_CFLAGS)) -c -o $@ $<
$(ABI_GEN)/guest_asm64.o: tests/abi/abi_guest.S
	@mkdir -p $(dir $@)
	$(call say,AS,$<)
	$(Q)$(CC) $(GUEST_CFLAGS) -D__ASSEMBLY__ -c -o $@ $<
$(ABI_GEN)/guest_asm32.o: tests/abi/abi_guest.S
	@mkdir -p $(dir $@)
	$(call say,AS32,$<)
	$(Q)$(CC) -m32 $(filter-out -mcmodel=small,$(GUEST_CFLAGS)) -D__ASSEMBLY__ -c -o $@ $<

# Older interface versions (Xen's legacy names and numbers): abi_legacy.def per version.
ABI_LEGACY_VERSIONS := 0x00000000 0x00030205 0x00040400
ABI_LEGACY_XEN  := $(foreach v,$(ABI_LEGACY_VERSIONS),$(ABI_GEN)/legacy_xen_$(v).o)
ABI_LEGACY_OURS := $(foreach v,$(ABI_LEGACY_VERSIONS),$(ABI_GEN)/legacy_ours_$(v).o)
ABI_LEGACY_OBJS := $(ABI_LEGACY_XEN) $(ABI_LEGACY_OURS)
# (static pattern rules: a plain pattern would also match make's attempts to remake *.d)
$(ABI_LEGACY_XEN): $(ABI_GEN)/legacy_xen_%.o: tests/abi/abi_legacy.c tests/abi/abi_legacy.def | deps-ok
	@mkdir -p $(dir $@)
	$(call say,CC,$<:libxen-dev:$*)
	$(Q)$(CC) -std=gnu11 -O2 $(WARN) -D_GNU_SOURCE -MD -MP $(ABI_XEN_ISYS) \
	    -D__XEN_INTERFACE_VERSION__=$* -DABI_TABLE=abi_legacy_xen_$* \
	    -DABI_TABLE_LEN=abi_legacy_xen_$*_len -c -o $@ $<
$(ABI_LEGACY_OURS): $(ABI_GEN)/legacy_ours_%.o: tests/abi/abi_legacy.c tests/abi/abi_legacy.def
	@mkdir -p $(dir $@)
	$(call say,CC,$<:$*)
	$(Q)$(CC) -std=gnu11 -O2 $(WARN) -D_GNU_SOURCE -MD -MP -Iguest-abi/include \
	    -D__XEN_INTERFACE_VERSION__=$* -DABI_TABLE=abi_legacy_ours_$* \
	    -DABI_TABLE_LEN=abi_legacy_ours_$*_len -c -o $@ $<
$(ABI_GEN)/legacy_versions.h: tests/abi/module.mk
	@mkdir -p $(dir $@)
	$(Q)printf '/* generated from ABI_LEGACY_VERSIONS in tests/abi/module.mk */\n%s\n' \
	    '#define ABI_LEGACY_VERSIONS(X) $(foreach v,$(ABI_LEGACY_VERSIONS),X($(v)))' > $@
$(BUILD)/obj/tests/abi/test_abi.o: $(ABI_GEN)/legacy_versions.h

$(eval $(call unit-test,test-abi,tests/abi/test_abi.c tests/abi/abi_xen.c tests/abi/abi_ours.c \
    tests/abi/abi_ours_xsd.c tests/abi/abi_tables32.c,$(ABI_LEGACY_OBJS),))
# Built (and so checked) with the test, never linked into it.
$(BUILD)/tests/unit/test-abi: $(ABI_GUEST_OBJS)

# Macro coverage: the names each side's headers leave defined (x86_64 and -m32), so the
# suite notices a macro Xen adds or we drop (abi_unchecked.def lists deliberate gaps).
$(ABI_GEN)/xen_macros.h: tests/abi/abi_macros.c tests/abi/abi_macros.awk tests/abi/abi_headers.h
	@mkdir -p $(dir $@)
	$(call say,GEN,$@)
	$(Q){ echo '/* generated from Debian'"'"'s headers by tests/abi/abi_macros.awk */'; \
	  echo '#define ABI_MACRO(n) n,'; echo 'const char *const abi_xen_macros64[] = {'; \
	  $(CC) -E -dD $(ABI_XEN_ISYS) -D__XEN_INTERFACE_VERSION__=$(ABI_XEN_VERSION) -Itests/abi $< | \
	    awk -v dir=$(ABI_XEN_INC)/xen/ -f tests/abi/abi_macros.awk | LC_ALL=C sort; \
	  echo 'NULL};'; echo 'const char *const abi_xen_macros32[] = {'; \
	  $(CC) -m32 -E -dD -ffreestanding -nostdinc -isystem $(ABI_GCC_INC) -idirafter $(ABI_XEN_INC) \
	    -D__XEN_INTERFACE_VERSION__=$(ABI_XEN_VERSION) -Itests/abi -DABI_NO_ERRNO $< | \
	    awk -v dir=$(ABI_XEN_INC)/xen/ -f tests/abi/abi_macros.awk | LC_ALL=C sort; \
	  echo 'NULL};'; } > $@.tmp && mv $@.tmp $@

$(ABI_GEN)/ours_macros.h: tests/abi/abi_macros.c tests/abi/abi_macros.awk tests/abi/abi_headers.h \
                          $(wildcard guest-abi/include/xen/*.h guest-abi/include/xen/*/*.h \
                                     guest-abi/include/xen/*/*/*.h)
	@mkdir -p $(dir $@)
	$(call say,GEN,$@)
	$(Q){ echo '/* generated from guest-abi/include by tests/abi/abi_macros.awk */'; \
	  echo '#define ABI_MACRO(n) n,'; echo 'const char *const abi_ours_macros64[] = {'; \
	  $(CC) -E -dD -Iguest-abi/include -Itests/abi $< | \
	    awk -v dir=guest-abi/include/xen/ -f tests/abi/abi_macros.awk | LC_ALL=C sort; \
	  echo 'NULL};'; echo 'const char *const abi_ours_macros32[] = {'; \
	  $(CC) -m32 -E -dD -ffreestanding -nostdinc -isystem $(ABI_GCC_INC) -Iguest-abi/include \
	    -Itests/abi -DABI_NO_ERRNO $< | \
	    awk -v dir=guest-abi/include/xen/ -f tests/abi/abi_macros.awk | LC_ALL=C sort; \
	  echo 'NULL};'; } > $@.tmp && mv $@.tmp $@

$(BUILD)/obj/tests/abi/abi_tables32.o: $(ABI_GEN)/xen_macros.h $(ABI_GEN)/ours_macros.h
