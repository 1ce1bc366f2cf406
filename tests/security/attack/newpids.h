/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Shared by the attack programs that wait for processes to appear in their
 * pid namespace: every pid in /proc not seen before, in the order /proc
 * lists them; what runs when watching starts is not what they are after.
 */
#pragma once

#include <dirent.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#define MAX_PID 4194304

static unsigned char seen[MAX_PID / 8 + 1];

static inline bool first_sight(int pid)
{
        if (pid <= 0 || pid >= MAX_PID)
                return false;
        bool old = seen[pid / 8] & (1u << (pid % 8));
        seen[pid / 8] |= (unsigned char)(1u << (pid % 8));
        return !old;
}

/* Mark what runs now, say "watching", then call found(pid, arg) for each new pid; returns only
 * when /proc cannot be read. */
static inline int watch_new_pids(void (*found)(int pid, void *arg), void *arg)
{
        DIR *d = opendir("/proc");
        struct dirent *e;
        while (d && (e = readdir(d)) != NULL)
                first_sight(atoi(e->d_name));
        if (d)
                closedir(d);
        printf("watching\n");
        for (;;) {
                d = opendir("/proc");
                if (d == NULL)
                        return 1;
                while ((e = readdir(d)) != NULL) {
                        int pid = atoi(e->d_name);
                        if (first_sight(pid))
                                found(pid, arg);
                }
                closedir(d);
        }
}
