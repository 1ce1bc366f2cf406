/* SPDX-License-Identifier: Apache-2.0 */
/* exec records, and the process berth-runtime exec starts for one (exec.h). */
#include "engine/exec.h"
#include "engine/exec-internal.h"
#include "engine/engine-internal.h"
#include "base/cleanup-json.h"
#include "base/cleanup.h"
#include "base/fs.h"
#include "base/log.h"
#include "base/strutil.h"
#include "base/units.h"
#include "runtime/selfclone.h"
#include "specgen/specgen.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static const berth_db_migration migrations[] = {
    {1, "CREATE TABLE execs ("
        " id TEXT PRIMARY KEY,"
        " container TEXT NOT NULL REFERENCES containers(id) ON DELETE CASCADE,"
        " config TEXT NOT NULL,"
        " state TEXT NOT NULL DEFAULT 'created'," /* created, running, detached, exited */
        " pid INTEGER NOT NULL DEFAULT 0,"
        " pid_start INTEGER NOT NULL DEFAULT 0,"
        " exit_code INTEGER,"
        " created TEXT NOT NULL);"
        "CREATE INDEX execs_container ON execs (container);"},
};

int berth_execs_migrate(berth_db *db, berth_error *err)
{
        return berth_db_migrate(db, "exec", migrations, ARRAY_SIZE(migrations), err);
}

void exec_rec_clear(exec_rec *x)
{
        free(x->id);
        free(x->container);
        free(x->state);
        json_decref(x->config);
        *x = (exec_rec){0};
}

int exec_get(berth_engine *e, const char *id, exec_rec *ret, berth_error *err)
{
        static const char sql[] =
            "SELECT id, container, config, state, pid, pid_start, exit_code "
            "FROM execs WHERE id = ? OR (length(?) >= 12 AND id LIKE ? || '%')";
        berth_db *db = berth_engine_db(e);
        sqlite3_stmt *st = berth_db_prepare(db, sql, err);
        if (st == NULL)
                return -EIO;
        sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 2, id, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 3, id, -1, SQLITE_TRANSIENT);
        int rc = berth_db_step(db, st, "reading an exec", err);
        if (rc == SQLITE_ROW) {
                json_error_t je;
                *ret = (exec_rec){
                    .id = berth_xstrdup((const char *)sqlite3_column_text(st, 0)),
                    .container = berth_xstrdup((const char *)sqlite3_column_text(st, 1)),
                    .config = json_loads((const char *)sqlite3_column_text(st, 2), 0, &je),
                    .state = berth_xstrdup((const char *)sqlite3_column_text(st, 3)),
                    .pid = (pid_t)sqlite3_column_int64(st, 4),
                    .pid_start = (unsigned long long)sqlite3_column_int64(st, 5),
                    .has_code = sqlite3_column_type(st, 6) != SQLITE_NULL,
                    .exit_code = sqlite3_column_int(st, 6)};
        }
        sqlite3_reset(st);
        if (rc < 0)
                return rc;
        if (rc != SQLITE_ROW)
                return berth_errx(err, ENOENT, "No such exec instance: %s", id);
        return 0;
}

/* Move an exec from one state to the next (one statement: a second start loses). */
static int exec_set(berth_engine *e, const char *id, const char *from, const char *to, pid_t pid,
                    unsigned long long pid_start, const int *code, berth_error *err)
{
        static const char sql[] = "UPDATE execs SET state = ?, pid = ?, pid_start = ?, "
                                  "exit_code = ? WHERE id = ? AND state = ?";
        berth_db *db = berth_engine_db(e);
        sqlite3_stmt *st = berth_db_prepare(db, sql, err);
        if (st == NULL)
                return -EIO;
        sqlite3_bind_text(st, 1, to, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 2, pid);
        sqlite3_bind_int64(st, 3, (sqlite3_int64)pid_start);
        if (code)
                sqlite3_bind_int(st, 4, *code);
        else
                sqlite3_bind_null(st, 4);
        sqlite3_bind_text(st, 5, id, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 6, from, -1, SQLITE_STATIC);
        int rc = berth_db_step(db, st, "recording an exec", err);
        sqlite3_reset(st);
        if (rc < 0)
                return rc;
        if (sqlite3_changes(berth_db_handle(db)) == 0)
                return berth_errx(err, EALREADY, "exec %.12s is already running or has run", id);
        return 0;
}

