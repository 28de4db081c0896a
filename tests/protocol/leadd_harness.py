"""Shared by the Python protocol tests: start a real leadd on 127.0.0.1 with
an ephemeral port in a temporary directory, and a minimal framed client.

A new data directory gets its first admin (ADMIN / ADMIN_PASSWORD) from
`leadd init` before the first start; Client logs in as that admin unless told
otherwise (user=None: Hello only)."""
import os
import socket
import struct
import subprocess
import sys
import time

ADMIN = "admin"
ADMIN_PASSWORD = "harness-admin-pw-1"


def load_pb(proto_dir, out_dir):
    subprocess.run(["protoc", "--proto_path", proto_dir, "--python_out", out_dir,
                    os.path.join(proto_dir, "leadd.proto")], check=True)
    sys.path.insert(0, out_dir)
    import leadd_pb2
    return leadd_pb2


class LoginRefused(Exception):
    def __init__(self, response):
        Exception.__init__(self, "login refused: %d %s" % (response.code, response.message))
        self.response = response


class Leadd:
    def __init__(self, binary, tmp, extra=(), log_level="warn", log_file=None,
                 admin=ADMIN, admin_password=ADMIN_PASSWORD):
        self.binary = binary
        self.data = os.path.join(tmp, "data")
        self.port_file = os.path.join(tmp, "port")
        self.extra = list(extra)
        self.log_level = log_level
        self.log_file = log_file
        self.admin = admin
        self.admin_password = admin_password
        self.proc = None
        self.port = None

    def init(self):
        """`leadd init`: the first admin of a new data directory."""
        r = subprocess.run([self.binary, "init", "--data-dir", self.data, "--admin",
                            self.admin, "--password-stdin"],
                           input=(self.admin_password + "\n").encode(),
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        if r.returncode != 0:
            raise RuntimeError("leadd init exited %d: %s" % (r.returncode, r.stderr.decode()))

    def start(self):
        if not os.path.exists(os.path.join(self.data, "data.mdb")):
            self.init()
        if os.path.exists(self.port_file):
            os.unlink(self.port_file)
        log = ["--log-file", self.log_file] if self.log_file else []
        self.proc = subprocess.Popen([self.binary, "--data-dir", self.data, "--listen",
                                      "127.0.0.1:0", "--port-file", self.port_file,
                                      "--log-level", self.log_level, *log, *self.extra])
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
    """Hello, then Login{user, password} (or Login{token}); user=None: Hello only.
    A refused login raises LoginRefused. self.token: the session token."""

    def __init__(self, pb, port, user=ADMIN, password=ADMIN_PASSWORD, token=None,
                 timeout=30, source=None):
        self.pb = pb
        # source: a loopback address to connect from (127.0.0.N), so logins
        # from "different hosts" do not share the per-address throttle.
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout,
                                             source_address=(source, 0) if source else None)
        self.next_id = 1
        self.token = None
        self.user = None
        r = self.call(lambda q: (setattr(q.hello, "protocol_version", 1),
                                 setattr(q.hello, "client_name", "pytest")))
        assert r.WhichOneof("body") == "hello", r
        if token is not None or user is not None:
            r = self.login(user=None if token is not None else user, password=password,
                           token=token)
            if r.code != pb.OK:
                self.sock.close()
                raise LoginRefused(r)

    def login(self, user=None, password=None, token=None):
        def fill(q):
            q.login.SetInParent()
            if user is not None:
                q.login.user = user
            if password is not None and token is None:
                q.login.password = password
            if token is not None:
                q.login.token = token
        r = self.call(fill)
        if r.code == self.pb.OK:
            self.user = r.login.user
            if r.login.token:
                self.token = r.login.token
        return r

    def _exact(self, n):
        buf = b""
        while len(buf) < n:
            c = self.sock.recv(n - len(buf))
            if not c:
                raise EOFError("connection closed")
            buf += c
        return buf

    def send(self, fill):
        q = self.pb.Request(id=self.next_id)
        self.next_id += 1
        fill(q)
        body = q.SerializeToString()
        self.sock.sendall(struct.pack(">I", len(body)) + body)
        return q.id

    def recv(self):
        """The next Response (events skipped)."""
        while True:
            (n,) = struct.unpack(">I", self._exact(4))
            m = self.pb.ServerMessage()
            m.ParseFromString(self._exact(n))
            if m.WhichOneof("kind") == "response":
                return m.response

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

    def create(self, title, owner=ADMIN, team=None, **fields):
        """lead_create; owner/team as the request takes them (None: absent)."""
        def fill(q):
            q.lead_create.title = title
            if owner is not None:
                q.lead_create.owner = owner
            if team is not None:
                q.lead_create.team = team
            for k, v in fields.items():
                setattr(q.lead_create, k, v)
        return self.call(fill)

    def close(self):
        self.sock.close()
