/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Run flags about the network: -p/--publish and --expose (PortBindings,
 * ExposedPorts), -P, --dns, --dns-search, --dns-option, --add-host,
 * --network (NetworkMode, and NetworkingConfig.EndpointsConfig when there
 * is something to say per network) and --network-alias.
 */
#include "runflags-int.h"
#include "base/cleanup.h"
#include "base/strutil.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define V(id)   (st->v[(id)])
#define SET(id) (st->v[(id)].set)

/* Go's net.ParseIP, and IP.String() into out: "1.2.3.4", "::1", a v4-mapped v6 as v4. */
static bool parse_ip(const char *s, char *out, size_t outsz)
{
        struct in_addr a4;
        struct in6_addr a6;
        if (inet_pton(AF_INET, s, &a4) == 1)
                return inet_ntop(AF_INET, &a4, out, (socklen_t)outsz) != NULL;
        if (inet_pton(AF_INET6, s, &a6) != 1)
                return false;
        if (IN6_IS_ADDR_V4MAPPED(&a6))
                return inet_ntop(AF_INET, &a6.s6_addr[12], out, (socklen_t)outsz) != NULL;
        return inet_ntop(AF_INET6, &a6, out, (socklen_t)outsz) != NULL;
}

static char *trim_space(const char *s)
{
        s += strspn(s, " \t\n\v\f\r");
        size_t n = strlen(s);
        while (n > 0 && strchr(" \t\n\v\f\r", s[n - 1]))
                n--;
        char *r = strndup(s, n);
        if (r == NULL)
                abort();
        return r;
}

int rf_check_dns(rf_state *st, const char *value, char **ret, berth_error *err)
{
        _cleanup_free_ char *t = trim_space(value);
        char ip[INET6_ADDRSTRLEN];
        if (!parse_ip(t, ip, sizeof(ip)))
                return berth_errx(err, EINVAL, "IP address is not correctly formatted: %s", value);
        *ret = berth_xstrdup(ip);
        return 0;
}

