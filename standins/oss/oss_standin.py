#!/usr/bin/env python3
"""A loopback stand-in for Aliyun OSS, enough of its REST protocol for Galley's tests.

Objects live in memory. Every request is authenticated the way OSS does it, and the
expected signature is computed by the `oss2` SDK's own V1 signing code (oss2.Auth),
never by code of ours, so a request Galley signs wrongly is refused exactly as OSS
would refuse it: 403 with OSS's XML error `SignatureDoesNotMatch`.

Supported: PUT / GET / HEAD object, GET object `?acl`; header signatures
(`Authorization: OSS <id>:<signature>` + `Date`) and presigned URLs (`OSSAccessKeyId`,
`Expires`, `Signature`); PostObject (a `multipart/form-data` POST to the bucket) with a
V1-signed policy whose conditions are enforced (`eq`, `starts-with`, `in`, `not-in`,
`{"field": value}`, `content-length-range`, expiration); `x-oss-object-acl` stored per
object, anonymous GET/HEAD of public-read objects.

oss2 has no PostObject code (it never builds a policy), so a policy's signature is
checked with the rule OSS documents for it: base64 of HMAC-SHA1(secret, policy as sent). Buckets are addressed virtual-hosted (`Host: <bucket>.<endpoint>`)
or path-style (`/<bucket>/<key>`, what oss2 sends to an IP or `localhost` endpoint).

Stand-in only (no OSS equivalent): `GET /_standin/health`, and `GET /_standin/objects`,
a JSON list of every stored object with its size, content type, ACL and MD5.

Usage: oss_standin.py --port N --bucket NAME --access-key-id ID --access-key-secret SECRET
"""

import argparse
import base64
import hashlib
import hmac
import json
import re
import signal
import sys
import threading
import time
import uuid
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, unquote, urlsplit

import oss2
from oss2 import http as oss2_http

# OSS refuses a header-signed request whose Date is further than this from its clock.
MAX_SKEW_SECONDS = 15 * 60
OBJECT_ACLS = {"private", "public-read", "public-read-write", "default"}
MAX_BODY = 64 * 1024 * 1024


class OSSError(Exception):
    def __init__(self, status, code, message, **extra):
        super().__init__(code)
        self.status = status
        self.code = code
        self.message = message
        self.extra = extra


class Store:
    """Objects by (bucket, key); one lock, the stand-in serves a few test requests."""

    def __init__(self, buckets):
        self.buckets = set(buckets)
        self.objects = {}
        self.lock = threading.Lock()

    def put(self, bucket, key, body, content_type, acl):
        record = {
            "body": body,
            "content_type": content_type,
            "acl": acl,
            "etag": '"%s"' % hashlib.md5(body).hexdigest().upper(),
            "last_modified": time.time(),
        }
        with self.lock:
            self.objects[(bucket, key)] = record
        return record

    def get(self, bucket, key):
        with self.lock:
            return self.objects.get((bucket, key))

    def listing(self):
        with self.lock:
            items = sorted(self.objects.items())
        return [
            {
                "bucket": bucket,
                "key": key,
                "size": len(record["body"]),
                "content_type": record["content_type"],
                "acl": record["acl"],
                "md5": hashlib.md5(record["body"]).hexdigest(),
            }
            for (bucket, key), record in items
        ]


