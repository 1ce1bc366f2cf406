/* SPDX-License-Identifier: Apache-2.0 */
/* `top`: a container's processes, as `ps -ef` on the host shows them, or through the host's ps. */
#include "engine/top.h"
#include "engine/engine-internal.h"

#include "base/cleanup.h"
#include "base/fs.h"
#include "base/strutil.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pwd.h>
#include <regex.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

void berth_top_clear(berth_top *t)
{
        if (t == NULL)
                return;
        berth_strv_free(t->titles);
        for (size_t i = 0; i < t->n; i++)
                berth_strv_free(t->rows[i]);
        free(t->rows);
        *t = (berth_top){0};
}

static void top_add_row(berth_top *t, char **row)
{
        t->rows = berth_xrealloc(t->rows, (t->n + 1) * sizeof(*t->rows));
        t->rows[t->n++] = row;
}

/* ---- ps -ef from /proc ---- */

/* procps's user column: the name when it fits in 8 columns, else cut with '+'. */
static char *user_name(uid_t uid)
{
        struct passwd pw, *res = NULL;
        char buf[4096];
        if (getpwuid_r(uid, &pw, buf, sizeof(buf), &res) != 0 || res == NULL)
                return berth_xasprintf("%u", (unsigned)uid);
        if (strlen(pw.pw_name) <= 8)
                return berth_xstrdup(pw.pw_name);
        return berth_xasprintf("%.7s+", pw.pw_name);
}

/* The controlling terminal as ps names it: "?", "pts/3", "tty1", "ttyS0". */
static char *tty_name(unsigned long tty_nr)
{
        unsigned major = (unsigned)((tty_nr >> 8) & 0xfff);
        unsigned minor = (unsigned)((tty_nr & 0xff) | ((tty_nr >> 12) & 0xfff00));
        if (tty_nr == 0)
                return berth_xstrdup("?");
        if (major >= 136 && major <= 143)
                return berth_xasprintf("pts/%u", minor + (major - 136) * 256);
        if (major == 4 && minor < 64)
                return berth_xasprintf("tty%u", minor);
        if (major == 4)
                return berth_xasprintf("ttyS%u", minor - 64);
        if (major == 5 && minor == 1)
                return berth_xstrdup("console");
        return berth_xasprintf("%u,%u", major, minor);
}

/* ps's TIME: [DD-]HH:MM:SS of cpu time. */
static char *cpu_time(unsigned long long secs)
{
        unsigned long long d = secs / 86400, h = secs / 3600 % 24, m = secs / 60 % 60,
                           s = secs % 60;
        if (d)
                return berth_xasprintf("%llu-%02llu:%02llu:%02llu", d, h, m, s);
        return berth_xasprintf("%02llu:%02llu:%02llu", h, m, s);
}

/* ps's STIME: HH:MM today, MonDD this year, else the year. */
static char *start_time(time_t start, time_t now)
{
        struct tm st, nt;
        char buf[32];
        localtime_r(&start, &st);
        localtime_r(&now, &nt);
        const char *fmt = "%H:%M";
        if (st.tm_yday != nt.tm_yday)
                fmt = "%b%d";
        if (st.tm_year != nt.tm_year)
                fmt = "%Y";
        strftime(buf, sizeof(buf), fmt, &st);
        return berth_xstrdup(buf);
}

/* The command line, arguments joined by spaces; "[comm]" for a kernel thread or a zombie. */
static char *command_line(pid_t pid, const char *comm)
{
        _cleanup_free_ char *path = berth_xasprintf("/proc/%d/cmdline", (int)pid);
        _cleanup_free_ char *raw = NULL;
        size_t len = 0;
        if (berth_read_file(path, &raw, &len, NULL) < 0 || len == 0)
                return berth_xasprintf("[%s]", comm);
        while (len > 0 && raw[len - 1] == '\0')
                len--;
        for (size_t i = 0; i < len; i++) {
                if (raw[i] == '\0')
                        raw[i] = ' ';
                else if ((unsigned char)raw[i] < 0x20 || raw[i] == 0x7f)
                        raw[i] = '?';
        }
        raw[len] = '\0';
        return TAKE_PTR(raw);
}

static bool effective_uid(pid_t pid, uid_t *ret)
{
        _cleanup_free_ char *path = berth_xasprintf("/proc/%d/status", (int)pid);
        _cleanup_free_ char *text = NULL;
        if (berth_read_file(path, &text, NULL, NULL) < 0)
                return false;
        const char *p = strstr(text, "\nUid:");
        unsigned real, eff;
        if (p == NULL || sscanf(p + 5, "%u %u", &real, &eff) != 2)
                return false;
        *ret = eff;
        return true;
}

