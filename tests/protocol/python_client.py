#!/usr/bin/python3
"""A second leadd client, written from docs/protocol.md alone.

Usage: python_client.py LEADD_BINARY PROTO_DIR

Generates Python code from proto/leadd.proto with protoc (at test time),
creates the first admin with `leadd init`, starts a real leadd on 127.0.0.1
with an ephemeral port and a temporary data directory, says Hello and logs in
(Login{user, password} -> LoginReply{token}; a second connection resumes the
session with Login{token}), creates, edits and reads a lead over the documented
framing, then stops leadd and runs `leadd verify`. Exits non-zero on any
mismatch.
"""
import os
import socket
import struct
import subprocess
import sys
import tempfile
import time

ADMIN, PASSWORD = "admin", "python-client-pw"


def init_leadd(leadd, tmp):
    """The first admin of a new data directory (operations: `leadd init`)."""
    r = subprocess.run([leadd, "init", "--data-dir", os.path.join(tmp, "data"),
                        "--admin", ADMIN, "--password-stdin"],
                       input=(PASSWORD + "\n").encode())
    if r.returncode != 0:
        sys.exit("leadd init exited with %d" % r.returncode)


def start_leadd(leadd, tmp):
    port_file = os.path.join(tmp, "port")
    proc = subprocess.Popen([leadd, "--data-dir", os.path.join(tmp, "data"),
                             "--listen", "127.0.0.1:0", "--port-file", port_file,
                             "--log-level", "warn"])
    deadline = time.time() + 10
    while time.time() < deadline:
        if os.path.exists(port_file) and open(port_file).read().strip():
            return proc, int(open(port_file).read())
        if proc.poll() is not None:
            sys.exit("leadd exited early with %d" % proc.returncode)
        time.sleep(0.02)
    proc.kill()
    sys.exit("leadd did not write its port file within 10 s")


class Client:
    """Section 1: 4-byte big-endian length, then one protobuf message."""

    def __init__(self, pb, port):
        self.pb = pb
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        self.next_id = 1

    def send(self, fill):
        req = self.pb.Request(id=self.next_id)
        self.next_id += 1
        fill(req)
        body = req.SerializeToString()
        self.sock.sendall(struct.pack(">I", len(body)) + body)
        return req.id

    def _read_exact(self, n):
        buf = b""
        while len(buf) < n:
            chunk = self.sock.recv(n - len(buf))
            if not chunk:
                raise EOFError("leadd closed the connection")
            buf += chunk
        return buf

    def recv(self):
        (n,) = struct.unpack(">I", self._read_exact(4))
        msg = self.pb.ServerMessage()
        msg.ParseFromString(self._read_exact(n))
        return msg

    def call(self, fill):
        rid = self.send(fill)
        while True:
            msg = self.recv()
            if msg.WhichOneof("kind") == "response":
                assert msg.response.id == rid, (msg.response.id, rid)
                return msg.response


def expect(cond, what):
    if not cond:
        sys.exit("FAILED: " + what)
    print("ok -", what)