class Verifier:
    """Checks a request's V1 signature with oss2's own signing code."""

    def __init__(self, access_key_id, access_key_secret):
        self.access_key_id = access_key_id
        self.access_key_secret = access_key_secret
        self.auth = oss2.Auth(access_key_id, access_key_secret)

    def expected(self, method, url, headers, params, bucket, key):
        """(signature, string to sign) as oss2.Auth computes them for this request."""
        request = oss2_http.Request(method, url, headers=headers, params=params)
        credentials = self.auth.credentials_provider.get_credentials()
        # oss2's V1 signer (ProviderAuth.__make_signature / __get_bytes_to_sign): the
        # same functions oss2 runs when it signs a request or a URL.
        signature = self.auth._ProviderAuth__make_signature(request, bucket, key, credentials)
        to_sign = self.auth._ProviderAuth__get_bytes_to_sign(request, bucket, key)
        return signature, to_sign.decode("utf-8", "replace")

    def check(self, method, url, headers, query, bucket, key):
        """Raises OSSError unless the request is signed; returns False for anonymous."""
        if "Signature" in query or "OSSAccessKeyId" in query:
            provided = query.get("Signature", "")
            if query.get("OSSAccessKeyId") != self.access_key_id:
                raise OSSError(403, "InvalidAccessKeyId", "The OSS Access Key Id you provided does not exist in our records.")
            expires = query.get("Expires", "")
            if not expires.isdigit():
                raise OSSError(403, "AccessDenied", "Expires is invalid.")
            if int(expires) < int(time.time()):
                raise OSSError(403, "AccessDenied", "Request has expired.", Expires=expires)
            signed_headers = oss2.CaseInsensitiveDict(headers)
            # A presigned URL puts its expiry where a header signature has the date.
            signed_headers.pop("x-oss-date", None)
            signed_headers["date"] = expires
        elif "Authorization" in headers:
            scheme, _, credential = headers["Authorization"].partition(" ")
            key_id, _, provided = credential.rpartition(":")
            if scheme != "OSS" or not key_id:
                raise OSSError(400, "InvalidArgument", "Authorization header is invalid.")
            if key_id != self.access_key_id:
                raise OSSError(403, "InvalidAccessKeyId", "The OSS Access Key Id you provided does not exist in our records.")
            date = headers.get("x-oss-date") or headers.get("Date")
            try:
                when = parsedate_to_datetime(date).timestamp()
            except (TypeError, ValueError):
                raise OSSError(403, "AccessDenied", "Invalid date format of header Date.")
            if abs(when - time.time()) > MAX_SKEW_SECONDS:
                raise OSSError(403, "RequestTimeTooSkewed", "The difference between the request time and the current time is too large.")
            signed_headers = oss2.CaseInsensitiveDict(headers)
        else:
            return False
        expected, to_sign = self.expected(method, url, signed_headers, query, bucket, key)
        if not hmac.compare_digest(expected.encode(), provided.encode()):
            raise OSSError(403, "SignatureDoesNotMatch",
                           "The request signature we calculated does not match the signature you provided.",
                           StringToSign=to_sign, SignatureProvided=provided, OSSAccessKeyId=self.access_key_id)
        return True


def parse_form(content_type, body):
    """(fields before the file, the file part) of a multipart/form-data body, as OSS
    reads it: fields after `file` are ignored. (None, None) when it does not parse."""
    match = re.search(r'boundary="?([^";]+)"?', content_type)
    if not content_type.lower().startswith("multipart/form-data") or not match:
        return {}, None
    delimiter = b"--" + match.group(1).encode()
    fields, file_part = {}, None
    for chunk in body.split(delimiter)[1:]:
        if chunk.startswith(b"--"):
            break
        head, separator, value = chunk[2:].partition(b"\r\n\r\n")
        if not separator:
            return {}, None
        if value.endswith(b"\r\n"):
            value = value[:-2]
        disposition, part_type = "", None
        for line in head.decode("utf-8", "replace").split("\r\n"):
            name, _, text = line.partition(":")
            if name.strip().lower() == "content-disposition":
                disposition = text
            elif name.strip().lower() == "content-type":
                part_type = text.strip()
        name = re.search(r'\bname="([^"]*)"', disposition)
        filename = re.search(r'\bfilename="([^"]*)"', disposition)
        if name is None:
            return {}, None
        if name.group(1).lower() == "file":
            file_part = {"data": value, "filename": filename.group(1) if filename else "", "content_type": part_type}
            break
        fields[name.group(1)] = value.decode("utf-8", "replace")
    return fields, file_part


