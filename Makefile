# Makefile: the one build for pvisor; components add themselves through */module.mk.
# make [V=1] [WERROR=0] [SANITIZE=address,undefined]   build everything into build/
# make check | demo | bench | deps | clean | format
.DEFAULT_GOAL := all
BUILD   := build
V       ?= 0
WERROR  ?= 1
CC      ?= gcc
SANITIZE ?=
Q       := $(if $(filter 1,$(V)),,@)
say      = $(if $(filter 1,$(V)),,@printf '  %-6s %s\n' $(1) $(2);)

WARN := -Wall -Wextra -Wshadow -Wmissing-prototypes -Wstrict-prototypes -Wformat=2 \
        -Wno-unused-parameter
ifeq ($(WERROR),1)
WARN += -Werror
endif
SANFLAGS := $(if $(SANITIZE),-fsanitize=$(SANITIZE) -fno-omit-frame-pointer,)

HOST_CFLAGS  := -std=gnu11 -O2 -g $(WARN) -D_GNU_SOURCE -MMD -MP -pthread $(SANFLAGS) \
                -Iguest-abi/include -Ihypervisor/include -Idom0-tools/include \
                -Ixenstore/include -Ibackends/include
HOST_LDFLAGS := -pthread $(SANFLAGS)
CHECK_LIBS    = $(shell pkg-config --libs check 2>/dev/null)

# Guests: freestanding, no SSE, no PIE, no red zone (events are pushed on the stack).
GUEST_CFLAGS := -std=gnu11 -O2 -g $(WARN) -ffreestanding -fno-pie -fno-pic \
                -fno-stack-protector -fno-asynchronous-unwind-tables -mno-red-zone \
                -mno-sse -mno-sse2 -mno-mmx -mno-avx -mcmodel=small -nostdinc \
                -isystem $(shell $(CC) -print-file-name=include) \
                -Iguest-abi/include -Iguest-abi/runtime/include -MMD -MP
GUEST_LDFLAGS := -nostdlib -static -no-pie -Wl,--build-id=none -Wl,-z,max-page-size=4096

ALL_TARGETS :=
UNIT_TESTS  :=
CHECK_DEPS  :=

# --- generic rules ------------------------------------------------------------
$(BUILD)/obj/%.o: %.c | deps-ok
	@mkdir -p $(dir $@)
	$(call say,CC,$<)
	$(Q)$(CC) $(HOST_CFLAGS) $(CFLAGS_$(dir $<)) -c -o $@ $<

$(BUILD)/gobj/%.o: %.c
	@mkdir -p $(dir $@)
	$(call say,GCC,$<)
	$(Q)$(CC) $(GUEST_CFLAGS) -c -o $@ $<

$(BUILD)/gobj/%.o: %.S
	@mkdir -p $(dir $@)
	$(call say,AS,$<)
	$(Q)$(CC) $(GUEST_CFLAGS) -D__ASSEMBLY__ -c -o $@ $<

objs  = $(patsubst %.c,$(BUILD)/obj/%.o,$(1))
gobjs = $(patsubst %.S,$(BUILD)/gobj/%.o,$(patsubst %.c,$(BUILD)/gobj/%.o,$(1)))

# $(call host-lib,NAME,SRCS)            -> build/lib/libNAME.a
define host-lib
$(BUILD)/lib/lib$(1).a: $(call objs,$(2))
	@mkdir -p $$(dir $$@)
	$$(call say,AR,$$@)
	$(Q)rm -f $$@ && ar rcs $$@ $$^
ALL_TARGETS += $(BUILD)/lib/lib$(1).a
endef

# $(call host-prog,NAME,SRCS,ARCHIVES,LDLIBS)   -> build/bin/NAME
define host-prog
$(BUILD)/bin/$(1): $(call objs,$(2)) $(3)
	@mkdir -p $$(dir $$@)
	$$(call say,LINK,$$@)
	$(Q)$$(CC) $$(HOST_LDFLAGS) -o $$@ $(call objs,$(2)) $(3) $(4)
ALL_TARGETS += $(BUILD)/bin/$(1)
endef

# $(call unit-test,NAME,SRCS,ARCHIVES,LDLIBS)   -> build/tests/unit/NAME (a Check suite;
# its main() calls check_run() from tests/unit/check_run.c, linked here)
define unit-test
$(BUILD)/tests/unit/$(1): $(call objs,$(2) tests/unit/check_run.c) $(3)
	@mkdir -p $$(dir $$@)
	$$(call say,LINK,$$@)
	$(Q)$$(CC) $$(HOST_LDFLAGS) -o $$@ $(call objs,$(2) tests/unit/check_run.c) $(3) $(4) $$(CHECK_LIBS)
UNIT_TESTS += $(BUILD)/tests/unit/$(1)
endef

# $(call guest-image,NAME,SRCS)  -> build/guests/NAME (PV ELF64 linked with the runtime)
define guest-image
$(BUILD)/guests/$(1): $(call gobjs,$(2)) $(BUILD)/lib/libpvguest.a guest-abi/runtime/pv.lds
	@mkdir -p $$(dir $$@)
	$$(call say,GLD,$$@)
	$(Q)$$(CC) $$(GUEST_LDFLAGS) -T guest-abi/runtime/pv.lds -o $$@ $(call gobjs,$(2)) \
	    $(BUILD)/lib/libpvguest.a -lgcc
ALL_TARGETS += $(BUILD)/guests/$(1)
endef

include $(sort $(wildcard */module.mk */*/module.mk))

# --- top-level targets ----------------------------------------------------------
.PHONY: all deps deps-ok check demo bench clean format
all: $(ALL_TARGETS)

deps:
	@scripts/deps.sh

# Runs before any compile: installs missing packages (as root) or says what to do.
deps-ok:
	@scripts/deps.sh --check || scripts/deps.sh

check: all $(UNIT_TESTS) $(CHECK_DEPS)
	@BUILD=$(BUILD) tests/run-tests.sh $(UNIT_TESTS)

# The main job: a private stack, guests booted through xl, then everything stopped.
demo: all
	@BUILD=$(BUILD) examples/demo.sh

# Benchmarks against the substrate's own limits (not part of check); BENCH_ARGS=--quick.
bench: all
	@BUILD=$(BUILD) tests/bench/run.sh $(BENCH_ARGS)

clean:
	rm -rf $(BUILD)

format:
	clang-format -i $$(git ls-files '*.c' '*.h')

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
