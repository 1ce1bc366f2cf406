/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include "base/error.h"

/**
 * Credentials in Docker's format ({"auths": {"host": {"auth": "base64(user:pass)"}}}),
 * read from, in order: $BERTH_AUTH_FILE, $REGISTRY_AUTH_FILE,
 * ${XDG_RUNTIME_DIR}/containers/auth.json, $DOCKER_CONFIG/config.json or
 * ~/.docker/config.json. `login` writes the first of these that is set or
 * exists (default: ~/.docker/config.json), atomically, mode 0600, keeping
 * every other key of the file. Host keys match as docker's do
 * ("https://index.docker.io/v1/" for docker.io, else "host[:port]", with or
 * without a scheme).
 */
/** *ret_user/*ret_pass (caller frees) or -ENOENT when there are none for host. */
int berth_auth_get(const char *host, char **ret_user, char **ret_pass, berth_error *err);
int berth_auth_set(const char *host, const char *user, const char *pass, berth_error *err);
/** -ENOENT when there were none ("not logged in to <host>"). */
int berth_auth_remove(const char *host, berth_error *err);
/** The file that login writes (caller frees). */
char *berth_auth_file(void);
