/* SPDX-License-Identifier: Apache-2.0 */
#include "seccomp-listener.h"
#include "console.h"
#include "base/cleanup.h"
#include "base/strutil.h"

#include <errno.h>
#include <jansson.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static int send_to_listener(const oci_seccomp *sc, pid_t pid, const char *state_json, int notify_fd,
                            berth_error *err)
{
        if (sc == NULL || sc->listener_path == NULL)
                return berth_errx(err, EINVAL,
                                  "linux.seccomp: SCMP_ACT_NOTIFY needs a listenerPath");
        json_t *state = json_loads(state_json ? state_json : "{}", 0, NULL);
        json_t *o =
            json_pack("{s:s,s:[s],s:i,s:s,s:o}", "ociVersion", "1.2.0", "fds", "seccompFd", "pid",
                      (int)pid, "metadata", sc->listener_metadata ? sc->listener_metadata : "",
                      "state", state ? state : json_object());
        _cleanup_free_ char *text = json_dumps(o, JSON_COMPACT);
        json_decref(o);
        _cleanup_close_ int sock = berth_unix_connect(sc->listener_path, err);
        if (sock < 0)
                return berth_wrap(err, "linux.seccomp.listenerPath");
        int r = berth_send_fd(sock, notify_fd, text);
        if (r < 0)
                return berth_err(err, -r, "cannot send the seccomp fd to '%s'", sc->listener_path);
        return 0;
}

int berth_wait_ready(int sync_fd, const oci_spec *spec, pid_t pid, const char *state_json,
                     berth_error *err)
{
        for (;;) {
                struct sync_msg m;
                int fd = -1;
                int r = sync_recv_fd(sync_fd, &m, &fd);
                if (r == -EPIPE)
                        return berth_errx(err, EPIPE,
                                          "the container's process exited during "
                                          "setup");
                if (r < 0)
                        return berth_err(err, -r, "cannot read from the container's process");
                if (m.type == SYNC_READY)
                        return 0;
                if (m.type == SYNC_ERROR)
                        return berth_errx(err, m.value > 0 ? m.value : EIO, "%s", m.text);
                if (m.type == SYNC_SECCOMP_NOTIFY && fd >= 0) {
                        r = send_to_listener(spec->linux ? spec->linux->seccomp : NULL, pid,
                                             state_json, fd, err);
                        close(fd);
                        if (r < 0)
                                return r;
                        continue;
                }
                if (fd >= 0)
                        close(fd);
                return berth_errx(err, EPROTO, "unexpected message %d from the container", m.type);
        }
}
