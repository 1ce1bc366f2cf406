/* SPDX-License-Identifier: Apache-2.0 */
/* A network create body checked as dockerd does, made into the network's inspect object. */
#include "engine/network-internal.h"
#include "base/fs.h"
#include "base/units.h"
#include "net/ipam.h"

#include <errno.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* Docker's name rule: [a-zA-Z0-9][a-zA-Z0-9_.-]* */
static bool valid_name(const char *s)
{
        if (s == NULL ||
            !((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9')))
                return false;
        return strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") ==
               strlen(s);
}

static const char *str_of(const json_t *o, const char *key)
{
        const json_t *v = json_object_get(o, key);
        return json_is_string(v) ? json_string_value(v) : NULL;
}

/* An object of strings (Labels, Options), or null/absent: a copy; else NULL with -EINVAL. */
static json_t *string_map(const json_t *body, const char *key, berth_error *err)
{
        const json_t *m = json_object_get(body, key);
        if (m == NULL || json_is_null(m))
                return json_object();
        const char *k;
        const json_t *v;
        if (json_is_object(m)) {
                bool ok = true;
                json_object_foreach ((json_t *)m, k, v)
                        ok = ok && json_is_string(v);
                if (ok)
                        return json_deep_copy(m);
        }
        berth_errx(err, EINVAL, "%s: an object of strings was expected", key);
        return NULL;
}

/* What names this machine for its IPv6 pool: /etc/machine-id, else its hostname (malloc'd). */
static char *host_id(void)
{
        _cleanup_free_ char *text = NULL;
        if (berth_read_file("/etc/machine-id", &text, NULL, NULL) == 0) {
                text[strcspn(text, "\n")] = '\0';
                if (*text)
                        return TAKE_PTR(text);
        }
        char name[256] = "";
        gethostname(name, sizeof(name) - 1);
        return berth_xstrdup(name);
}

/* One IPAM.Config entry made whole: its subnet (given, or picked from the default pools: Docker's
 * for IPv4, the host's unique local /48 for IPv6), gateway (given, or the first host), range and
 * auxiliary addresses inside the subnet. */
static int ipam_entry(const json_t *in, const berth_prefix *others, size_t n_others,
                      const berth_prefix *host, size_t n_host, int family, json_t **ret,
                      berth_error *err)
{
        berth_prefix subnet;
        const char *s = str_of(in, "Subnet");
        char buf[64];
        int r;
        if (s && *s) {
                if ((r = berth_prefix_parse(s, &subnet, err)) < 0)
                        return r;
        } else {
                /* a pool overlaps neither another network nor the host's addresses and routes
                 * (a subnet given is checked against the other networks only, as dockerd); for
                 * IPv6 a /64 of this host's unique local /48, as Docker 27+ (its engine's id
                 * there, the machine's here) */
                berth_prefix *avoid = berth_xmalloc0((n_others + n_host + 1) * sizeof(*avoid));
                memcpy(avoid, others, n_others * sizeof(*avoid));
                memcpy(avoid + n_others, host, n_host * sizeof(*avoid));
                _cleanup_free_ char *id = family == AF_INET6 ? host_id() : NULL;
                r = id ? berth_ipam_pool6_pick(id, avoid, n_others + n_host, &subnet, err)
                       : berth_ipam_pool_pick(avoid, n_others + n_host, &subnet, err);
                free(avoid);
                if (r < 0)
                        return r;
        }
        for (size_t i = 0; i < n_others; i++)
                if (s && *s && berth_prefix_overlaps(&subnet, &others[i]))
                        return berth_errx(err, EINVAL,
                                          "Pool overlaps with other one on this address space");
        json_t *out = json_object();
        json_object_set_new(out, "Subnet",
                            json_string(berth_prefix_str(&subnet, buf, sizeof(buf))));
        const char *range = str_of(in, "IPRange");
        if (range && *range) {
                berth_prefix rp;
                if ((r = berth_prefix_parse(range, &rp, err)) < 0)
                        goto fail;
                if (rp.family != subnet.family || rp.len < subnet.len ||
                    !berth_prefix_overlaps(&rp, &subnet)) {
                        r = berth_errx(err, EINVAL, "no matching subnet for range %s", range);
                        goto fail;
                }
                json_object_set_new(out, "IPRange", json_string(range));
        }
        berth_ip gw;
        const char *g = str_of(in, "Gateway");
        if (g && *g) {
                if ((r = berth_ip_parse(g, &gw, err)) < 0)
                        goto fail;
                if (!berth_prefix_contains(&subnet, &gw)) {
                        r = berth_errx(err, EINVAL, "no matching subnet for gateway %s", g);
                        goto fail;
                }
        } else if ((r = berth_prefix_first_host(&subnet, &gw, err)) < 0) {
                goto fail;
        }
        json_object_set_new(out, "Gateway", json_string(berth_ip_str(&gw, buf, sizeof(buf))));
        const json_t *aux = json_object_get(in, "AuxiliaryAddresses");
        if (aux && !json_is_null(aux)) {
                const char *k;
                const json_t *v;
                if (!json_is_object(aux)) {
                        r = berth_errx(err, EINVAL, "AuxiliaryAddresses: an object was expected");
                        goto fail;
                }
                json_object_foreach ((json_t *)aux, k, v) {
                        berth_ip a;
                        if (!json_is_string(v) ||
                            (r = berth_ip_parse(json_string_value(v), &a, err)) < 0) {
                                r = berth_errx(err, EINVAL, "invalid aux-address %s", k);
                                goto fail;
                        }
                        if (!berth_prefix_contains(&subnet, &a)) {
                                r = berth_errx(err, EINVAL, "no matching subnet for aux-address %s",
                                               json_string_value(v));
                                goto fail;
                        }
                }
                json_object_set_new(out, "AuxiliaryAddresses", json_deep_copy(aux));
        }
        *ret = out;
        return 0;
fail:
        json_decref(out);
        return r;
}

/* The subnets of the networks there are. */
static void in_use(berth_engine *e, berth_prefix **v, size_t *n)
{
        *v = NULL;
        *n = 0;
        berth_error ignore = {0};
        _cleanup_json_ json_t *all = NULL;
        if (engine_networks_all(e, &all, &ignore) < 0)
                return;
        size_t i;
        json_t *net;
        json_array_foreach (all, i, net) {
                size_t j;
                json_t *c;
                json_array_foreach (json_object_get(json_object_get(net, "IPAM"), "Config"), j, c) {
                        berth_prefix p;
                        const char *s = str_of(c, "Subnet");
                        if (s && berth_prefix_parse(s, &p, &ignore) == 0) {
                                *v = berth_xrealloc(*v, (*n + 1) * sizeof(**v));
                                (*v)[(*n)++] = p;
                        }
                }
        }
}

int engine_network_config(berth_engine *e, const json_t *body, const char *id, json_t **ret,
                          berth_error *err)
{
        if (!json_is_object(body))
                return berth_errx(err, EINVAL, "the network's configuration must be an object");
        const char *name = str_of(body, "Name");
        if (name == NULL || *name == '\0')
                return berth_errx(err, EINVAL, "network name must not be empty");
        if (!valid_name(name))
                return berth_errx(err, EINVAL,
                                  "invalid network name \"%s\": it must match "
                                  "[a-zA-Z0-9][a-zA-Z0-9_.-]*",
                                  name);
        const char *driver = str_of(body, "Driver");
        if (driver == NULL || *driver == '\0')
                driver = "bridge";
        if (strcmp(driver, "host") == 0 || strcmp(driver, "null") == 0)
                return berth_errx(err, EPERM, "only one instance of \"%s\" network is allowed",
                                  driver);
        if (strcmp(driver, "bridge") != 0 && strcmp(driver, "macvlan") != 0)
                return berth_errx(err, EINVAL,
                                  "plugin \"%s\" not found: berth's drivers are bridge and macvlan",
                                  driver);
        const json_t *ipam = json_object_get(body, "IPAM");
        const char *ipam_driver = str_of(ipam, "Driver");
        if (ipam_driver && *ipam_driver && strcmp(ipam_driver, "default") != 0)
                return berth_errx(err, EINVAL, "IPAM driver \"%s\" not found", ipam_driver);
        _cleanup_json_ json_t *labels = string_map(body, "Labels", err);
        _cleanup_json_ json_t *options = labels ? string_map(body, "Options", err) : NULL;
        if (labels == NULL || options == NULL)
                return -err->code;
        const char *mtu = str_of(options, "com.docker.network.driver.mtu");
        char *end = NULL;
        long mtu_v = mtu ? strtol(mtu, &end, 10) : 0;
        if (mtu && (end == mtu || *end || mtu_v < 68 || mtu_v > 65535))
                return berth_errx(err, EINVAL, "invalid MTU %s: it must be 68 to 65535", mtu);
        if (strcmp(driver, "macvlan") == 0) {
                const char *parent = str_of(options, "parent");
                if (parent == NULL || *parent == '\0')
                        return berth_errx(
                            err, EINVAL,
                            "a macvlan network needs its parent link: -o parent=<link>");
                if (strlen(parent) >= IFNAMSIZ || strpbrk(parent, "/ \t\n:"))
                        return berth_errx(err, EINVAL, "invalid parent link \"%s\"", parent);
                if (if_nametoindex(parent) == 0)
                        return berth_errx(err, ENOENT,
                                          "-o parent interface was not found on the host: %s",
                                          parent);
        }
        const char *brname = str_of(options, "com.docker.network.bridge.name");
        if (brname && (strlen(brname) == 0 || strlen(brname) > 15 || strpbrk(brname, "/ \t\n:")))
                return berth_errx(err, EINVAL, "invalid bridge name \"%s\"", brname);

        bool ipv6 = json_is_true(json_object_get(body, "EnableIPv6"));
        berth_prefix *others = NULL, *host = NULL;
        size_t n_others = 0, n_host = 0;
        in_use(e, &others, &n_others);
        berth_error ignore = {0};
        (void)berth_ipam_host_prefixes(&host, &n_host, &ignore);
        _cleanup_json_ json_t *configs = json_array();
        const json_t *given = json_object_get(ipam, "Config");
        bool has_v4 = false, has_v6 = false;
        size_t i;
        json_t *c;
        int r = 0;
        json_array_foreach ((json_t *)given, i, c) {
                const char *s = str_of(c, "Subnet");
                int fam = s && strchr(s, ':') ? AF_INET6 : AF_INET;
                if (fam == AF_INET6 && !ipv6) {
                        r = berth_errx(err, EINVAL,
                                       "IPv6 subnet %s given to a network without --ipv6", s);
                        break;
                }
                json_t *entry = NULL;
                if ((r = ipam_entry(c, others, n_others, host, n_host, fam, &entry, err)) < 0)
                        break;
                /* the subnets of one network must not overlap each other either */
                berth_prefix p;
                berth_prefix_parse(str_of(entry, "Subnet"), &p, &ignore);
                others = berth_xrealloc(others, (n_others + 1) * sizeof(*others));
                others[n_others++] = p;
                has_v4 = has_v4 || fam == AF_INET;
                has_v6 = has_v6 || fam == AF_INET6;
                json_array_append_new(configs, entry);
        }
        if (r == 0 && !has_v4) {
                json_t *entry = NULL;
                _cleanup_json_ json_t *none = json_object();
                if ((r = ipam_entry(none, others, n_others, host, n_host, AF_INET, &entry, err)) ==
                    0)
                        json_array_insert_new(configs, 0, entry);
        }
        if (r == 0 && ipv6 && !has_v6) {
                json_t *entry = NULL;
                _cleanup_json_ json_t *none = json_object();
                if ((r = ipam_entry(none, others, n_others, host, n_host, AF_INET6, &entry, err)) ==
                    0)
                        json_array_append_new(configs, entry);
        }
        free(others);
        free(host);
        if (r < 0)
                return r;
        _cleanup_free_ char *created = berth_now_rfc3339();
        const json_t *iopt = json_object_get(ipam, "Options");
        json_t *ipam_out = json_pack("{s:s, s:o, s:O}", "Driver", "default", "Options",
                                     json_is_object(iopt) ? json_deep_copy(iopt) : json_object(),
                                     "Config", configs);
        *ret =
            json_pack("{s:s, s:s, s:s, s:s, s:s, s:b, s:o, s:b, s:b, s:b, s:{s:s}, s:b, s:O, "
                      "s:O}",
                      "Name", name, "Id", id, "Created", created, "Scope", "local", "Driver",
                      driver, "EnableIPv6", ipv6, "IPAM", ipam_out, "Internal",
                      json_is_true(json_object_get(body, "Internal")), "Attachable",
                      json_is_true(json_object_get(body, "Attachable")), "Ingress", 0, "ConfigFrom",
                      "Network", "", "ConfigOnly", 0, "Options", options, "Labels", labels);
        return *ret ? 0 : berth_errx(err, ENOMEM, "out of memory");
}

int engine_net_aliases_check(const json_t *epcfg, berth_error *err)
{
        const json_t *aliases = json_object_get(epcfg, "Aliases");
        if (aliases == NULL || json_is_null(aliases))
                return 0;
        if (!json_is_array(aliases))
                return berth_errx(err, EINVAL, "Aliases: an array of strings was expected");
        size_t i;
        json_t *a;
        json_array_foreach ((json_t *)aliases, i, a) {
                /* a name the resolver answers: one line of its names file each */
                const char *s = json_string_value(a);
                size_t n = s ? strlen(s) : 0;
                if (n == 0 || n > 253 ||
                    strspn(s,
                           "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") !=
                        n)
                        return berth_errx(err, EINVAL,
                                          "invalid network alias \"%s\": letters, digits, '.', "
                                          "'_' and '-' only",
                                          s ? s : "");
        }
        return 0;
}
