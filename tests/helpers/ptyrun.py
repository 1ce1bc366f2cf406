#!/usr/bin/env python3
"""ptyrun ROWS COLS CMD [ARG...]: run CMD on a terminal of its own (ROWS x COLS)
and drive it with the script read from stdin, one action a line:
  expect TEXT      wait (up to 20 s) until the output so far holds TEXT
  send TEXT        type TEXT (Python escapes: \\r, \\x10 …)
  resize ROWS COLS change the terminal's size (CMD gets SIGWINCH)
  wait             wait for CMD to exit (up to 20 s)
Prints everything CMD wrote, and exits with its status (124 on a timeout,
as timeout(1) does). For the bats suites: interactive -it commands."""
import codecs
import fcntl
import os
import pty
import select
import struct
import sys
import termios
import time


def set_size(fd, rows, cols):
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))


def main():
    rows, cols, cmd = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3:]
    script = sys.stdin.read().splitlines()
    pid, master = pty.fork()
    if pid == 0:
        set_size(0, rows, cols)
        os.execvp(cmd[0], cmd)
    out = bytearray()
    status = None

    def pump(timeout):
        """Read what is there: True for data, None for none yet, False at the end."""
        r, _, _ = select.select([master], [], [], timeout)
        if not r:
            return None
        try:
            data = os.read(master, 65536)
        except OSError:
            data = b""
        out.extend(data)
        return bool(data)

    def reap(block):
        nonlocal status
        if status is None:
            p, st = os.waitpid(pid, 0 if block else os.WNOHANG)
            if p:
                status = os.waitstatus_to_exitcode(st)

    def fail(what):
        sys.stdout.write(out.decode(errors="replace"))
        sys.stdout.write("\nptyrun: timed out: %s\n" % what)
        sys.exit(124)

    for line in script:
        verb, _, arg = line.partition(" ")
        if verb == "expect":
            end = time.time() + 20
            while arg.encode() not in out:
                if time.time() > end or pump(0.2) is False:
                    fail(line)
        elif verb == "send":
            os.write(master, codecs.decode(arg, "unicode_escape").encode("latin-1"))
        elif verb == "resize":
            r, c = arg.split()
            set_size(master, int(r), int(c))
        elif verb == "wait":
            end = time.time() + 20
            while status is None:
                if time.time() > end:
                    fail(line)
                if pump(0.2) is False:
                    reap(True)
                reap(False)
    if status is None:
        os.kill(pid, 9)
        reap(True)
    while pump(0.1):  # what is left to read
        pass
    sys.stdout.write(out.decode(errors="replace"))
    sys.exit(status)


main()
