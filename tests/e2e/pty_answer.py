#!/usr/bin/python3
"""Run a command on a pseudo-terminal of its own (so /dev/tty is that
terminal) and answer its prompts as a person would type them.

Usage: pty_answer.py PROMPT ANSWER [PROMPT ANSWER...] -- CMD [ARGS...]
Each PROMPT is a text to wait for (10 s at most) before typing ANSWER and
Enter, once the terminal's echo is off (password prompts). Everything the command wrote to the terminal goes to stdout; the exit
status is the command's (or 98 when a prompt never came)."""
import os
import pty
import select
import sys
import termios
import time


def main():
    args = sys.argv[1:]
    sep = args.index("--")
    pairs, cmd = args[:sep], args[sep + 1:]
    pid, fd = pty.fork()
    if pid == 0:
        os.execvp(cmd[0], cmd)
    seen = b""
    status = 0
    for i in range(0, len(pairs), 2):
        prompt, answer = pairs[i].encode(), pairs[i + 1].encode()
        deadline = time.time() + 10
        while prompt not in seen:
            left = deadline - time.time()
            r = select.select([fd], [], [], max(left, 0))[0] if left > 0 else []
            chunk = b""
            if r:
                try:
                    chunk = os.read(fd, 4096)
                except OSError:
                    chunk = b""
            if not chunk:
                sys.stdout.write(seen.decode(errors="replace"))
                sys.stdout.write("\n[pty_answer: no prompt %r]\n" % pairs[i])
                os.kill(pid, 9)
                os.waitpid(pid, 0)
                return 98
            seen += chunk
        seen = seen[seen.index(prompt) + len(prompt):]
        # A password prompt turns echo off with TCSAFLUSH, which drops what
        # was typed before it: type only once echo is off (as a person, who
        # is slower, always does), or after 2 s for a prompt that echoes.
        deadline = time.time() + 2
        while termios.tcgetattr(fd)[3] & termios.ECHO and time.time() < deadline:
            time.sleep(0.01)
        sys.stdout.write(pairs[i])
        os.write(fd, answer + b"\r")
    rest = b""
    while True:
        try:
            chunk = os.read(fd, 4096)
        except OSError:
            break
        if not chunk:
            break
        rest += chunk
    sys.stdout.write((seen + rest).decode(errors="replace"))
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status)


if __name__ == "__main__":
    sys.exit(main())
