#!/usr/bin/env python3
"""Captures COMMAND INFO and COMMAND DOCS from a real redis-server into Tern's command metadata.

Usage: python3 tools/capture-command-metadata.py [path/to/redis-server]

It starts the given redis-server (Debian's /usr/bin/redis-server 7.0 by default) on a free loopback port with
persistence off, asks it in RESP3 for every command's COMMAND INFO and COMMAND DOCS, and writes
src/Tern.Server/Commands/Metadata/commands.json. The file is generated: never edit it by hand; rerun this tool.
Tern serves only the entries of commands it implements.

The JSON keeps the RESP3 reply types so Tern can replay them byte for byte in RESP2 and RESP3:
a JSON string is a bulk string, a number an integer, a list an array, null a null, and
{"+": s} a status, {"%": [k, v, ...]} a map, {"~": [...]} a set, {",": s} a double, {"#": b} a boolean.
"""
import json, os, socket, subprocess, sys, tempfile, time

def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p

class Reader:
    def __init__(self, sock):
        self.sock, self.buf = sock, b""
    def _fill(self):
        chunk = self.sock.recv(1 << 20)
        if not chunk:
            raise EOFError("connection closed")
        self.buf += chunk
    def line(self):
        while b"\r\n" not in self.buf:
            self._fill()
        l, self.buf = self.buf.split(b"\r\n", 1)
        return l
    def exact(self, n):
        while len(self.buf) < n + 2:
            self._fill()
        d, self.buf = self.buf[:n], self.buf[n + 2:]
        return d
    def value(self):
        l = self.line()
        t, rest = chr(l[0]), l[1:].decode()
        if t == "$":
            n = int(rest)
            return None if n < 0 else self.exact(n).decode("utf-8")
        if t == "+":
            return {"+": rest}
        if t == "-":
            raise RuntimeError(rest)
        if t == ":":
            return int(rest)
        if t == "*":
            n = int(rest)
            return None if n < 0 else [self.value() for _ in range(n)]
        if t == "%":
            out = []
            for _ in range(int(rest)):
                out.append(self.value()); out.append(self.value())
            return {"%": out}
        if t == "~":
            return {"~": [self.value() for _ in range(int(rest))]}
        if t == "_":
            return None
        if t == ",":
            return {",": rest}
        if t == "#":
            return {"#": rest == "t"}
        raise RuntimeError("unexpected reply type " + t)

def command(sock, reader, *args):
    out = b"*%d\r\n" % len(args)
    for a in args:
        a = a.encode()
        out += b"$%d\r\n%s\r\n" % (len(a), a)
    sock.sendall(out)
    return reader.value()

def main():
    server = sys.argv[1] if len(sys.argv) > 1 else "/usr/bin/redis-server"
    port = free_port()
    tmp = tempfile.mkdtemp()
    proc = subprocess.Popen([server, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                             "--appendonly", "no", "--dir", tmp], stdout=subprocess.DEVNULL)
    try:
        for _ in range(100):
            try:
                sock = socket.create_connection(("127.0.0.1", port))
                break
            except OSError:
                time.sleep(0.1)
        else:
            raise RuntimeError("redis-server did not start")
        r = Reader(sock)
        hello = command(sock, r, "HELLO", "3")
        kv = hello["%"]
        version = kv[kv.index("version") + 1]
        infos = command(sock, r, "COMMAND", "INFO")
        docs = command(sock, r, "COMMAND", "DOCS")["%"]
        docmap = {docs[i]: docs[i + 1] for i in range(0, len(docs), 2)}
        commands = {}
        for info in infos:
            name = info[0]
            commands[name] = {"info": info, "docs": docmap.get(name)}
        root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
        out = os.path.join(root, "src", "Tern.Server", "Commands", "Metadata", "commands.json")
        with open(out, "w") as f:
            f.write('{"_generated": "by tools/capture-command-metadata.py from redis-server %s; do not edit",\n' % version)
            f.write(' "redis_version": %s,\n "commands": {\n' % json.dumps(version))
            names = sorted(commands)
            for i, n in enumerate(names):
                f.write("  %s: %s%s\n" % (json.dumps(n), json.dumps(commands[n], separators=(",", ":")),
                                          "," if i < len(names) - 1 else ""))
            f.write(" }\n}\n")
        print("wrote %d commands from redis-server %s to %s" % (len(names), version, out))
    finally:
        proc.terminate()
        proc.wait()

if __name__ == "__main__":
    main()
