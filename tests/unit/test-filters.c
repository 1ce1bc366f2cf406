/* SPDX-License-Identifier: Apache-2.0 */
/* Docker's filters: JSON and key=value in, OR within a key, AND across keys, labels. */
#include "engine/filters.h"
#include "engine/prune.h"

#include "base/cleanup.h"
#include "base/cleanup-json.h"
#include "base/strutil.h"
#include "tap.h"

#include <errno.h>
#include <string.h>

static char *joined(const berth_filters *f, const char *key)
{
        _cleanup_strv_ char **v = berth_filters_get(f, key);
        char *out = berth_xstrdup("");
        STRV_FOREACH (s, v) {
                char *n = berth_xasprintf("%s%s%s", out, *out ? "," : "", *s);
                free(out);
                out = n;
        }
        return out;
}

static void test_json(void)
{
        berth_error err = {0};
        berth_filters *f = NULL;
        ok(berth_filters_from_json("{\"status\":[\"exited\",\"created\"],\"label\":[\"a=b\"]}", &f,
                                   &err) == 0,
           "json: the list form");
        _cleanup_free_ char *st = joined(f, "status");
        is_str(st, "exited,created", "json: values in order");
        ok(berth_filters_has(f, "label") && !berth_filters_has(f, "name"), "json: has");
        is_int((int)berth_filters_count(f, "status"), 2, "json: count");
        berth_filters_free(f);

        ok(berth_filters_from_json("{\"dangling\":{\"true\":true,\"false\":false}}", &f, &err) == 0,
           "json: the map form Docker still takes");
        _cleanup_free_ char *d = joined(f, "dangling");
        is_str(d, "true", "json: map form, only true values");
        berth_filters_free(f);

        ok(berth_filters_from_json("", &f, &err) == 0 && berth_filters_empty(f),
           "json: empty text is no filters");
        berth_filters_free(f);
        ok(berth_filters_from_json(NULL, &f, &err) == 0 && berth_filters_empty(f),
           "json: NULL is no filters");
        berth_filters_free(f);

        f = NULL;
        is_int(berth_filters_from_json("{\"status\":", &f, &err), -EINVAL, "json: bad text");
        ok(f == NULL, "json: nothing returned on error");
        berth_error_clear(&err);
        is_int(berth_filters_from_json("{\"status\":\"exited\"}", &f, &err), -EINVAL,
               "json: a string is neither form");
        berth_error_clear(&err);
        is_int(berth_filters_from_json("{\"status\":[1]}", &f, &err), -EINVAL,
               "json: values must be strings");
        berth_error_clear(&err);

        /* round trip */
        ok(berth_filters_from_json("{\"a\":[\"1\",\"2\"]}", &f, &err) == 0, "json: parse");
        _cleanup_json_ json_t *j = berth_filters_to_json(f);
        _cleanup_free_ char *txt = json_dumps(j, JSON_COMPACT);
        is_str(txt, "{\"a\":[\"1\",\"2\"]}", "json: out in the list form");
        berth_filters_free(f);
}

static void test_add_check(void)
{
        berth_error err = {0};
        _cleanup_filters_ berth_filters *f = berth_filters_new();
        ok(berth_filters_add(f, "status=exited", &err) == 0, "add: k=v");
        ok(berth_filters_add(f, " status = running ", &err) == 0, "add: spaces trimmed");
        ok(berth_filters_add(f, "status=exited", &err) == 0, "add: a repeat");
        ok(berth_filters_add(f, "label=a=b", &err) == 0, "add: value with '='");
        ok(berth_filters_add(f, "label!=c", &err) == 0, "add: label!=");
        _cleanup_free_ char *st = joined(f, "status");
        is_str(st, "exited,running", "add: the same value once");
        _cleanup_free_ char *lb = joined(f, "label");
        is_str(lb, "a=b", "add: split at the first '='");
        ok(berth_filters_has(f, "label!"), "add: the key of label!= is label!");

        is_int(berth_filters_add(f, "dangling", &err), -EINVAL, "add: no '='");
        is_str(err.msg, "bad format of filter (expected name=value)", "add: docker's message");
        berth_error_clear(&err);

        static const char *const ok_keys[] = {"status", "label", "label!", NULL};
        ok(berth_filters_check(f, ok_keys, &err) == 0, "check: known keys");
        berth_filters_add_kv(f, "colour", "red");
        is_int(berth_filters_check(f, ok_keys, &err), -EINVAL, "check: unknown key");
        is_str(err.msg, "invalid filter 'colour'", "check: docker's message names the key");
        berth_error_clear(&err);
        _cleanup_filters_ berth_filters *none = berth_filters_new();
        ok(berth_filters_check(none, NULL, &err) == 0, "check: no filters, no keys allowed");
        berth_filters_add_kv(none, "status", "x");
        is_int(berth_filters_check(none, NULL, &err), -EINVAL, "check: nothing allowed");
        berth_error_clear(&err);
}

