#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""A local token endpoint that rotates refresh tokens like ProcessMaker.

Laravel Passport (league/oauth2-server 8.5), as docs and HARNESS.md describe
it: POST /oauth/token with grant_type=refresh_token, the client in the body
(or HTTP Basic); every refresh answers a new access token *and* a new
refresh token, and the refresh token just used dies (401 invalid_request
"The refresh token is invalid."). Several independent chains can live side
by side, one per contestant of the benchmark.

    POST /oauth/token    the token endpoint (form or JSON body)
    POST /bench/seed     starts a chain: {"refresh_token": "..."}
    GET  /bench/stats    {"requests": N, "refreshed": N, "refused": N}

Listens on 127.0.0.1 only, on a free port that it prints (one line) on
standard output, and stops by itself after --max-seconds (default 900).
Standard library only.
"""
import argparse
import base64
import http.server
import json
import os
import secrets
import sys
import threading
import time
import urllib.parse

EXPIRES_IN = 31536000  # Passport's default: one year


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def access_token(client_id):
    """A JWT-shaped token of Passport's size (the signature is junk)."""
    now = time.time()
    header = b64url(json.dumps({"typ": "JWT", "alg": "RS256"}).encode())
    payload = b64url(json.dumps({
        "aud": client_id, "jti": secrets.token_hex(40),
        "iat": now, "nbf": now, "exp": now + EXPIRES_IN,
        "sub": "1", "scopes": [],
    }).encode())
    return f"{header}.{payload}.{b64url(secrets.token_bytes(256))}"


def refresh_token():
    """Passport's refresh tokens are long encrypted blobs."""
    return "def50200" + secrets.token_hex(300)


class State:
    def __init__(self, client_id, client_secret):
        self.client_id = client_id
        self.client_secret = client_secret
        self.valid = set()      # the live refresh token of each chain
        self.revoked = set()
        self.requests = 0
        self.refreshed = 0
        self.refused = 0
        self.lock = threading.Lock()


class Handler(http.server.BaseHTTPRequestHandler):
    server_version = "bench-token-server"
    sys_version = ""

    def log_message(self, fmt, *args):  # quiet
        pass

    def reply(self, status, obj):
        body = json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=UTF-8")
        self.send_header("Cache-Control", "no-store")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def error(self, status, error, description, hint=None):
        obj = {"error": error, "error_description": description, "message": description}
        if hint:
            obj["hint"] = hint
        self.reply(status, obj)

    def params(self):
        length = int(self.headers.get("Content-Length") or 0)
        data = self.rfile.read(length) if length > 0 else b""
        ctype = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        if ctype.endswith("/json") or ctype.endswith("+json"):
            try:
                obj = json.loads(data or b"{}")
            except ValueError:
                return {}
            return {k: str(v) for k, v in obj.items()} if isinstance(obj, dict) else {}
        if ctype == "application/x-www-form-urlencoded":
            return {k: v[0] for k, v in urllib.parse.parse_qs(data.decode(), keep_blank_values=True).items()}
        return {}

    def do_GET(self):
        state = self.server.state
        if self.path == "/bench/stats":
            with state.lock:
                self.reply(200, {"requests": state.requests, "refreshed": state.refreshed,
                                 "refused": state.refused})
            return
        self.reply(404, {"message": "Not Found"})

    def do_POST(self):
        state = self.server.state
        if self.path == "/bench/seed":
            token = refresh_token()
            with state.lock:
                state.valid.add(token)
            self.reply(200, {"refresh_token": token})
            return
        if self.path != "/oauth/token":
            self.reply(404, {"message": "Not Found"})
            return

        params = self.params()
        with state.lock:
            state.requests += 1

        client_id = params.get("client_id")
        client_secret = params.get("client_secret")
        auth = self.headers.get("Authorization") or ""
        if auth.startswith("Basic ") and client_id is None:
            try:
                user, _, password = base64.b64decode(auth[6:]).decode().partition(":")
                client_id, client_secret = user, password
            except ValueError:
                pass

        if params.get("grant_type") != "refresh_token":
            self.error(400, "unsupported_grant_type",
                       "The authorization grant type is not supported by the authorization server.")
            return
        if client_id != state.client_id or client_secret != state.client_secret:
            self.error(401, "invalid_client", "Client authentication failed")
            return

        old = params.get("refresh_token")
        if not old:
            self.error(400, "invalid_request", "The request is missing a required parameter.",
                       "Check the `refresh_token` parameter")
            return

        with state.lock:
            if old not in state.valid:
                state.refused += 1
                hint = "Token has been revoked" if old in state.revoked else "Cannot decrypt the refresh token"
                new = None
            else:
                # Rotate: the old refresh token (and its access token) die.
                state.valid.discard(old)
                state.revoked.add(old)
                new = refresh_token()
                state.valid.add(new)
                state.refreshed += 1
        if new is None:
            self.error(401, "invalid_request", "The refresh token is invalid.", hint)
            return

        self.reply(200, {"token_type": "Bearer", "expires_in": EXPIRES_IN,
                         "access_token": access_token(state.client_id), "refresh_token": new})


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--client-id", default="3")
    parser.add_argument("--client-secret", default="bench-client-secret")
    parser.add_argument("--max-seconds", type=int, default=900)
    args = parser.parse_args()

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    server.state = State(args.client_id, args.client_secret)

    # Stops by itself, whatever happens to the script that started it.
    timer = threading.Timer(args.max_seconds, lambda: os._exit(0))
    timer.daemon = True
    timer.start()

    print(server.server_address[1], flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
