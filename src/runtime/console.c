/* SPDX-License-Identifier: Apache-2.0 */
#include "console.h"
#include "rootfs.h"
#include "sync.h"
#include "base/cleanup.h"
#include "base/fs.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

int berth_unix_connect(const char *path, berth_error *err)
{
        struct sockaddr_un sa = {.sun_family = AF_UNIX};
        if (strlen(path) >= sizeof(sa.sun_path))
                return berth_errx(err, ENAMETOOLONG, "socket path '%s' is too long", path);
        strcpy(sa.sun_path, path);
        _cleanup_close_ int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return berth_err(err, errno, "cannot create a socket");
        if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
                return berth_err(err, errno, "cannot connect to console socket '%s'", path);
        return TAKE_FD(fd);
}

int berth_console_open(int sock, const oci_process *p, bool bind_console, berth_error *err)
{
        _cleanup_close_ int master = open("/dev/pts/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
        if (master < 0)
                master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
        if (master < 0)
                return berth_err(err, errno, "cannot open /dev/ptmx in the container");
        int unlock = 0;
        if (ioctl(master, TIOCSPTLCK, &unlock) < 0)
                return berth_err(err, errno, "cannot unlock the pty");
        unsigned int n;
        if (ioctl(master, TIOCGPTN, &n) < 0)
                return berth_err(err, errno, "cannot get the pty number");
        char name[64];
        snprintf(name, sizeof(name), "/dev/pts/%u", n);
        _cleanup_close_ int slave = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
        if (slave < 0)
                slave = open(name, O_RDWR | O_NOCTTY | O_CLOEXEC);
        if (slave < 0)
                return berth_err(err, errno, "cannot open '%s'", name);
        if (p->has_console_size) {
                struct winsize ws = {.ws_row = (unsigned short)p->console_height,
                                     .ws_col = (unsigned short)p->console_width};
                ioctl(master, TIOCSWINSZ, &ws);
        }
        if (bind_console) {
                /* fd to fd: a /dev the container can write cannot redirect it */
                _cleanup_close_ int c =
                    open("/dev/console", O_CREAT | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0600);
                if (c >= 0 && berth_mount_bind_fd(slave, c, false, err) < 0)
                        return berth_wrap(err, "cannot bind '%s' on /dev/console", name);
        }
        int r = berth_send_fd(sock, master, name);
        if (r < 0)
                return berth_err(err, -r, "cannot send the pty master to the console socket");
        return TAKE_FD(slave);
}

int berth_console_take(int slave, berth_error *err)
{
        _cleanup_close_ int fd = slave;
        if (setsid() < 0 && errno != EPERM)
                return berth_err(err, errno, "cannot start a new session");
        if (ioctl(fd, TIOCSCTTY, 0) < 0)
                return berth_err(err, errno, "cannot make the pty the controlling terminal");
        for (int i = 0; i < 3; i++)
                if (dup2(fd, i) < 0)
                        return berth_err(err, errno, "cannot dup the pty to fd %d", i);
        return 0;
}

int berth_console_setup(int sock, const oci_process *p, bool bind_console, berth_error *err)
{
        int slave = berth_console_open(sock, p, bind_console, err);
        if (slave < 0)
                return slave;
        return berth_console_take(slave, err);
}
