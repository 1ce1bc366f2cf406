/* SPDX-License-Identifier: Apache-2.0 */
#pragma once
/* The build driver's pieces (build.h): one build, one stage being built. */
#include "build.h"
#include "dockerfile.h"
#include "step.h"

typedef struct {
        bool needed; /* the target needs it */
        bool built;
        berth_digest id;   /* its image, once built */
        size_t first_step; /* the number of its FROM's "Step N/M" */
        size_t *deps;      /* the stages it needs built first (FROM, COPY/mount --from) */
        size_t n_deps;
        bool has_base; /* base: its FROM image, got by the parent before a parallel run */
        berth_digest base;
} build_stage_result;

typedef struct build {
        berth_images *im;
        const berth_build_opts *o;
        berth_dockerfile *df;
        char **given;    /* the build arguments given, "K=V" ("K" alone resolved or dropped) */
        char **consumed; /* names of given ones some ARG declared */
        char **global;   /* the global scope: ARGs before the first FROM, platform args */
        build_stage_result *stages;
        size_t step, total;
        char *work_dir, *runtime_root;
        const char *os, *arch, *variant;
        char *platform;           /* "linux/amd64" */
        char created[64];         /* with source_date_epoch: every date; else "" */
        berth_digest *cache_from; /* --cache-from's images, found */
        size_t n_cache_from;
} build;

typedef struct {
        build *b;
        size_t index; /* in b->df->stages */
        berth_build_scope sc;
        berth_digest image; /* the last image registered for this stage */
        bool has_image;     /* false: scratch, nothing registered yet */
        bool dirty;         /* sc.cfg has changed since image */
        berth_digest key;   /* the cache key of the stage as it stands */
        char **mkdirs;      /* WORKDIRs since the last layer step, for the next to make */
        bool no_cache;
} build_stage;

/* build-mounts.c: RUN --mount's mounts of one step, and what they hold open */
typedef struct {
        const char *work_dir;
        struct berth_build_run_mount *v;
        size_t n;
        struct berth_build_source **sources; /* --from roots */
        size_t n_sources;
        struct berth_build_scratch *copies; /* filtered copies of the context */
        size_t n_copies;
        char *key;      /* what the mounts' sources add to the step's cache key */
        char *ssh_sock; /* the first ssh mount's target: the step's SSH_AUTH_SOCK */
} build_mounts;
int build_mounts_prepare(build_stage *s, const berth_dockerfile_instr *in, build_mounts *ms,
                         berth_error *err);
void build_mounts_clear(build_mounts *ms);

/* build-args.c */
/** o->build_args into b->given ("K" alone takes the environment's value, or is dropped). */
void build_args_init(build *b);
/** The global scope: the platform args, then each ARG before the first FROM. */
int build_args_global(build *b, berth_error *err);
/** ARG in a stage: its pairs into s->sc.args, values as Docker picks them. */
int build_args_stage(build_stage *s, const berth_dockerfile_instr *in, char **ret_created_by,
                     berth_error *err);
/** Look a name up in the global scope (for FROM and the plan). */
const char *build_args_global_lookup(const char *name, void *ctx);
/** RUN's environment: the config's Env, then the stage's args it does not set, then the
 * proxy args given. */
char **build_args_run_env(build_stage *s);
/** "[Warning] One or more build-args [A B] were not consumed", or NULL. */
char *build_args_unconsumed(build *b);
/** Set name=value in *v, replacing an entry of that name. */
void build_strv_set(char ***v, const char *name, const char *value);

/* build.c */
/** Build stage index (in this process); target: the last, where --label goes. */
int build_stage_run(build *b, size_t index, bool target, berth_error *err);

/* build-cache-from.c */
/** A layer step from a --cache-from image whose next history entry is by: true when taken
 * (s->image registered with the cache image's layer, said, s->key recorded). */
bool build_cache_from_take(build_stage *s, const char *by);
/** o->cache_from's images into b->cache_from (pulled when missing); a source that cannot be
 * had is a warning. */
void build_cache_from_init(build *b);

/* build-sched.c */
/** Build the needed stages up to last: one at a time in this process while they form a
 * chain; stages ready at the same time (their dependencies built) in child processes, at
 * most BUILD_MAX_PARALLEL at once, each one's output shown whole when it ends. */
#define BUILD_MAX_PARALLEL 4
int build_run_stages(build *b, size_t last, berth_error *err);

/* build-plan.c */
/** The stage an expanded FROM or --from value names (a name, or an index when numeric)
 * before stage `before`; -1 when it names none (an image). */
ssize_t build_stage_ref(const berth_dockerfile *df, const char *ref, size_t before);
/** Mark the stages the target needs in b->stages and count their steps in b->total. */
int build_plan(build *b, berth_error *err);

/* build-key.c */
/** Chain the cache key: key = sha256(key, instruction text, heredocs, extra, and with_args
 * the build arguments in effect). RUN sees the arguments in its environment: with_args; the
 * other steps pass what the arguments made of their words (expanded) in extra, so an argument
 * changes only the steps that use it, as docker's. */
void build_key_next(build_stage *s, const berth_dockerfile_instr *in, const char *extra,
                    bool with_args);

/* build.c */
/** An image FROM or --from names: here already, or pulled (always with --pull). */
int build_image_get(build *b, const char *name, berth_digest *ret, berth_error *err);
/** What COPY --from or RUN --mount from= in stage `index` names: a stage built before it,
 * else an image (build_image_get). */
int build_ref_image(build *b, size_t index, const char *ref, berth_digest *ret, berth_error *err);

/* build-steps.c */
int build_step_run(build_stage *s, const berth_dockerfile_instr *in, berth_error *err);
int build_step_copy(build_stage *s, const berth_dockerfile_instr *in, berth_error *err);
/** Register the stage's config as an image if it has none yet (scratch). */
int build_stage_materialize(build_stage *s, berth_error *err);
/** A layer step's image from the cache: true when found (and taken). */
bool build_cache_take(build_stage *s);
/** A layer step made s->image (its key recorded with it): say so. */
void build_step_done(build_stage *s);
/** "Step N/M : text" (not with quiet). */
void build_say(build *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