/* The container, running: Docker's refusals otherwise. */
static int exec_running_container(berth_engine *e, const char *name, berth_container *c,
                                  berth_error *err)
{
        int r = berth_engine_get(e, name, c, err);
        if (r < 0)
                return r;
        if (c->state == BERTH_STATE_RUNNING)
                return 0;
        r = berth_errx(err, EBUSY, "Container %s is %s", c->id,
                       c->state == BERTH_STATE_PAUSED ? "paused, unpause the container before exec"
                                                      : "not running");
        berth_container_clear(c);
        return r;
}

/* Docker's checks of a create body's Cmd. */
static int exec_config_check(const json_t *config, berth_error *err)
{
        json_t *cmd = json_object_get(config, "Cmd");
        if (!json_is_array(cmd) || json_array_size(cmd) == 0)
                return berth_errx(err, EINVAL, "No exec command specified");
        size_t i;
        json_t *v;
        json_array_foreach (cmd, i, v)
                if (!json_is_string(v))
                        return berth_errx(err, EINVAL, "Cmd[%zu]: expected a string", i);
        return 0;
}

/* The record of a new exec id in c, and its exec_create event, in the caller's transaction. */
static int exec_insert(berth_engine *e, const berth_container *c, const json_t *config,
                       const char *id, berth_error *err)
{
        static const char sql[] =
            "INSERT INTO execs (id, container, config, created) VALUES (?, ?, ?, ?)";
        berth_db *db = berth_engine_db(e);
        _cleanup_free_ char *text = json_dumps(config, JSON_COMPACT);
        _cleanup_free_ char *now = berth_now_rfc3339();
        sqlite3_stmt *st = berth_db_prepare(db, sql, err);
        if (st == NULL)
                return -EIO;
        sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 2, c->id, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 3, text, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 4, now, -1, SQLITE_TRANSIENT);
        int r = berth_db_step(db, st, "recording an exec", err);
        sqlite3_reset(st);
        if (r < 0)
                return r;
        _cleanup_free_ char *line = NULL;
        json_t *a;
        size_t i, len = 0;
        FILE *f = open_memstream(&line, &len);
        json_array_foreach (json_object_get(config, "Cmd"), i, a)
                fprintf(f, "%s%s", i ? " " : "", json_string_value(a));
        fclose(f);
        _cleanup_free_ char *action = berth_xasprintf("exec_create: %s", line);
        engine_event(e, c, action, "execID", id);
        return 0;
}

/* What an exec begins with: its config checked, its running container (*c, to clear) and a
 * new id; nothing recorded yet. */
static int exec_begin(berth_engine *e, const char *container, const json_t *config,
                      berth_container *c, char id[65], berth_error *err)
{
        int r = exec_config_check(config, err);
        if (r < 0 || (r = exec_running_container(e, container, c, err)) < 0)
                return r;
        if ((r = berth_random_hex(id, 32, err)) < 0)
                berth_container_clear(c);
        return r;
}

/* The record of a new exec and its exec_create event, committed: the exec is created. */
static int exec_record_created(berth_engine *e, const berth_container *c, const json_t *config,
                               const char *id, berth_error *err)
{
        berth_db *db = berth_engine_db(e);
        int r = berth_db_begin(db, err);
        if (r < 0)
                return r;
        if ((r = exec_insert(e, c, config, id, err)) < 0 || (r = berth_db_commit(db, err)) < 0)
                berth_db_rollback(db);
        return r;
}

