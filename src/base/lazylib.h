/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include "base/error.h"

#include <pthread.h>

/**
 * A shared library loaded on first use. libcurl and libarchive bring some 35
 * libraries with them (TLS, HTTP/2, Kerberos, LDAP, XML, compressors): linked
 * the usual way, every `berth` command pays for loading and relocating them,
 * ~4.5 ms, though only pull/push/login and the tar commands use them. Their
 * callers see the usual functions: src/registry/libcurl-lazy.c and
 * src/image/libarchive-lazy.c define each one as a call through a pointer
 * that the first call looks up here.
 *
 * Every function a module wraps (BERTH_LAZY_FN, BERTH_LAZY_VOID, or
 * BERTH_LAZY_NAME for one written by hand) puts its name in a linker section
 * of its library's own; berth_lazylib_load() looks each one up, so a library
 * too old to have one is an error there (the caller's to report: a server
 * keeps running), and a wrapper called after a successful load never fails.
 * Only a wrapper called without a load first (a bug) ends the program.
 */
typedef struct {
        const char *soname;                          /* "libcurl.so.4" */
        const char *for_what;                        /* "registries", for the message */
        const char *const *names, *const *names_end; /* the section of its wrappers' names */
        pthread_mutex_t lock;
        void *handle;
} berth_lazylib;

/* Define `static berth_lazylib var` (var: an identifier; the section is named after it). */
#define BERTH_LAZYLIB_DEFINE(var, soname, for_what)                                                \
        extern const char *const __start_berth_lazy_##var[] __attribute__((weak));                 \
        extern const char *const __stop_berth_lazy_##var[] __attribute__((weak));                  \
        static berth_lazylib var = {soname,                                                        \
                                    for_what,                                                      \
                                    __start_berth_lazy_##var,                                      \
                                    __stop_berth_lazy_##var,                                       \
                                    PTHREAD_MUTEX_INITIALIZER,                                     \
                                    NULL}

/* Register name as one of lib's functions (done by the wrappers below). */
#define BERTH_LAZY_NAME(lib, name)                                                                 \
        static const char *const berth_lazy_name_##name                                            \
            __attribute__((used, section("berth_lazy_" #lib))) = #name

/**
 * Load lib now and find every function it must have, or say why it cannot
 * be (an error, not an exit): what a command calls before it changes
 * anything, so that a missing or too old library ends it with one message and
 * the store as it was.
 */
int berth_lazylib_load(berth_lazylib *lib, berth_error *err);
/** The address of name in lib (loaded first if need be). Thread-safe. */
void *berth_lazylib_sym(berth_lazylib *lib, const char *name);

/** *slot, looked up in lib by name the first time (then kept there). Thread-safe. */
void *berth_lazylib_slot(berth_lazylib *lib, void **slot, const char *name);

/*
 * Define `ret name params` as a call to the library's own name with args.
 * The pointer is kept as a void * and copied out, as POSIX allows for
 * dlsym's results.
 */
#define BERTH_LAZY_FN(lib, ret, name, params, args)                                                \
        BERTH_LAZY_NAME(lib, name);                                                                \
        ret name params                                                                            \
        {                                                                                          \
                static void *slot;                                                                 \
                void *q = berth_lazylib_slot(&(lib), &slot, #name);                                \
                ret(*fn) params;                                                                   \
                memcpy(&fn, &q, sizeof(fn));                                                       \
                return fn args;                                                                    \
        }
/* The same for a function returning void. */
#define BERTH_LAZY_VOID(lib, name, params, args)                                                   \
        BERTH_LAZY_NAME(lib, name);                                                                \
        void name params                                                                           \
        {                                                                                          \
                static void *slot;                                                                 \
                void *q = berth_lazylib_slot(&(lib), &slot, #name);                                \
                void(*fn) params;                                                                  \
                memcpy(&fn, &q, sizeof(fn));                                                       \
                fn args;                                                                           \
        }
