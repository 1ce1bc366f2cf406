/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include "base/db.h"
#include "base/error.h"

#include <jansson.h>
#include <stdint.h>

/**
 * Docker's events, kept in berth.db (table events, module "events") by
 * whichever process did the thing — the CLI, the API server or a container's
 * monitor — so `berth events` sees them all. Only the newest 1000 are kept.
 * Links nothing but base (berth-monitor records die/oom/health events).
 */
typedef struct {
        int64_t seq;     /* increasing */
        int64_t time_ns; /* unix time, ns */
        char *type;      /* "container", "image", "volume" */
        char *action;    /* "create", "start", "die", "health_status: healthy", … */
        char *actor;     /* id (or name for volumes/images) */
        json_t *attributes;
} berth_event;

int berth_events_migrate(berth_db *db, berth_error *err);
/** Record one event; attributes (may be NULL) is copied. Errors are for the caller to ignore
 * or not: an event that cannot be written never undoes what happened. */
int berth_event_record(berth_db *db, const char *type, const char *action, const char *actor,
                       const json_t *attributes, berth_error *err);
/**
 * A container event with docker's attributes: its image and name (NULL: ""),
 * and key=value when key is not NULL (e.g. "exitCode"). Errors ignored, as
 * above.
 */
void berth_container_event(berth_db *db, const char *id, const char *image, const char *name,
                           const char *action, const char *key, const char *value);
/** berth_container_event() with every attribute of more (may be NULL) beside image and name. */
void berth_container_event_with(berth_db *db, const char *id, const char *image, const char *name,
                                const char *action, const json_t *more);
/** Events with seq > after_seq and since_ns <= time < until_ns (until 0: no end), oldest first. */
int berth_events_read(berth_db *db, int64_t after_seq, int64_t since_ns, int64_t until_ns,
                      berth_event **ret, size_t *ret_n, berth_error *err);
void berth_events_free(berth_event *v, size_t n);
/** The newest seq (0 when none). */
int64_t berth_events_last_seq(berth_db *db);

struct berth_engine;
struct berth_filters;

/**
 * `events`: every recorded event from since (ns; -1: from now on, as docker
 * does without --since) that matches f (nullable), in order, handed to emit;
 * then, until `until` (ns; 0: for ever), each new one as it is recorded —
 * woken by the kernel (inotify on berth.db's write-ahead log), not by a sleep
 * loop. emit returning false ends the stream. 0 at `until` or when emit ends
 * it.
 */
typedef bool (*berth_event_emit_fn)(const berth_event *ev, void *userdata);
int berth_engine_events_stream(struct berth_engine *e, const struct berth_filters *f, int64_t since,
                               int64_t until, berth_event_emit_fn emit, void *userdata,
                               berth_error *err);