static bool is_alnum(char c)
{
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

/* A resolv.conf search domain: labels of letters, digits and inner '-', a dot at the end allowed.
 */
int rf_check_dns_search(rf_state *st, const char *value, char **ret, berth_error *err)
{
        size_t b = strspn(value, " "), n = strlen(value);
        while (n > b && value[n - 1] == ' ')
                n--;
        _cleanup_free_ char *v = strndup(value + b, n - b);
        if (v == NULL)
                abort();
        if (strcmp(v, ".") == 0) {
                *ret = TAKE_PTR(v);
                return 0;
        }
        bool letter = false;
        for (const char *p = v; *p; p++)
                letter = letter || (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z');
        const char *p = v, *end = NULL;
        while (letter && is_alnum(*p)) {
                while (is_alnum(*p) || *p == '-')
                        p++;
                if (p[-1] == '-') {
                        end = NULL;
                        break;
                }
                end = p;
                if (*p == '.' && is_alnum(p[1]))
                        p++;
                else
                        break;
        }
        if (end) {
                if (*p == '.')
                        p++;
                p += strspn(p, " \t\n\v\f\r");
        }
        if (!letter || end == NULL || *p != '\0' || end - v >= 255)
                return berth_errx(err, EINVAL, "%s is not a valid domain", v);
        *ret = strndup(v, (size_t)(end - v));
        return 0;
}

/* "host:ip", "host=ip", "host=[v6]", "host:host-gateway" → "host:ip". */
int rf_check_add_host(rf_state *st, const char *value, char **ret, berth_error *err)
{
        _cleanup_free_ char *host = NULL;
        const char *ip = rf_cut(value, '=', &host);
        if (ip == NULL) {
                free(host);
                ip = rf_cut(value, ':', &host);
        }
        if (ip == NULL || *host == '\0' || strchr(host, ':')) {
                _cleanup_free_ char *q = rf_quote(value);
                return berth_errx(err, EINVAL, "bad format for add-host: %s", q);
        }
        _cleanup_free_ char *addr = berth_xstrdup(ip);
        if (strcmp(addr, "host-gateway") != 0) {
                size_t n = strlen(addr);
                if (n > 2 && addr[0] == '[' && addr[n - 1] == ']') {
                        memmove(addr, addr + 1, n - 2);
                        addr[n - 2] = '\0';
                }
                char buf[INET6_ADDRSTRLEN];
                _cleanup_free_ char *t = trim_space(addr);
                if (!parse_ip(t, buf, sizeof(buf))) {
                        _cleanup_free_ char *q = rf_quote(addr);
                        return berth_errx(err, EINVAL, "invalid IP address in add-host: %s", q);
                }
        }
        *ret = berth_xasprintf("%s:%s", host, addr);
        return 0;
}

/* ---- --network name | name=…,alias=…,ip=…,ip6=…,mac-address=…,link-local-ip=…,driver-opt=k=v ----
 */

static bool is_word(char c)
{
        return is_alnum(c) || c == '_';
}

int rf_check_network(rf_state *st, const char *value, char **ret, berth_error *err)
{
        bool long_syntax = false;
        for (const char *p = value; *p && !long_syntax; p++)
                long_syntax = *p == '=' && p > value && is_word(p[-1]) && is_word(p[1]);
        json_t *n = json_object();
        if (!long_syntax) {
                json_object_set_new(n, "Target", json_string(value));
        } else {
                json_t *aliases = json_array();
                json_object_set_new(n, "Aliases", aliases);
                _cleanup_free_ char *copy = berth_xstrdup(value);
                char *save = NULL;
                for (char *f = strtok_r(copy, ",", &save); f; f = strtok_r(NULL, ",", &save)) {
                        for (char *c = f; *c; c++)
                                if (*c >= 'A' && *c <= 'Z')
                                        *c = (char)(*c - 'A' + 'a');
                        _cleanup_free_ char *k = NULL, *key = NULL, *val = NULL;
                        const char *v = rf_cut(f, '=', &k);
                        key = trim_space(k);
                        if (v == NULL || *k == '\0') {
                                json_decref(n);
                                return berth_errx(err, EINVAL, "invalid field %s", f);
                        }
                        val = trim_space(v);
                        if (strcmp(key, "name") == 0) {
                                json_object_set_new(n, "Target", json_string(val));
                        } else if (strcmp(key, "alias") == 0) {
                                json_array_append_new(aliases, json_string(val));
                        } else if (strcmp(key, "ip") == 0) {
                                json_object_set_new(n, "IPv4Address", json_string(val));
                        } else if (strcmp(key, "ip6") == 0) {
                                json_object_set_new(n, "IPv6Address", json_string(val));
                        } else if (strcmp(key, "mac-address") == 0) {
                                json_object_set_new(n, "MacAddress", json_string(val));
                        } else if (strcmp(key, "link-local-ip") == 0) {
                                json_t *l = json_object_get(n, "LinkLocalIPs");
                                if (l == NULL)
                                        json_object_set_new(n, "LinkLocalIPs", l = json_array());
                                json_array_append_new(l, json_string(val));
                        } else if (strcmp(key, "driver-opt") == 0) {
                                _cleanup_free_ char *ok = NULL, *okey = NULL, *oval = NULL;
                                const char *ov = rf_cut(val, '=', &ok);
                                if (ov == NULL || *ok == '\0') {
                                        json_decref(n);
                                        return berth_errx(
                                            err, EINVAL,
                                            "invalid key value pair format in driver options");
                                }
                                okey = trim_space(ok);
                                oval = trim_space(ov);
                                json_t *d = json_object_get(n, "DriverOpts");
                                if (d == NULL)
                                        json_object_set_new(n, "DriverOpts", d = json_object());
                                json_object_set_new(d, okey, json_string(oval));
                        } else {
                                json_decref(n);
                                return berth_errx(err, EINVAL, "invalid field key %s", key);
                        }
                }
                const char *target = json_string_value(json_object_get(n, "Target"));
                if (target == NULL || *target == '\0') {
                        json_decref(n);
                        return berth_errx(err, EINVAL, "network name/id is not specified");
                }
        }
        if (st->networks == NULL)
                st->networks = json_array();
        json_array_append_new(st->networks, n);
        *ret = NULL;
        return 0;
}

static bool user_defined(const char *net)
{
        return strcmp(net, "default") != 0 && strcmp(net, "bridge") != 0 &&
               strcmp(net, "host") != 0 && strcmp(net, "none") != 0 &&
               !berth_str_has_prefix(net, "container:");
}

static bool valid_mac(const char *s)
{
        _cleanup_free_ char *t = trim_space(s);
        if (strlen(t) != 17)
                return false;
        for (int i = 0; i < 17; i++) {
                bool hex = (t[i] >= '0' && t[i] <= '9') || (t[i] >= 'a' && t[i] <= 'f') ||
                           (t[i] >= 'A' && t[i] <= 'F');
                if (i % 3 == 2 ? (t[i] != t[2] || (t[i] != ':' && t[i] != '-')) : !hex)
                        return false;
        }
        return true;
}

/* An attachment → its EndpointSettings (empty object: nothing to say). */
static int endpoint_settings(json_t *n, json_t **ret, berth_error *err)
{
        const char *target = json_string_value(json_object_get(n, "Target"));
        _cleanup_free_ char *t = trim_space(target ? target : "");
        json_t *aliases = json_object_get(n, "Aliases");
        if (*t == '\0')
                return berth_errx(err, EINVAL, "no name set for network");
        if (!user_defined(target) && json_array_size(aliases))
                return berth_errx(err, EINVAL,
                                  "network-scoped aliases are only supported for user-defined "
                                  "networks");
        json_t *ep = json_object();
        if (json_array_size(aliases))
                json_object_set(ep, "Aliases", aliases);
        if (json_object_get(n, "DriverOpts"))
                json_object_set(ep, "DriverOpts", json_object_get(n, "DriverOpts"));
        json_t *v4 = json_object_get(n, "IPv4Address"), *v6 = json_object_get(n, "IPv6Address");
        json_t *ll = json_object_get(n, "LinkLocalIPs");
        if (v4 || v6 || ll) {
                json_t *ipam = json_object();
                if (v4 && *json_string_value(v4))
                        json_object_set(ipam, "IPv4Address", v4);
                if (v6 && *json_string_value(v6))
                        json_object_set(ipam, "IPv6Address", v6);
                if (ll)
                        json_object_set(ipam, "LinkLocalIPs", ll);
                json_object_set_new(ep, "IPAMConfig", ipam);
        }
        const char *mac = json_string_value(json_object_get(n, "MacAddress"));
        if (mac && *mac) {
                if (!valid_mac(mac)) {
                        json_decref(ep);
                        return berth_errx(err, EINVAL, "%s is not a valid mac address", mac);
                }
                json_object_set_new(ep, "MacAddress", json_string(mac));
        }
        *ret = ep;
        return 0;
}

/* --ip, --ip6 and --mac-address: the first network's, as docker takes them. */
static int first_network_flags(rf_state *st, json_t *n, berth_error *err)
{
        static const struct {
                int id;
                const char *key, *flag, *what;
        } f[] = {{RF_IP, "IPv4Address", "--ip", "IPv4 address"},
                 {RF_IP6, "IPv6Address", "--ip6", "IPv6 address"},
                 {RF_MAC_ADDRESS, "MacAddress", "--mac-address", "MAC address"}};
        for (size_t k = 0; k < sizeof(f) / sizeof(f[0]); k++) {
                const char *v = V(f[k].id).str;
                if (!SET(f[k].id) || v == NULL || *v == '\0')
                        continue;
                const char *given = json_string_value(json_object_get(n, f[k].key));
                if (given && *given)
                        return berth_errx(err, EINVAL,
                                          "conflicting options: cannot specify both %s and "
                                          "per-network %s",
                                          f[k].flag, f[k].what);
                if (f[k].id != RF_MAC_ADDRESS) {
                        char ip[INET6_ADDRSTRLEN];
                        if (!parse_ip(v, ip, sizeof(ip)) ||
                            (strchr(ip, ':') != NULL) != (f[k].id == RF_IP6))
                                return berth_errx(err, EINVAL, "invalid %s: %s", f[k].what, v);
                }
                json_object_set_new(n, f[k].key, json_string(v));
        }
        return 0;
}

static int build_networks(rf_state *st, json_t *body, json_t *hc, berth_error *err)
{
        json_t *nets = st->networks;
        char **aliases = V(RF_NETWORK_ALIAS).list;
        size_t count = json_array_size(nets);
        const char *mode =
            count ? json_string_value(json_object_get(json_array_get(nets, 0), "Target"))
                  : "default";
        json_object_set_new(hc, "NetworkMode", json_string(mode));
        json_t *endpoints = json_object();
        bool has_user = false, has_other = false;
        int r = 0;
        if (count == 0) {
                json_t *def = json_pack("{s:s}", "Target", "default"), *ep = NULL;
                if (aliases)
                        json_object_set_new(def, "Aliases", rf_strv_json(aliases));
                r = first_network_flags(st, def, err);
                if (r == 0)
                        r = endpoint_settings(def, &ep, err);
                /* on the default network: kept for the engine to judge (Docker's daemon
                 * refuses an address there) */
                if (r == 0 && json_object_size(ep))
                        json_object_set_new(endpoints, "default", json_incref(ep));
                json_decref(def);
                json_decref(ep);
        }
        for (size_t i = 0; r == 0 && i < count; i++) {
                json_t *n = json_array_get(nets, i), *ep = NULL;
                const char *target = json_string_value(json_object_get(n, "Target"));
                if (user_defined(target))
                        has_user = true;
                else
                        has_other = true;
                if (i == 0 && aliases) {
                        if (json_array_size(json_object_get(n, "Aliases"))) {
                                r = berth_errx(err, EINVAL,
                                               "conflicting options: cannot specify both "
                                               "--network-alias and per-network alias");
                                break;
                        }
                        json_object_set_new(n, "Aliases", rf_strv_json(aliases));
                }
                if (i == 0 && (r = first_network_flags(st, n, err)) < 0)
                        break;
                r = endpoint_settings(n, &ep, err);
                if (r < 0)
                        break;
                if (json_object_get(endpoints, target)) {
                        _cleanup_free_ char *q = rf_quote(target);
                        json_decref(ep);
                        r = berth_errx(err, EINVAL, "network %s is specified multiple times", q);
                        break;
                }
                if (i == 0 && count == 1 && json_object_size(ep) == 0) {
                        json_decref(ep);
                        continue;
                }
                json_object_set_new(endpoints, target, ep);
        }
        if (r == 0 && has_user && has_other)
                r = berth_errx(err, EINVAL,
                               "conflicting options: cannot attach both user-defined and "
                               "non-user-defined network-modes");
        if (r == 0 && json_object_size(endpoints))
                json_object_set_new(body, "NetworkingConfig",
                                    json_pack("{s:O}", "EndpointsConfig", endpoints));
        json_decref(endpoints);
        return r;
}

/* ---- ports ---- */

/* go-connections' ParsePortRange: "80" or "8000-8010", each 0…65535. */
static int port_range(const char *s, uint64_t *start, uint64_t *end, berth_error *err)
{
        if (*s == '\0')
                return berth_errx(err, EINVAL, "empty string specified for ports");
        const char *dash = strchr(s, '-');
        if (dash == NULL) {
                if (rf_parse_uint(s, 10, 16, start, err) < 0)
                        return -EINVAL;
                *end = *start;
                return 0;
        }
        _cleanup_free_ char *a = strndup(s, (size_t)(dash - s));
        const char *b_end = strchr(dash + 1, '-');
        _cleanup_free_ char *b =
            b_end ? strndup(dash + 1, (size_t)(b_end - dash - 1)) : berth_xstrdup(dash + 1);
        if (a == NULL || b == NULL)
                abort();
        if (rf_parse_uint(a, 10, 16, start, err) < 0 || rf_parse_uint(b, 10, 16, end, err) < 0)
                return -EINVAL;
        if (*end < *start)
                return berth_errx(err, EINVAL, "invalid range specified for port: %s", s);
        return 0;
}

/* [ip:][hostPort:]containerPort[/proto] → PortBindings entries and ExposedPorts. */
static int publish_one(const char *raw, json_t *bindings, json_t *exposed, berth_error *err)
{
        _cleanup_free_ char *copy = berth_xstrdup(raw);
        size_t nparts = 1;
        for (const char *p = raw; *p; p++)
                nparts += *p == ':';
        char *ip = "", *host = "", *ctr = copy;
        if (nparts >= 2) {
                char *last = strrchr(copy, ':');
                *last = '\0';
                ctr = last + 1;
                host = copy;
                if (nparts >= 3) {
                        char *prev = strrchr(copy, ':');
                        *prev = '\0';
                        host = prev + 1;
                        ip = copy;
                }
        }
        char *slash = strchr(ctr, '/');
        const char *proto = "";
        if (slash) {
                *slash = '\0';
                proto = slash[1] ? slash + 1 : "tcp";
        } else if (*ctr) {
                proto = "tcp";
        }
        if (*ctr == '\0')
                proto = "";
        _cleanup_free_ char *lproto = berth_xstrdup(proto);
        for (char *c = lproto; *c; c++)
                if (*c >= 'A' && *c <= 'Z')
                        *c = (char)(*c - 'A' + 'a');
        if (strcmp(lproto, "tcp") != 0 && strcmp(lproto, "udp") != 0 && strcmp(lproto, "sctp") != 0)
                return berth_errx(err, EINVAL, "invalid proto: %s", lproto);
        size_t iplen = strlen(ip);
        if (iplen && ip[0] == '[') {
                if (ip[iplen - 1] != ']')
                        return berth_errx(err, EINVAL,
                                          "invalid IP address %s: address %s:: missing ']' in "
                                          "address",
                                          ip, ip);
                ip[iplen - 1] = '\0';
                ip++;
        }
        char buf[INET6_ADDRSTRLEN];
        if (*ip && !parse_ip(ip, buf, sizeof(buf)))
                return berth_errx(err, EINVAL, "invalid IP address: %s", ip);
        if (*ctr == '\0')
                return berth_errx(err, EINVAL, "no port specified: %s<empty>", raw);
        uint64_t start, end, hstart = 0, hend = 0;
        berth_error ignored = {0};
        if (port_range(ctr, &start, &end, &ignored) < 0)
                return berth_errx(err, EINVAL, "invalid containerPort: %s", ctr);
        if (*host) {
                if (port_range(host, &hstart, &hend, &ignored) < 0)
                        return berth_errx(err, EINVAL, "invalid hostPort: %s", host);
                if (end - start != hend - hstart && end != start)
                        return berth_errx(
                            err, EINVAL,
                            "invalid ranges specified for container and host Ports: %s and %s", ctr,
                            host);
        }
        uint64_t count = end - start + 1;
        for (uint64_t i = 0; i < count; i++) {
                char port[32], hport[48] = "";
                snprintf(port, sizeof(port), "%llu/%s", (unsigned long long)(start + i), lproto);
                if (*host && count == 1 && hstart != hend)
                        snprintf(hport, sizeof(hport), "%llu-%llu", (unsigned long long)hstart,
                                 (unsigned long long)hend);
                else if (*host)
                        snprintf(hport, sizeof(hport), "%llu", (unsigned long long)(hstart + i));
                json_object_set_new(exposed, port, json_object());
                json_t *list = json_object_get(bindings, port);
                if (list == NULL)
                        json_object_set_new(bindings, port, list = json_array());
                json_array_append_new(list,
                                      json_pack("{s:s,s:s}", "HostIp", ip, "HostPort", hport));
        }
        return 0;
}

/* -p's long form "published=8080,target=80,protocol=udp" → "8080:80/udp". */
static int publish_standard(const char *p, char **ret, berth_error *err)
{
        if (strchr(p, '=') == NULL) {
                *ret = berth_xstrdup(p);
                return 0;
        }
        _cleanup_free_ char *copy = berth_xstrdup(p);
        const char *published = "", *target = "", *protocol = "tcp";
        for (char *f = copy, *next; f; f = next) {
                next = strchr(f, ',');
                if (next)
                        *next++ = '\0';
                char *eq = strchr(f, '=');
                if (eq == NULL || eq == f)
                        return berth_errx(err, EINVAL,
                                          "invalid publish opts format (should be name=value but "
                                          "got '%s')",
                                          f);
                *eq = '\0';
                if (strcmp(f, "published") == 0)
                        published = eq + 1;
                else if (strcmp(f, "target") == 0)
                        target = eq + 1;
                else if (strcmp(f, "protocol") == 0)
                        protocol = eq + 1;
        }
        *ret = berth_xasprintf("%s:%s/%s", published, target, protocol);
        return 0;
}

static int build_ports(rf_state *st, json_t *body, json_t *hc, berth_error *err)
{
        json_t *bindings = json_object(), *exposed = json_object();
        int r = 0;
        STRV_FOREACH (p, V(RF_PUBLISH).list) {
                _cleanup_free_ char *std = NULL;
                r = publish_standard(*p, &std, err);
                if (r == 0)
                        r = publish_one(std, bindings, exposed, err);
                if (r < 0) {
                        r = rf_flag_wrap(err, RF_PUBLISH, *p);
                        break;
                }
        }
        STRV_FOREACH (e, r == 0 ? V(RF_EXPOSE).list : NULL) {
                if (strchr(*e, ':')) {
                        r = berth_errx(err, EINVAL, "invalid port format for --expose: %s", *e);
                        break;
                }
                _cleanup_free_ char *port = NULL;
                const char *proto = rf_cut(*e, '/', &port);
                if (*port == '\0')
                        proto = "";
                else if (proto == NULL || *proto == '\0')
                        proto = "tcp";
                uint64_t start, end;
                berth_error why = {0};
                if (port_range(port, &start, &end, &why) < 0) {
                        r = berth_errx(err, EINVAL,
                                       "invalid range format for --expose: %s, error: %s", *e,
                                       why.msg);
                        break;
                }
                for (uint64_t i = start; i <= end; i++) {
                        char key[64];
                        snprintf(key, sizeof(key), "%llu/%s", (unsigned long long)i, proto);
                        json_object_set_new(exposed, key, json_object());
                }
        }
        if (r == 0 && SET(RF_PUBLISH))
                json_object_set(hc, "PortBindings", bindings);
        if (r == 0 && json_object_size(exposed))
                json_object_set(body, "ExposedPorts", exposed);
        json_decref(bindings);
        json_decref(exposed);
        return r;
}

int rf_build_network(rf_state *st, json_t *body, json_t *hc, berth_error *err)
{
        int r = build_ports(st, body, hc, err);
        if (r < 0)
                return r;
        if (SET(RF_PUBLISH_ALL))
                json_object_set_new(hc, "PublishAllPorts", json_boolean(V(RF_PUBLISH_ALL).num));
        if (SET(RF_DNS))
                json_object_set_new(hc, "Dns", rf_strv_json(V(RF_DNS).list));
        if (SET(RF_DNS_SEARCH))
                json_object_set_new(hc, "DnsSearch", rf_strv_json(V(RF_DNS_SEARCH).list));
        if (SET(RF_DNS_OPTION))
                json_object_set_new(hc, "DnsOptions", rf_strv_json(V(RF_DNS_OPTION).list));
        if (SET(RF_ADD_HOST))
                json_object_set_new(hc, "ExtraHosts", rf_strv_json(V(RF_ADD_HOST).list));
        return build_networks(st, body, hc, err);
}
