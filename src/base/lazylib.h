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
 * A library or symbol that cannot be found ends the program with one message,
 * as the dynamic linker would have at startup.
 */
typedef struct {
        const char *soname;   /* "libcurl.so.4" */
        const char *for_what; /* "registries", for the message */
        pthread_mutex_t lock;
        void *handle;
} berth_lazylib;

#define BERTH_LAZYLIB_INIT(soname, for_what)                                                       \
        {                                                                                          \
                soname, for_what, PTHREAD_MUTEX_INITIALIZER, NULL                                  \
        }

/**
 * Load lib now, or say why it cannot be (an error, not an exit): what a
 * command calls before it changes anything, so that a missing library ends
 * it with one message and the store as it was.
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
        void name params                                                                           \
        {                                                                                          \
                static void *slot;                                                                 \
                void *q = berth_lazylib_slot(&(lib), &slot, #name);                                \
                void(*fn) params;                                                                  \
                memcpy(&fn, &q, sizeof(fn));                                                       \
                fn args;                                                                           \
        }
