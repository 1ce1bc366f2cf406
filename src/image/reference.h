/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include "base/digest.h"
#include "base/error.h"

#include <stdbool.h>

/**
 * Image references, parsed and normalised as Docker does (the grammar of
 * distribution/reference, ParseNormalizedNamed + TagNameOnly):
 *
 *   reference := name [":" tag] ["@" digest]
 *   name      := [domain "/"] path
 *   domain    := host [":" port]      host: DNS-like components or "[ipv6]"
 *   path      := component ("/" component)*,  at most 255 characters
 *   component := [a-z0-9]+ (("." | "_" | "__" | "-"+) [a-z0-9]+)*
 *   tag       := [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}
 *   digest    := "sha256:" 64 lowercase hex (berth_digest_parse)
 *
 * The first "/"-separated element is a domain when it is "localhost",
 * contains "." or ":", or has an uppercase letter; otherwise the domain is
 * docker.io. "index.docker.io" becomes "docker.io" ("registry-1.docker.io"
 * stays: Docker keeps it too). On docker.io a one-element path gets
 * "library/" in front. With neither tag nor digest the tag is "latest"; with
 * only a digest there is no tag; with both, both are kept.
 *
 *   busybox                 → docker.io/library/busybox:latest   (familiar busybox:latest)
 *   user/app:1.0            → docker.io/user/app:1.0             (familiar user/app:1.0)
 *   localhost:5000/a/b@sha256:… → localhost:5000/a/b@sha256:… (tag NULL)
 *
 * A bare 64-hex string is refused (it is an image id, not a name), as Docker does.
 */
typedef struct berth_ref {
        char *domain; /* "docker.io", "localhost:5000", "[::1]:5000" */
        char *path;   /* "library/busybox", "user/app" */
        char *tag;    /* "latest", …; NULL when only a digest was given */
        bool has_digest;
        berth_digest digest;
} berth_ref;

/**
 * Parse and normalise s into *ret (overwritten, not freed: clear it first if
 * it held a reference). Written only on success. Errors name the reference:
 * "invalid reference format: repository name must be lowercase: 'Busybox'".
 */
int berth_ref_parse(const char *s, berth_ref *ret, berth_error *err);
/** Free the strings of ref and zero it; a zeroed or NULL ref is fine. */
void berth_ref_clear(berth_ref *ref);

/* Each of these returns a malloc'd string. */
/** Full form: "docker.io/library/busybox:latest", "…/a/b:1@sha256:…". */
char *berth_ref_string(const berth_ref *ref);
/** Full name without tag or digest: "docker.io/library/busybox". */
char *berth_ref_name(const berth_ref *ref);
/**
 * As `docker images` shows it: docker.io and a lone "library/" dropped:
 * "busybox:latest", "user/app:1.0", "localhost:5000/a/b:latest",
 * "library/a/b:latest", "busybox@sha256:…".
 */
char *berth_ref_familiar(const berth_ref *ref);
/**
 * The familiar form of a stored (full) reference string: "docker.io/library/busybox:latest" →
 * "busybox:latest". A string that does not parse comes back as it is. Malloc'd.
 */
char *berth_ref_familiar_of(const char *full);
/** The familiar name without tag or digest: "busybox", "localhost:5000/a/b". */
char *berth_ref_repository(const berth_ref *ref);

/**
 * Whether s can be an image id or an id prefix: 3 to 64 lowercase hex
 * characters, optionally after "sha256:". A full id is only an id; a shorter
 * one may also be a name ("abc", "beef"): callers look it up as a reference
 * first and then as an id prefix, as Docker does.
 */
bool berth_ref_looks_like_id(const char *s);