def check_conditions(conditions, fields, size):
    """Raises OSSError unless every policy condition holds (field names case-insensitive)."""
    def failed(text):
        raise OSSError(403, "AccessDenied", "Invalid according to Policy: Policy Condition failed: " + text)

    for condition in conditions:
        if isinstance(condition, dict):
            for name, value in condition.items():
                if fields.get(name.lower()) != value:
                    failed('["eq", "$%s", "%s"]' % (name, value))
        elif isinstance(condition, list) and condition and condition[0] == "content-length-range":
            low, high = condition[1], condition[2]
            if size > high:
                raise OSSError(400, "EntityTooLarge", "Your proposed upload exceeds the maximum allowed size.")
            if size < low:
                raise OSSError(400, "EntityTooSmall", "Your proposed upload is smaller than the minimum allowed size.")
        elif isinstance(condition, list) and len(condition) == 3 and str(condition[1]).startswith("$"):
            mode, name, value = condition[0].lower(), condition[1][1:].lower(), condition[2]
            given = fields.get(name)
            holds = {
                "eq": given == value,
                "starts-with": given is not None and given.startswith(value),
                "in": given in (value if isinstance(value, list) else []),
                "not-in": given not in (value if isinstance(value, list) else []),
            }.get(mode)
            if holds is None:
                raise OSSError(400, "InvalidPolicyDocument", "Invalid Policy: Invalid Simple-Condition.")
            if not holds:
                failed(json.dumps(condition))
        else:
            raise OSSError(400, "InvalidPolicyDocument", "Invalid Policy: Invalid Simple-Condition.")


def error_xml(error, request_id, host):
    extra = "".join("  <%s>%s</%s>\n" % (k, escape(v), k) for k, v in error.extra.items())
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<Error>\n'
        "  <Code>%s</Code>\n  <Message>%s</Message>\n  <RequestId>%s</RequestId>\n  <HostId>%s</HostId>\n%s</Error>\n"
        % (error.code, escape(error.message), request_id, escape(host), extra)
    ).encode()