int berth_engine_exec_create(berth_engine *e, const char *container, const json_t *config,
                             char **ret_id, berth_error *err)
{
        berth_container c;
        char id[65];
        int r = exec_begin(e, container, config, &c, id, err);
        if (r < 0)
                return r;
        if ((r = exec_record_created(e, &c, config, id, err)) == 0)
                *ret_id = berth_xstrdup(id);
        berth_container_clear(&c);
        return r < 0 ? r : 0;
}

/* berth-runtime exec's arguments for the record. */
static char **runtime_args(berth_engine *e, const berth_container *c, const json_t *cfg,
                           const char *uid, const exec_run *how)
{
        char **args = NULL;
        berth_strv_push(&args, "berth-runtime");
        berth_strv_push(&args, "--root");
        berth_strv_push(&args, berth_engine_rt(e)->root);
        berth_strv_push(&args, "exec");
        if (json_is_true(json_object_get(cfg, "Tty")) && !how->detach)
                berth_strv_push(&args, "-t");
        if (how->console_fd >= 0) {
                char n[16];
                snprintf(n, sizeof(n), "%d", EXEC_CONSOLE_FD);
                berth_strv_push(&args, "--console-fd");
                berth_strv_push(&args, n);
        }
        if (how->detach)
                berth_strv_push(&args, "--detach");
        if (how->pid_file) {
                berth_strv_push(&args, "--pid-file");
                berth_strv_push(&args, how->pid_file);
        }
        const char *wd = json_string_value(json_object_get(cfg, "WorkingDir"));
        if (wd && *wd) {
                berth_strv_push(&args, "--cwd");
                berth_strv_push(&args, wd);
        }
        if (uid) {
                berth_strv_push(&args, "--user");
                berth_strv_push(&args, uid);
        }
        if (json_is_true(json_object_get(cfg, "Privileged"))) {
                /* docker exec --privileged: every capability the engine holds */
                _cleanup_strv_ char **caps = berth_specgen_all_caps();
                STRV_FOREACH (cap, caps) {
                        berth_strv_push(&args, "--cap");
                        berth_strv_push(&args, *cap);
                }
        }
        size_t i;
        json_t *v;
        json_array_foreach (json_object_get(cfg, "Env"), i, v)
                if (json_is_string(v)) {
                        berth_strv_push(&args, "--env");
                        berth_strv_push(&args, json_string_value(v));
                }
        berth_strv_push(&args, c->id);
        json_array_foreach (json_object_get(cfg, "Cmd"), i, v)
                berth_strv_push(&args, json_string_value(v));
        return args;
}

/* berth-runtime through a read-only mount of its directory (runtime/selfclone.h), as a path
 * for exec (/proc/self/fd/N: posix_spawn has no execveat): sealed from the start, so it does not
 * exec itself a second time to be. Above the fds the child's stdio and console go to. NULL where
 * no such mount can be made: the runtime seals itself. */
static char *sealed_runtime(const char *rt, int *ret_fd)
{
        _cleanup_close_ int fd = berth_sealed_open(rt);
        if (fd < 0)
                return NULL;
        int high = fcntl(fd, F_DUPFD_CLOEXEC, 10);
        if (high < 0)
                return NULL;
        *ret_fd = high;
        return berth_xasprintf("/proc/self/fd/%d", high);
}

/* The runtime in a child with the given stdio (and a console socket as EXEC_CONSOLE_FD); the
 * signals a terminal sends to its group are the process's business, not ours, while we wait
 * (the child gets them back). Spawned (vfork-like), not forked: no copy of our page tables on
 * the exec's path. */
