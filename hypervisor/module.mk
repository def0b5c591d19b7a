# hypervisor/module.mk: pvisord.
PVISORD_SRCS := $(filter-out hypervisor/test_%,$(wildcard hypervisor/*.c))
$(eval $(call host-prog,pvisord,$(PVISORD_SRCS),,-lrt))

# Unit suites for the hypervisor core's state machines, run without KVM (tests/unit/hv_fakes.c).
HV_CORE_SRCS := hypervisor/evtchn.c hypervisor/gnttab.c hypervisor/gmem.c tests/unit/hv_fakes.c
$(eval $(call unit-test,test-gnttab,tests/unit/test_gnttab.c $(HV_CORE_SRCS),,-lpthread))
$(eval $(call unit-test,test-evtchn,tests/unit/test_evtchn.c $(HV_CORE_SRCS),,-lpthread))
$(eval $(call unit-test,test-pvh,tests/unit/test_pvh.c $(HV_CORE_SRCS),,-lpthread))
