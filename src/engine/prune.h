/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include "base/error.h"
#include "engine/engine.h"
#include "engine/filters.h"

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

/**
 * `container prune` and `system prune`, as Docker's daemon prunes: stopped
 * containers (created, exited, dead — never running, paused, restarting
 * or being removed), then (system prune) unused anonymous volumes when
 * asked, then dangling images (every image no container uses with all).
 * What another process starts meanwhile is skipped, not an error.
 *
 * Filters are Docker's prune filters:
 *   until=<time>    only what was created before it: an RFC 3339 time or
 *                   date ("2026-01-02T15:04:05Z", "2026-01-02"; local time
 *                   without a zone), a unix timestamp ("1700000000.5") or
 *                   a Go duration before now ("24h", "90m");
 *   label=<k>[=<v>] all of these must match its labels;
 *   label!=<k>[=<v>] what matches all of these is kept.
 */
typedef struct {
        bool has_until;
        int64_t until;     /* unix seconds */
        char **labels;     /* "k" or "k=v", NULL-terminated (nullable) */
        char **not_labels; /* from label!= */
} berth_prune_filters;

/**
 * "key=value" strings (as --filter gives them) → filters. -EINVAL: a key
 * other than until, label, label! ("invalid filter 'x'"), a second until
 * ("more than one until filter specified"), an until that does not parse
 * (Docker's "failed to parse value as time or duration: …").
 */
int berth_prune_filters_parse(char *const *specs, berth_prune_filters *ret, berth_error *err);
/** The same from a berth_filters (the API's JSON): keys until, label, label!. */
int berth_prune_filters_from(const berth_filters *bf, berth_prune_filters *ret, berth_error *err);
void berth_prune_filters_clear(berth_prune_filters *f);
/** Docker's time for until/since at now: see above. -EINVAL with its message. */
int berth_prune_parse_time(const char *s, time_t now, int64_t *ret, berth_error *err);
/** Whether an object created at created (RFC 3339) passes f's until (f nullable). */
bool berth_prune_created_before(const berth_prune_filters *f, const char *created);
/** Whether labels (an object of strings, nullable) pass f's label and label! filters. */
bool berth_prune_labels_match(const berth_prune_filters *f, const json_t *labels);

/**
 * `volume prune` with Docker's filters (f nullable): keys label and label!
 * (else -EINVAL "invalid filter 'x'", before anything goes); otherwise as
 * berth_volume_prune().
 */
int berth_prune_volumes(berth_volumes *vs, bool all, const berth_filters *f, char ***ret_names,
                        uint64_t *ret_freed, berth_error *err);

/**
 * `container prune`: f nullable. *ret_ids gets the removed ids
 * (NULL-terminated, never NULL), *ret_reclaimed (nullable) the bytes of
 * their writable layers. A container whose removal fails is skipped.
 */
int berth_engine_prune_containers(berth_engine *e, const berth_prune_filters *f, char ***ret_ids,
                                  uint64_t *ret_reclaimed, berth_error *err);

/**
 * `image prune` with filters: dangling images (all: every image no
 * container uses) created before until and passing the label filters of
 * their config. *ret_report gets Docker's lines ("untagged: …",
 * "deleted: sha256:…").
 */
int berth_engine_prune_images(berth_engine *e, bool all, const berth_prune_filters *f,
                              char ***ret_report, uint64_t *ret_reclaimed, berth_error *err);

typedef struct {
        char **containers;  /* removed ids */
        char **networks;    /* removed network names */
        char **volumes;     /* removed volume names (with volumes) */
        char **images;      /* "untagged: …" / "deleted: …" lines */
        char **build_cache; /* removed build cache objects (RUN --mount=type=cache dirs) */
        uint64_t reclaimed;
} berth_system_prune_report;

/**
 * `builder prune`: the build cache no build uses now (RUN --mount=type=cache
 * directories; the cached steps are images, which image prune removes).
 */
int berth_engine_prune_build_cache(berth_engine *e, char ***ret_ids, uint64_t *ret_reclaimed,
                                   berth_error *err);

/**
 * `system prune`: containers, then unused custom networks, then (volumes) unused anonymous
 * volumes, then images (all: not only dangling ones), then the build cache, in Docker's order.
 * until with volumes is refused before anything goes (Docker's `ERROR: The "until" filter is not
 * supported with "--volumes"`).
 */
int berth_engine_prune_system(berth_engine *e, bool all, bool volumes, const berth_prune_filters *f,
                              berth_system_prune_report *ret, berth_error *err);
void berth_system_prune_report_clear(berth_system_prune_report *r);
