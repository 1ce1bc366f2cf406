/* SPDX-License-Identifier: Apache-2.0 */
#include "lazylib.h"

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>

void *berth_lazylib_sym(berth_lazylib *lib, const char *name)
{
        pthread_mutex_lock(&lib->lock);
        if (lib->handle == NULL) {
                /* RTLD_LOCAL: its symbols stay out of the global scope, so they
                 * cannot meet the stubs of ours that carry the same names */
                lib->handle = dlopen(lib->soname, RTLD_NOW | RTLD_LOCAL);
                if (lib->handle == NULL) {
                        fprintf(stderr, "berth: %s is needed for %s but cannot be loaded: %s\n",
                                lib->soname, lib->for_what, dlerror());
                        exit(127);
                }
        }
        pthread_mutex_unlock(&lib->lock);
        void *p = dlsym(lib->handle, name);
        if (p == NULL) {
                fprintf(stderr, "berth: %s has no %s (too old a version?)\n", lib->soname, name);
                exit(127);
        }
        return p;
}

void *berth_lazylib_slot(berth_lazylib *lib, void **slot, const char *name)
{
        void *q = __atomic_load_n(slot, __ATOMIC_ACQUIRE);
        if (q == NULL) {
                q = berth_lazylib_sym(lib, name);
                __atomic_store_n(slot, q, __ATOMIC_RELEASE);
        }
        return q;
}
