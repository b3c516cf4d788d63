#!/usr/bin/env python3
"""Checks the OSS stand-in against the real oss2 client: what oss2 itself signs is
accepted, a wrong secret or a tampered presigned PUT is refused. So the stand-in's
verification agrees with oss2 from both sides, not only with Galley's signer.

Usage: oss2_client_check.py --endpoint http://127.0.0.1:N --bucket B --access-key-id ID --access-key-secret S
Prints one line per check; exits 1 on the first failure.
"""

import argparse
import sys

import oss2
import requests


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--endpoint", required=True)
    parser.add_argument("--bucket", required=True)
    parser.add_argument("--access-key-id", required=True)
    parser.add_argument("--access-key-secret", required=True)
    args = parser.parse_args()
    bucket = oss2.Bucket(oss2.Auth(args.access_key_id, args.access_key_secret), args.endpoint, args.bucket)

    def check(name, condition):
        print(("ok " if condition else "FAIL ") + name)
        if not condition:
            sys.exit(1)

    # The original's upload: put_object with the ACL header and the content type.
    bucket.put_object("uploads/1/oss2.jpg", b"oss2-body",
                      headers={"x-oss-object-acl": "public-read", "Content-Type": "image/jpeg"})
    check("oss2 put_object accepted", True)
    check("oss2 get_object returns the body", bucket.get_object("uploads/1/oss2.jpg").read() == b"oss2-body")
    check("oss2 get_object_acl is public-read", bucket.get_object_acl("uploads/1/oss2.jpg").acl == "public-read")
    check("oss2 object_exists on a missing key is False", not bucket.object_exists("uploads/1/none.jpg"))

    headers = {"Content-Type": "image/png", "x-oss-object-acl": "public-read"}
    for slash_safe in (False, True):
        url = bucket.sign_url("PUT", "uploads/1/signed.png", 60, headers=headers, slash_safe=slash_safe)
        answer = requests.put(url, data=b"png", headers=headers)
        check("oss2 sign_url PUT (slash_safe=%s) accepted" % slash_safe, answer.status_code == 200)
        tampered = dict(headers, **{"x-oss-object-acl": "public-read-write"})
        answer = requests.put(url, data=b"png", headers=tampered)
        check("tampered ACL refused", answer.status_code == 403 and "SignatureDoesNotMatch" in answer.text)

    wrong = oss2.Bucket(oss2.Auth(args.access_key_id, args.access_key_secret + "x"), args.endpoint, args.bucket)
    try:
        wrong.put_object("uploads/1/wrong.jpg", b"x")
        check("wrong secret refused", False)
    except oss2.exceptions.OssError as error:
        check("wrong secret refused", error.status == 403 and error.code == "SignatureDoesNotMatch")


if __name__ == "__main__":
    main()
