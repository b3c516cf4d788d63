#!/usr/bin/env python3
"""A loopback stand-in for WeChat Pay API v3, enough of it for Galley's tests and demos.

Every cryptographic step is done by the `cryptography` package (PyPI), never by code of
Galley's, so Galley's signing, verification and decryption are checked by something it
did not write:
  * each merchant request's `Authorization: WECHATPAY2-SHA256-RSA2048 mchid=..,nonce_str=..,
    signature=..,timestamp=..,serial_no=..` is verified (RSASSA-PKCS1-v1_5, SHA-256) over
    "METHOD\\nURL\\ntimestamp\\nnonce\\nbody\\n" with the merchant's public key; a bad one
    gets 401 SIGN_ERROR as WeChat Pay answers it;
  * each answer and notification carries Wechatpay-Timestamp/-Nonce/-Signature/-Serial,
    signed over "timestamp\\nnonce\\nbody\\n" with the stand-in's own platform key;
  * notification resources are encrypted with AEAD_AES_256_GCM under the API v3 key.

API: POST /v3/pay/transactions/app|jsapi, GET /v3/pay/transactions/out-trade-no/{no}?mchid=,
POST /v3/pay/transactions/out-trade-no/{no}/close, POST /v3/refund/domestic/refunds,
GET /v3/refund/domestic/refunds/{out_refund_no}.

Stand-in only (no auth; loopback tests), all JSON:
  GET  /_standin/health
  GET  /_standin/requests                 every merchant request: path, verified, reason
  POST /_standin/pay      {"out_trade_no", "total"?, "currency"?, "deliveries"=1, "hold"=false}
       the payer pays: the order becomes SUCCESS and TRANSACTION.SUCCESS is sent `deliveries`
       times (or held); total/currency override what is reported (a wrong-amount payment)
  POST /_standin/refund-complete {"out_refund_no", "deliveries"=1, "hold"=false}
  POST /_standin/deliver  {"ids"?: [held ids, in this order], "shuffle"?: true}
       sends held notifications (all when no ids), in the order given or shuffled
  POST /_standin/notify   {"event_type", "resource", "tamper"?: "signature"|"timestamp"|
       "serial"|"ciphertext"|"body"} sends one crafted notification now; answers Galley's status
  POST /_standin/knobs    {"fail_requests": N, "delay_ms": N, "notify_url": URL, "serial_mode": ..}:
       the next N API requests answer 500 SYSTEM_ERROR; every notification waits delay_ms
       before it is sent; notifications go to notify_url instead of the one Galley sent

Files (in --dir): merchant_private.pem / merchant_public.pem (made when missing: a demo
merchant), platform_public.pem, platform_cert.pem, platform.json {public_key_id, cert_serial}.

Usage: wechatpay_standin.py --port N --dir DIR --mchid ID --appid ID --api-v3-key KEY32
                            [--merchant-serial SERIAL] [--serial-mode pubkey|cert]
"""

import argparse
import base64
import datetime
import json
import os
import random
import secrets
import signal
import sys
import threading
import time
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.x509.oid import NameOID

MAX_SKEW_SECONDS = 300
PUBLIC_KEY_ID = "PUB_KEY_ID_0119000091912025120200000000000001"


def pem_private(key):
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())


def pem_public(key):
    return key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)


