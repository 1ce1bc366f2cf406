/* SPDX-License-Identifier: Apache-2.0 */
/* Random container names, "adjective_noun" in Docker's style. */
#include "engine/containers.h"
#include "base/strutil.h"

#include <errno.h>
#include <sys/random.h>

static const char *const adjectives[] = {
    "amber",  "bold",    "brisk",  "calm",   "clever",  "cosmic", "crisp",  "daring",
    "eager",  "fancy",   "gentle", "golden", "happy",   "hardy",  "humble", "jolly",
    "keen",   "kind",    "lively", "lucid",  "mellow",  "merry",  "modest", "nimble",
    "noble",  "patient", "plucky", "proud",  "quiet",   "rapid",  "serene", "sharp",
    "shiny",  "silent",  "smooth", "steady", "stoic",   "sunny",  "swift",  "tidy",
    "upbeat", "vivid",   "wise",   "witty",  "zealous", "agile",  "bright", "cheerful",
};
static const char *const nouns[] = {
    "anchor",  "barge",  "beacon",  "buoy",     "cabin",   "canal",  "cargo",      "compass",
    "cove",    "crane",  "delta",   "dock",     "estuary", "ferry",  "fjord",      "galley",
    "harbor",  "hull",   "inlet",   "island",   "jetty",   "keel",   "lagoon",     "lantern",
    "mast",    "marina", "mooring", "oar",      "pier",    "pilot",  "port",       "quay",
    "reef",    "rudder", "sail",    "schooner", "shoal",   "skiff",  "sloop",      "tide",
    "tugboat", "voyage", "wake",    "wharf",    "yacht",   "tanker", "lighthouse", "current",
};

char *berth_container_random_name(berth_db *db, berth_error *err)
{
        for (int attempt = 0; attempt < 64; attempt++) {
                unsigned int r[2];
                if (getrandom(r, sizeof(r), 0) != sizeof(r)) {
                        berth_err(err, errno, "cannot pick a name");
                        return NULL;
                }
                char *name =
                    attempt < 8
                        ? berth_xasprintf("%s_%s", adjectives[r[0] % ARRAY_SIZE(adjectives)],
                                          nouns[r[1] % ARRAY_SIZE(nouns)])
                        : berth_xasprintf("%s_%s%u", adjectives[r[0] % ARRAY_SIZE(adjectives)],
                                          nouns[r[1] % ARRAY_SIZE(nouns)], r[1] % 100);
                berth_container c;
                berth_error e = {0};
                int rc = berth_container_get(db, name, &c, &e);
                if (rc == -ENOENT)
                        return name;
                free(name);
                if (rc < 0) {
                        *err = e;
                        return NULL;
                }
                berth_container_clear(&c);
        }
        berth_errx(err, EEXIST, "cannot find a free container name");
        return NULL;
}
