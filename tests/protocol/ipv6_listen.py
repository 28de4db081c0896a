#!/usr/bin/python3
"""leadd listens on IPv6 too: start it on [::1]:0, log in over IPv6, create
and read a lead, stop it, verify. Where the machine has no IPv6 loopback it
exits 77, which ctest reports as skipped (SKIP_RETURN_CODE), not passed."""
import os
import socket
import struct
import subprocess
import sys
import tempfile
import time

SKIPPED = 77


def main():
    leadd, proto_dir = sys.argv[1], sys.argv[2]
    try:
        socket.socket(socket.AF_INET6, socket.SOCK_STREAM).bind(("::1", 0))
    except OSError:
        print("SKIPPED - no IPv6 loopback on this machine")
        return SKIPPED
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(["protoc", "--proto_path", proto_dir, "--python_out", tmp,
                        os.path.join(proto_dir, "leadd.proto")], check=True)
        sys.path.insert(0, tmp)
        import leadd_pb2 as pb
        data, port_file = os.path.join(tmp, "data"), os.path.join(tmp, "port")
        subprocess.run([leadd, "init", "--data-dir", data, "--admin", "admin",
                        "--password-stdin"], input=b"ipv6-password\n", check=True,
                       stdout=subprocess.DEVNULL)
        proc = subprocess.Popen([leadd, "--data-dir", data, "--listen", "[::1]:0",
                                 "--port-file", port_file, "--log-level", "warn"])
        deadline = time.time() + 10
        while not (os.path.exists(port_file) and open(port_file).read().strip()):
            if time.time() > deadline:
                proc.kill()
                sys.exit("leadd did not start on [::1]")
            time.sleep(0.02)
        port = int(open(port_file).read())
        s = socket.create_connection(("::1", port), timeout=10)
        assert s.family == socket.AF_INET6

        def call(rid, fill):
            q = pb.Request(id=rid)
            fill(q)
            b = q.SerializeToString()
            s.sendall(struct.pack(">I", len(b)) + b)
            n = struct.unpack(">I", s.recv(4, socket.MSG_WAITALL))[0]
            m = pb.ServerMessage()
            m.ParseFromString(s.recv(n, socket.MSG_WAITALL))
            return m.response

        ok = call(1, lambda q: setattr(q.hello, "protocol_version", 1)).HasField("hello")
        r = call(2, lambda q: (setattr(q.login, "user", "admin"),
                               setattr(q.login, "password", "ipv6-password")))
        ok = ok and r.code == pb.OK
        r = call(3, lambda q: (setattr(q.lead_create, "title", "over IPv6"),
                               setattr(q.lead_create, "owner", "admin")))
        ok = ok and r.code == pb.OK
        lid = r.lead.lead.id
        r = call(4, lambda q: setattr(q.lead_get, "id", lid))
        ok = ok and r.lead.lead.title == "over IPv6"
        s.close()
        proc.terminate()
        ok = proc.wait(timeout=15) == 0 and ok
        ok = subprocess.run([leadd, "verify", "--data-dir", data]).returncode == 0 and ok
        print("ok - IPv6 listen, login, create, get" if ok else "FAILED - IPv6")
        print("1 passed, 0 failed" if ok else "0 passed, 1 failed")
        return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
