/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include "base/error.h"

/**
 * Credentials in Docker's format ({"auths": {"host": {"auth": "base64(user:pass)"}}}),
 * read from, in order: $BERTH_AUTH_FILE, $REGISTRY_AUTH_FILE,
 * ${XDG_RUNTIME_DIR}/containers/auth.json, $DOCKER_CONFIG/config.json or
 * ~/.docker/config.json; the first file holding the host wins. `login` writes
 * the first of these that is set or exists (default: ~/.docker/config.json),
 * atomically, mode 0600 (its directory made 0700), keeping every other key of
 * the file. Host keys match as docker's do ("https://index.docker.io/v1/" for
 * docker.io, index.docker.io and registry-1.docker.io; else "host[:port]",
 * with or without a scheme or a path, case-insensitive). Entries with
 * "username"/"password" instead of "auth" are read too. credsStore and
 * credHelpers (external helper programs) are not used.
 *
 * A file that exists but is not such JSON is an error naming the file
 * ("bad credentials file …"), never silently skipped or overwritten.
 */
/** *ret_user, *ret_pass (caller frees), or -ENOENT (nothing in *err) when there are none. */
int berth_auth_get(const char *host, char **ret_user, char **ret_pass, berth_error *err);
/** Store user:pass for host in berth_auth_file(), replacing any key that means the same host.
 * user must be non-empty and hold no ':'. */
int berth_auth_set(const char *host, const char *user, const char *pass, berth_error *err);
/** Remove host's credentials from every file they are in; -ENOENT when there were none
 * ("not logged in to <host>"). */
int berth_auth_remove(const char *host, berth_error *err);
/** The file that login writes (caller frees). */
char *berth_auth_file(void);
