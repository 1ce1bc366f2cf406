/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include "base/error.h"

#include <jansson.h>
#include <stdbool.h>

/**
 * Docker's filters (moby api/types/filters.Args): a map from a key to a set
 * of values, built from the JSON the API sends (`{"status":["exited"]}`, or
 * the older `{"status":{"exited":true}}` form Docker still takes) or from
 * `--filter key=value` flags. Semantics, as Docker's:
 *   - values of one key are OR'd (any may match), different keys AND'd —
 *     except labels, where every value of the key must match (MatchKVList);
 *   - a key no command knows is an error naming it (berth_filters_check).
 * Values keep the order they were added in; a value given twice is kept once.
 * A berth_filters owns its strings; berth_filters_free accepts NULL.
 */
typedef struct berth_filters berth_filters;

berth_filters *berth_filters_new(void);
void berth_filters_free(berth_filters *f);
static inline void berth_filters_freep(berth_filters **f)
{
        berth_filters_free(*f);
}
#define _cleanup_filters_ __attribute__((cleanup(berth_filters_freep)))

/**
 * JSON text (nullable or "" for none) → *ret (new, owned by the caller).
 * -EINVAL on text that is neither form (Docker's "invalid filter" wording
 * is not used there: the JSON itself is bad).
 */
int berth_filters_from_json(const char *json, berth_filters **ret, berth_error *err);
/** The same from a parsed object (nullable: no filters). */
int berth_filters_from_json_value(const json_t *j, berth_filters **ret, berth_error *err);
/** The map form, `{"key":["v",…]}`, new reference. */
json_t *berth_filters_to_json(const berth_filters *f);

/** key, value → the set of key. */
void berth_filters_add_kv(berth_filters *f, const char *key, const char *value);
/**
 * "key=value" as a --filter flag gives it (key and value trimmed of spaces,
 * as Docker's CLI does). -EINVAL without '=': "bad format of filter
 * (expected name=value)".
 */
int berth_filters_add(berth_filters *f, const char *spec, berth_error *err);

/**
 * Every key is one of allowed (NULL-terminated); else -EINVAL with Docker's
 * "invalid filter 'key'" for the first unknown key.
 */
int berth_filters_check(const berth_filters *f, const char *const *allowed, berth_error *err);

/** Whether any key is set. f nullable. */
bool berth_filters_empty(const berth_filters *f);
/** Whether key has any value. f nullable. */
bool berth_filters_has(const berth_filters *f, const char *key);
/** The number of values of key. */
size_t berth_filters_count(const berth_filters *f, const char *key);
/**
 * The values of key, NULL-terminated in the order added (newly allocated
 * strv; NULL when key is not set).
 */
char **berth_filters_get(const berth_filters *f, const char *key);
/** The keys, NULL-terminated (newly allocated strv; NULL when empty). */
char **berth_filters_keys(const berth_filters *f);
/** Whether key is not set, or value is one of its values (Docker's ExactMatch). */
bool berth_filters_match_exact(const berth_filters *f, const char *key, const char *value);
/** Whether key is not set, or one of its values is a prefix of value. */
bool berth_filters_match_prefix(const berth_filters *f, const char *key, const char *value);

/**
 * Docker's MatchKVList: whether key (normally "label") is not set, or every
 * one of its values matches labels (an object of strings, nullable):
 * "k" when k is a label, "k=v" when label k is v. No labels and a set key
 * is no match.
 */
bool berth_filters_match_label(const berth_filters *f, const char *key, const json_t *labels);
/** The same for "k" / "k=v" strings (NULL-terminated, nullable: true). */
bool berth_labels_match_kv(char *const *want, const json_t *labels);
/**
 * Prune's pair: label=… must all match, and what matches all label!=… is
 * kept (so false).
 */
bool berth_filters_match_labels_prune(const berth_filters *f, const json_t *labels);

/**
 * The one value of a bool key ("true"/"1" or "false"/"0", as Docker's
 * GetBoolOrDefault): *ret = def when unset; -EINVAL "invalid filter
 * 'key=value'" for another value or for two different ones.
 */
int berth_filters_get_bool(const berth_filters *f, const char *key, bool def, bool *ret,
                           berth_error *err);

/* What the engine's lists match (filter-match.c). */
#include "engine/engine.h"

/**
 * `ps` filters: keys status, name, id, label, ancestor, exited, volume,
 * before and since (created before / after the container named).
 * -EINVAL: an unknown key ("invalid filter 'x'"), a status Docker does not
 * have ("invalid filter 'status=x'").
 */
int berth_engine_container_filters_check(const berth_filters *f, berth_error *err);
/**
 * Whether c passes f (checked): each key any of its values (name: a
 * substring, id: a prefix, ancestor: an image the name resolves to or the
 * name as given, exited: the exit code of an exited container, volume: a
 * mount's name or destination), label all of its values, keys all.
 */
bool berth_engine_container_matches(berth_engine *e, const berth_filters *f,
                                    const berth_container *c);
/** Whether ps shows stopped containers too because of f (status, exited). */
bool berth_engine_container_filters_want_all(const berth_filters *f);
/** The containers before= and since= name must exist: Docker's "No such container: x" (ENOENT). */
int berth_engine_container_filters_resolve(berth_engine *e, const berth_filters *f,
                                           berth_error *err);

/**
 * `volume ls` filters: keys dangling (a bool), name (regular expressions,
 * any), label (all), driver (any; every volume is "local"). -EINVAL as
 * berth_filters_check / berth_filters_get_bool.
 */
int berth_engine_volume_filters_check(const berth_filters *f, berth_error *err);
/** *ret: whether v passes f (checked); dangling asks vs for the volume's users. */
int berth_engine_volume_matches(berth_volumes *vs, const berth_filters *f, const berth_volume *v,
                                bool *ret, berth_error *err);

/**
 * `images` filters: keys dangling (true: untagged without children, false:
 * tagged; each given must hold),
 * reference (globs on "repo" or "repo:tag", any), label (all, against the
 * image config's labels), before / since (an image name or id: created
 * before / after it; the last value given counts). -EINVAL: an unknown key
 * ("invalid filter 'x'"), a dangling other than true or false; before or
 * since naming no image: the lookup's error.
 */
int berth_engine_image_filters_check(berth_images *im, const berth_filters *f, berth_error *err);
/**
 * Whether `images` lists the image (f checked): it passes dangling, label,
 * before and since, and is not an intermediate image (untagged with
 * children) unless all (-a) and no dangling filter is given, as docker lists.
 */
bool berth_engine_image_matches(berth_images *im, const berth_filters *f,
                                const berth_image_summary *img, bool all);
/** Whether one of its rows (repo and tag, "<none>" for none) passes reference. */
bool berth_engine_image_ref_matches(const berth_filters *f, const char *repo, const char *tag);

#include "engine/events.h"

/**
 * `events` filters: keys type, event, container, image, volume; -EINVAL
 * "invalid filter 'x'" for another.
 */
int berth_engine_event_filters_check(const berth_filters *f, berth_error *err);
/**
 * Whether ev passes f: type exact; event exact, or the part before ':'
 * ("health_status" matches "health_status: healthy"); container (only
 * container events) the id, a prefix of it, or the name; image the image
 * attribute (or a prefix); volume (only volume events) the name. Values of
 * a key any, keys all.
 */
bool berth_engine_event_matches(const berth_filters *f, const berth_event *ev);
