# tests/fuzz/module.mk: libFuzzer targets for parsers of untrusted input (`make fuzz`, clang with
# ASan + UBSan) and, for `make check`, replay programs that run each target's checked-in
# corpus and regression inputs (tests/e2e/fuzz_replay.sh).
FUZZ_TARGETS    := blkif xlcfg xldisk elf netif xlvif
FUZZ_SRCS_blkif := backends/blkback/ring.c
FUZZ_SRCS_xlcfg := dom0-tools/xl/xlcfg_parse.c
FUZZ_SRCS_elf   := dom0-tools/lib/elf.c
FUZZ_SRCS_xldisk := dom0-tools/xl/xlcfg_disk.c
FUZZ_SRCS_netif := backends/netback/tx.c
FUZZ_SRCS_xlvif := dom0-tools/xl/xlcfg_vif.c
FUZZ_CC         ?= clang
FUZZ_SECONDS    ?= 60
FUZZ_CFLAGS     := -std=gnu11 -O1 -g -D_GNU_SOURCE -fsanitize=fuzzer,address,undefined \
                   -fno-sanitize-recover=undefined -Iguest-abi/include -Ihypervisor/include \
                   -Idom0-tools/include -Ixenstore/include -Ibackends/include
FUZZ_BINS       :=

define fuzz-target
$(BUILD)/tests/fuzz/replay-$(1): $(call objs,tests/fuzz/fuzz_$(1).c tests/fuzz/replay.c $(FUZZ_SRCS_$(1)))
	@mkdir -p $$(dir $$@)
	$$(call say,LINK,$$@)
	$(Q)$$(CC) $$(HOST_LDFLAGS) -o $$@ $$^
ALL_TARGETS += $(BUILD)/tests/fuzz/replay-$(1)
$(BUILD)/fuzz/$(1): tests/fuzz/fuzz_$(1).c $(FUZZ_SRCS_$(1)) | deps-ok
	@mkdir -p $$(dir $$@)
	$$(call say,FUZZCC,$$@)
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -o $$@ $$^
FUZZ_BINS += $(BUILD)/fuzz/$(1)
endef
$(foreach t,$(FUZZ_TARGETS),$(eval $(call fuzz-target,$(t))))

.PHONY: fuzz
fuzz: $(FUZZ_BINS)
	@BUILD=$(BUILD) FUZZ_SECONDS=$(FUZZ_SECONDS) tests/fuzz/run.sh $(FUZZ_TARGETS)
