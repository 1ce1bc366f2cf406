/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

/**
 * Scope-bound cleanup, systemd style. Destructors accept NULL / -1.
 * Hand ownership on with TAKE_PTR() / TAKE_FD().
 */
#define _cleanup_(f) __attribute__((cleanup(f)))

static inline void berth_freep(void *p)
{
        free(*(void **)p);
}

static inline void berth_closep(int *fd)
{
        if (*fd >= 0) {
                int saved = errno;
                close(*fd);
                errno = saved;
        }
}

static inline void berth_fclosep(FILE **f)
{
        if (*f)
                fclose(*f);
}

void berth_strv_free(char **v);
static inline void berth_strv_freep(char ***v)
{
        berth_strv_free(*v);
}

#define _cleanup_free_   _cleanup_(berth_freep)
#define _cleanup_close_  _cleanup_(berth_closep)
#define _cleanup_fclose_ _cleanup_(berth_fclosep)
#define _cleanup_strv_   _cleanup_(berth_strv_freep)

#define TAKE_PTR(p)                                                                                \
        ({                                                                                         \
                __typeof__(p) _t = (p);                                                            \
                (p) = NULL;                                                                        \
                _t;                                                                                \
        })
#define TAKE_FD(fd)                                                                                \
        ({                                                                                         \
                int _t = (fd);                                                                     \
                (fd) = -1;                                                                         \
                _t;                                                                                \
        })

#define ARRAY_SIZE(a)      (sizeof(a) / sizeof((a)[0]))
#define STRV_FOREACH(s, l) for (char **s = (l); s && *s; s++)
