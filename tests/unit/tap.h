/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/**
 * A tiny TAP producer for unit tests. Each test program:
 *   int main(void) { ok(1 + 1 == 2, "adds"); is_str(a, b, "name"); return tap_done(); }
 * prints "ok N - name" / "not ok N - name" lines and a final plan "1..N";
 * tap_done() returns non-zero when anything failed.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static int tap_count, tap_failures;

__attribute__((format(printf, 4, 5))) static inline int tap_ok(int pass, const char *file, int line,
                                                               const char *fmt, ...)
{
        va_list ap;
        tap_count++;
        printf("%sok %d - ", pass ? "" : "not ", tap_count);
        va_start(ap, fmt);
        vprintf(fmt, ap);
        va_end(ap);
        printf("\n");
        if (!pass) {
                tap_failures++;
                printf("#   failed at %s:%d\n", file, line);
        }
        fflush(stdout);
        return pass;
}

#define ok(cond, ...) tap_ok(!!(cond), __FILE__, __LINE__, __VA_ARGS__)

#define is_int(got, want, ...)                                                                     \
        do {                                                                                       \
                long long _g = (long long)(got), _w = (long long)(want);                           \
                if (!ok(_g == _w, __VA_ARGS__))                                                    \
                        printf("#   got %lld, want %lld\n", _g, _w);                               \
        } while (0)

#define is_str(got, want, ...)                                                                     \
        do {                                                                                       \
                const char *_g = (got), *_w = (want);                                              \
                if (!ok(_g && _w && strcmp(_g, _w) == 0, __VA_ARGS__))                             \
                        printf("#   got '%s', want '%s'\n", _g ? _g : "(null)",                    \
                               _w ? _w : "(null)");                                                \
        } while (0)

/** Passes when haystack contains needle. */
#define like(haystack, needle, ...)                                                                \
        do {                                                                                       \
                const char *_h = (haystack), *_n = (needle);                                       \
                if (!ok(_h && strstr(_h, _n) != NULL, __VA_ARGS__))                                \
                        printf("#   '%s' does not contain '%s'\n", _h ? _h : "(null)", _n);        \
        } while (0)

static inline int tap_done(void)
{
        printf("1..%d\n", tap_count);
        return tap_failures ? 1 : 0;
}
