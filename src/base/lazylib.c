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
                void *h = dlopen(lib->soname, RTLD_NOW | RTLD_LOCAL);
                if (h == NULL)
                        r = berth_errx(err, ENOENT, "%s is needed for %s but cannot be loaded: %s",
                                       lib->soname, lib->for_what, dlerror());
                for (const char *const *n = lib->names; h && n && n < lib->names_end; n++)
                        if (dlsym(h, *n) == NULL) {
                                r = berth_errx(err, ENOSYS,
                                               "%s has no %s (too old a version?), needed for %s",
                                               lib->soname, *n, lib->for_what);
                                dlclose(h);
                                h = NULL;
                        }
                lib->handle = h;
        }
        pthread_mutex_unlock(&lib->lock);
        return r;
}

void *berth_lazylib_sym(berth_lazylib *lib, const char *name)
{
        berth_error err = {0};
        void *p = berth_lazylib_load(lib, &err) < 0 ? NULL : dlsym(lib->handle, name);
        if (p == NULL) {
                /* a wrapper called without berth_lazylib_load() first: a bug */
                fprintf(stderr, "berth: %s (%s called before its library was loaded)\n",
                        err.msg[0] ? err.msg : "a library function is missing", name);
                abort();
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
