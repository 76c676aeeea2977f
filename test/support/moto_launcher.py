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
  (c) STS GetSessionToken: stock moto answers with the same fixed example keys for
      everyone, which moto itself then refuses once auth is on. We issue a real session
      per call instead (ASIA key, secret, token) that acts as the calling IAM user: its
      policies, its ARN in GetCallerIdentity, and a wrong or missing token is refused.
      As in AWS, GetSessionToken needs a valid signature but no IAM permission.
      MFA codes are still not checked (tests inject that failure at the STS proxy).
"""

import argparse
import json
import logging
import os
import signal
import sys
from urllib.parse import quote, unquote

UNSIGNED_STS_ACTIONS = {"AssumeRoleWithWebIdentity", "AssumeRoleWithSAML"}
# AWS needs no IAM permission for these; moto asks for one (patch c).
PERMISSION_FREE_STS_ACTIONS = {"GetSessionToken"}


def _signature_only(iam_request_cls):  # type: ignore[no-untyped-def]
    class SignatureOnly(iam_request_cls):  # type: ignore[misc, valid-type]
        def check_action_permitted(self, resource):  # type: ignore[no-untyped-def]
            return None

    return SignatureOnly


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


# access key id -> the session GetSessionToken issued for an IAM user (patch c).
USER_SESSIONS: dict = {}


def _random(alphabet: str, n: int) -> str:
    import secrets

    return "".join(secrets.choice(alphabet) for _ in range(n))


def apply_user_session_patches() -> None:
    import datetime

    import moto.iam.access_control as access_control
    import moto.iam.models as iam_models
    from moto.core.responses import ActionResult
    from moto.core.utils import utcnow
    from moto.sts.models import STSBackend
    from moto.sts.responses import TokenResponse
    from moto.utilities.utils import get_partition
    from botocore.credentials import Credentials

    class SessionUserAccessKey(access_control.IAMUserAccessKey):
        def __init__(self, account_id, partition, access_key_id, headers):  # type: ignore[no-untyped-def]
            session = USER_SESSIONS[access_key_id]
            self.account_id = session["account"]
            self.partition = partition
            self._owner_user_name = session["user"]
            self._access_key_id = access_key_id
            self._secret_access_key = session["secret"]
            self._session_token = session["token"]
            if headers.get("X-Amz-Security-Token") != session["token"]:
                raise access_control.CreateAccessKeyFailure(reason="InvalidToken")

        def create_credentials(self):  # type: ignore[no-untyped-def]
            return Credentials(self._access_key_id, self._secret_access_key, self._session_token)

    original_create_key = access_control.create_access_key

    def create_access_key(account_id, partition, access_key_id, headers):  # type: ignore[no-untyped-def]
        if access_key_id in USER_SESSIONS:
            return SessionUserAccessKey(account_id, partition, access_key_id, headers)
        return original_create_key(account_id=account_id, partition=partition, access_key_id=access_key_id, headers=headers)

    access_control.create_access_key = create_access_key

    original_account_of = iam_models.get_account_id_from

    def get_account_id_from(access_key):  # type: ignore[no-untyped-def]
        session = USER_SESSIONS.get(access_key)
        return session["account"] if session else original_account_of(access_key)

    iam_models.get_account_id_from = get_account_id_from

    original_session_token = TokenResponse.get_session_token

    def get_session_token(self):  # type: ignore[no-untyped-def]
        caller = self.get_access_key()
        owner = None
        for account_id, account in list(iam_models.iam_backends.items()):
            backend = account[get_partition(self.region)]
            for user in list(backend.users.values()):
                if any(key.access_key_id == caller for key in user.access_keys):
                    owner = (account_id, user.name)
        if owner is None:  # not an IAM user's key: keep moto's answer
            return original_session_token(self)
        duration = self._get_int_param("DurationSeconds", 43200)
        key_id = "ASIA" + _random("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", 16)
        secret = _random("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/", 40)
        token = "FwoGZXIvYXdzE" + _random("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789", 120)
        USER_SESSIONS[key_id] = {"account": owner[0], "user": owner[1], "secret": secret, "token": token}
        expiration = utcnow() + datetime.timedelta(seconds=duration)
        return ActionResult({"Credentials": {"AccessKeyId": key_id, "SecretAccessKey": secret, "SessionToken": token, "Expiration": expiration}})

    TokenResponse.get_session_token = get_session_token

    original_caller_identity = STSBackend.get_caller_identity

    def get_caller_identity(self, access_key_id, region):  # type: ignore[no-untyped-def]
        session = USER_SESSIONS.get(access_key_id)
        if session:
            user = iam_models.iam_backends[session["account"]][get_partition(region)].get_user(session["user"])
            return user.id, user.arn, user.account_id
        return original_caller_identity(self, access_key_id, region)

    STSBackend.get_caller_identity = get_caller_identity


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
        authorization = self.headers.get("Authorization")
        if authorization is None or "/sts/aws4_request" in authorization:
            try:
                action = self._get_action()
            except Exception:  # not a query-style request: leave it to moto
                action = None
            if authorization is None and action in UNSIGNED_STS_ACTIONS:
                return None
            if authorization is not None and action in PERMISSION_FREE_STS_ACTIONS:
                return original_auth(self, _signature_only(iam_request_cls), resource)
        return original_auth(self, iam_request_cls, resource)

    ActionAuthenticatorMixin._authenticate_and_authorize_action = authenticate
    apply_user_session_patches()


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
