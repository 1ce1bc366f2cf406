/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <stdbool.h>

/*
 * A program that puts processes into containers must not expose its own
 * binary to them: a container process can reach it through /proc/<pid>/exe
 * (or by exec'ing "#!/proc/self/exe") and overwrite it on the host (the
 * CVE-2019-5736 class). It is safe when it runs from a file no one can open
 * for writing: a sealed memfd copy, or any file on a read-only mount.
 */

/** Whether the running binary is such a file (sealed, or on a read-only mount). */
bool berth_exe_is_sealed(void);

/**
 * An fd (O_RDONLY, O_CLOEXEC) of path as seen through a read-only mount of
 * its directory that belongs to no tree and is gone once the fd and whatever
 * runs from it are: a bind (in the initial user namespace, where only the
 * host's root could make it writable again) or else an overlay with no upper
 * layer (which nobody can). A program exec'd from it (execveat, or
 * /proc/self/fd/N) is sealed in the sense above and need not copy itself.
 * Negative errno on failure (no overlayfs, no privilege, …).
 */
int berth_sealed_open(const char *path);

/**
 * Exec path as seen through berth_sealed_open's read-only mount of its
 * directory, gone once the program ends, so nothing is copied and nothing is
 * left behind. Returns only on failure (negative
 * errno: no overlayfs, no privilege, …), and the caller execs path plainly.
 */
int berth_exec_sealed(const char *path, char *const argv[], char *const envp[]);

/**
 * Re-exec the running binary so that it is sealed (see above): through the
 * read-only mount, else from a sealed memfd copy. Returns 0 at once when
 * it is sealed already; otherwise only on failure (negative errno).
 */
int berth_selfclone_ensure(char **argv);
