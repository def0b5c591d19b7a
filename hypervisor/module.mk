# hypervisor/module.mk: pvisord.
PVISORD_SRCS := $(filter-out hypervisor/test_%,$(wildcard hypervisor/*.c))
$(eval $(call host-prog,pvisord,$(PVISORD_SRCS),,-lrt))
