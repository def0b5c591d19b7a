/* pvguest.h: everything a PV guest built on libpvguest.a needs, in one include. */
#ifndef PVGUEST_PVGUEST_H
#define PVGUEST_PVGUEST_H

#include <xen/xen.h>
#include <xen/callback.h>
#include <xen/event_channel.h>
#include <xen/sched.h>
#include <xen/vcpu.h>
#include <xen/version.h>

#include <pvguest/cmdline.h>
#include <pvguest/console.h>
#include <pvguest/errno.h>
#include <pvguest/events.h>
#include <pvguest/gnttab.h>
#include <pvguest/hypercall.h>
#include <pvguest/layout.h>
#include <pvguest/lib.h>
#include <pvguest/mm.h>
#include <pvguest/printf.h>
#include <pvguest/sched.h>
#include <pvguest/smp.h>
#include <pvguest/start.h>
#include <pvguest/string.h>
#include <pvguest/time.h>
#include <pvguest/xenbus.h>

#endif /* PVGUEST_PVGUEST_H */
