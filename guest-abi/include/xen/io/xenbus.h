/* io/xenbus.h: Xen 4.17 xenbus device states (the "state" node of front and back ends). */
#ifndef PVISOR_XEN_IO_XENBUS_H
#define PVISOR_XEN_IO_XENBUS_H

/*
 * Usual handshake: back end InitWait -> front end Initialised (rings granted) ->
 * back end Connected -> front end Connected; teardown through Closing -> Closed.
 */
enum xenbus_state {
    XenbusStateUnknown = 0,
    XenbusStateInitialising = 1,
    XenbusStateInitWait = 2,    /* back end: ready for the front end's details */
    XenbusStateInitialised = 3, /* front end: details published */
    XenbusStateConnected = 4,
    XenbusStateClosing = 5, /* the device is going away */
    XenbusStateClosed = 6,
    XenbusStateReconfiguring = 7, /* reconfiguration in progress */
    XenbusStateReconfigured = 8
};
typedef enum xenbus_state XenbusState;

#endif /* PVISOR_XEN_IO_XENBUS_H */
