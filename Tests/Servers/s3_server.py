"""The test S3 server that deploy/lib.sh's start_delivery_servers runs: moto in server mode, with moto's request
authentication on, so a request signed with a wrong secret is refused (403) as real S3 would.

Setup runs before authentication is switched on: an IAM user `herald` with an allow-all policy and an access key,
then (through moto's API, the INITIAL_NO_AUTH_ACTION_COUNT setting set to 0) every later request must be signed by a
known key; the bucket is made with the new key, which proves it works. The key pair is written to CREDENTIALS_FILE
(mode 600, shell `KEY=value` lines), read back by start_delivery_servers.

Usage: s3_server.py PORT BUCKET REGION CREDENTIALS_FILE READY_FILE
"""
import json
import os
import sys
import urllib.request

import boto3
from serving import ready_then_wait
from moto.server import ThreadedMotoServer

ALLOW_ALL = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}


def main():
    port, bucket, region, credentials_file, ready_file = sys.argv[1:6]
    endpoint = f"http://127.0.0.1:{port}"
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=int(port), verbose=False)
    server.start()
    setup = {"endpoint_url": endpoint, "region_name": region,
             "aws_access_key_id": "setup", "aws_secret_access_key": "setup"}
    iam = boto3.client("iam", **setup)
    iam.create_user(UserName="herald")
    iam.put_user_policy(UserName="herald", PolicyName="allow-all", PolicyDocument=json.dumps(ALLOW_ALL))
    key = iam.create_access_key(UserName="herald")["AccessKey"]
    # text/plain: a form content type would hide the body from moto.
    urllib.request.urlopen(urllib.request.Request(f"{endpoint}/moto-api/reset-auth", data=b"0", method="POST",
                                                  headers={"Content-Type": "text/plain"}))
    s3 = boto3.client("s3", endpoint_url=endpoint, region_name=region, aws_access_key_id=key["AccessKeyId"],
                      aws_secret_access_key=key["SecretAccessKey"])
    s3.create_bucket(Bucket=bucket)
    fd = os.open(credentials_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(f"HERALD_TEST_S3_ACCESS_KEY={key['AccessKeyId']}\nHERALD_TEST_S3_SECRET_KEY={key['SecretAccessKey']}\n")
    ready_then_wait(ready_file)
    server.stop()


if __name__ == "__main__":
    main()