static void test_match(void)
{
        _cleanup_filters_ berth_filters *f = berth_filters_new();
        ok(berth_filters_match_exact(f, "status", "running"), "exact: an unset key matches");
        berth_filters_add_kv(f, "status", "exited");
        berth_filters_add_kv(f, "status", "created");
        ok(berth_filters_match_exact(f, "status", "exited") &&
               berth_filters_match_exact(f, "status", "created"),
           "exact: the same key twice is OR");
        ok(!berth_filters_match_exact(f, "status", "running"), "exact: none of them");
        berth_filters_add_kv(f, "id", "abc");
        ok(berth_filters_match_prefix(f, "id", "abcdef"), "prefix: matches");
        ok(berth_filters_match_exact(f, "status", "exited") &&
               !berth_filters_match_prefix(f, "id", "def"),
           "different keys are AND: one fails, the whole fails");

        _cleanup_json_ json_t *labels = json_pack("{s:s,s:s,s:s}", "a", "1", "b", "2", "e", "");
        ok(berth_filters_match_label(f, "label", labels), "label: unset matches");
        ok(berth_filters_match_label(f, "label", NULL), "label: unset matches no labels");
        _cleanup_filters_ berth_filters *l = berth_filters_new();
        berth_filters_add_kv(l, "label", "a");
        ok(berth_filters_match_label(l, "label", labels), "label: key present");
        ok(!berth_filters_match_label(l, "label", NULL), "label: no labels, no match");
        berth_filters_add_kv(l, "label", "b=2");
        ok(berth_filters_match_label(l, "label", labels), "label: key and key=value, both match");
        berth_filters_add_kv(l, "label", "b=3");
        ok(!berth_filters_match_label(l, "label", labels),
           "label: every value must match (MatchKVList)");
        _cleanup_filters_ berth_filters *e = berth_filters_new();
        berth_filters_add_kv(e, "label", "e=");
        ok(berth_filters_match_label(e, "label", labels), "label: k= matches an empty value");
        berth_filters_add_kv(e, "label", "zz");
        ok(!berth_filters_match_label(e, "label", labels), "label: a missing key");

        _cleanup_filters_ berth_filters *p = berth_filters_new();
        berth_filters_add_kv(p, "label!", "a=1");
        ok(!berth_filters_match_labels_prune(p, labels), "prune: label! matching all is kept");
        berth_filters_add_kv(p, "label!", "c");
        ok(berth_filters_match_labels_prune(p, labels), "prune: label! not matching all goes");
        berth_filters_add_kv(p, "label", "b");
        ok(berth_filters_match_labels_prune(p, labels), "prune: label and label!");
        berth_filters_add_kv(p, "label", "x");
        ok(!berth_filters_match_labels_prune(p, labels), "prune: a label= that fails keeps it");
}

static void test_bool(void)
{
        berth_error err = {0};
        bool b = true;
        _cleanup_filters_ berth_filters *f = berth_filters_new();
        ok(berth_filters_get_bool(f, "dangling", false, &b, &err) == 0 && !b, "bool: default");
        berth_filters_add_kv(f, "dangling", "1");
        ok(berth_filters_get_bool(f, "dangling", false, &b, &err) == 0 && b, "bool: 1");
        berth_filters_add_kv(f, "dangling", "false");
        is_int(berth_filters_get_bool(f, "dangling", false, &b, &err), -EINVAL, "bool: two values");
        is_str(err.msg, "invalid filter 'dangling=1,false'", "bool: docker's message");
        berth_error_clear(&err);
        _cleanup_filters_ berth_filters *g = berth_filters_new();
        berth_filters_add_kv(g, "dangling", "maybe");
        is_int(berth_filters_get_bool(g, "dangling", false, &b, &err), -EINVAL, "bool: not a bool");
        is_str(err.msg, "invalid filter 'dangling=maybe'", "bool: names key and value");
        berth_error_clear(&err);
}

static void test_prune_keys(void)
{
        berth_error err = {0};
        _cleanup_filters_ berth_filters *f = berth_filters_new();
        berth_filters_add_kv(f, "until", "1h");
        /* refused before the volumes are looked at */
        is_int(berth_prune_volumes(NULL, true, f, NULL, NULL, &err), -EINVAL,
               "volume prune: until refused");
        is_str(err.msg, "invalid filter 'until'", "volume prune: docker's message");
        berth_error_clear(&err);
        berth_prune_filters pf = {0};
        char *specs[] = {"label=a", "label!=b=c", "until=1h", NULL};
        ok(berth_prune_filters_parse(specs, &pf, &err) == 0 && pf.has_until &&
               berth_strv_length(pf.labels) == 1 && strcmp(pf.not_labels[0], "b=c") == 0,
           "prune filters through berth_filters");
        berth_prune_filters_clear(&pf);
        char *bad[] = {"label", NULL};
        is_int(berth_prune_filters_parse(bad, &pf, &err), -EINVAL, "prune: bad format");
        is_str(err.msg, "bad format of filter (expected name=value)", "prune: docker's message");
        berth_error_clear(&err);
}

static void test_events(void)
{
        berth_error err = {0};
        _cleanup_json_ json_t *attrs = json_pack("{s:s,s:s}", "name", "web", "image", "busybox");
        berth_event ev = {.type = "container",
                          .action = "health_status: healthy",
                          .actor = "abcdef0123",
                          .attributes = attrs};
        _cleanup_filters_ berth_filters *f = NULL;
        ok(berth_filters_from_json("{\"event\":[\"health_status\",\"die\"],"
                                   "\"container\":[\"web\"]}",
                                   &f, &err) == 0 &&
               berth_engine_event_filters_check(f, &err) == 0,
           "events: filters from the API's JSON");
        ok(berth_engine_event_matches(f, &ev), "events: health_status matches its status, by name");
        berth_filters_add_kv(f, "type", "volume");
        ok(!berth_engine_event_matches(f, &ev), "events: keys are AND");
        berth_filters_add_kv(f, "colour", "red");
        is_int(berth_engine_event_filters_check(f, &err), -EINVAL, "events: unknown key");
        is_str(err.msg, "invalid filter 'colour'", "events: docker's message");
        berth_error_clear(&err);
}

int main(void)
{
        test_events();
        test_prune_keys();
        test_json();
        test_add_check();
        test_match();
        test_bool();
        return tap_done();
}
