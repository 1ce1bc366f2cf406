/* SPDX-License-Identifier: Apache-2.0 */
/* Docker's detach keys: the parser (moby/term's names, dockerd's message) and the matcher. */
#include "tap.h"
#include "engine/detach-keys.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static void parses(const char *spec, const char *want, size_t n, const char *what)
{
        berth_detach_keys k;
        berth_error err = {0};
        int r = berth_detach_keys_parse(spec, &k, NULL, &err);
        ok(r == 0 && k.len == n && memcmp(k.seq, want, n) == 0, "%s", what);
}

static void refuses(const char *spec, const char *unknown, const char *what)
{
        berth_detach_keys k;
        berth_error err = {0};
        char *u = NULL;
        int r = berth_detach_keys_parse(spec, &k, &u, &err);
        char msg[256];
        snprintf(msg, sizeof(msg), "Invalid detach keys (%s) provided", spec);
        ok(r == -EINVAL && err.code == EINVAL && strcmp(err.msg, msg) == 0, "%s: message", what);
        ok(u && strcmp(u, unknown) == 0, "%s: the unknown item is '%s' (got '%s')", what, unknown,
           u ? u : "(null)");
        free(u);
}

/* feed in pieces: what goes on, and whether it detached */
static void feeds(const char *spec, const char *const *pieces, const char *want_out,
                  bool want_detach, const char *what)
{
        berth_detach_keys k;
        berth_detach_keys_parse(spec, &k, NULL, NULL);
        char all[256] = "";
        size_t total = 0;
        bool detached = false;
        for (size_t i = 0; pieces[i] && !detached; i++) {
                unsigned char out[64 + BERTH_DETACH_KEYS_MAX];
                size_t n = 0;
                detached = berth_detach_keys_feed(&k, pieces[i], strlen(pieces[i]), out, &n);
                memcpy(all + total, out, n);
                total += n;
        }
        all[total] = '\0';
        ok(detached == want_detach && strcmp(all, want_out) == 0, "%s (got '%s', %s)", what, all,
           detached ? "detached" : "attached");
}

int main(void)
{
        parses(NULL, "\x10\x11", 2, "NULL is ctrl-p,ctrl-q");
        parses("", "\x10\x11", 2, "\"\" is ctrl-p,ctrl-q");
        parses("ctrl-p,ctrl-q", "\x10\x11", 2, "ctrl-p,ctrl-q");
        parses("ctrl-x,y", "\x18y", 2, "ctrl-x,y");
        parses("a,z", "az", 2, "single characters");
        parses("ctrl-a,ctrl-z", "\x01\x1a", 2, "ctrl-a … ctrl-z");
        parses("ctrl-@", "\0", 1, "ctrl-@ is NUL");
        parses("ctrl-[,ctrl-\\,ctrl-],ctrl-^,ctrl-_", "\x1b\x1c\x1d\x1e\x1f", 5,
               "ctrl-[ … ctrl-_ are 27 … 31");
        parses("DEL", "\x7f", 1, "DEL is 127");
        refuses(",", "", "a lone comma: two empty items");
        refuses("ctrl-1", "ctrl-1", "ctrl-1");
        refuses("ctrl-A", "ctrl-A", "case-sensitive: ctrl-A");
        refuses("ctrl-p,", "", "an empty item");
        refuses("shift-a", "shift-a", "shift-a");
        refuses("ctrl-p,ab,ctrl-q", "ab", "two characters");
        refuses("del", "del", "del (DEL is upper case)");

        const char *const plain[] = {"hello", NULL};
        feeds(NULL, plain, "hello", false, "plain input goes on");
        const char *const seq[] = {"ab\x10\x11", NULL};
        feeds(NULL, seq, "ab", true, "ctrl-p ctrl-q detaches; what came before goes on");
        const char *const split[] = {"x\x10", "\x11y", NULL};
        feeds(NULL, split, "x", true, "the sequence across two reads");
        const char *const broken[] = {"\x10", "a", NULL};
        feeds(NULL, broken,
              "\x10"
              "a",
              false, "a broken start is sent after all");
        const char *const twice[] = {"\x10\x10\x11", NULL};
        feeds(NULL, twice, "\x10", true, "ctrl-p ctrl-p ctrl-q: the first ctrl-p goes on");
        const char *const after[] = {"\x18yzz", NULL};
        feeds("ctrl-x,y", after, "", true, "a custom sequence; what follows it is dropped");
        const char *const custom_not[] = {"\x10\x11", NULL};
        feeds("ctrl-x,y", custom_not, "\x10\x11", false, "the default is no sequence then");
        return tap_done();
}