static int run_runtime(char **args, const exec_run *how, pid_t *ret_pid, berth_error *err)
{
        _cleanup_free_ char *rt = berth_program_path("berth-runtime", "BERTH_RUNTIME");
        _cleanup_close_ int sealed_fd = -1;
        _cleanup_free_ char *sealed = sealed_runtime(rt, &sealed_fd);
        posix_spawn_file_actions_t fa;
        posix_spawnattr_t at;
        posix_spawn_file_actions_init(&fa);
        posix_spawnattr_init(&at);
        int fds[3] = {how->stdin_fd, how->stdout_fd, how->stderr_fd};
        for (int i = 0; i < 3; i++)
                if (fds[i] >= 0 && fds[i] != i)
                        posix_spawn_file_actions_adddup2(&fa, fds[i], i);
        if (how->console_fd >= 0)
                posix_spawn_file_actions_adddup2(&fa, how->console_fd, EXEC_CONSOLE_FD);
        sigset_t def;
        sigemptyset(&def);
        sigaddset(&def, SIGINT);
        sigaddset(&def, SIGQUIT);
        posix_spawnattr_setsigdefault(&at, &def);
        posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSIGDEF |
                                          (how->own_session ? POSIX_SPAWN_SETSID : 0));
        extern char **environ;
        int r = posix_spawn(ret_pid, sealed ? sealed : rt, &fa, &at, args, environ);
        posix_spawn_file_actions_destroy(&fa);
        posix_spawnattr_destroy(&at);
        if (r != 0)
                return berth_errx(err, r, "cannot run %s: %s", rt, strerror(r));
        return 0;
}

/* The record of exec x, made and started at once (berth_engine_exec_run: nobody else knows its
 * id), with its exec_create and exec_start events, in one transaction; code: where it could
 * not be started (its exit code), NULL where it runs. */
static int exec_record_new(berth_engine *e, const exec_rec *x, const berth_container *c,
                           const int *code, berth_error *err)
{
        berth_db *db = berth_engine_db(e);
        int r = berth_db_begin(db, err);
        if (r < 0)
                return r;
        if ((r = exec_insert(e, c, x->config, x->id, err)) < 0 ||
            (r = exec_set(e, x->id, "created", "running", 0, 0, NULL, err)) < 0) {
                berth_db_rollback(db);
                return r;
        }
        engine_event(e, c, "exec_start", "execID", x->id);
        if (code && (r = exec_set(e, x->id, "running", "exited", 0, 0, code, err)) < 0) {
                berth_db_rollback(db);
                return r;
        }
        if ((r = berth_db_commit(db, err)) < 0)
                berth_db_rollback(db);
        return r;
}

/* exec_launch once x and c are known. fresh: x is not recorded yet (berth_engine_exec_run); the
 * runtime is spawned first and the record written while it starts, off the process's way. A
 * user that cannot be resolved leaves the exec created, as a create and then a failed start do.
 * A record that cannot be written once the process runs is reported, and the process goes on. */
static int exec_launch_rec(berth_engine *e, const exec_rec *x, const berth_container *c, bool fresh,
                           const exec_run *how, pid_t *ret_pid, berth_error *err)
{
        berth_db *db = berth_engine_db(e);
        _cleanup_free_ char *uid = NULL;
        const char *user = json_string_value(json_object_get(x->config, "User"));
        int r = 0;
        if (user && *user && (r = berth_engine_resolve_user(e, c, user, &uid, err)) < 0) {
                if (fresh)
                        exec_record_created(e, c, x->config, x->id, NULL);
                return r;
        }
        _cleanup_strv_ char **args = runtime_args(e, c, x->config, uid, how);
        if (fresh) {
                r = run_runtime(args, how, ret_pid, err);
                int code = 126;
                berth_error rec = {0};
                if (exec_record_new(e, x, c, r < 0 ? &code : NULL, &rec) < 0 && r == 0)
                        log_warn("exec %.12s runs, but its record could not be written: %s", x->id,
                                 rec.msg);
                return r;
        }
        /* claimed before it runs (a second start of the same exec loses here), its event in the
         * same transaction */
        if ((r = berth_db_begin(db, err)) < 0)
                return r;
        if ((r = exec_set(e, x->id, "created", "running", 0, 0, NULL, err)) < 0) {
                berth_db_rollback(db);
                return r;
        }
        engine_event(e, c, "exec_start", "execID", x->id);
        if ((r = berth_db_commit(db, err)) < 0) {
                berth_db_rollback(db);
                return r;
        }
        if ((r = run_runtime(args, how, ret_pid, err)) < 0) {
                int code = 126;
                exec_set(e, x->id, "running", "exited", 0, 0, &code, NULL);
                return r;
        }
        return 0;
}

