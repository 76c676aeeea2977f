"""Seed a fresh moto server for tfwrap's tests, then switch request auth on.

Usage: python3 moto_bootstrap.py http://127.0.0.1:PORT

Prints one JSON line to stdout:
    {"admin": {"accessKeyId": ..., "secretAccessKey": ...}, "nopolicy": {...}}

Must run while auth is off (a fresh server, or after reset-auth `inf` + reset).
moto files resources under the account that owns the calling key, so to create
things in account N we first AssumeRole into any ARN of N (allowed: auth is off).

Seeded:
  123456789012  user admin (key, allow-all policy), user nopolicy (key, no policy)
  every account in ACCOUNTS: roles TerraformDeployRole, Hop1, Hop2 (allow-all)
                and Limited (sts:* and s3:* only); all trust any AWS principal
  999999999999  role Untrusted (trust names a principal nobody has): same-account
                AssumeRole into it is denied, since moto only checks trust there
                bucket tfstate-bucket, DynamoDB table tflock (hash key LockID)
  111122223333  role irsa (also trusts web identity / SAML federation)
  777777777777  role ecs-task
  888888888888  role instance
"""

import json
import sys
import urllib.request

import boto3
from botocore.config import Config

ADMIN_ACCOUNT = "123456789012"
STATE_ACCOUNT = "999999999999"
ACCOUNTS = ["999999999999", "888888888888", "777777777777", "111122223333"]
REGION = "us-east-1"

ALLOW_ALL = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
STS_S3_ONLY = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": ["sts:*", "s3:*"], "Resource": "*"}],
}
TRUST_ANY = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"AWS": "*"},
            "Action": ["sts:AssumeRole", "sts:TagSession", "sts:SetSourceIdentity"],
        },
        {
            "Effect": "Allow",
            "Principal": {"Federated": "*"},
            "Action": ["sts:AssumeRoleWithWebIdentity", "sts:AssumeRoleWithSAML"],
        },
    ],
}
TRUST_NOBODY = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"AWS": "arn:aws:iam::999999999999:user/nobody"},
            "Action": "sts:AssumeRole",
        }
    ],
}

# role name -> (role policy or None, trust policy); the default set goes into every account
DEFAULT_ROLES = {
    "TerraformDeployRole": (ALLOW_ALL, TRUST_ANY),
    "Hop1": (ALLOW_ALL, TRUST_ANY),
    "Hop2": (ALLOW_ALL, TRUST_ANY),
    "Limited": (STS_S3_ONLY, TRUST_ANY),
}
EXTRA_ROLES = {
    "999999999999": {"Untrusted": (ALLOW_ALL, TRUST_NOBODY)},
    "111122223333": {"irsa": (ALLOW_ALL, TRUST_ANY)},
    "777777777777": {"ecs-task": (ALLOW_ALL, TRUST_ANY)},
    "888888888888": {"instance": (ALLOW_ALL, TRUST_ANY)},
}

# No retries: a failure here is a harness bug and should surface at once.
CONFIG = Config(retries={"max_attempts": 1, "mode": "standard"})


# One session for all clients: it caches the service models (~40 ms per client otherwise).
SESSION = boto3.session.Session()


def client(endpoint: str, service: str, key: str, secret: str, token: str | None = None):  # type: ignore[no-untyped-def]
    return SESSION.client(
        service,
        endpoint_url=endpoint,
        region_name=REGION,
        aws_access_key_id=key,
        aws_secret_access_key=secret,
        aws_session_token=token,
        config=CONFIG,
    )


def create_user(iam, name: str, policy: dict | None) -> dict:  # type: ignore[no-untyped-def,type-arg]
    iam.create_user(UserName=name)
    if policy is not None:
        iam.put_user_policy(UserName=name, PolicyName="allow-all", PolicyDocument=json.dumps(policy))
    key = iam.create_access_key(UserName=name)["AccessKey"]
    return {"accessKeyId": key["AccessKeyId"], "secretAccessKey": key["SecretAccessKey"]}


def main() -> None:
    endpoint = sys.argv[1].rstrip("/")
    # Any key works while auth is off; unknown keys map to the default account.
    iam = client(endpoint, "iam", "AKIABOOTSTRAPEXAMPLE", "bootstrap")
    admin = create_user(iam, "admin", ALLOW_ALL)
    nopolicy = create_user(iam, "nopolicy", None)

    sts = client(endpoint, "sts", admin["accessKeyId"], admin["secretAccessKey"])
    for account in ACCOUNTS:
        creds = sts.assume_role(RoleArn=f"arn:aws:iam::{account}:role/bootstrap", RoleSessionName="bootstrap")[
            "Credentials"
        ]
        as_account = (creds["AccessKeyId"], creds["SecretAccessKey"], creds["SessionToken"])
        iam_n = client(endpoint, "iam", *as_account)
        for name, (policy, trust) in {**DEFAULT_ROLES, **EXTRA_ROLES.get(account, {})}.items():
            iam_n.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(trust))
            iam_n.put_role_policy(RoleName=name, PolicyName="policy", PolicyDocument=json.dumps(policy))
        if account == STATE_ACCOUNT:
            client(endpoint, "s3", *as_account).create_bucket(Bucket="tfstate-bucket")
            client(endpoint, "dynamodb", *as_account).create_table(
                TableName="tflock",
                KeySchema=[{"AttributeName": "LockID", "KeyType": "HASH"}],
                AttributeDefinitions=[{"AttributeName": "LockID", "AttributeType": "S"}],
                BillingMode="PAY_PER_REQUEST",
            )

    # Auth on: every request from now on is signature- and policy-checked.
    request = urllib.request.Request(
        f"{endpoint}/moto-api/reset-auth", data=b"0", method="POST", headers={"Content-Type": "text/plain"}
    )
    with urllib.request.urlopen(request) as response:
        if response.status != 200:
            raise SystemExit(f"reset-auth failed: HTTP {response.status}")

    print(json.dumps({"admin": admin, "nopolicy": nopolicy}), flush=True)


if __name__ == "__main__":
    main()
