"""Start moto's server on 127.0.0.1 with two bugs patched in memory.

Usage: python3 moto_launcher.py [--port N] [--verbose]

Once listening it prints one line to stdout:
    MOTO_LISTENING {"port": 12345, "pid": 678, "python": "/path/to/python3"}
(`python` is the real interpreter, so callers can skip the pyenv shim next time.)

Patches, applied before any request (nothing in site-packages changes):
  (a) S3 SigV4: moto rebuilds the canonical request from the *decoded* URL, so a
      path or query containing ':' or '/' (terraform lists `prefix=env:/`) never
      matches the client's signature. We re-encode it the way S3 clients sign.
  (b) STS: AssumeRoleWithWebIdentity / AssumeRoleWithSAML are unsigned by design,
      but with auth on moto reads the missing Authorization header and answers 500.
      We let those two actions through when the request carries no signature.
"""

import argparse
import json
import logging
import os
import signal
import sys
from urllib.parse import quote, unquote

UNSIGNED_STS_ACTIONS = {"AssumeRoleWithWebIdentity", "AssumeRoleWithSAML"}


def _s3_canonical(path_and_query: str) -> str:
    path, sep, query = path_and_query.partition("?")
    path = quote(unquote(path), safe="/~")
    if not sep:
        return path
    parts = []
    for pair in query.split("&"):
        key, eq, value = pair.partition("=")
        key = quote(unquote(key), safe="-_.~")
        parts.append(key + eq + quote(unquote(value), safe="-_.~") if eq else key)
    return path + "?" + "&".join(parts)


def apply_patches() -> None:
    from moto.core.authorization import ActionAuthenticatorMixin
    from moto.iam.access_control import S3IAMRequest

    original_create = S3IAMRequest._create_aws_request

    def create_aws_request(self):  # type: ignore[no-untyped-def]
        self._path = _s3_canonical(self._path)
        return original_create(self)

    S3IAMRequest._create_aws_request = create_aws_request

    original_auth = ActionAuthenticatorMixin._authenticate_and_authorize_action

    def authenticate(self, iam_request_cls, resource="*"):  # type: ignore[no-untyped-def]
        if "Authorization" not in self.headers:
            try:
                action = self._get_action()
            except Exception:  # not a query-style request: leave it to moto
                action = None
            if action in UNSIGNED_STS_ACTIONS:
                return None
        return original_auth(self, iam_request_cls, resource)

    ActionAuthenticatorMixin._authenticate_and_authorize_action = authenticate


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=0, help="0 = any free port")
    parser.add_argument("--verbose", action="store_true", help="log every request")
    args = parser.parse_args()

    apply_patches()

    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
    from werkzeug.serving import make_server

    if not args.verbose:
        # werkzeug logs one stderr line per request; nobody reads them.
        logging.getLogger("werkzeug").setLevel(logging.WARNING)

    app = DomainDispatcherApplication(create_backend_app)
    server = make_server("127.0.0.1", args.port, app, threaded=True)
    port = server.socket.getsockname()[1]
    # moto builds some URLs (queue URLs, lambda env) from MOTO_PORT.
    os.environ["MOTO_PORT"] = str(port)

    def stop(_signum, _frame):  # type: ignore[no-untyped-def]
        sys.exit(0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)

    info = {"port": port, "pid": os.getpid(), "python": sys.executable}
    print("MOTO_LISTENING " + json.dumps(info), flush=True)
    try:
        server.serve_forever()
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
