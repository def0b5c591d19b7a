/* tap.c: host TAP devices for vifs: creation (TUNSETIFF), MTU, MAC, bridge membership and
 * link state over rtnetlink (libmnl). */
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include <libmnl/libmnl.h>
#include <linux/if_link.h>
#include <linux/if_tun.h>
#include <linux/rtnetlink.h>

#include "netback.h"

struct kind_query {
    bool is_bridge;
};

static int linkinfo_cb(const struct nlattr *a, void *data)
{
    struct kind_query *q = data;

    if (mnl_attr_get_type(a) == IFLA_INFO_KIND && mnl_attr_validate(a, MNL_TYPE_STRING) == 0)
        q->is_bridge = strcmp(mnl_attr_get_str(a), "bridge") == 0;
    return MNL_CB_OK;
}

static int link_attr_cb(const struct nlattr *a, void *data)
{
    if (mnl_attr_get_type(a) == IFLA_LINKINFO && mnl_attr_validate(a, MNL_TYPE_NESTED) == 0)
        mnl_attr_parse_nested(a, linkinfo_cb, data);
    return MNL_CB_OK;
}

static int link_cb(const struct nlmsghdr *nlh, void *data)
{
    return mnl_attr_parse(nlh, sizeof(struct ifinfomsg), link_attr_cb, data);
}

/* Asks rtnetlink (of this process's network namespace; sysfs may show another one). */
bool tap_host_bridge(const char *name)
{
    char buf[MNL_SOCKET_BUFFER_SIZE];
    struct kind_query q = {false};
    unsigned ifindex = name[0] && strlen(name) < IFNAMSIZ ? if_nametoindex(name) : 0;
    struct mnl_socket *nl;
    struct nlmsghdr *nlh;
    struct ifinfomsg *ifm;
    unsigned seq = (unsigned)time(NULL);
    ssize_t n;

    if (!ifindex || !(nl = mnl_socket_open(NETLINK_ROUTE)))
        return false;
    if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) == 0) {
        nlh = mnl_nlmsg_put_header(buf);
        nlh->nlmsg_type = RTM_GETLINK;
        nlh->nlmsg_flags = NLM_F_REQUEST;
        nlh->nlmsg_seq = seq;
        ifm = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifm));
        ifm->ifi_family = AF_UNSPEC;
        ifm->ifi_index = (int)ifindex;
        if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) >= 0 &&
            (n = mnl_socket_recvfrom(nl, buf, sizeof(buf))) > 0)
            mnl_cb_run(buf, (size_t)n, seq, mnl_socket_get_portid(nl), link_cb, &q);
    }
    mnl_socket_close(nl);
    return q.is_bridge;
}

/* One RTM_NEWLINK request for ifindex: MTU, MAC, master (0: none), up; waits for the ack. */
static int link_set(unsigned ifindex, unsigned mtu, const uint8_t mac[6], unsigned master)
{
    char buf[MNL_SOCKET_BUFFER_SIZE];
    struct mnl_socket *nl = mnl_socket_open(NETLINK_ROUTE);
    struct nlmsghdr *nlh;
    struct ifinfomsg *ifm;
    unsigned seq = (unsigned)time(NULL), portid;
    int rc = 0;
    ssize_t n;

    if (!nl)
        return -errno;
    if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
        rc = -errno;
        goto out;
    }
    portid = mnl_socket_get_portid(nl);
    nlh = mnl_nlmsg_put_header(buf);
    nlh->nlmsg_type = RTM_NEWLINK;
    nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
    nlh->nlmsg_seq = seq;
    ifm = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifm));
    ifm->ifi_family = AF_UNSPEC;
    ifm->ifi_index = (int)ifindex;
    ifm->ifi_flags = IFF_UP;
    ifm->ifi_change = IFF_UP;
    mnl_attr_put_u32(nlh, IFLA_MTU, mtu);
    mnl_attr_put(nlh, IFLA_ADDRESS, 6, mac);
    if (master)
        mnl_attr_put_u32(nlh, IFLA_MASTER, master);
    if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0) {
        rc = -errno;
        goto out;
    }
    n = mnl_socket_recvfrom(nl, buf, sizeof(buf));
    if (n < 0 || mnl_cb_run(buf, (size_t)n, seq, portid, NULL, NULL) < 0)
        rc = -errno;
out:
    mnl_socket_close(nl);
    return rc;
}

int tap_open(const char *name, unsigned mtu, const char *bridge, char *msg, size_t len)
{
    static const uint8_t host_mac[6] = {0xfe, 0xff, 0xff, 0xff, 0xff, 0xff};
    struct ifreq ifr = {.ifr_flags = IFF_TAP | IFF_NO_PI};
    unsigned master = 0, ifindex;
    int fd, rc;

    if (strlen(name) >= IFNAMSIZ)
        return snprintf(msg, len, "TAP name '%s' is longer than %d characters", name, IFNAMSIZ - 1),
               -EINVAL;
    if (bridge && !(master = if_nametoindex(bridge)))
        return snprintf(msg, len, "host bridge %s: %s", bridge, strerror(errno)), -ENODEV;
    fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0)
        return rc = -errno,
               snprintf(msg, len,
                        "cannot open /dev/net/tun: %s (netback needs CAP_NET_ADMIN "
                        "and the tun module for TAP vifs)",
                        strerror(-rc)),
               rc;
    snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
    if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
        rc = -errno;
        snprintf(msg, len, "cannot create TAP device %s: %s", name, strerror(-rc));
        close(fd);
        return rc;
    }
    ifindex = if_nametoindex(name);
    rc = ifindex ? link_set(ifindex, mtu, host_mac, master) : -errno;
    if (rc < 0) {
        snprintf(msg, len, "cannot set up TAP device %s (mtu %u%s%s): %s", name, mtu,
                 bridge ? ", bridge " : "", bridge ? bridge : "", strerror(-rc));
        close(fd);
        return rc;
    }
    return fd;
}
