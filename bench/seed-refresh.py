#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""The seed's Python example ("Getting a Refresh Token", ProcessMaker docs),
with its placeholders read from the environment so the benchmark can run it:
BENCH_TOKEN_URL, BENCH_REFRESH_TOKEN, BENCH_CLIENT_ID, BENCH_CLIENT_SECRET.

It prints the reply's new refresh token on standard output (the seed prints
the access token; the benchmark needs the refresh token for the next run).
"""
import os

import requests

# Define the token endpoint
token_url = os.environ["BENCH_TOKEN_URL"]

# Define the payload
payload = {
    "grant_type": "refresh_token",
    "refresh_token": os.environ["BENCH_REFRESH_TOKEN"],
    "client_id": os.environ["BENCH_CLIENT_ID"],
    "client_secret": os.environ["BENCH_CLIENT_SECRET"],
}

# Make the POST request
response = requests.post(token_url, data=payload)
token_info = response.json()

print(token_info["refresh_token"])
