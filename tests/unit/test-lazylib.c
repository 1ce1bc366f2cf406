/* SPDX-License-Identifier: Apache-2.0 */
/* A library loaded on first use: a missing one, or one without a function berth wraps, is an
 * error from berth_lazylib_load() (a long-running server keeps running), never an exit. */
#include "base/lazylib.h"
#include "tap.h"

#include <errno.h>
#include <string.h>

BERTH_LAZYLIB_DEFINE(old_lib, "libc.so.6", "a test");
BERTH_LAZY_FN(old_lib, int, berth_test_fn_libc_lacks, (int x), (x))

BERTH_LAZYLIB_DEFINE(gone_lib, "libberth-no-such-library.so.1", "nothing");

int main(void)
{
        berth_error err = {0};
        is_int(berth_lazylib_load(&old_lib, &err), -ENOSYS,
               "a library without a function berth wraps is refused at load");
        like(err.msg,
             "libc.so.6 has no berth_test_fn_libc_lacks (too old a version?), needed for a test",
             "naming the function");
        is_int(berth_lazylib_load(&old_lib, &err), -ENOSYS, "and again: nothing half-loaded kept");
        err = (berth_error){0};
        is_int(berth_lazylib_load(&gone_lib, &err), -ENOENT, "a missing library: an error");
        like(err.msg, "libberth-no-such-library.so.1 is needed for nothing but cannot be loaded",
             "saying what for");
        return tap_done();
}
