/* SPDX-License-Identifier: Apache-2.0 */
#include "hooks.h"
#include "base/cleanup.h"
#include "base/fs.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static const char *const kind_names[] = {"prestart",       "createRuntime", "createContainer",
                                         "startContainer", "poststart",     "poststop"};

const char *berth_hook_kind_name(enum oci_hook_kind kind)
{
        return kind < OCI_HOOK_COUNT ? kind_names[kind] : "unknown";
}

static int run_one(const oci_hook *h, const char *kind, const char *state_json, berth_error *err)
{
        int in[2];
        if (pipe2(in, O_CLOEXEC) < 0)
                return berth_err(err, errno, "cannot create a pipe for %s hook", kind);
        pid_t pid = fork();
        if (pid < 0) {
                close(in[0]);
                close(in[1]);
                return berth_err(err, errno, "cannot fork %s hook '%s'", kind, h->path);
        }
        if (pid == 0) {
                dup2(in[0], STDIN_FILENO);
                char *fallback[] = {h->path, NULL};
                char *empty[] = {NULL};
                sigset_t all;
                sigemptyset(&all);
                sigprocmask(SIG_SETMASK, &all, NULL);
                execve(h->path, h->args ? h->args : fallback, h->env ? h->env : empty);
                _exit(127);
        }
        close(in[0]);
        /* A hook that never reads must not block us: the state is small (pipe buffer). */
        int fl = fcntl(in[1], F_GETFL);
        fcntl(in[1], F_SETFL, fl | O_NONBLOCK);
        berth_write_all(in[1], state_json, strlen(state_json));
        close(in[1]);

        int status = 0;
        long timeout_ms = h->timeout.set ? (long)h->timeout.v * 1000 : -1;
        _cleanup_close_ int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
        if (pidfd >= 0 && timeout_ms > 0) {
                struct pollfd p = {.fd = pidfd, .events = POLLIN};
                int r;
                do
                        r = poll(&p, 1, (int)timeout_ms);
                while (r < 0 && errno == EINTR);
                if (r == 0) {
                        kill(pid, SIGKILL);
                        waitpid(pid, &status, 0);
                        return berth_errx(err, ETIMEDOUT, "%s hook '%s' timed out after %lld s",
                                          kind, h->path, (long long)h->timeout.v);
                }
        }
        while (waitpid(pid, &status, 0) < 0) {
                if (errno != EINTR)
                        return berth_err(err, errno, "cannot wait for %s hook '%s'", kind, h->path);
        }
        if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
                return 0;
        if (WIFEXITED(status))
                return berth_errx(err, EIO, "%s hook '%s' exited with status %d", kind, h->path,
                                  WEXITSTATUS(status));
        return berth_errx(err, EIO, "%s hook '%s' was killed by signal %d", kind, h->path,
                          WTERMSIG(status));
}

int berth_hooks_run(const oci_spec *s, enum oci_hook_kind kind, const char *state_json,
                    berth_error *err)
{
        for (size_t i = 0; i < s->n_hooks[kind]; i++) {
                int r = run_one(&s->hooks[kind][i], kind_names[kind], state_json, err);
                if (r < 0)
                        return r;
        }
        return 0;
}
