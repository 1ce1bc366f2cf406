/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The libmnl functions src/net uses, each a call into libmnl loaded on first
 * use (base/lazylib.h says why). libmnl itself is small (one 26 KB library,
 * libc only), but Debian ships no static archive of it, and linked the usual
 * way every `berth` command would map it, `berth ps` and `berth --version`
 * too; only the commands that set up networks load it (berth_net_open).
 */
#include "base/lazylib.h"
#include "net/net.h"

#include <libmnl/libmnl.h>
#include <string.h>

BERTH_LAZYLIB_DEFINE(mnl_lib, "libmnl.so.0", "networks");

int berth_libmnl_load(berth_error *err)
{
        return berth_lazylib_load(&mnl_lib, err);
}

typedef struct mnl_socket S;
typedef struct nlmsghdr H;
typedef struct nlattr A;

/* sockets */
BERTH_LAZY_FN(mnl_lib, S *, mnl_socket_open2, (int bus, int flags), (bus, flags))
BERTH_LAZY_FN(mnl_lib, S *, mnl_socket_fdopen, (int fd), (fd))
BERTH_LAZY_FN(mnl_lib, int, mnl_socket_bind, (S * s, unsigned int groups, pid_t pid),
              (s, groups, pid))
BERTH_LAZY_FN(mnl_lib, int, mnl_socket_close, (S * s), (s))
BERTH_LAZY_FN(mnl_lib, int, mnl_socket_get_fd, (const S *s), (s))
BERTH_LAZY_FN(mnl_lib, unsigned int, mnl_socket_get_portid, (const S *s), (s))
BERTH_LAZY_FN(mnl_lib, ssize_t, mnl_socket_sendto, (const S *s, const void *req, size_t size),
              (s, req, size))
BERTH_LAZY_FN(mnl_lib, int, mnl_socket_setsockopt, (const S *s, int type, void *buf, socklen_t len),
              (s, type, buf, len))

/* messages */
BERTH_LAZY_FN(mnl_lib, H *, mnl_nlmsg_put_header, (void *buf), (buf))
BERTH_LAZY_FN(mnl_lib, void *, mnl_nlmsg_put_extra_header, (H * h, size_t size), (h, size))
BERTH_LAZY_FN(mnl_lib, void *, mnl_nlmsg_get_payload, (const H *h), (h))
BERTH_LAZY_FN(mnl_lib, size_t, mnl_nlmsg_get_payload_len, (const H *h), (h))

/* attributes: writing */
BERTH_LAZY_VOID(mnl_lib, mnl_attr_put, (H * h, uint16_t type, size_t len, const void *data),
                (h, type, len, data))
BERTH_LAZY_VOID(mnl_lib, mnl_attr_put_u32, (H * h, uint16_t type, uint32_t data), (h, type, data))
BERTH_LAZY_VOID(mnl_lib, mnl_attr_put_strz, (H * h, uint16_t type, const char *data),
                (h, type, data))
BERTH_LAZY_FN(mnl_lib, A *, mnl_attr_nest_start, (H * h, uint16_t type), (h, type))
BERTH_LAZY_VOID(mnl_lib, mnl_attr_nest_end, (H * h, A *start), (h, start))

/* attributes: reading (each length checked by mnl_attr_parse* and mnl_attr_validate) */
BERTH_LAZY_FN(mnl_lib, int, mnl_attr_parse,
              (const H *h, unsigned int offset, mnl_attr_cb_t cb, void *data),
              (h, offset, cb, data))
BERTH_LAZY_FN(mnl_lib, int, mnl_attr_parse_nested, (const A *a, mnl_attr_cb_t cb, void *data),
              (a, cb, data))
BERTH_LAZY_FN(mnl_lib, int, mnl_attr_parse_payload,
              (const void *payload, size_t len, mnl_attr_cb_t cb, void *data),
              (payload, len, cb, data))
BERTH_LAZY_FN(mnl_lib, int, mnl_attr_validate, (const A *a, enum mnl_attr_data_type type),
              (a, type))
BERTH_LAZY_FN(mnl_lib, int, mnl_attr_validate2,
              (const A *a, enum mnl_attr_data_type type, size_t len), (a, type, len))
BERTH_LAZY_FN(mnl_lib, uint16_t, mnl_attr_get_type, (const A *a), (a))
BERTH_LAZY_FN(mnl_lib, uint16_t, mnl_attr_get_payload_len, (const A *a), (a))
BERTH_LAZY_FN(mnl_lib, void *, mnl_attr_get_payload, (const A *a), (a))
BERTH_LAZY_FN(mnl_lib, uint8_t, mnl_attr_get_u8, (const A *a), (a))
BERTH_LAZY_FN(mnl_lib, uint32_t, mnl_attr_get_u32, (const A *a), (a))
BERTH_LAZY_FN(mnl_lib, const char *, mnl_attr_get_str, (const A *a), (a))