char **berth_top_proc_row(pid_t pid, time_t now, time_t boot_time)
{
        _cleanup_free_ char *path = berth_xasprintf("/proc/%d/stat", (int)pid);
        _cleanup_free_ char *text = NULL;
        if (berth_read_file(path, &text, NULL, NULL) < 0)
                return NULL;
        /* "pid (comm) S ppid …": comm may hold spaces and parentheses, so cut at the last ')' */
        char *open = strchr(text, '('), *close = strrchr(text, ')');
        if (open == NULL || close == NULL || close < open)
                return NULL;
        _cleanup_free_ char *comm = berth_xasprintf("%.*s", (int)(close - open - 1), open + 1);
        int ppid;
        unsigned long tty_nr;
        unsigned long long utime, stime, starttime;
        if (sscanf(close + 1,
                   " %*c %d %*d %*d %lu %*d %*u %*u %*u %*u %*u %llu %llu %*d %*d %*d %*d %*d "
                   "%*d %llu",
                   &ppid, &tty_nr, &utime, &stime, &starttime) != 5)
                return NULL;
        uid_t uid;
        if (!effective_uid(pid, &uid))
                return NULL;
        long hz = sysconf(_SC_CLK_TCK);
        if (hz <= 0)
                hz = 100;
        unsigned long long total = utime + stime;
        time_t started = boot_time + (time_t)(starttime / (unsigned long long)hz);
        /* C: cpu time over lifetime in percent, capped at 99, as procps's pr_c */
        long long elapsed = (long long)(now - started);
        unsigned long long c =
            elapsed > 0 ? total * 100ULL / (unsigned long long)hz / (unsigned long long)elapsed : 0;
        if (c > 99)
                c = 99;
        char **row = NULL;
        _cleanup_free_ char *user = user_name(uid);
        _cleanup_free_ char *pid_s = berth_xasprintf("%d", (int)pid);
        _cleanup_free_ char *ppid_s = berth_xasprintf("%d", ppid);
        _cleanup_free_ char *c_s = berth_xasprintf("%llu", c);
        _cleanup_free_ char *stime_s = start_time(started, now);
        _cleanup_free_ char *tty = tty_name(tty_nr);
        _cleanup_free_ char *time_s = cpu_time(total / (unsigned long long)hz);
        _cleanup_free_ char *cmd = command_line(pid, comm);
        const char *cells[] = {user, pid_s, ppid_s, c_s, stime_s, tty, time_s, cmd};
        for (size_t i = 0; i < ARRAY_SIZE(cells); i++)
                berth_strv_push(&row, cells[i]);
        return row;
}

static time_t boot_time(void)
{
        _cleanup_free_ char *text = NULL;
        if (berth_read_file("/proc/stat", &text, NULL, NULL) < 0)
                return 0;
        const char *p = strstr(text, "\nbtime ");
        long long t;
        return p && sscanf(p + 7, "%lld", &t) == 1 ? (time_t)t : 0;
}

/* ---- through the host's ps ---- */

/* Split on ASCII white space, as Docker's fieldsASCII. */
static char **fields(const char *line)
{
        char **out = NULL;
        const char *ws = " \t\n\f\r";
        for (const char *p = line; *p;) {
                p += strspn(p, ws);
                size_t len = strcspn(p, ws);
                if (len == 0)
                        break;
                _cleanup_free_ char *f = berth_xasprintf("%.*s", (int)len, p);
                berth_strv_push(&out, f);
                p += len;
        }
        if (out == NULL)
                out = berth_xmalloc0(sizeof(char *));
        return out;
}

/* A row as many cells as titles: overhanging fields joined into the last one. */
static char **fit_row(char **f, size_t ntitles)
{
        char **row = NULL;
        size_t nf = berth_strv_length(f);
        for (size_t i = 0; i + 1 < ntitles; i++)
                berth_strv_push(&row, i < nf ? f[i] : "");
        _cleanup_free_ char *last = berth_xstrdup("");
        for (size_t i = ntitles - 1; i < nf; i++) {
                char *n = berth_xasprintf("%s%s%s", last, *last ? " " : "", f[i]);
                free(last);
                last = n;
        }
        berth_strv_push(&row, last);
        return row;
}

static bool has_pid(const pid_t *pids, size_t n, long p)
{
        for (size_t i = 0; i < n; i++)
                if (pids[i] == p)
                        return true;
        return false;
}

