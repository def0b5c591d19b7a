# tests/bench/module.mk: the benchmark programs `make bench` runs (build/tests/bench/NAME):
# raw-KVM baselines, dom0-side measurements and the report writer. See tests/bench/run.sh.
CFLAGS_tests/bench/ += -Ihypervisor
BENCH_DIR := $(BUILD)/tests/bench

# $(call bench-prog,NAME,SRCS,ARCHIVES,LDLIBS)
define bench-prog
$(BENCH_DIR)/$(1): $(call objs,$(2) tests/bench/benchlib.c) $(3)
	@mkdir -p $$(dir $$@)
	$$(call say,LINK,$$@)
	$(Q)$$(CC) $$(HOST_LDFLAGS) -o $$@ $(call objs,$(2) tests/bench/benchlib.c) $(3) $(4)
ALL_TARGETS += $(BENCH_DIR)/$(1)
BENCH_PROGS += $(BENCH_DIR)/$(1)
endef

$(eval $(call bench-prog,rawkvm,tests/bench/rawkvm.c hypervisor/sub_kvm.c,,-lpthread))
$(eval $(call bench-prog,dom0bench,tests/bench/dom0bench.c,$(BUILD)/lib/libpvxs.a $(BUILD)/lib/libpvctl.a,-lpthread))
$(eval $(call bench-prog,lifebench,tests/bench/lifebench.c,,))
$(eval $(call bench-prog,report,tests/bench/report.c,,-lm))
$(eval $(call bench-prog,hostio,tests/bench/hostio.c,,-luring))
$(eval $(call bench-prog,hostnet,tests/bench/hostnet.c,,))
