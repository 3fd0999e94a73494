#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""A small OAuth 2.0 token endpoint that behaves like ProcessMaker's (Laravel
Passport): POST /oauth/token, form or JSON bodies, client credentials in the
body or as HTTP Basic, a JWT access token, and a refresh token that rotates
on every use (the old one is revoked: reusing it answers 401 invalid_request
"The refresh token is invalid.", as league/oauth2-server 8 does).

Listens on 127.0.0.1 (port 0 = any free port) and prints the port, then a
newline, on stdout once it accepts connections.

    token-server.py [--port N] [--client-id ID] [--client-secret SECRET]
                    [--refresh-token TOKEN] [--expires-in SECONDS]
"""
import argparse
import base64
import hashlib
import hmac
import http.server
import json
import secrets
import sys
import time
import urllib.parse


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def make_jwt(sub, client_id, scope, lifetime):
    now = int(time.time())
    header = {"typ": "JWT", "alg": "HS256"}
    payload = {"aud": client_id, "jti": secrets.token_hex(8), "iat": now, "nbf": now,
               "exp": now + lifetime, "sub": sub, "scopes": scope.split() if scope else []}
    signing_input = b64url(json.dumps(header).encode()) + "." + b64url(json.dumps(payload).encode())
    signature = hmac.new(b"not-a-real-key", signing_input.encode(), hashlib.sha256).digest()
    return signing_input + "." + b64url(signature)


class State:
    def __init__(self, args):
        self.client_id = args.client_id
        self.client_secret = args.client_secret
        self.expires_in = args.expires_in
        self.live = {args.refresh_token}
        self.requests = 0


def make_handler(state):
    class Handler(http.server.BaseHTTPRequestHandler):
        def log_message(self, fmt, *args):
            sys.stderr.write("token-server: " + (fmt % args) + "\n")

        def answer(self, status, body):
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            self.wfile.write(data)

        def do_POST(self):
            state.requests += 1
            if self.path.split("?")[0] != "/oauth/token":
                self.answer(404, {"message": "Not Found"})
                return
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length).decode("utf-8", "replace")
            if (self.headers.get("Content-Type") or "").startswith("application/json"):
                params = json.loads(raw or "{}")
            else:
                params = {k: v[0] for k, v in urllib.parse.parse_qs(raw).items()}

            client_id = params.get("client_id")
            client_secret = params.get("client_secret")
            auth = self.headers.get("Authorization") or ""
            if auth.startswith("Basic "):
                user, _, password = base64.b64decode(auth[6:]).decode().partition(":")
                client_id = client_id or user
                client_secret = client_secret or password
            if client_id != state.client_id or client_secret != state.client_secret:
                self.answer(401, {"error": "invalid_client",
                                  "error_description": "Client authentication failed",
                                  "message": "Client authentication failed"})
                return

            grant = params.get("grant_type")
            scope = params.get("scope", "")
            if grant == "refresh_token":
                token = params.get("refresh_token")
                if token not in state.live:
                    self.answer(401, {"error": "invalid_request",
                                      "error_description": "The refresh token is invalid.",
                                      "hint": "Token has been revoked",
                                      "message": "The refresh token is invalid."})
                    return
                state.live.discard(token)
                new_refresh = "def50200" + secrets.token_hex(48)
                state.live.add(new_refresh)
                self.answer(200, {"token_type": "Bearer", "expires_in": state.expires_in,
                                  "access_token": make_jwt("1", client_id, scope, state.expires_in),
                                  "refresh_token": new_refresh})
            elif grant == "client_credentials":
                self.answer(200, {"token_type": "Bearer", "expires_in": state.expires_in,
                                  "access_token": make_jwt("", client_id, scope, state.expires_in)})
            else:
                self.answer(400, {"error": "unsupported_grant_type",
                                  "error_description": "The authorization grant type is not supported by the authorization server.",
                                  "error_uri": "https://www.rfc-editor.org/rfc/rfc6749#section-5.2"})

    return Handler


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--client-id", default="3")
    parser.add_argument("--client-secret", default="s3cret")
    parser.add_argument("--refresh-token", default="def50200initial")
    parser.add_argument("--expires-in", type=int, default=3600)
    args = parser.parse_args()

    server = http.server.HTTPServer(("127.0.0.1", args.port), make_handler(State(args)))
    print(server.server_address[1], flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
