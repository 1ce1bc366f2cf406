/* SPDX-License-Identifier: Apache-2.0 */
/* `events` as a stream: what is recorded, then what comes, woken by inotify (events.h). */
#include "engine/engine-internal.h"
#include "engine/events.h"
#include "engine/filters.h"
#include "base/cleanup.h"
#include "base/strutil.h"

#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <sys/inotify.h>
#include <time.h>
#include <unistd.h>

static int64_t now_ns(void)
{
        struct timespec t;
        clock_gettime(CLOCK_REALTIME, &t);
        return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

int engine_db_watch(const berth_engine *e)
{
        const char *root = e->root;
        int fd = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
        if (fd >= 0 && inotify_add_watch(fd, root, IN_MODIFY | IN_CREATE | IN_MOVED_TO) < 0) {
                close(fd);
                fd = -1;
        }
        return fd;
}

int engine_db_wait(int watch, int ms)
{
        struct pollfd p = {.fd = watch, .events = POLLIN};
        int pr = poll(&p, watch >= 0 ? 1 : 0, ms);
        if (pr < 0)
                return errno == EINTR ? 0 : -errno;
        char buf[4096];
        while (watch >= 0 && read(watch, buf, sizeof(buf)) > 0)
                ;
        return pr;
}

int berth_engine_events_stream(berth_engine *e, const berth_filters *f, int64_t since,
                               int64_t until, berth_event_emit_fn emit, void *userdata,
                               berth_error *err)
{
        berth_db *db = berth_engine_db(e);
        /* watching before the first read: nothing recorded in between is missed */
        _cleanup_close_ int ino = until && until <= now_ns() ? -1 : engine_db_watch(e);
        int64_t after = since < 0 ? berth_events_last_seq(db) : 0;
        if (since < 0)
                since = 0;
        bool settle = false;
        for (;;) {
                berth_event *v = NULL;
                size_t n = 0;
                int r = berth_events_read(db, after, since, until, &v, &n, err);
                if (r < 0)
                        return r;
                bool go_on = true;
                for (size_t i = 0; i < n && go_on; i++) {
                        after = v[i].seq;
                        if (f == NULL || berth_engine_event_matches(f, &v[i]))
                                go_on = emit(&v[i], userdata);
                }
                berth_events_free(v, n);
                int64_t now = now_ns();
                if (!go_on || (until && now >= until))
                        return 0;
                /* until the next commit, or `until`; a second at most without a watch. A commit
                 * writes its log (the inotify event) before it makes itself visible (in the
                 * mmapped index, no event): after a wake-up, one more read a moment later */
                int ms = ino < 0 ? 1000 : settle ? 50 : -1;
                if (until) {
                        int64_t left = (until - now) / 1000000 + 1;
                        ms = ms < 0 || left < ms ? (int)left : ms;
                }
                int pr = engine_db_wait(ino, ms);
                if (pr < 0)
                        return berth_err(err, -pr, "cannot wait for events");
                settle = pr > 0;
        }
}
