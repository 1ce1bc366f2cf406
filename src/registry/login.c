/* SPDX-License-Identifier: Apache-2.0 */
/* login: credentials checked against the registry, then kept in the auth file. */
#include "transfer-internal.h"
#include "registry/auth.h"
#include "base/cleanup.h"
#include "base/strutil.h"

#include <errno.h>
#include <string.h>

char *berth_registry_server(const char *server)
{
        if (server == NULL || *server == '\0')
                return berth_xstrdup("docker.io");
        const char *s = server;
        if (berth_str_has_prefix(s, "https://"))
                s += 8;
        else if (berth_str_has_prefix(s, "http://"))
                s += 7;
        char *host = berth_xasprintf("%.*s", (int)strcspn(s, "/"), s);
        if (strcmp(host, "index.docker.io") == 0 || strcmp(host, "registry-1.docker.io") == 0 ||
            strcmp(host, "registry.hub.docker.com") == 0) {
                free(host);
                host = berth_xstrdup("docker.io");
        }
        return host;
}

int berth_login(const char *server, const char *user, const char *pass,
                const berth_transfer_opts *o, berth_error *err)
{
        static const berth_transfer_opts none = {0};
        _cleanup_free_ char *host = berth_registry_server(server);
        berth_transfer_opts to = o ? *o : none;
        to.registry.username = user;
        to.registry.password = pass;
        xfer x;
        xfer_init(&x, &to, host);
        berth_registry *reg = NULL;
        int r = xfer_open(&x, &reg, err);
        if (r == 0)
                r = berth_registry_ping(reg, err);
        berth_registry_close(reg);
        xfer_clear(&x);
        if (r < 0)
                return berth_wrap(err, "cannot log in to %s", host);
        if ((r = berth_auth_set(host, user, pass, err)) < 0)
                return berth_wrap(err, "cannot store the credentials for %s", host);
        return 0;
}
