"""Shared by the Python protocol tests: start a real leadd on 127.0.0.1 with
an ephemeral port in a temporary directory, and a minimal framed client."""
import os
import socket
import struct
import subprocess
import sys
import time


def load_pb(proto_dir, out_dir):
    subprocess.run(["protoc", "--proto_path", proto_dir, "--python_out", out_dir,
                    os.path.join(proto_dir, "leadd.proto")], check=True)
    sys.path.insert(0, out_dir)
    import leadd_pb2
    return leadd_pb2


class Leadd:
    def __init__(self, binary, tmp, extra=()):
        self.binary = binary
        self.data = os.path.join(tmp, "data")
        self.port_file = os.path.join(tmp, "port")
        self.extra = list(extra)
        self.proc = None
        self.port = None

    def start(self):
        if os.path.exists(self.port_file):
            os.unlink(self.port_file)
        self.proc = subprocess.Popen([self.binary, "--data-dir", self.data, "--listen",
                                      "127.0.0.1:0", "--port-file", self.port_file,
                                      "--log-level", "warn", *self.extra])
        deadline = time.time() + 10
        while not (os.path.exists(self.port_file) and open(self.port_file).read().strip()):
            if time.time() > deadline or self.proc.poll() is not None:
                raise RuntimeError("leadd did not start")
            time.sleep(0.02)
        self.port = int(open(self.port_file).read())
        return self

    def stop(self, sig="TERM"):
        if sig == "KILL":
            self.proc.kill()
        else:
            self.proc.terminate()
        return self.proc.wait(timeout=30)

    def verify(self):
        return subprocess.run([self.binary, "verify", "--data-dir", self.data]).returncode


class Client:
    def __init__(self, pb, port, timeout=30):
        self.pb = pb
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self.next_id = 1
        r = self.call(lambda q: (setattr(q.hello, "protocol_version", 1),
                                 setattr(q.hello, "client_name", "pytest")))
        assert r.WhichOneof("body") == "hello", r

    def _exact(self, n):
        buf = b""
        while len(buf) < n:
            c = self.sock.recv(n - len(buf))
            if not c:
                raise EOFError("connection closed")
            buf += c
        return buf

    def call(self, fill):
        q = self.pb.Request(id=self.next_id)
        self.next_id += 1
        fill(q)
        body = q.SerializeToString()
        self.sock.sendall(struct.pack(">I", len(body)) + body)
        while True:
            (n,) = struct.unpack(">I", self._exact(4))
            m = self.pb.ServerMessage()
            m.ParseFromString(self._exact(n))
            if m.WhichOneof("kind") == "response":
                return m.response

    def close(self):
        self.sock.close()
