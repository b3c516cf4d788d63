"""j. WeChat Pay (issue 15): the WebhookWorker SIGKILLed three times while it applies 300
WeChat Pay payment notifications, each delivered 1–3 times, shuffled, some paid orders
notified again under a new notification id. Every paid order must be credited once."""
import json
import os
import random
import subprocess
import threading
import time
import urllib.request

from . import fleet, load, stack
from .common import check, fresh, log, row, stream_pending, wait_until
from .pg import ints

STANDIN_PORT = int(os.environ.get("CHAOS_WECHATPAY_PORT", "18493"))
ORDERS = 300
USERS = 100
API_V3_KEY = "chaos-wechatpay-api-v3-key-32byt"
MCHID = "1900009191"
APPID = "wxd678efh567hg6787"
PUBLIC_KEY_ID = "PUB_KEY_ID_0119000091912025120200000000000001"


def _control(path, body=None, timeout=120):
    request = urllib.request.Request(f"http://127.0.0.1:{STANDIN_PORT}{path}", data=json.dumps(body or {}).encode(),
                                     method="POST", headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=timeout) as answer:
        return json.loads(answer.read())


def _start_standin(directory, logdir):
    log_file = open(os.path.join(logdir, "wechatpay-standin.log"), "ab")
    proc = subprocess.Popen(
        ["bash", os.path.join(stack.ROOT, "scripts/standins"), "wechatpay", "--port", str(STANDIN_PORT), "--dir", directory,
         "--mchid", MCHID, "--appid", APPID, "--api-v3-key", API_V3_KEY],
        stdout=log_file, stderr=subprocess.STDOUT, cwd=stack.ROOT)
    fleet.wait_http(f"http://127.0.0.1:{STANDIN_PORT}/_standin/health", timeout=300)
    return proc


def _config(path):
    document = {"points_rules": {"emoji": 200}, "vip_products": {"weekly_001": "weekly", "lifetime_001": "lifetime"},
                "points_packs": {"points_1000": 1000}, "pack_prices_fen": {"points_1000": 600}}
    with open(path, "w") as f:
        json.dump(document, f)


