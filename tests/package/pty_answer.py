#!/usr/bin/python3
"""Run a command on a pseudo-terminal and answer its prompts as a person
would: a password at every prompt that asks for one, "y" to a yes/no
question. Everything the command prints is copied to stdout.

usage: pty_answer.py TIMEOUT_SECONDS PASSWORD COMMAND [ARG...]
Exit status: the command's, or 124 when it ran out of time (it is killed).
leadd init and lead login read passwords from /dev/tty, not stdin, so a
pipe cannot answer them; a pty can.
"""
import os
import pty
import re
import select
import signal
import sys
import time

# "Password for admin:", "Same password again:", lead user add's "Again:".
PASSWORD_PROMPT = re.compile(rb"(password[^\n]*|^again):\s*$", re.IGNORECASE | re.MULTILINE)
# "... [y/N] " (lead login meeting an unknown server), "(yes/no)".
YES_NO_PROMPT = re.compile(rb"[(\[](y/N|yes/no|Y/n)[)\]][^\n]*[?:]?\s*$")


def main():
    timeout, password, cmd = float(sys.argv[1]), sys.argv[2].encode(), sys.argv[3:]
    pid, fd = pty.fork()
    if pid == 0:
        os.execvp(cmd[0], cmd)
    deadline = time.monotonic() + timeout
    pending = b""  # what was printed since the last answer
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            sys.stdout.write("\npty_answer: %s still running after %g s; killed\n" %
                             (cmd[0], timeout))
            return 124
        ready, _, _ = select.select([fd], [], [], min(left, 0.5))
        if not ready:
            continue
        try:
            data = os.read(fd, 4096)
        except OSError:  # EIO: the command closed the terminal (it exited)
            data = b""
        if not data:
            break
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
        pending = (pending + data)[-512:]
        # An echo-less prompt ends the output so far: answer it once. The
        # program turns echo off (TCSAFLUSH, which drops typed-ahead input)
        # just after printing its prompt: wait for that, as a person would.
        if PASSWORD_PROMPT.search(pending) or YES_NO_PROMPT.search(pending):
            time.sleep(0.3)
        if PASSWORD_PROMPT.search(pending):
            os.write(fd, password + b"\n")
            pending = b""
        elif YES_NO_PROMPT.search(pending):
            os.write(fd, b"y\n")
            pending = b""
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status) if hasattr(os, "waitstatus_to_exitcode") \
        else (os.WEXITSTATUS(status) if os.WIFEXITED(status) else 128 + os.WTERMSIG(status))


if __name__ == "__main__":
    sys.exit(main())