int exec_launch(berth_engine *e, const char *exec_id, const exec_run *how, exec_rec *ret_x,
                berth_container *ret_c, pid_t *ret_pid, berth_error *err)
{
        exec_rec x;
        int r = exec_get(e, exec_id, &x, err);
        if (r < 0)
                return r;
        berth_container c = {0};
        if ((r = exec_running_container(e, x.container, &c, err)) < 0 ||
            (r = exec_launch_rec(e, &x, &c, false, how, ret_pid, err)) < 0) {
                berth_container_clear(&c);
                exec_rec_clear(&x);
                return r;
        }
        *ret_x = x;
        *ret_c = c;
        return 0;
}

int exec_wait_runtime(pid_t pid)
{
        int st = 0;
        while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
                ;
        return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

void exec_record_exit(berth_engine *e, const char *exec_id, const berth_container *c, int code)
{
        berth_db *db = berth_engine_db(e);
        char cs[16];
        snprintf(cs, sizeof(cs), "%d", code);
        if (berth_db_begin(db, NULL) == 0) {
                exec_set(e, exec_id, "running", "exited", 0, 0, &code, NULL);
                /* Docker's exec_die names the exec too */
                json_t *a = json_pack("{s:s, s:s}", "execID", exec_id, "exitCode", cs);
                berth_container_event_with(db, c->id, c->image_name, c->name, "exec_die", a);
                json_decref(a);
                if (berth_db_commit(db, NULL) < 0)
                        berth_db_rollback(db);
        }
}

void exec_record_detached(berth_engine *e, const char *exec_id, const char *pid_file)
{
        /* the process is known by its pid (and start time, against reuse); its exit code is
         * nobody's to wait for */
        _cleanup_free_ char *text = NULL;
        pid_t p = 0;
        if (berth_read_file(pid_file, &text, NULL, NULL) == 0)
                p = (pid_t)atoi(text);
        unlink(pid_file);
        exec_set(e, exec_id, "running", "detached", p, berth_pid_start_time(p), NULL, NULL);
}

char *exec_pid_file(berth_engine *e, const char *exec_id)
{
        return berth_xasprintf("%s/exec-%s.pid", e->rt_root, exec_id);
}

/* A start without a terminal: the runtime on the caller's fds, its exit (or its detached
 * process) recorded. x and c: NULL to read exec_id's record and container (exec_launch); or a
 * new exec not recorded yet (berth_engine_exec_run), both taken. */
static int exec_start_fds(berth_engine *e, const char *exec_id, exec_rec *made,
                          berth_container *made_c, const berth_exec_start_opts *o, int *ret_code,
                          berth_error *err)
{
        _cleanup_free_ char *pid_file = o->detach ? exec_pid_file(e, exec_id) : NULL;
        exec_stdio io;
        const int fds[3] = {o->stdin_fd, o->stdout_fd, o->stderr_fd};
        int r = exec_stdio_open(&io, fds, o->detach, err);
        if (r < 0) {
                exec_stdio_close(&io);
                if (made) {
                        exec_rec_clear(made);
                        berth_container_clear(made_c);
                }
                return r;
        }
        exec_run how = {.stdin_fd = io.child[0],
                        .stdout_fd = io.child[1],
                        .stderr_fd = io.child[2],
                        .console_fd = -1,
                        .detach = o->detach,
                        .pid_file = pid_file};
        struct sigaction ign = {.sa_handler = SIG_IGN}, old_int, old_quit;
        sigaction(SIGINT, &ign, &old_int);
        sigaction(SIGQUIT, &ign, &old_quit);
        exec_rec x = {0};
        berth_container c = {0};
        pid_t pid = -1;
        if (made) {
                x = *made;
                c = *made_c;
                r = exec_launch_rec(e, &x, &c, true, &how, &pid, err);
        } else {
                r = exec_launch(e, exec_id, &how, &x, &c, &pid, err);
        }
        exec_stdio_started(&io);
        if (r == 0) {
                int code = exec_stdio_wait(&io, pid);
                if (o->detach && code == 0)
                        /* berth-runtime exec --detach has started it and left */
                        exec_record_detached(e, x.id, pid_file);
                else
                        exec_record_exit(e, x.id, &c, code);
                *ret_code = code;
        }
        exec_stdio_close(&io);
        berth_container_clear(&c);
        exec_rec_clear(&x);
        sigaction(SIGINT, &old_int, NULL);
        sigaction(SIGQUIT, &old_quit, NULL);
        return r;
}

int berth_engine_exec_start(berth_engine *e, const char *exec_id, const berth_exec_start_opts *o,
                            int *ret_code, berth_error *err)
{
        return exec_start_fds(e, exec_id, NULL, NULL, o, ret_code, err);
}

int berth_engine_exec_run(berth_engine *e, const char *container, const json_t *config,
                          const berth_exec_start_opts *o, int *ret_code, berth_error *err)
{
        berth_container c;
        char id[65];
        int r = exec_begin(e, container, config, &c, id, err);
        if (r < 0)
                return r;
        exec_rec x = {.id = berth_xstrdup(id),
                      .container = berth_xstrdup(c.id),
                      .state = berth_xstrdup("created"),
                      .config = json_deep_copy(config)};
        return exec_start_fds(e, id, &x, &c, o, ret_code, err);
}

json_t *berth_engine_exec_inspect(berth_engine *e, const char *exec_id, berth_error *err)
{
        exec_rec x;
        if (exec_get(e, exec_id, &x, err) < 0)
                return NULL;
        const json_t *cfg = x.config;
        json_t *cmd = json_object_get(cfg, "Cmd");
        json_t *arguments = json_array();
        for (size_t i = 1; i < json_array_size(cmd); i++)
                json_array_append(arguments, json_array_get(cmd, i));
        bool running = strcmp(x.state, "running") == 0 ||
                       (strcmp(x.state, "detached") == 0 && berth_pid_alive(x.pid, x.pid_start));
        json_t *o = json_pack(
            "{s:s, s:b, s:o, s:{s:b, s:s, s:o, s:b, s:s}, s:b, s:b, s:b, s:b, s:s, s:s, s:I}", "ID",
            x.id, "Running", running, "ExitCode",
            x.has_code ? json_integer(x.exit_code) : json_null(), "ProcessConfig", "tty",
            json_is_true(json_object_get(cfg, "Tty")), "entrypoint",
            json_string_value(json_array_get(cmd, 0)) ? json_string_value(json_array_get(cmd, 0))
                                                      : "",
            "arguments", arguments, "privileged", json_is_true(json_object_get(cfg, "Privileged")),
            "user",
            json_string_value(json_object_get(cfg, "User"))
                ? json_string_value(json_object_get(cfg, "User"))
                : "",
            "OpenStdin", json_is_true(json_object_get(cfg, "AttachStdin")), "OpenStderr",
            json_is_true(json_object_get(cfg, "AttachStderr")), "OpenStdout",
            json_is_true(json_object_get(cfg, "AttachStdout")), "CanRemove", false, "ContainerID",
            x.container, "DetachKeys",
            json_string_value(json_object_get(cfg, "DetachKeys"))
                ? json_string_value(json_object_get(cfg, "DetachKeys"))
                : "",
            "Pid", (json_int_t)x.pid);
        exec_rec_clear(&x);
        return o;
}