def escape(text):
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def make_handler(store, verifier):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "AliyunOSS"

        def log_message(self, fmt, *args):
            sys.stderr.write("oss-standin: " + (fmt % args) + "\n")

        def do_PUT(self):
            self.handle_request("PUT")

        def do_GET(self):
            self.handle_request("GET")

        def do_HEAD(self):
            self.handle_request("HEAD")

        def do_POST(self):
            self.handle_request("POST")

        def do_DELETE(self):
            self.handle_request("DELETE")

        def handle_request(self, method):
            request_id = uuid.uuid4().hex.upper()[:24]
            host = self.headers.get("Host", "")
            try:
                split = urlsplit(self.path)
                if split.path.startswith("/_standin/") and method == "GET":
                    return self.standin(split.path, request_id)
                body = self.read_body(method)
                query = dict(parse_qsl(split.query, keep_blank_values=True))
                bucket, key = self.locate(host, split.path)
                headers = oss2.CaseInsensitiveDict(dict(self.headers.items()))
                if method == "POST" and not key:
                    return self.post_object(bucket, headers, body, request_id)
                # The URL oss2 would have built; its V1 signer reads only method,
                # headers, params, bucket and key, never the URL itself.
                url = "http://%s%s" % (host, split.path)
                signed = verifier.check(method, url, headers, query, bucket, key)
                self.dispatch(method, bucket, key, query, headers, body, signed, request_id)
            except OSSError as error:
                payload = error_xml(error, request_id, host)
                # A HEAD answer has no body (its length is still announced), as OSS does.
                self.answer(error.status, payload, request_id, {"Content-Type": "application/xml"}, head=(method == "HEAD"))

        def read_body(self, method):
            length = self.headers.get("Content-Length")
            if length is None:
                if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
                    raise OSSError(411, "MissingContentLength", "You must provide the Content-Length HTTP header.")
                if method == "PUT":
                    raise OSSError(411, "MissingContentLength", "You must provide the Content-Length HTTP header.")
                return b""
            if not length.isdigit() or int(length) > MAX_BODY:
                raise OSSError(400, "InvalidArgument", "Content-Length is invalid or too large.")
            return self.rfile.read(int(length))

        def locate(self, host, path):
            """(bucket, key) from a virtual-hosted Host or a path-style path."""
            name = host.rsplit(":", 1)[0] if not host.endswith("]") else host
            label, dot, rest = name.partition(".")
            if dot and rest and label in store.buckets:
                bucket, key = label, path[1:]
            else:
                bucket, _, key = path[1:].partition("/")
            bucket, key = unquote(bucket), unquote(key)
            if bucket not in store.buckets:
                raise OSSError(404, "NoSuchBucket", "The specified bucket does not exist.", BucketName=bucket)
            return bucket, key

        def dispatch(self, method, bucket, key, query, headers, body, signed, request_id):
            if not key:
                raise OSSError(400, "InvalidArgument", "The stand-in serves objects only.")
            if method == "PUT" and not query.keys() - {"OSSAccessKeyId", "Expires", "Signature"}:
                if not signed:
                    raise OSSError(403, "AccessDenied", "You have no right to access this object because of bucket acl.")
                return self.put_object(bucket, key, headers, body, request_id)
            if method in ("GET", "HEAD") and "acl" in query:
                return self.get_acl(bucket, key, signed, request_id, method)
            if method in ("GET", "HEAD"):
                return self.get_object(bucket, key, signed, request_id, method)
            raise OSSError(405, "MethodNotAllowed", "The specified method is not allowed against this resource.")

        def put_object(self, bucket, key, headers, body, request_id):
            lower = {name.lower(): value for name, value in headers.items()}
            acl = lower.get("x-oss-object-acl", "default")
            if acl not in OBJECT_ACLS:
                raise OSSError(400, "InvalidArgument", "no such object access control exists", ArgumentName="x-oss-object-acl")
            md5 = lower.get("content-md5")
            if md5 is not None and md5 != base64.b64encode(hashlib.md5(body).digest()).decode():
                raise OSSError(400, "InvalidDigest", "The Content-MD5 you specified is not valid.")
            content_type = lower.get("content-type") or "application/octet-stream"
            record = store.put(bucket, key, body, content_type, acl)
            self.answer(200, b"", request_id, {"ETag": record["etag"]})

        def post_object(self, bucket, headers, body, request_id):
            """PostObject: the form's policy is checked, then its conditions, then stored."""
            fields, file_part = parse_form(headers.get("Content-Type", ""), body)
            if file_part is None:
                raise OSSError(400, "InvalidArgument", "The body of your POST request is not well-formed multipart/form-data.")
            lower = {name.lower(): value for name, value in fields.items()}
            policy_text = lower.get("policy")
            if policy_text is None or "ossaccesskeyid" not in lower:
                raise OSSError(403, "AccessDenied", "You have no right to access this object because of bucket acl.")
            if lower["ossaccesskeyid"] != verifier.access_key_id:
                raise OSSError(403, "InvalidAccessKeyId", "The OSS Access Key Id you provided does not exist in our records.")
            expected = base64.b64encode(hmac.new(verifier.access_key_secret.encode(), policy_text.encode(), hashlib.sha1).digest()).decode()
            if not hmac.compare_digest(expected.encode(), lower.get("signature", "").encode()):
                raise OSSError(403, "SignatureDoesNotMatch",
                               "The request signature we calculated does not match the signature you provided.",
                               StringToSign=policy_text, OSSAccessKeyId=verifier.access_key_id)
            try:
                policy = json.loads(base64.b64decode(policy_text, validate=True))
                expiration = datetime.strptime(policy["expiration"], "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=timezone.utc)
                conditions = policy["conditions"]
            except (ValueError, KeyError, TypeError):
                raise OSSError(400, "InvalidPolicyDocument", "Invalid Policy: Invalid JSON.")
            if expiration.timestamp() < time.time():
                raise OSSError(403, "AccessDenied", "Invalid according to Policy: Policy expired.")
            key = lower.get("key", "").replace("${filename}", file_part["filename"] or "")
            lower["bucket"] = bucket
            check_conditions(conditions, lower, len(file_part["data"]))
            acl = lower.get("x-oss-object-acl", "default")
            if acl not in OBJECT_ACLS:
                raise OSSError(400, "InvalidArgument", "no such object access control exists", ArgumentName="x-oss-object-acl")
            if not key:
                raise OSSError(400, "InvalidArgument", "key is not specified.")
            content_type = lower.get("content-type") or file_part["content_type"] or "application/octet-stream"
            record = store.put(bucket, key, file_part["data"], content_type, acl)
            status = lower.get("success_action_status", "204")
            self.answer(int(status) if status in ("200", "201", "204") else 204, b"", request_id, {"ETag": record["etag"]})

        def readable(self, bucket, key, signed):
            record = store.get(bucket, key)
            if record is None:
                raise OSSError(404, "NoSuchKey", "The specified key does not exist.", Key=key)
            if not signed and record["acl"] not in ("public-read", "public-read-write"):
                raise OSSError(403, "AccessDenied", "You have no right to access this object because of bucket acl.")
            return record

        def get_object(self, bucket, key, signed, request_id, method):
            record = self.readable(bucket, key, signed)
            headers = {
                "Content-Type": record["content_type"],
                "ETag": record["etag"],
                "Last-Modified": time.strftime("%a, %d %b %Y %H:%M:%S GMT", time.gmtime(record["last_modified"])),
            }
            self.answer(200, record["body"], request_id, headers, head=(method == "HEAD"))

        def get_acl(self, bucket, key, signed, request_id, method):
            if not signed:
                raise OSSError(403, "AccessDenied", "You have no right to access this object's ACL.")
            record = self.readable(bucket, key, True)
            payload = (
                '<?xml version="1.0" encoding="UTF-8"?>\n<AccessControlPolicy>\n'
                "  <Owner><ID>standin</ID><DisplayName>standin</DisplayName></Owner>\n"
                "  <AccessControlList><Grant>%s</Grant></AccessControlList>\n</AccessControlPolicy>\n" % record["acl"]
            ).encode()
            self.answer(200, payload, request_id, {"Content-Type": "application/xml"}, head=(method == "HEAD"))

        def standin(self, path, request_id):
            if path == "/_standin/health":
                payload = b'{"status":"ok"}'
            elif path == "/_standin/objects":
                payload = json.dumps(store.listing()).encode()
            else:
                raise OSSError(404, "NoSuchKey", "No such stand-in resource.")
            self.answer(200, payload, request_id, {"Content-Type": "application/json"})

        def answer(self, status, payload, request_id, headers, head=False):
            self.send_response(status)
            self.send_header("x-oss-request-id", request_id)
            self.send_header("Content-Length", str(len(payload)))
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()
            if not head:
                self.wfile.write(payload)

    return Handler


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--bucket", action="append", required=True)
    parser.add_argument("--access-key-id", required=True)
    parser.add_argument("--access-key-secret", required=True)
    args = parser.parse_args()
    # Children of the Swift test runner inherit a mask that blocks SIGTERM: unblock it.
    signal.pthread_sigmask(signal.SIG_SETMASK, [])
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    store = Store(args.bucket)
    server = ThreadingHTTPServer((args.host, args.port), make_handler(store, Verifier(args.access_key_id, args.access_key_secret)))
    server.daemon_threads = True
    sys.stderr.write("oss-standin: listening on %s:%d (oss2 %s)\n" % (args.host, args.port, oss2.__version__))
    sys.stderr.flush()
    try:
        server.serve_forever()
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
