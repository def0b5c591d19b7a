# tests/fuzz/module.mk: libFuzzer targets for parsers of untrusted input (`make fuzz`, clang with
# ASan + UBSan) and, for `make check`, replay programs that run each target's checked-in
# corpus and regression inputs (tests/e2e/fuzz_replay.sh).
FUZZ_TARGETS    := blkif xlcfg xldisk elf xswire xsring xsmodel consring hcall gntevt netif xlvif
FUZZ_SRCS_blkif := backends/blkback/ring.c
FUZZ_SRCS_xlcfg := dom0-tools/xl/xlcfg_parse.c
FUZZ_SRCS_elf   := dom0-tools/lib/elf.c
FUZZ_SRCS_xldisk := dom0-tools/xl/xlcfg_disk.c
FUZZ_SRCS_netif := backends/netback/tx.c
FUZZ_SRCS_xlvif := dom0-tools/xl/xlcfg_vif.c
# xenstored's core without its main() and the host side of guest rings.
XSD_FUZZ_SRCS   := $(filter-out %/main.c %/ring_pvisor.c,$(wildcard xenstore/xenstored/*.c))
FUZZ_SRCS_xswire := tests/fuzz/xsfuzz.c $(XSD_FUZZ_SRCS)
FUZZ_SRCS_xsring := tests/fuzz/xsfuzz.c $(XSD_FUZZ_SRCS)
FUZZ_SRCS_xsmodel := tests/fuzz/xsfuzz.c $(XSD_FUZZ_SRCS)
FUZZ_SRCS_consring := backends/xenconsoled/ring.c
# pvisord's hypercall layer and the state behind it, on the unit suites' fake KVM.
HV_FUZZ_SRCS    := $(addprefix hypervisor/,hypercall.c hc_evtchn.c hc_gnttab.c hc_info.c hc_mm.c \
                   hc_sched.c hc_vcpu.c pv.c pvh.c evtchn.c gnttab.c gmem.c) \
                   tests/unit/hv_fakes.c tests/unit/hv_fakes_hc.c tests/fuzz/hvfuzz.c
FUZZ_SRCS_hcall := $(HV_FUZZ_SRCS)
FUZZ_SRCS_gntevt := $(HV_FUZZ_SRCS)
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