def scenario_m(bin_dir):
    directory = os.path.join(stack.STATE, "wechatpay")
    os.makedirs(directory, exist_ok=True)
    config = os.path.join(stack.STATE, "wechatpay-config.json")
    _config(config)
    env = {
        "WECHATPAY_MCHID": MCHID, "WECHATPAY_APPID": APPID, "WECHATPAY_API_V3_KEY": API_V3_KEY,
        "WECHATPAY_MERCHANT_SERIAL_NO": "CHAOS0001", "WECHATPAY_PRIVATE_KEY_PATH": os.path.join(directory, "merchant_private.pem"),
        "WECHATPAY_PLATFORM_PUBLIC_KEY_PATH": os.path.join(directory, "platform_public.pem"),
        "WECHATPAY_PLATFORM_PUBLIC_KEY_ID": PUBLIC_KEY_ID,
        "WECHATPAY_NOTIFY_URL": f"http://127.0.0.1:{fleet.GATEWAY_PORT}/api/v1/pay/wechat/notify",
        "WECHATPAY_BASE_URL": f"http://127.0.0.1:{STANDIN_PORT}", "CONFIG_PATH": config,
        "WEBHOOK_WORKER_CONCURRENCY": "16",
    }
    # The stand-in first: it writes the merchant and platform keys the settings name.
    standin = _start_standin(directory, stack.STATE)
    try:
        fl = fresh("m", bin_dir, **env)
    except Exception:
        standin.terminate()
        raise
    try:
        fl.start_gateway()
        users = load.login_many("chaos-j", USERS)
        tally = load.Tally()
        orders = []  # (user id, order_no, out_trade_no)
        lock = threading.Lock()

        def open_and_prepay(client, index):
            token, user = users[index % USERS]
            headers = {"Authorization": f"Bearer {token}"}
            status, body, _ = client.request("POST", load.api("/order/create"),
                                             {"product_type": "points_pack", "product_id": "points_1000"}, headers)
            tally.record(status)
            if status != 200:
                return
            order_no = body["data"]["order_no"]
            status, body, _ = client.request("POST", load.api("/pay/wechat/prepay"), {"order_no": order_no}, headers)
            tally.record(status)
            if status == 200:
                with lock:
                    orders.append((user, order_no, body["data"]["out_trade_no"]))

        load.run_jobs(range(ORDERS), open_and_prepay, threads=12)
        # Every order paid at the stand-in; its notification held 1–3 times, and a third of the
        # orders notified again under a new notification id (WeChat Pay may re-notify).
        rng = random.Random(15)
        notifications = 0
        for _, _, out_trade_no in orders:
            _control("/_standin/pay", {"out_trade_no": out_trade_no, "deliveries": rng.randint(1, 3), "hold": True})
            notifications += 1
            if rng.random() < 1 / 3:
                _control("/_standin/pay", {"out_trade_no": out_trade_no, "deliveries": rng.randint(1, 3), "hold": True})
                notifications += 1

        kills = []

        def applied():
            return ints(stack.PG_PORT, fl.db, "SELECT count(*) FROM wechatpay_notifications WHERE status <> 'received'")[0]

        def stored():
            return ints(stack.PG_PORT, fl.db, "SELECT count(*) FROM wechatpay_notifications")[0]

        def killer():
            wait_until(lambda: stored() >= 100, 60, interval=0.02)
            fl.start_webhook()
            for k in range(3):
                fleet.wait_http(f"http://127.0.0.1:{fleet.WEBHOOK_METRICS_PORT}/health", timeout=15)
                time.sleep(0.05 + 0.02 * k)
                pending = stream_pending("wechatpay_notifications", "webhook_worker")
                fl.webhook.kill9()
                done, total = applied(), stored()
                kills.append(f"kill{k + 1}: {pending} in flight, {done}/{total} applied")
                log(f"j: SIGKILL WebhookWorker #{k + 1} with {pending} entries in flight, {done} of {total} applied")
                fl.start_webhook()

        t = threading.Thread(target=killer)
        t.start()
        delivered = _control("/_standin/deliver", {"shuffle": True}, timeout=600)["delivered"]
        t.join()
        answers = {}
        for d in delivered:
            answers[d["status"]] = answers.get(d["status"], 0) + 1
        drained = wait_until(lambda: ints(stack.PG_PORT, fl.db,
                                          "SELECT count(*) FROM wechatpay_notifications WHERE status = 'received'")[0] == 0, 120)
        paid = ints(stack.PG_PORT, fl.db, "SELECT count(*) FROM wechatpay_orders WHERE state = 'paid'")[0]
        not_paid = len(orders) - paid
        credits = ints(stack.PG_PORT, fl.db, """
            SELECT count(*) FROM (SELECT order_no FROM point_transactions WHERE ref_key LIKE 'wechatpay:pay:%'
                                  GROUP BY order_no HAVING count(*) > 1) d""")[0]
        uncredited = ints(stack.PG_PORT, fl.db, """
            SELECT count(*) FROM wechatpay_orders w WHERE NOT EXISTS (
                SELECT 1 FROM point_transactions p WHERE p.ref_key = 'wechatpay:pay:' || w.out_trade_no)""")[0]
        wrong_balance = ints(stack.PG_PORT, fl.db, """
            SELECT count(*) FROM user_points up WHERE up.balance <> 1000 * (
                SELECT count(*) FROM wechatpay_orders w WHERE w.user_id = up.user_id AND w.state = 'paid')""")[0]
        results = check(fl.db)
        notes = (f"{'; '.join(kills)}; {len(orders)} orders prepaid by {USERS} users, {notifications} notifications "
                 f"delivered {len(delivered)} times shuffled (gateway answers {answers}); paid {paid}, not paid {not_paid}, "
                 f"credited twice {credits}, uncredited {uncredited}, balances not 1000 x paid orders {wrong_balance}; "
                 f"prepay/create answers {tally.statuses()}")
        if not drained:
            notes += "; DRAIN TIMED OUT"
        return row("m", "WebhookWorker SIGKILL x3 applying WeChat Pay notifications", len(delivered), len(orders), results,
                   lost_extra=not_paid + uncredited, doubled_extra=credits + wrong_balance, notes=notes,
                   ok_extra=drained and len(orders) == ORDERS)
    finally:
        fl.stop()
        standin.terminate()
        try:
            standin.wait(timeout=10)
        except subprocess.TimeoutExpired:
            standin.kill()
