/* xen-compat.h: selects the Xen public interface version these headers implement (4.17). */
#ifndef PVISOR_XEN_XEN_COMPAT_H
#define PVISOR_XEN_XEN_COMPAT_H

/* Newest interface version known to Xen 4.17; pvisor implements exactly this one. */
#define __XEN_LATEST_INTERFACE_VERSION__ 0x00040e00

/*
 * Unlike Xen (which hands the legacy version 0 to guests that do not choose), a
 * translation unit that does not define __XEN_INTERFACE_VERSION__ gets the latest
 * interface.  Older versions only add Xen's legacy aliases; layouts never change.
 */
#ifndef __XEN_INTERFACE_VERSION__
#define __XEN_INTERFACE_VERSION__ __XEN_LATEST_INTERFACE_VERSION__
#endif

#if __XEN_INTERFACE_VERSION__ > __XEN_LATEST_INTERFACE_VERSION__
#error "__XEN_INTERFACE_VERSION__ is newer than these (Xen 4.17) headers support"
#endif

#define COMPAT_FLEX_ARRAY_DIM XEN_FLEX_ARRAY_DIM

#endif /* PVISOR_XEN_XEN_COMPAT_H */