class StandIn:
    def __init__(self, args):
        self.args = args
        self.lock = threading.Lock()
        self.orders = {}      # out_trade_no -> order dict
        self.refunds = {}     # out_refund_no -> refund dict
        self.held = {}        # notification id -> (url, body)
        self.requests = []
        self.fail_requests = 0
        self.delay_ms = 0
        self.serial_mode = args.serial_mode
        self.notify_url = None  # overrides the notify_url of prepay/refund requests (a test's gateway port)
        os.makedirs(args.dir, exist_ok=True)
        merchant_path = os.path.join(args.dir, "merchant_private.pem")
        if not os.path.exists(merchant_path):
            merchant = rsa.generate_private_key(public_exponent=65537, key_size=2048)
            with open(merchant_path, "wb") as f:
                f.write(pem_private(merchant))
            with open(os.path.join(args.dir, "merchant_public.pem"), "wb") as f:
                f.write(pem_public(merchant))
        with open(merchant_path, "rb") as f:
            self.merchant_public = serialization.load_pem_private_key(f.read(), None).public_key()
        self.platform = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Tenpay.com Root CA stand-in")])
        now = datetime.datetime.now(datetime.timezone.utc)
        self.cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
                     .public_key(self.platform.public_key()).serial_number(x509.random_serial_number())
                     .not_valid_before(now - datetime.timedelta(days=1)).not_valid_after(now + datetime.timedelta(days=365))
                     .sign(self.platform, hashes.SHA256()))
        self.cert_serial = format(self.cert.serial_number, "X")
        with open(os.path.join(args.dir, "platform_public.pem"), "wb") as f:
            f.write(pem_public(self.platform))
        with open(os.path.join(args.dir, "platform_cert.pem"), "wb") as f:
            f.write(self.cert.public_bytes(serialization.Encoding.PEM))
        with open(os.path.join(args.dir, "platform.json"), "w") as f:
            json.dump({"public_key_id": PUBLIC_KEY_ID, "cert_serial": self.cert_serial}, f)
        self.aead = AESGCM(args.api_v3_key.encode())

    # -- signatures -------------------------------------------------------------
    def platform_headers(self, body, timestamp=None, nonce=None):
        timestamp = timestamp or str(int(time.time()))
        nonce = nonce or secrets.token_hex(16).upper()
        message = f"{timestamp}\n{nonce}\n{body}\n".encode()
        signature = base64.b64encode(self.platform.sign(message, padding.PKCS1v15(), hashes.SHA256())).decode()
        serial = PUBLIC_KEY_ID if self.serial_mode == "pubkey" else self.cert_serial
        return {"Wechatpay-Timestamp": timestamp, "Wechatpay-Nonce": nonce, "Wechatpay-Signature": signature,
                "Wechatpay-Serial": serial}

    def verify_request(self, method, target, body, authorization):
        """None when the merchant's signature verifies, else why not."""
        scheme = "WECHATPAY2-SHA256-RSA2048 "
        if not authorization or not authorization.startswith(scheme):
            return "no WECHATPAY2-SHA256-RSA2048 Authorization"
        fields = {}
        for part in authorization[len(scheme):].split(","):
            key, _, value = part.strip().partition("=")
            fields[key] = value.strip('"')
        for key in ("mchid", "nonce_str", "signature", "timestamp", "serial_no"):
            if key not in fields:
                return f"Authorization lacks {key}"
        if fields["mchid"] != self.args.mchid:
            return "mchid is not this merchant's"
        if self.args.merchant_serial and fields["serial_no"] != self.args.merchant_serial:
            return "serial_no is not the merchant certificate's"
        try:
            if abs(time.time() - int(fields["timestamp"])) > MAX_SKEW_SECONDS:
                return "timestamp too far from now"
        except ValueError:
            return "timestamp is not a number"
        message = f"{method}\n{target}\n{fields['timestamp']}\n{fields['nonce_str']}\n{body}\n".encode()
        try:
            self.merchant_public.verify(base64.b64decode(fields["signature"]), message, padding.PKCS1v15(), hashes.SHA256())
        except (InvalidSignature, ValueError):
            return "signature does not verify"
        return None

    # -- notifications ----------------------------------------------------------
    def notification(self, event_type, original_type, resource, tamper=None):
        nonce = secrets.token_hex(6)
        associated = original_type
        plaintext = json.dumps(resource, ensure_ascii=False).encode()
        sealed = self.aead.encrypt(nonce.encode(), plaintext, associated.encode())
        if tamper == "ciphertext":
            sealed = bytes([sealed[0] ^ 1]) + sealed[1:]
        notification_id = str(random.randint(10**35, 10**36 - 1))
        body = json.dumps({
            "id": notification_id, "create_time": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
            "resource_type": "encrypt-resource", "event_type": event_type, "summary": "stand-in",
            "resource": {"original_type": original_type, "algorithm": "AEAD_AES_256_GCM",
                         "ciphertext": base64.b64encode(sealed).decode(), "associated_data": associated, "nonce": nonce},
        }, ensure_ascii=False)
        timestamp = str(int(time.time()) - (3600 if tamper == "timestamp" else 0))
        headers = self.platform_headers(body, timestamp=timestamp)
        if tamper == "signature":
            other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
            message = f"{headers['Wechatpay-Timestamp']}\n{headers['Wechatpay-Nonce']}\n{body}\n".encode()
            headers["Wechatpay-Signature"] = base64.b64encode(other.sign(message, padding.PKCS1v15(), hashes.SHA256())).decode()
        if tamper == "serial":
            headers["Wechatpay-Serial"] = "PUB_KEY_ID_UNKNOWN"
        if tamper == "body":
            body = body.replace('"summary": "stand-in"', '"summary": "changed"')
        return notification_id, body, headers

    def send(self, url, body, headers):
        url = self.notify_url or url
        if self.delay_ms:
            time.sleep(self.delay_ms / 1000)
        request = urllib.request.Request(url, data=body.encode(), method="POST",
                                         headers={**headers, "Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=10) as answer:
                return answer.status, answer.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()
        except OSError as error:
            return 0, str(error)

    def dispatch(self, url, notification, deliveries, hold):
        notification_id, body, headers = notification
        results = []
        for index in range(deliveries):
            if hold:
                # Each held delivery is its own entry, so duplicates can be interleaved.
                self.held[f"{notification_id}#{index}"] = (url, body, headers)
            else:
                results.append(self.send(url, body, headers)[0])
        return notification_id, results

    # -- the API ----------------------------------------------------------------
    def transaction(self, order):
        result = {"appid": order["appid"], "mchid": self.args.mchid, "out_trade_no": order["out_trade_no"],
                  "trade_state": order["state"], "trade_state_desc": order["state"], "trade_type": order["trade_type"].upper(),
                  "amount": {"total": order["total"], "currency": "CNY"}}
        if order.get("transaction_id"):
            result.update({"transaction_id": order["transaction_id"], "bank_type": "OTHERS", "success_time": order["success_time"],
                           "payer": {"openid": order.get("openid") or "o-standin-payer"},
                           "amount": {"total": order["reported_total"], "payer_total": order["reported_total"],
                                      "currency": order["reported_currency"], "payer_currency": order["reported_currency"]}})
        return result

    def refund_object(self, refund):
        order = self.orders[refund["out_trade_no"]]
        return {"refund_id": refund["refund_id"], "out_refund_no": refund["out_refund_no"],
                "transaction_id": order.get("transaction_id"), "out_trade_no": refund["out_trade_no"],
                "channel": "ORIGINAL", "status": refund["status"], "create_time": refund["create_time"],
                "amount": {"total": refund["total"], "refund": refund["refund"], "payer_total": refund["total"],
                           "payer_refund": refund["refund"], "currency": "CNY"}}

    def api(self, method, path, query, body):
        """(status, answer object or None)"""
        try:
            data = json.loads(body) if body else {}
        except ValueError:
            return 400, {"code": "PARAM_ERROR", "message": "body is not JSON"}
        parts = path.split("/")
        if method == "POST" and path in ("/v3/pay/transactions/app", "/v3/pay/transactions/jsapi"):
            trade_type = parts[-1]
            amount = data.get("amount") or {}
            no = data.get("out_trade_no", "")
            if data.get("mchid") != self.args.mchid or data.get("appid") != self.args.appid:
                return 400, {"code": "PARAM_ERROR", "message": "mchid or appid"}
            if not (6 <= len(no) <= 32) or not isinstance(amount.get("total"), int) or amount["total"] <= 0:
                return 400, {"code": "PARAM_ERROR", "message": "out_trade_no or amount"}
            if not data.get("notify_url", "").startswith("http") or not data.get("description"):
                return 400, {"code": "PARAM_ERROR", "message": "notify_url or description"}
            if trade_type == "jsapi" and not (data.get("payer") or {}).get("openid"):
                return 400, {"code": "PARAM_ERROR", "message": "payer.openid"}
            existing = self.orders.get(no)
            if existing:
                if existing["total"] != amount["total"] or existing["trade_type"] != trade_type:
                    return 400, {"code": "INVALID_REQUEST", "message": "out_trade_no used with other parameters"}
                existing["prepay_calls"] += 1
                return 200, {"prepay_id": existing["prepay_id"]}
            order = {"out_trade_no": no, "total": amount["total"], "trade_type": trade_type, "appid": data["appid"],
                     "notify_url": data["notify_url"], "openid": (data.get("payer") or {}).get("openid"),
                     "prepay_id": "wx" + secrets.token_hex(15), "state": "NOTPAY", "prepay_calls": 1}
            self.orders[no] = order
            return 200, {"prepay_id": order["prepay_id"]}
        if path.startswith("/v3/pay/transactions/out-trade-no/"):
            no = parts[5] if len(parts) > 5 else ""
            order = self.orders.get(no)
            if method == "GET" and len(parts) == 6:
                if query.get("mchid", [""])[0] != self.args.mchid:
                    return 400, {"code": "PARAM_ERROR", "message": "mchid"}
                if not order:
                    return 404, {"code": "ORDER_NOT_EXIST", "message": "no such order"}
                return 200, self.transaction(order)
            if method == "POST" and len(parts) == 7 and parts[6] == "close":
                if not order:
                    return 404, {"code": "ORDER_NOT_EXIST", "message": "no such order"}
                if order["state"] == "SUCCESS":
                    return 400, {"code": "ORDERPAID", "message": "order paid"}
                order["state"] = "CLOSED"
                return 204, None
        if method == "POST" and path == "/v3/refund/domestic/refunds":
            order = self.orders.get(data.get("out_trade_no", ""))
            amount = data.get("amount") or {}
            if not order or order["state"] not in ("SUCCESS", "REFUND"):
                return 400, {"code": "INVALID_REQUEST", "message": "order not paid"}
            if amount.get("total") != order["total"] or not isinstance(amount.get("refund"), int):
                return 400, {"code": "PARAM_ERROR", "message": "amount"}
            no = data.get("out_refund_no", "")
            refund = self.refunds.get(no)
            if not refund:
                refund = {"out_refund_no": no, "out_trade_no": order["out_trade_no"], "refund_id": "50" + secrets.token_hex(14),
                          "status": "PROCESSING", "total": amount["total"], "refund": amount["refund"],
                          "notify_url": data.get("notify_url") or order["notify_url"],
                          "create_time": datetime.datetime.now().astimezone().isoformat(timespec="seconds")}
                self.refunds[no] = refund
            return 200, self.refund_object(refund)
        if method == "GET" and path.startswith("/v3/refund/domestic/refunds/"):
            refund = self.refunds.get(parts[-1])
            if not refund:
                return 404, {"code": "RESOURCE_NOT_EXISTS", "message": "no such refund"}
            return 200, self.refund_object(refund)
        return 404, {"code": "NOT_FOUND", "message": "no such API in the stand-in"}

    # -- stand-in controls --------------------------------------------------------
    def control(self, path, data):
        if path == "/_standin/pay":
            order = self.orders.get(data.get("out_trade_no", ""))
            if not order:
                return 404, {"error": "no such order"}
            if not order.get("transaction_id"):
                order.update({"state": "SUCCESS", "transaction_id": "4200" + "".join(random.choices("0123456789", k=24)),
                              "success_time": datetime.datetime.now().astimezone().isoformat(timespec="seconds")})
            order["reported_total"] = data.get("total", order["total"])
            order["reported_currency"] = data.get("currency", "CNY")
            notification = self.notification("TRANSACTION.SUCCESS", "transaction", self.transaction(order))
            notification_id, results = self.dispatch(order["notify_url"], notification, int(data.get("deliveries", 1)),
                                                     bool(data.get("hold")))
            return 200, {"transaction_id": order["transaction_id"], "notification_id": notification_id, "statuses": results}
        if path == "/_standin/refund-complete":
            refund = self.refunds.get(data.get("out_refund_no", ""))
            if not refund:
                return 404, {"error": "no such refund"}
            refund["status"] = "SUCCESS"
            self.orders[refund["out_trade_no"]]["state"] = "REFUND"
            resource = self.refund_object(refund)
            resource = {"mchid": self.args.mchid, "out_trade_no": resource["out_trade_no"],
                        "transaction_id": resource["transaction_id"], "out_refund_no": resource["out_refund_no"],
                        "refund_id": resource["refund_id"], "refund_status": "SUCCESS",
                        "success_time": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
                        "user_received_account": "stand-in", "amount": {"total": refund["total"], "refund": refund["refund"],
                                                                          "payer_total": refund["total"], "payer_refund": refund["refund"]}}
            notification = self.notification("REFUND.SUCCESS", "refund", resource)
            notification_id, results = self.dispatch(refund["notify_url"], notification, int(data.get("deliveries", 1)),
                                                     bool(data.get("hold")))
            return 200, {"notification_id": notification_id, "statuses": results}
        if path == "/_standin/deliver":
            ids = data.get("ids") or list(self.held.keys())
            if data.get("shuffle"):
                random.shuffle(ids)
            results = []
            for held_id in ids:
                entry = self.held.pop(held_id, None)
                if entry:
                    results.append({"id": held_id, "status": self.send(*entry)[0]})
            return 200, {"delivered": results}
        if path == "/_standin/notify":
            resource = data.get("resource") or {}
            original = "refund" if str(data.get("event_type", "")).startswith("REFUND") else "transaction"
            notification_id, body, headers = self.notification(data.get("event_type", "TRANSACTION.SUCCESS"), original, resource,
                                                               tamper=data.get("tamper"))
            status, answer = self.send(data.get("url", ""), body, headers)
            return 200, {"notification_id": notification_id, "status": status, "answer": answer}
        if path == "/_standin/knobs":
            self.fail_requests = int(data.get("fail_requests", self.fail_requests))
            self.delay_ms = int(data.get("delay_ms", self.delay_ms))
            self.serial_mode = data.get("serial_mode", self.serial_mode)
            self.notify_url = data.get("notify_url", self.notify_url)
            return 200, {"ok": True}
        return 404, {"error": "no such control"}


def make_handler(standin):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, fmt, *args):
            sys.stderr.write("wechatpay-standin: " + (fmt % args) + "\n")

        def answer(self, status, obj, signed):
            body = "" if obj is None else json.dumps(obj, ensure_ascii=False)
            headers = standin.platform_headers(body) if signed else {}
            self.send_response(status)
            for key, value in headers.items():
                self.send_header(key, value)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body.encode())))
            self.end_headers()
            self.wfile.write(body.encode())

        def handle_any(self, method):
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length).decode() if length else ""
            split = urlsplit(self.path)
            if split.path == "/_standin/health":
                return self.answer(200, {"ok": True}, False)
            if split.path == "/_standin/requests":
                with standin.lock:
                    return self.answer(200, standin.requests, False)
            if split.path.startswith("/_standin/"):
                try:
                    data = json.loads(body) if body else {}
                except ValueError:
                    return self.answer(400, {"error": "not JSON"}, False)
                with standin.lock:
                    status, obj = standin.control(split.path, data)
                return self.answer(status, obj, False)
            with standin.lock:
                problem = standin.verify_request(method, self.path, body, self.headers.get("Authorization"))
                standin.requests.append({"method": method, "path": self.path, "verified": problem is None, "reason": problem})
                if problem:
                    return self.answer(401, {"code": "SIGN_ERROR", "message": problem}, False)
                if standin.fail_requests > 0:
                    standin.fail_requests -= 1
                    return self.answer(500, {"code": "SYSTEM_ERROR", "message": "stand-in failure knob"}, False)
                status, obj = standin.api(method, split.path, parse_qs(split.query), body)
            self.answer(status, obj, 200 <= status < 300)

        def do_GET(self):
            self.handle_any("GET")

        def do_POST(self):
            self.handle_any("POST")

    return Handler


def main():
    parser = argparse.ArgumentParser(description="WeChat Pay API v3 stand-in")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--dir", required=True)
    parser.add_argument("--mchid", required=True)
    parser.add_argument("--appid", required=True)
    parser.add_argument("--api-v3-key", required=True)
    parser.add_argument("--merchant-serial", default="")
    parser.add_argument("--serial-mode", choices=["pubkey", "cert"], default="pubkey")
    args = parser.parse_args()
    if len(args.api_v3_key.encode()) != 32:
        parser.error("--api-v3-key must be 32 bytes")
    standin = StandIn(args)
    server = ThreadingHTTPServer(("127.0.0.1", args.port), make_handler(standin))
    signal.signal(signal.SIGTERM, lambda *_: threading.Thread(target=server.shutdown).start())
    sys.stderr.write(f"wechatpay-standin: listening on 127.0.0.1:{args.port}\n")
    server.serve_forever()


if __name__ == "__main__":
    main()
