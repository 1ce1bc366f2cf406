/* SPDX-License-Identifier: Apache-2.0 */
#include "lazylib.h"

#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

int berth_lazylib_load(berth_lazylib *lib, berth_error *err)
{
        int r = 0;
        pthread_mutex_lock(&lib->lock);
        if (lib->handle == NULL) {
                /* RTLD_LOCAL: its symbols stay out of the global scope, so they
                 * cannot meet the stubs of ours that carry the same names */
                lib->handle = dlopen(lib->soname, RTLD_NOW | RTLD_LOCAL);
                if (lib->handle == NULL)
                        r = berth_errx(err, ENOENT, "%s is needed for %s but cannot be loaded: %s",
                                       lib->soname, lib->for_what, dlerror());
        }
        pthread_mutex_unlock(&lib->lock);
        return r;
}

void *berth_lazylib_sym(berth_lazylib *lib, const char *name)
{
        berth_error err = {0};
        if (berth_lazylib_load(lib, &err) < 0) {
                /* a caller that did not load it first: as the dynamic linker would */
                fprintf(stderr, "berth: %s\n", err.msg);
                exit(127);
        }
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
