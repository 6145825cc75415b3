"""Schemathesis hooks for deploy/local/api-contract: every generated request is authenticated the way a real
client does it, so that the contract run reaches the routes instead of stopping at 401.

- user routes: signed with the API client of a test user (X-Paystream-App-Id, -Timestamp, -Nonce, -Signature:
  HMAC-SHA256 over method, path, sorted query, SHA-256 of the body, timestamp and nonce; docs/api.md);
- merchant routes (collect codes, collections): signed with the merchant's client and its session;
- back-office routes (/v1/admin/...) and operators reading any record: the operator's session;
- public routes (notifies, the payer's pages, login, health, the document): nothing.
The signature is computed on the final prepared request (requests' auth hook), over the exact bytes sent.
Credentials come from the environment that deploy/local/api-contract sets.
"""

import base64
import hashlib
import hmac
import os
import secrets
import time
from urllib.parse import urlsplit

import requests
import schemathesis

PUBLIC_PREFIXES = ("/notify/", "/healthz", "/openapi.json", "/v1/collect/", "/v1/auth/login")
MERCHANT_ROUTES = {("POST", "/v1/collect-codes"), ("POST", "/v1/collections")}


def canonical(method, path, query, body, timestamp, nonce):
    pairs = sorted(p for p in (query or "").split("&") if p)
    digest = hashlib.sha256(body).hexdigest()
    return "\n".join([method.upper(), path, "&".join(pairs), digest, timestamp, nonce])


class PaystreamAuth(requests.auth.AuthBase):
    def __init__(self, app_id=None, secret=None, bearer=None):
        self.app_id, self.secret, self.bearer = app_id, secret, bearer

    def __call__(self, request):
        for name in ("X-Paystream-App-Id", "X-Paystream-Timestamp", "X-Paystream-Nonce", "X-Paystream-Signature", "Authorization"):
            request.headers.pop(name, None)
        if self.app_id:
            url = urlsplit(request.url)
            body = request.body or b""
            if isinstance(body, str):
                body = body.encode("utf-8")
            timestamp, nonce = str(int(time.time())), secrets.token_hex(16)
            text = canonical(request.method, url.path, url.query, body, timestamp, nonce)
            signature = base64.b64encode(hmac.new(self.secret, text.encode("utf-8"), hashlib.sha256).digest()).decode()
            request.headers.update({
                "X-Paystream-App-Id": self.app_id, "X-Paystream-Timestamp": timestamp,
                "X-Paystream-Nonce": nonce, "X-Paystream-Signature": signature,
            })
        if self.bearer:
            request.headers["Authorization"] = "Bearer " + self.bearer
        return request


def credentials():
    env = os.environ
    return {
        "user": PaystreamAuth(env["PAYSTREAM_ST_USER_APP"], base64.b64decode(env["PAYSTREAM_ST_USER_SECRET"])),
        "merchant": PaystreamAuth(
            env["PAYSTREAM_ST_MERCHANT_APP"], base64.b64decode(env["PAYSTREAM_ST_MERCHANT_SECRET"]), env["PAYSTREAM_ST_MERCHANT_SESSION"]),
        "admin": PaystreamAuth(bearer=env["PAYSTREAM_ST_ADMIN_SESSION"]),
    }


AUTH = credentials()


@schemathesis.hook
def before_call(context, case, kwargs):
    """Authenticates as the operation's security scheme asks, for the schemes the generated case carries: a
    case that left a scheme out (schemathesis's negative cases) is sent without it and must be refused."""
    method, path = case.operation.method.upper(), case.operation.path
    if path.startswith(PUBLIC_PREFIXES):
        return
    headers = {name.lower() for name in (case.headers or {})}
    signed = "x-paystream-signature" in headers
    session = "authorization" in headers
    merchant = (method, path) in MERCHANT_ROUTES
    if merchant:
        account = AUTH["merchant"]
        kwargs["auth"] = PaystreamAuth(account.app_id if signed else None, account.secret, account.bearer if session else None)
    elif signed:
        kwargs["auth"] = AUTH["user"]
    elif session:
        kwargs["auth"] = AUTH["admin"]
    else:
        kwargs["auth"] = PaystreamAuth()  # strips whatever the case carried: no identity at all