int berth_top_parse_ps(const char *output, const pid_t *pids, size_t n_pids, berth_top *ret,
                       berth_error *err)
{
        berth_top t = {0};
        _cleanup_free_ char *copy = berth_xstrdup(output);
        char *save = NULL;
        char *line = strtok_r(copy, "\n", &save);
        t.titles = fields(line ? line : "");
        size_t ntitles = berth_strv_length(t.titles);
        ssize_t pid_index = -1;
        for (size_t i = 0; i < ntitles && pid_index < 0; i++)
                if (strcmp(t.titles[i], "PID") == 0)
                        pid_index = (ssize_t)i;
        if (pid_index < 0) {
                berth_top_clear(&t);
                return berth_errx(err, EINVAL, "Couldn't find PID field in ps output");
        }
        bool prev_ours = false;
        while ((line = strtok_r(NULL, "\n", &save))) {
                _cleanup_strv_ char **f = fields(line);
                if ((size_t)pid_index >= berth_strv_length(f))
                        continue;
                const char *ps = f[pid_index];
                /* a thread line (ps m / -L) belongs to the process above it */
                if (strcmp(ps, "-") == 0) {
                        if (prev_ours)
                                top_add_row(&t, fit_row(f, ntitles));
                        continue;
                }
                long long p;
                if (berth_parse_i64(ps, &p) < 0) {
                        berth_top_clear(&t);
                        return berth_errx(err, EINVAL, "Unexpected pid '%s'", ps);
                }
                prev_ours = has_pid(pids, n_pids, (long)p);
                if (prev_ours)
                        top_add_row(&t, fit_row(f, ntitles));
        }
        *ret = t;
        return 0;
}

/* Docker refuses "x=PID…" in the ps arguments: a renamed column would hide the PIDs. */
static int check_ps_args(const char *joined, berth_error *err)
{
        regex_t re;
        regmatch_t m[3];
        if (regcomp(&re, "[[:space:]]+([^[:space:]]*)=[[:space:]]*(PID[^[:space:]]*)",
                    REG_EXTENDED) != 0)
                return berth_errx(err, EINVAL, "cannot compile the ps argument check");
        int r = 0;
        for (const char *p = joined; r == 0 && regexec(&re, p, 3, m, 0) == 0; p += m[0].rm_eo) {
                int kl = (int)(m[1].rm_eo - m[1].rm_so), vl = (int)(m[2].rm_eo - m[2].rm_so);
                if (kl != 3 || strncmp(p + m[1].rm_so, "pid", 3) != 0)
                        r = berth_errx(err, EINVAL, "specifying \"%.*s=%.*s\" is not allowed", kl,
                                       p + m[1].rm_so, vl, p + m[2].rm_so);
                if (m[0].rm_eo == 0)
                        break;
        }
        regfree(&re);
        return r;
}

/* Read both pipes to their ends without either filling up. */
static void drain(int out_fd, int err_fd, char **out, char **errout)
{
        struct pollfd p[2] = {{.fd = out_fd, .events = POLLIN}, {.fd = err_fd, .events = POLLIN}};
        char **bufs[2] = {out, errout};
        size_t lens[2] = {0, 0};
        *out = berth_xstrdup("");
        *errout = berth_xstrdup("");
        while (p[0].fd >= 0 || p[1].fd >= 0) {
                if (poll(p, 2, -1) < 0) {
                        if (errno == EINTR)
                                continue;
                        break;
                }
                for (int i = 0; i < 2; i++) {
                        if (p[i].fd < 0 || p[i].revents == 0)
                                continue;
                        char chunk[8192];
                        ssize_t n = read(p[i].fd, chunk, sizeof(chunk));
                        if (n < 0 && errno == EINTR)
                                continue;
                        if (n <= 0) {
                                p[i].fd = -1;
                                continue;
                        }
                        *bufs[i] = berth_xrealloc(*bufs[i], lens[i] + (size_t)n + 1);
                        memcpy(*bufs[i] + lens[i], chunk, (size_t)n);
                        lens[i] += (size_t)n;
                        (*bufs[i])[lens[i]] = '\0';
                }
        }
}

/* Run argv (found on PATH) with stdin from /dev/null; its output and first stderr line. */
static int run_ps(char **argv, char **ret_out, char **ret_errline, berth_error *err)
{
        int out[2] = {-1, -1}, errp[2] = {-1, -1};
        if (pipe2(out, O_CLOEXEC) < 0 || pipe2(errp, O_CLOEXEC) < 0) {
                int e = errno;
                for (int i = 0; i < 2; i++) {
                        if (out[i] >= 0)
                                close(out[i]);
                        if (errp[i] >= 0)
                                close(errp[i]);
                }
                return berth_err(err, e, "cannot make a pipe for ps");
        }
        posix_spawn_file_actions_t fa;
        posix_spawn_file_actions_init(&fa);
        posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
        posix_spawn_file_actions_adddup2(&fa, out[1], 1);
        posix_spawn_file_actions_adddup2(&fa, errp[1], 2);
        pid_t pid;
        int r = posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ);
        posix_spawn_file_actions_destroy(&fa);
        close(out[1]);
        close(errp[1]);
        if (r != 0) {
                close(out[0]);
                close(errp[0]);
                return berth_err(err, r, "ps");
        }
        _cleanup_free_ char *o = NULL, *e = NULL;
        drain(out[0], errp[0], &o, &e);
        close(out[0]);
        close(errp[0]);
        int status;
        while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
                ;
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
                e[strcspn(e, "\n")] = '\0';
                *ret_errline = *e ? TAKE_PTR(e)
                                  : berth_xasprintf("exit status %d", WIFEXITED(status)
                                                                          ? WEXITSTATUS(status)
                                                                          : 128 + WTERMSIG(status));
                return 1;
        }
        *ret_out = TAKE_PTR(o);
        return 0;
}