def main():
    leadd, proto_dir = sys.argv[1], sys.argv[2]
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(["protoc", "--proto_path", proto_dir, "--python_out", tmp,
                        os.path.join(proto_dir, "leadd.proto")], check=True)
        sys.path.insert(0, tmp)
        import leadd_pb2 as pb

        init_leadd(leadd, tmp)
        proc, port = start_leadd(leadd, tmp)
        try:
            c = Client(pb, port)
            r = c.call(lambda q: (setattr(q.hello, "protocol_version", 1),
                                  setattr(q.hello, "client_name", "python-test")))
            expect(r.WhichOneof("body") == "hello" and r.hello.protocol_version == 1,
                   "Hello answered with protocol version 1")

            r = c.call(lambda q: q.whoami.SetInParent())
            expect(r.code == pb.UNAUTHENTICATED, "a request before Login is UNAUTHENTICATED")
            r = c.call(lambda q: q.ping.SetInParent())
            expect(r.code == pb.OK and r.WhichOneof("body") == "ping",
                   "a ping before Login is answered (it needs no login)")

            r = c.call(lambda q: (setattr(q.login, "user", ADMIN),
                                  setattr(q.login, "password", "not the password")))
            expect(r.code == pb.UNAUTHENTICATED and r.message == "wrong user name or password",
                   "a wrong password is UNAUTHENTICATED 'wrong user name or password'")

            r = c.call(lambda q: (setattr(q.login, "user", ADMIN),
                                  setattr(q.login, "password", PASSWORD)))
            expect(r.code == pb.OK and r.WhichOneof("body") == "login", "Login with password OK")
            token = r.login.token
            expect(len(token) == 32, "LoginReply carries a 32-byte token")
            expect(r.login.user.name == ADMIN and r.login.user.role == pb.ROLE_ADMIN,
                   "LoginReply names the admin")
            expect(r.login.expires_at > time.time() * 1000, "the session expires in the future")

            # A second connection resumes the session with the token alone.
            c2 = Client(pb, port)
            c2.call(lambda q: setattr(q.hello, "protocol_version", 1))
            r = c2.call(lambda q: setattr(q.login, "token", token))
            expect(r.code == pb.OK and not r.login.token and r.login.user.name == ADMIN,
                   "Login with the token resumes the session, no new token")
            r = c2.call(lambda q: q.whoami.SetInParent())
            expect(r.code == pb.OK and r.whoami.user.name == ADMIN, "whoami names the admin")
            c2.sock.close()

            # Logout ends a session (here a third one, of its own password login).
            c3 = Client(pb, port)
            c3.call(lambda q: setattr(q.hello, "protocol_version", 1))
            r = c3.call(lambda q: (setattr(q.login, "user", ADMIN),
                                   setattr(q.login, "password", PASSWORD)))
            token3 = r.login.token
            expect(r.code == pb.OK and token3 != token, "each password login is a new session")
            r = c3.call(lambda q: q.logout.SetInParent())
            expect(r.code == pb.OK and r.WhichOneof("body") == "empty", "logout OK")
            r = c3.call(lambda q: q.whoami.SetInParent())
            expect(r.code == pb.UNAUTHENTICATED, "after logout, requests are UNAUTHENTICATED")
            r = c3.call(lambda q: setattr(q.login, "token", token3))
            expect(r.code == pb.UNAUTHENTICATED, "the logged-out token is refused")
            c3.sock.close()
            r = c.call(lambda q: q.ping.SetInParent())
            expect(r.code == pb.OK, "another session's logout leaves this one logged in")

            def create(q):
                q.lead_create.title = "Website redesign"
                q.lead_create.owner = ADMIN  # an admin names an owner or a team
                q.lead_create.client_name = "Globex"
                q.lead_create.value.amount_minor = 1250000
                q.lead_create.value.currency = "EUR"
                q.lead_create.tags.append("agency:Publicis")
                main_contact = q.lead_create.contacts.add()
                main_contact.name = "Hank Scorpio"
                main_contact.email = "hank@globex.example"
                second = q.lead_create.contacts.add()
                second.name = "Frank"
            r = c.call(create)
            expect(r.code == pb.OK and r.WhichOneof("body") == "lead", "lead_create OK")
            lead = r.lead.lead
            expect(lead.id > 0 and lead.version > 0, "new lead has an id and a version")
            expect(lead.status_id == 1, "new lead is lead-New (status 1)")
            expect([x.name for x in lead.contacts] == ["Hank Scorpio", "Frank"],
                   "contacts kept in order, main first")

            def update(q):
                q.lead_update.id = lead.id
                q.lead_update.expected_version = lead.version
                q.lead_update.title = "Website redesign + hosting"
                q.lead_update.main_phone = "+1 555 0100"
            r = c.call(update)
            expect(r.code == pb.OK, "lead_update OK")
            updated = r.lead.lead
            expect(updated.version > lead.version, "version grew")
            expect(updated.contacts[0].phone == "+1 555 0100", "main contact phone set")

            r = c.call(update)  # same expected_version again: now stale
            expect(r.code == pb.ABORTED and r.message, "stale expected_version is ABORTED")

            r = c.call(lambda q: setattr(q.lead_get, "id", lead.id))
            expect(r.lead.lead == updated, "lead_get returns what lead_update returned")

            # Pipelining: update then get without waiting; answers in order.
            def update2(q):
                q.lead_update.id = lead.id
                q.lead_update.expected_version = updated.version
                q.lead_update.source = "trade fair"
            a = c.send(update2)
            b = c.send(lambda q: setattr(q.lead_get, "id", lead.id))
            ra, rb = c.recv().response, c.recv().response
            expect(ra.id == a and rb.id == b, "pipelined answers come in request order")
            expect(rb.lead.lead.source == "trade fair", "the get sees the update before it")

            r = c.call(lambda q: setattr(q.lead_list, "limit", 10))
            expect(len(r.lead_list.leads) == 1 and not r.lead_list.HasField("cursor"),
                   "lead_list shows the lead and no cursor")

            r = c.call(lambda q: setattr(q.lead_get, "id", 999999))
            expect(r.code == pb.NOT_FOUND, "missing lead is NOT_FOUND")

            r = c.call(lambda q: None)
            expect(r.code == pb.UNIMPLEMENTED, "empty request body is UNIMPLEMENTED")
        finally:
            proc.terminate()
            rc = proc.wait(timeout=15)
        expect(rc == 0, "leadd stopped cleanly on SIGTERM")
        v = subprocess.run([leadd, "verify", "--data-dir", os.path.join(tmp, "data")])
        expect(v.returncode == 0, "leadd verify passes")


if __name__ == "__main__":
    main()