static int top_with_ps(const char *joined, const pid_t *pids, size_t n, berth_top *ret,
                       berth_error *err)
{
        _cleanup_strv_ char **argv = NULL;
        berth_strv_push(&argv, "ps");
        /* Docker splits the joined arguments on single spaces */
        _cleanup_free_ char *copy = berth_xstrdup(joined);
        for (char *p = copy, *sp; p; p = sp ? sp + 1 : NULL) {
                sp = strchr(p, ' ');
                if (sp)
                        *sp = '\0';
                berth_strv_push(&argv, p);
        }
        _cleanup_free_ char *q = berth_xstrdup("-q");
        for (size_t i = 0; i < n; i++) {
                char *x = berth_xasprintf("%s%s%d", q, i ? "," : "", (int)pids[i]);
                free(q);
                q = x;
        }
        berth_strv_push(&argv, q);
        _cleanup_free_ char *out = NULL, *errline = NULL;
        int r = run_ps(argv, &out, &errline, err);
        if (r == 1) {
                /* some options (f) do not go with -q: again without it */
                size_t len = berth_strv_length(argv);
                free(argv[len - 1]);
                argv[len - 1] = NULL;
                free(errline);
                errline = NULL;
                r = run_ps(argv, &out, &errline, err);
        }
        if (r == 1)
                return berth_errx(err, EIO, "ps: %s", errline);
        if (r < 0)
                return r;
        return berth_top_parse_ps(out, pids, n, ret, err);
}

static int cmp_pid(const void *a, const void *b)
{
        pid_t x = *(const pid_t *)a, y = *(const pid_t *)b;
        return (x > y) - (x < y);
}

int berth_engine_top(berth_engine *e, const char *name, char *const *ps_args, berth_top *ret,
                     berth_error *err)
{
        _cleanup_free_ char *joined = berth_xstrdup("");
        STRV_FOREACH (a, (char **)ps_args) {
                char *n = berth_xasprintf("%s%s%s", joined, *joined ? " " : "", *a);
                free(joined);
                joined = n;
        }
        if (*joined) {
                _cleanup_free_ char *spaced = berth_xasprintf(" %s", joined);
                if (check_ps_args(spaced, err) < 0)
                        return -EINVAL;
        }
        berth_container c;
        if (berth_engine_get(e, name, &c, err) < 0)
                return berth_error_rc(err, -ENOENT);
        int r = 0;
        pid_t *pids = NULL;
        size_t n = 0;
        if (c.state == BERTH_STATE_RESTARTING)
                r = berth_errx(err, EINVAL,
                               "Container %s is restarting, wait until the container is running",
                               c.id);
        else if (!berth_state_up(c.state))
                r = berth_errx(err, EINVAL, "container %s is not running", c.id);
        else if ((r = berth_rt_ps(berth_engine_rt(e), c.id, &pids, &n, err)) < 0)
                berth_wrap(err, "cannot list the processes of container %s", c.id);
        berth_container_clear(&c);
        if (r < 0) {
                free(pids);
                return r;
        }
        if (n > 1)
                qsort(pids, n, sizeof(*pids), cmp_pid);
        berth_top t = {0};
        if (*joined) {
                r = top_with_ps(joined, pids, n, &t, err);
        } else {
                static const char *const titles[] = {"UID",   "PID", "PPID", "C",
                                                     "STIME", "TTY", "TIME", "CMD"};
                for (size_t i = 0; i < ARRAY_SIZE(titles); i++)
                        berth_strv_push(&t.titles, titles[i]);
                time_t now = time(NULL), boot = boot_time();
                for (size_t i = 0; i < n; i++) {
                        char **row = berth_top_proc_row(pids[i], now, boot);
                        if (row) /* gone since the cgroup was read */
                                top_add_row(&t, row);
                }
        }
        free(pids);
        if (r < 0)
                return r;
        *ret = t;
        return 0;
}
