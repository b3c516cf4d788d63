#!/usr/bin/env python3
"""The Python half of deploy/check: one subcommand per check.

Each subcommand prints what is wrong (if anything) and exits non-zero on
failure; deploy/check turns that into one PASS/FAIL line. Offline only: the
Kubernetes schemas come from the kubernetes-validate wheel, the compose-spec
schema from the check-jsonschema wheel, the KEDA schema from deploy/schemas/.
"""
from __future__ import annotations

import glob
import json
import os
import re
import sys
import tempfile

import yaml

DEPLOY = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ROOT = os.path.dirname(DEPLOY)
K8S = os.path.join(DEPLOY, "k8s")

# Kubernetes versions the manifests must validate against: the oldest we
# support (CronJob.spec.timeZone is GA since 1.27) and the newest shipped.
K8S_VERSIONS = ["1.28.0", "1.37.0"]

# Streams and groups of the contract (shared/contract/API.md, "Queues").
STREAM_GROUPS = {"emoji_tasks": "emoji_worker", "webhook_events": "webhook_worker"}
EXECUTABLES = ["APIGateway", "EmojiWorker", "WebhookWorker", "RewardWorker", "FakeDashScope", "galleyctl"]

# Used when the contract file is not beside the repository (it is in CI).
BUILTIN_CONTRACT_VARS = """POSTGRES_SERVER POSTGRES_PORT POSTGRES_USER POSTGRES_PASSWORD POSTGRES_DB
REDIS_HOST REDIS_PORT REDIS_PASSWORD REDIS_DB SECRET_KEY ACCESS_TOKEN_EXPIRE_DAYS SNOWFLAKE_NODE_ID
REVENUECAT_WEBHOOK_SECRET OSS_ENDPOINT OSS_BUCKET OSS_ACCESS_KEY_ID OSS_ACCESS_KEY_SECRET
OSS_DIR_PREFIX OSS_RESULT_PREFIX OSS_UPLOAD_EXPIRE_SECONDS OSS_PUBLIC_BASE_URL DASHSCOPE_BASE_URL
DASHSCOPE_API_KEY ALIYUN_EMOJI_MOCK EMOJI_POLL_INTERVAL_SECONDS EMOJI_POLL_TIMEOUT_SECONDS
ENVIRONMENT BACKEND_CORS_ORIGINS CONFIG_PATH EMOJI_WORKER_CONSUMER WEBHOOK_WORKER_CONSUMER
ENV_FILE FORWARDED_ALLOW_IPS STORAGE_BACKEND""".split()

# Set per process by compose / k8s / systemd; a shared env file must not set them
# (systemd's EnvironmentFile= would even win over the units' Environment=).
PER_PROCESS_VARS = ["HOST", "PORT", "METRICS_PORT", "MIGRATE_ON_START", "SHUTDOWN_DEADLINE_SECONDS",
                    "SNOWFLAKE_NODE_ID", "EMOJI_WORKER_CONSUMER", "WEBHOOK_WORKER_CONSUMER",
                    "FAKE_DASHSCOPE_PORT"]

# The weekly run: Monday 00:00 UTC.
WEEKLY_CRON = "0 0 * * 1"

problems: list[str] = []


def fail(msg: str) -> None:
    problems.append(msg)


def rel(path: str) -> str:
    return os.path.relpath(path, ROOT)


# ------------------------------------------------------------------ loading

class UniqueKeyLoader(yaml.SafeLoader):
    """SafeLoader that refuses duplicate mapping keys (PyYAML keeps the last one
    silently; compose and kubectl reject them)."""


def _construct_mapping(loader, node, deep=False):
    seen = set()
    for key_node, _ in node.value:
        if key_node.tag == "tag:yaml.org,2002:merge":
            continue
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r}", key_node.start_mark)
        seen.add(key)
    return loader.construct_mapping(node, deep=deep)


UniqueKeyLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def load_yaml_all(path: str) -> list:
    with open(path, encoding="utf-8") as f:
        return [d for d in yaml.load_all(f, Loader=UniqueKeyLoader) if d is not None]


def yaml_files() -> list[str]:
    files = []
    for pattern in ("**/*.yaml", "**/*.yml"):
        files += glob.glob(os.path.join(DEPLOY, pattern), recursive=True)
    return sorted(set(files))


def k8s_docs() -> list[tuple[str, dict]]:
    docs = []
    for path in sorted(glob.glob(os.path.join(K8S, "*.yaml"))):
        for doc in load_yaml_all(path):
            docs.append((path, doc))
    return docs


def read(path: str) -> str:
    with open(path, encoding="utf-8") as f:
        return f.read()


def section(text: str, heading: str) -> str:
    """The body of a markdown section (up to the next heading of the same or higher level)."""
    level = len(heading) - len(heading.lstrip("#"))
    out, inside = [], False
    for line in text.splitlines():
        if line.strip() == heading:
            inside = True
            continue
        if inside and re.match(r"^#{1,%d} " % level, line):
            break
        if inside:
            out.append(line)
    return "\n".join(out)


def contract_file() -> str | None:
    candidates = [os.environ.get("GALLEY_CONTRACT", ""),
                  os.path.join(ROOT, "..", "shared", "contract", "API.md"),
                  os.path.join(ROOT, "..", "..", "shared", "contract", "API.md")]
    for c in candidates:
        if c and os.path.isfile(c):
            return os.path.normpath(c)
    return None


def contract_vars() -> list[str]:
    path = contract_file()
    if path is None:
        return BUILTIN_CONTRACT_VARS
    text = read(path)
    names = re.findall(r"`([A-Z][A-Z0-9_]+)`", section(text, "## Configuration"))
    names += re.findall(r"`([A-Z][A-Z0-9_]*_CONSUMER)`", text)
    missing_builtin = sorted(set(names) - set(BUILTIN_CONTRACT_VARS))
    if missing_builtin:
        # Not a failure of the deploy files: report it so the list gets updated.
        print(f"note: contract names not in the built-in list: {missing_builtin}")
    return sorted(set(names) | set(BUILTIN_CONTRACT_VARS))


def architecture() -> str:
    return read(os.path.join(ROOT, "docs", "architecture.md"))


def galley_settings() -> list[str]:
    body = section(architecture(), "### Galley's own settings (besides the contract's)")
    return sorted(set(re.findall(r"`([A-Z][A-Z0-9_]+)`", body)))


def metric_names() -> dict[str, str]:
    """name -> type, from the Metrics table of docs/architecture.md."""
    body = section(architecture(), "### Metrics")
    out = {}
    for m in re.finditer(r"^\|\s*`(galley_[a-z0-9_]+)`\s*\|\s*(\w+)\s*\|", body, re.M):
        out[m.group(1)] = m.group(2)
    return out


def series_names(metrics: dict[str, str]) -> set[str]:
    names = set()
    for name, kind in metrics.items():
        names.add(name)
        if kind == "histogram":
            names |= {name + "_bucket", name + "_sum", name + "_count"}
    return names


def env_example() -> tuple[dict[str, str], set[str]]:
    """(uncommented assignments, commented-out names) of deploy/.env.example."""
    active, commented = {}, set()
    for line in read(os.path.join(DEPLOY, ".env.example")).splitlines():
        m = re.match(r"^([A-Z][A-Z0-9_]*)=(.*)$", line)
        if m:
            active[m.group(1)] = m.group(2)
            continue
        m = re.match(r"^#\s*([A-Z][A-Z0-9_]*)=", line)
        if m:
            commented.add(m.group(1))
    return active, commented


# ------------------------------------------------------------------- checks

def check_yaml_parse() -> None:
    files = yaml_files()
    if not files:
        fail("no YAML files found under deploy/")
    for path in files:
        try:
            docs = load_yaml_all(path)
            if not docs:
                fail(f"{rel(path)}: empty")
        except yaml.YAMLError as e:
            fail(f"{rel(path)}: {e}")
    print(f"{len(files)} YAML files")


def check_json_parse() -> None:
    files = sorted(glob.glob(os.path.join(DEPLOY, "**", "*.json"), recursive=True))
    for path in files:
        try:
            with open(path, encoding="utf-8") as f:
                json.load(f)
        except ValueError as e:
            fail(f"{rel(path)}: {e}")
    print(f"{len(files)} JSON files")


def check_k8s_schema() -> None:
    from kubernetes_validate import utils as kv

    count = 0
    for path in sorted(glob.glob(os.path.join(K8S, "*.yaml"))):
        if re.search(r"(?m)^[^#\n]*[:\-]\s+[&*][A-Za-z]", read(path)):
            fail(f"{rel(path)}: YAML anchors/aliases (kustomize handles them poorly); write values out")
        for doc in load_yaml_all(path):
            api, kind = doc.get("apiVersion", ""), doc.get("kind", "")
            if api.startswith("keda.sh/") or api.startswith("kustomize.config.k8s.io/"):
                continue  # checked by keda-scaledobject / kustomization
            for version in K8S_VERSIONS:
                try:
                    kv.validate(doc, version, True)
                    count += 1
                except kv.ValidationError as e:
                    where = ".".join(str(p) for p in e.path)
                    fail(f"{rel(path)}: {kind}/{doc.get('metadata', {}).get('name')} "
                         f"(k8s {version}): {where}: {e.message}")
                except kv.SchemaNotFoundError:
                    fail(f"{rel(path)}: no Kubernetes schema for {api} {kind} (k8s {version}): "
                         "misspelled kind or a CRD without a schema here")
    print(f"{count} resource validations (strict) against Kubernetes {', '.join(K8S_VERSIONS)}")


def check_keda() -> None:
    import jsonschema
    from kubernetes_validate import utils as kv

    with open(os.path.join(DEPLOY, "schemas", "keda-scaledobject.schema.json"), encoding="utf-8") as f:
        schema = json.load(f)
    validator = jsonschema.Draft202012Validator(schema)
    docs = k8s_docs()
    deployments = {d["metadata"]["name"]: d for _, d in docs if d.get("kind") == "Deployment"}
    config = next((d.get("data", {}) for _, d in docs if d.get("kind") == "ConfigMap"), {})
    scaled = [(p, d) for p, d in docs if d.get("kind") == "ScaledObject"]
    targets = set()
    for path, so in scaled:
        name = so.get("metadata", {}).get("name")
        for err in validator.iter_errors(so):
            where = ".".join(str(p) for p in err.absolute_path)
            fail(f"{rel(path)}: ScaledObject/{name}: {where}: {err.message}")
        spec = so.get("spec", {})
        behavior = spec.get("advanced", {}).get("horizontalPodAutoscalerConfig", {}).get("behavior")
        if behavior is not None:
            hpa = {"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler",
                   "metadata": {"name": "behavior-check"},
                   "spec": {"scaleTargetRef": {"kind": "Deployment", "name": "x"},
                            "maxReplicas": 1, "behavior": behavior}}
            try:
                kv.validate(hpa, K8S_VERSIONS[0], True)
            except kv.ValidationError as e:
                fail(f"{rel(path)}: ScaledObject/{name}: behavior: {e.message}")
        target = spec.get("scaleTargetRef", {}).get("name")
        targets.add(target)
        dep = deployments.get(target)
        if dep is None:
            fail(f"ScaledObject/{name}: target Deployment {target!r} is not in deploy/k8s")
            continue
        if "replicas" in dep.get("spec", {}):
            fail(f"Deployment/{target}: sets replicas although KEDA owns them (apply would reset them)")
        if spec.get("minReplicaCount", 0) < 1:
            fail(f"ScaledObject/{name}: minReplicaCount below 1 (workers also reclaim stale entries)")
        env_names = container_env_sources(dep)
        for trig in spec.get("triggers", []):
            if trig.get("type") != "redis-streams":
                fail(f"ScaledObject/{name}: unexpected trigger type {trig.get('type')!r}")
                continue
            md = trig.get("metadata", {})
            stream, group = md.get("stream"), md.get("consumerGroup")
            if STREAM_GROUPS.get(stream) != group:
                fail(f"ScaledObject/{name}: stream/group {stream}/{group} is not one of the contract's {STREAM_GROUPS}")
            for key in ("hostFromEnv", "portFromEnv", "passwordFromEnv"):
                if key in md and md[key] not in env_names:
                    fail(f"ScaledObject/{name}: {key}={md[key]} is not in {target}'s environment")
            if md.get("databaseIndex", "0") != str(config.get("REDIS_DB", "0")):
                fail(f"ScaledObject/{name}: databaseIndex differs from the ConfigMap's REDIS_DB")
            if stream == "emoji_tasks" and "pendingEntriesCount" in md:
                if md["pendingEntriesCount"] != str(config.get("EMOJI_CONCURRENCY")):
                    fail(f"ScaledObject/{name}: pendingEntriesCount should equal EMOJI_CONCURRENCY")
        if not any("lagCount" in t.get("metadata", {}) for t in spec.get("triggers", [])):
            fail(f"ScaledObject/{name}: no consumer-group lag trigger (lagCount)")
    for want in ("galley-emoji-worker", "galley-webhook-worker"):
        if want not in targets:
            fail(f"no ScaledObject scales {want}")
    emoji = [so for _, so in scaled if so["spec"]["scaleTargetRef"]["name"] == "galley-emoji-worker"]
    if emoji and not (emoji[0]["spec"].get("minReplicaCount") == 1 and emoji[0]["spec"].get("maxReplicaCount", 0) >= 10):
        fail("EmojiWorker must scale from 1 to at least 10")
    print(f"{len(scaled)} ScaledObjects")


def container_env_sources(dep: dict) -> set[str]:
    """Names a Deployment's first container sees: its env plus the ConfigMap/Secret it loads."""
    names = set()
    docs = k8s_docs()
    secret = os.path.join(K8S, "secret.example.yaml")
    for c in dep["spec"]["template"]["spec"]["containers"][:1]:
        names |= {e["name"] for e in c.get("env", [])}
        for src in c.get("envFrom", []):
            ref = src.get("configMapRef") or src.get("secretRef") or {}
            for path, d in docs + [(secret, x) for x in load_yaml_all(secret)]:
                if d.get("kind") in ("ConfigMap", "Secret") and d["metadata"]["name"] == ref.get("name"):
                    names |= set((d.get("data") or {}).keys()) | set((d.get("stringData") or {}).keys())
    return names


def check_kustomization() -> None:
    path = os.path.join(K8S, "kustomization.yaml")
    k = load_yaml_all(path)[0]
    if k.get("apiVersion") != "kustomize.config.k8s.io/v1beta1" or k.get("kind") != "Kustomization":
        fail("kustomization.yaml: not a kustomize.config.k8s.io/v1beta1 Kustomization")
    allowed = {"apiVersion", "kind", "namespace", "resources", "images", "labels", "commonAnnotations", "patches"}
    for key in k:
        if key not in allowed:
            fail(f"kustomization.yaml: unexpected field {key!r}")
    listed = k.get("resources", [])
    for r in listed:
        if not os.path.isfile(os.path.join(K8S, r)):
            fail(f"kustomization.yaml: {r} does not exist")
    present = {os.path.basename(p) for p in glob.glob(os.path.join(K8S, "*.yaml"))}
    expected = present - {"kustomization.yaml", "secret.example.yaml"}
    for m in sorted(expected - set(listed)):
        fail(f"kustomization.yaml: {m} is not listed")
    if "secret.example.yaml" in listed:
        fail("kustomization.yaml must not apply secret.example.yaml (it would overwrite real secrets)")
    images = {i.get("name") for i in k.get("images", [])}
    if "galley" not in images:
        fail("kustomization.yaml: no `images` entry for galley")
    print(f"{len(listed)} resources listed")


def pod_specs(docs) -> list[tuple[str, str, dict]]:
    out = []
    for _, d in docs:
        kind, name = d.get("kind"), d.get("metadata", {}).get("name")
        if kind == "Deployment":
            out.append((kind, name, d["spec"]["template"]["spec"]))
        elif kind == "CronJob":
            out.append((kind, name, d["spec"]["jobTemplate"]["spec"]["template"]["spec"]))
    return out


def env_value(container: dict, name: str) -> str | None:
    for e in container.get("env", []):
        if e["name"] == name:
            return e.get("value")
    return None


def check_k8s_policy() -> None:
    docs = k8s_docs()
    kinds = {(d.get("kind"), d.get("metadata", {}).get("name")) for _, d in docs}
    for want in [("Deployment", "galley-gateway"), ("Deployment", "galley-emoji-worker"),
                 ("Deployment", "galley-webhook-worker"), ("CronJob", "galley-reward"),
                 ("ConfigMap", "galley-config")]:
        if want not in kinds:
            fail(f"missing {want[0]}/{want[1]}")
    secret_docs = load_yaml_all(os.path.join(K8S, "secret.example.yaml"))
    settings = {}
    for _, d in docs:
        if d.get("kind") == "ConfigMap":
            settings.update(d.get("data", {}))
    for d in secret_docs:
        settings.update(d.get("stringData", {}))
    for var in contract_vars():
        if var in ("SNOWFLAKE_NODE_ID", "EMOJI_WORKER_CONSUMER", "WEBHOOK_WORKER_CONSUMER", "CONFIG_PATH"):
            continue
        if var not in settings:
            fail(f"{var} is neither in the ConfigMap nor in secret.example.yaml")
    for var in PER_PROCESS_VARS:
        if var in settings:
            fail(f"{var} is set fleet-wide in the ConfigMap/Secret; it must be per process or unset")
    for kind, name, pod in pod_specs(docs):
        grace = pod.get("terminationGracePeriodSeconds", 30)
        if pod.get("securityContext", {}).get("runAsNonRoot") is not True:
            fail(f"{kind}/{name}: runAsNonRoot is not true")
        for c in pod.get("initContainers", []) + pod["containers"]:
            if c.get("image") != "galley":
                fail(f"{kind}/{name}/{c['name']}: image should be `galley` (set by kustomization images)")
            res = c.get("resources", {})
            if not res.get("requests") or "memory" not in res.get("limits", {}):
                fail(f"{kind}/{name}/{c['name']}: needs resource requests and a memory limit")
            sc = c.get("securityContext", {})
            if sc.get("allowPrivilegeEscalation") is not False or sc.get("capabilities", {}).get("drop") != ["ALL"]:
                fail(f"{kind}/{name}/{c['name']}: securityContext not restricted")
            if c.get("command", [""])[0] not in EXECUTABLES:
                fail(f"{kind}/{name}/{c['name']}: command {c.get('command')} is not a Galley executable")
            for e in c.get("env", []):
                if e["name"] in ("SNOWFLAKE_NODE_ID", "EMOJI_WORKER_CONSUMER", "WEBHOOK_WORKER_CONSUMER"):
                    fail(f"{kind}/{name}: sets {e['name']}; leave it unset so each pod is unique")
        for c in pod["containers"]:
            deadline = env_value(c, "SHUTDOWN_DEADLINE_SECONDS")
            if deadline is None:
                fail(f"{kind}/{name}/{c['name']}: SHUTDOWN_DEADLINE_SECONDS not set explicitly")
                continue
            pre = 0
            cmd = c.get("lifecycle", {}).get("preStop", {}).get("exec", {}).get("command", [])
            if cmd[:1] == ["sleep"]:
                pre = int(cmd[1])
            if grace < int(deadline) + pre + 10:
                fail(f"{kind}/{name}: terminationGracePeriodSeconds {grace} is not comfortably above "
                     f"preStop {pre} + SHUTDOWN_DEADLINE_SECONDS {deadline}")
            if kind == "Deployment":
                for probe in ("readinessProbe", "livenessProbe"):
                    if probe not in c:
                        fail(f"{kind}/{name}/{c['name']}: no {probe}")
        if kind == "Deployment" and not pod.get("initContainers"):
            fail(f"{kind}/{name}: no migrate init container")
    for _, d in docs:
        if d.get("kind") == "CronJob":
            s = d["spec"]
            if s.get("schedule") != WEEKLY_CRON or s.get("timeZone") not in ("Etc/UTC", "UTC"):
                fail(f"CronJob/{d['metadata']['name']}: not Monday 00:00 UTC")
            if s.get("concurrencyPolicy") != "Forbid":
                fail(f"CronJob/{d['metadata']['name']}: concurrencyPolicy is not Forbid")
            cmd = s["jobTemplate"]["spec"]["template"]["spec"]["containers"][0]["command"]
            if cmd[:2] != ["RewardWorker", "run"]:
                fail(f"CronJob/{d['metadata']['name']}: command is {cmd}, not RewardWorker run")
        if d.get("kind") == "Deployment":
            c = d["spec"]["template"]["spec"]["containers"][0]
            port = {"APIGateway": "8000", "EmojiWorker": "9101", "WebhookWorker": "9102"}.get(c["command"][0])
            if port and str(c["ports"][0]["containerPort"]) != port:
                fail(f"Deployment/{d['metadata']['name']}: port {c['ports'][0]['containerPort']}, expected {port}")
            if c["command"][0] == "APIGateway":
                if c["readinessProbe"]["httpGet"]["path"] != "/ready" or c["livenessProbe"]["httpGet"]["path"] != "/health":
                    fail("gateway probes must be /ready (readiness) and /health (liveness)")
                if env_value(c, "MIGRATE_ON_START") != "false":
                    fail("gateway: MIGRATE_ON_START should be false (the init container migrates)")
    print("policies checked")


def interpolate(text: str, env: dict[str, str]) -> tuple[str, list[str]]:
    """Compose-style ${VAR}, ${VAR:-default}, ${VAR-default}, ${VAR:?err} and $$."""
    missing = []

    def sub(m):
        if m.group(0) == "$$":
            return "$"
        name, op, arg = m.group(1), m.group(2), m.group(3) or ""
        val = env.get(name)
        if op in (":-", "-"):
            if val is None or (op == ":-" and val == ""):
                return arg
            return val
        if op in (":?", "?"):
            if val is None or (op == ":?" and val == ""):
                missing.append(name)
                return ""
            return val
        if val is None:
            missing.append(name)
            return ""
        return val

    out = re.sub(r"\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}", sub, text)
    return out, missing


def check_compose_policy() -> None:
    path = os.path.join(DEPLOY, "compose.yaml")
    text = read(path)
    active, _ = env_example()
    _, missing = interpolate(text, active)
    for name in sorted(set(missing)):
        fail(f"compose.yaml uses ${{{name}}} without a default and .env.example does not set it")
    c = load_yaml_all(path)[0]
    s = c.get("services", {})
    required = ("postgres", "redis", "migrate", "gateway", "emoji-worker", "webhook-worker",
                "reward-cron", "fake-dashscope")
    for want in required:
        if want not in s:
            fail(f"compose.yaml: no service {want}")
    if any(want not in s for want in required):
        return
    if not re.match(r"^postgres:15(\b|[.-])", s["postgres"].get("image", "")):
        fail("postgres is not PostgreSQL 15")
    if not re.match(r"^redis:7(\b|[.-])", s["redis"].get("image", "")):
        fail("redis is not Redis 7")
    if "--appendonly yes" not in " ".join(s["redis"].get("command", [])):
        fail("redis: AOF (--appendonly yes) is not on")
    for store, mount in (("postgres", "/var/lib/postgresql/data"), ("redis", "/data")):
        if not any(str(v).endswith(":" + mount) for v in s[store].get("volumes", [])):
            fail(f"{store}: no volume on {mount}")
        if "healthcheck" not in s[store]:
            fail(f"{store}: no healthcheck")
    if s["migrate"].get("command") != ["APIGateway", "migrate"] or s["migrate"].get("restart") != "no":
        fail("migrate: must run `APIGateway migrate` once (restart: \"no\")")
    deadlines = {}
    for name in ("gateway", "emoji-worker", "webhook-worker", "reward-cron"):
        svc = s[name]
        dep = svc.get("depends_on", {})
        if dep.get("migrate", {}).get("condition") != "service_completed_successfully":
            fail(f"{name}: does not wait for migrate to complete")
        env = svc.get("environment", {})
        for var in ("SNOWFLAKE_NODE_ID", "EMOJI_WORKER_CONSUMER", "WEBHOOK_WORKER_CONSUMER"):
            if var in env:
                fail(f"{name}: sets {var}; replicas must lease/derive their own")
        deadline = int(env.get("SHUTDOWN_DEADLINE_SECONDS", 0))
        grace = parse_duration(svc.get("stop_grace_period", "10s"))
        deadlines[name] = (deadline, grace)
        if deadline == 0 or grace < deadline + 10:
            fail(f"{name}: stop_grace_period {grace}s not comfortably above SHUTDOWN_DEADLINE_SECONDS {deadline}")
    for name in ("emoji-worker", "webhook-worker"):
        if "container_name" in s[name] or "ports" in s[name]:
            fail(f"{name}: container_name/ports prevent --scale")
    if s["gateway"]["environment"].get("MIGRATE_ON_START") != "false":
        fail("gateway: MIGRATE_ON_START should be false (the migrate service ran)")
    if s["emoji-worker"]["command"] != ["EmojiWorker"] or s["webhook-worker"]["command"] != ["WebhookWorker"]:
        fail("worker commands are wrong")
    if s["reward-cron"]["command"] != ["RewardWorker", "schedule"]:
        fail("reward-cron must run `RewardWorker schedule`")
    if "demo" not in s["fake-dashscope"].get("profiles", []):
        fail("fake-dashscope is not in the demo profile")
    if active.get("DASHSCOPE_BASE_URL", "").rstrip("/") not in ("http://fake-dashscope:8090",):
        fail(".env.example: DASHSCOPE_BASE_URL should point at the demo's fake-dashscope:8090")
    ports = {"gateway": ("PORT", "8000"), "emoji-worker": ("METRICS_PORT", "9101"),
             "webhook-worker": ("METRICS_PORT", "9102"), "reward-cron": ("METRICS_PORT", "9103"),
             "fake-dashscope": ("FAKE_DASHSCOPE_PORT", "8090")}
    for name, (var, port) in ports.items():
        if str(s[name].get("environment", {}).get(var)) != port:
            fail(f"{name}: {var} should be {port}")
    print(f"{len(s)} services")


def parse_duration(value: str) -> int:
    total = 0
    for num, unit in re.findall(r"(\d+)(h|m|s)", str(value)):
        total += int(num) * {"h": 3600, "m": 60, "s": 1}[unit]
    return total


def check_compose_interpolated() -> None:
    """Writes compose.yaml with .env.example's values substituted (what the engine sees)."""
    active, _ = env_example()
    text, _ = interpolate(read(os.path.join(DEPLOY, "compose.yaml")), active)
    out = os.environ.get("GALLEY_CHECK_TMP", tempfile.gettempdir())
    path = os.path.join(out, "compose.interpolated.yaml")
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)
    print(path)


def check_env_example() -> None:
    active, commented = env_example()
    present = set(active) | commented
    for var in contract_vars():
        if var not in present:
            fail(f".env.example: contract variable {var} is missing")
    for var in galley_settings():
        if var not in present:
            fail(f".env.example: Galley setting {var} is missing (commented is fine)")
    for var in PER_PROCESS_VARS:
        if var in active:
            fail(f".env.example: {var} must stay commented (set per process, or leased)")
    for var in ("POSTGRES_PASSWORD", "SECRET_KEY", "REVENUECAT_WEBHOOK_SECRET"):
        if not active.get(var):
            fail(f".env.example: {var} needs a placeholder value")
    src = contract_file() or "built-in list (contract file not found)"
    print(f"{len(present)} names; contract: {src}")


def dockerfile_stages() -> list[dict]:
    text = read(os.path.join(DEPLOY, "Dockerfile"))
    joined = re.sub(r"\\\n", " ", text)
    args = dict(re.findall(r"^ARG\s+([A-Z_]+)=(\S+)", joined, re.M))
    stages, current = [], None
    for line in joined.splitlines():
        s = line.strip()
        if not s or s.startswith("#"):
            continue
        instr, _, rest = s.partition(" ")
        instr = instr.upper()
        if instr == "FROM":
            m = re.match(r"(\S+)(?:\s+AS\s+(\S+))?", rest.strip(), re.I)
            image = re.sub(r"\$\{?([A-Z_]+)\}?", lambda a: args.get(a.group(1), a.group(0)), m.group(1))
            current = {"image": image, "name": m.group(2), "lines": []}
            stages.append(current)
        elif current is not None:
            current["lines"].append((instr, rest.strip()))
    return stages


def apt_packages(stage: dict) -> list[str]:
    pkgs = []
    for instr, rest in stage["lines"]:
        if instr != "RUN":
            continue
        for cmd in re.split(r"&&|;|\|\|", rest):
            words = cmd.split()
            if "apt-get" in words and "install" in words:
                after = words[words.index("install") + 1:]
                pkgs += [w for w in after if not w.startswith("-") and re.match(r"^[a-z0-9][a-z0-9.+-]+$", w)]
    return pkgs


def check_dockerfile() -> None:
    stages = dockerfile_stages()
    if len(stages) < 2:
        fail("Dockerfile: expected a build stage and a runtime stage")
        return
    build, runtime = stages[0], stages[-1]
    if build["image"] != "swift:6.3-bookworm":
        fail(f"Dockerfile: build stage is {build['image']}, expected swift:6.3-bookworm")
    if runtime["image"] != "debian:bookworm-slim":
        fail(f"Dockerfile: runtime stage is {runtime['image']}, expected debian:bookworm-slim")
    instrs = [i for i, _ in runtime["lines"]]
    users = [r for i, r in runtime["lines"] if i == "USER"]
    if not users or users[-1].split(":")[0] in ("root", "0"):
        fail("Dockerfile: runtime stage does not switch to a non-root USER")
    if "HEALTHCHECK" not in instrs:
        fail("Dockerfile: no HEALTHCHECK")
    text = read(os.path.join(DEPLOY, "Dockerfile"))
    for exe in EXECUTABLES:
        if exe not in text:
            fail(f"Dockerfile: {exe} is not installed")
    for instr, rest in runtime["lines"]:
        if instr == "COPY" and "--from" not in rest:
            src = rest.split()[0]
            if not os.path.exists(os.path.join(ROOT, src)):
                fail(f"Dockerfile: COPY source {src} does not exist")
    pkgs = apt_packages(runtime)
    # curl: the original's compose healthcheck (`curl -f .../health-check/`) runs unchanged.
    for needed in ("libhiredis0.14", "libpq5", "libmicrohttpd12", "libssl3", "libcurl4", "curl"):
        if needed not in pkgs:
            fail(f"Dockerfile: runtime stage lacks {needed}")
    ignore = os.path.join(DEPLOY, "Dockerfile.dockerignore")
    if not os.path.isfile(ignore) or "!deploy/galley-healthcheck" not in read(ignore):
        fail("Dockerfile.dockerignore must let deploy/galley-healthcheck into the context")
    print(f"stages: {[s['image'] for s in stages]}")


def check_print_packages() -> None:
    """Prints `stage package` lines for deploy/check's apt-cache look-ups."""
    stages = dockerfile_stages()
    for label, stage in (("build", stages[0]), ("runtime", stages[-1])):
        for p in apt_packages(stage):
            print(label, p)


def check_schedules() -> None:
    found = {}
    for _, d in k8s_docs():
        if d.get("kind") == "CronJob":
            found["k8s CronJob"] = (d["spec"]["schedule"], d["spec"].get("timeZone"))
    cron = read(os.path.join(DEPLOY, "systemd", "galley.cron"))
    tz = re.search(r"^CRON_TZ=(\S+)", cron, re.M)
    lines = [l for l in cron.splitlines() if re.match(r"^[0-9*]", l)]
    if len(lines) != 1:
        fail("galley.cron: expected exactly one schedule line")
    else:
        fields = lines[0].split()
        found["galley.cron"] = (" ".join(fields[:5]), tz.group(1) if tz else None)
        if fields[5] != "root" or "galley-reward.service" not in lines[0]:
            fail("galley.cron: should run `systemctl start galley-reward.service` as root (cron.d format)")
    timer = read(os.path.join(DEPLOY, "systemd", "galley-reward.timer"))
    cal = re.search(r"^OnCalendar=(.*)$", timer, re.M)
    if not cal or cal.group(1).strip() != "Mon *-*-* 00:00:00 UTC":
        fail("galley-reward.timer: OnCalendar is not Monday 00:00 UTC")
    for where, (expr, zone) in found.items():
        if expr != WEEKLY_CRON or zone not in ("UTC", "Etc/UTC"):
            fail(f"{where}: {expr} {zone} is not Monday 00:00 UTC")
    print(f"{found}")


def promql_exprs_of_dashboard(dash: dict) -> list[tuple[str, str]]:
    out = []

    def walk(panels):
        for p in panels:
            for t in p.get("targets", []):
                out.append((p.get("title", "?"), t.get("expr", "")))
            walk(p.get("panels", []))

    walk(dash.get("panels", []))
    return out


def check_grafana() -> None:
    path = os.path.join(DEPLOY, "grafana", "galley.json")
    with open(path, encoding="utf-8") as f:
        dash = json.load(f)
    for key in ("uid", "title", "panels", "schemaVersion", "templating"):
        if key not in dash:
            fail(f"galley.json: no {key}")
    if dash.get("id") is not None:
        fail("galley.json: id must be null to import into any Grafana")
    var = [v for v in dash.get("templating", {}).get("list", []) if v.get("type") == "datasource"]
    if not var or var[0].get("query") != "prometheus":
        fail("galley.json: needs a Prometheus datasource variable (importable without editing)")
    ids, exprs = set(), promql_exprs_of_dashboard(dash)
    grid = []

    def walk(panels):
        for p in panels:
            if p.get("id") in ids:
                fail(f"galley.json: duplicate panel id {p.get('id')}")
            ids.add(p.get("id"))
            gp = p.get("gridPos", {})
            if not all(k in gp for k in ("x", "y", "w", "h")) or gp["x"] + gp["w"] > 24:
                fail(f"galley.json: panel {p.get('title')!r} has a bad gridPos {gp}")
            grid.append(gp)
            if p.get("type") != "row":
                ds = p.get("datasource", {})
                if ds.get("uid") != "${datasource}":
                    fail(f"galley.json: panel {p.get('title')!r} does not use ${{datasource}}")
                if not p.get("targets"):
                    fail(f"galley.json: panel {p.get('title')!r} has no query")
            walk(p.get("panels", []))

    walk(dash.get("panels", []))
    for i, a in enumerate(grid):
        for b in grid[i + 1:]:
            if a["x"] < b["x"] + b["w"] and b["x"] < a["x"] + a["w"] and a["y"] < b["y"] + b["h"] and b["y"] < a["y"] + a["h"]:
                fail(f"galley.json: overlapping panels at {a} and {b}")
    known = series_names(metric_names())
    used = set()
    for title, expr in exprs:
        for name in re.findall(r"\bgalley_[a-z0-9_]+", expr):
            used.add(name)
            if name not in known:
                fail(f"galley.json: panel {title!r} uses {name}, not in docs/architecture.md's Metrics table")
    for needed in ("galley_http_requests_total", "galley_http_request_duration_seconds_bucket",
                   "galley_stream_lag", "galley_emoji_tasks_in_flight", "galley_emoji_tasks_failed_total",
                   "galley_stream_dead_letters_total", "galley_reward_runs_total", "galley_webhook_events_total"):
        if needed not in used:
            fail(f"galley.json: nothing shows {needed}")
    # Write the queries as recording rules so promtool can parse them (deploy/check).
    rules = {"groups": [{"name": "dashboard", "rules": [
        {"record": f"galley:dashboard:q{i}", "expr": e.replace("$__rate_interval", "5m")}
        for i, (_, e) in enumerate(exprs)]}]}
    out = os.environ.get("GALLEY_CHECK_TMP", tempfile.gettempdir())
    with open(os.path.join(out, "dashboard-rules.yml"), "w", encoding="utf-8") as f:
        yaml.safe_dump(rules, f)
    print(f"{len(ids)} panels, {len(exprs)} queries")


def check_alert_metrics() -> None:
    known = series_names(metric_names())
    for path in (os.path.join(DEPLOY, "prometheus", "alerts.yml"),):
        for group in load_yaml_all(path)[0]["groups"]:
            for rule in group["rules"]:
                for name in re.findall(r"\bgalley_[a-z0-9_]+", rule["expr"]):
                    if name not in known:
                        fail(f"alerts.yml: {rule['alert']} uses unknown metric {name}")
                if rule.get("labels", {}).get("severity") not in ("page", "ticket"):
                    fail(f"alerts.yml: {rule['alert']} has no severity page|ticket")
    print("alert metrics known")


def check_operations_doc() -> None:
    path = os.path.join(ROOT, "docs", "operations.md")
    if not os.path.isfile(path):
        fail("docs/operations.md is missing")
        return
    text = read(path)
    for metric in metric_names():
        if metric not in text:
            fail(f"docs/operations.md does not explain {metric}")
    for alert in re.findall(r"alert: (\w+)", read(os.path.join(DEPLOY, "prometheus", "alerts.yml"))):
        if alert not in text:
            fail(f"docs/operations.md does not mention alert {alert}")
    for ref in sorted(set(re.findall(r"`(deploy/[A-Za-z0-9_./@-]+)`", text))):
        if not os.path.exists(os.path.join(ROOT, ref.rstrip("/"))):
            fail(f"docs/operations.md refers to {ref}, which does not exist")
    lower = text.lower()
    for topic in ("scal", "dead letter", "replay", "alert", "upgrade", "migrat", "backup",
                  "docker compose", "kubectl", "keda", "snowflake_node_id"):
        if topic not in lower:
            fail(f"docs/operations.md says nothing about {topic!r}")
    if "--scale emoji-worker=10" not in text and "emoji-worker=10" not in text:
        fail("docs/operations.md: no compose example scaling EmojiWorker to 10")
    print(f"{len(text.splitlines())} lines")


# ------------------------------------------------------- k8s Sentinel variant

SENTINEL_OVERLAY = os.path.join(K8S, "sentinel")


def _json_pointer(doc, path: str):
    parts = [p.replace("~1", "/").replace("~0", "~") for p in path.lstrip("/").split("/")]
    parent = doc
    for part in parts[:-1]:
        parent = parent[int(part)] if isinstance(parent, list) else parent[part]
    return parent, parts[-1]


def _apply_json6902(doc: dict, ops: list) -> None:
    """The operations kustomize's inline patches use here: add, replace, remove."""
    for op in ops:
        parent, last = _json_pointer(doc, op["path"])
        key = (len(parent) if last == "-" else int(last)) if isinstance(parent, list) else last
        if op["op"] == "replace":
            if isinstance(parent, list):
                if key >= len(parent):
                    raise KeyError(f"{op['path']}: no such element to replace")
            elif key not in parent:
                raise KeyError(f"{op['path']}: no such field to replace")
            parent[key] = op["value"]
        elif op["op"] == "add":
            if isinstance(parent, list):
                parent.insert(key, op["value"])
            else:
                parent[key] = op["value"]
        elif op["op"] == "remove":
            del parent[key]
        else:
            raise ValueError(f"unsupported patch op {op['op']!r}")


def _merge(base: dict, patch: dict) -> None:
    """A strategic merge as far as these patches need it: maps merge, anything else replaces."""
    for key, value in patch.items():
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            _merge(base[key], value)
        else:
            base[key] = value


def sentinel_overlay() -> tuple[list[tuple[str, dict]], list[tuple[str, dict]]]:
    """What `kubectl apply -k deploy/k8s/sentinel` applies: the base resources with the
    overlay's own and its patches applied. Answers (built docs, the overlay's own docs)."""
    import copy

    path = os.path.join(SENTINEL_OVERLAY, "kustomization.yaml")
    k = load_yaml_all(path)[0]
    if k.get("apiVersion") != "kustomize.config.k8s.io/v1beta1" or k.get("kind") != "Kustomization":
        fail("sentinel/kustomization.yaml: not a kustomize.config.k8s.io/v1beta1 Kustomization")
    for key in k:
        if key not in {"apiVersion", "kind", "namespace", "resources", "patches"}:
            fail(f"sentinel/kustomization.yaml: unexpected field {key!r}")
    resources = k.get("resources", [])
    if not any(r.rstrip("/") == ".." for r in resources):
        fail("sentinel/kustomization.yaml: the base (..) is not a resource")
    base = load_yaml_all(os.path.join(K8S, "kustomization.yaml"))[0]
    docs = []
    for r in base.get("resources", []):
        docs += [(os.path.join(K8S, r), copy.deepcopy(d)) for d in load_yaml_all(os.path.join(K8S, r))]
    own = []
    for r in resources:
        if r.rstrip("/") == "..":
            continue
        full = os.path.join(SENTINEL_OVERLAY, r)
        if not os.path.isfile(full):
            fail(f"sentinel/kustomization.yaml: {r} does not exist")
            continue
        own += [(full, d) for d in load_yaml_all(full)]
    docs += [(p, copy.deepcopy(d)) for p, d in own]
    used = {"kustomization.yaml"} | {r for r in resources}
    for patch in k.get("patches", []):
        if "path" in patch:
            used.add(patch["path"])
            full = os.path.join(SENTINEL_OVERLAY, patch["path"])
            for pd in load_yaml_all(full):
                own.append((full, pd))
                targets = [d for _, d in docs if d.get("kind") == pd.get("kind")
                           and d.get("metadata", {}).get("name") == pd.get("metadata", {}).get("name")]
                if len(targets) != 1:
                    fail(f"{rel(full)}: patches {len(targets)} resources named "
                         f"{pd.get('kind')}/{pd.get('metadata', {}).get('name')}, not one")
                for t in targets:
                    _merge(t, {key: v for key, v in pd.items() if key not in ("apiVersion", "kind", "metadata")})
        else:
            target = patch.get("target", {})
            ops = yaml.safe_load(patch.get("patch", "")) or []
            targets = [d for _, d in docs if d.get("kind") == target.get("kind")
                       and d.get("metadata", {}).get("name") == target.get("name")]
            if len(targets) != 1:
                fail(f"sentinel/kustomization.yaml: a patch targets {len(targets)} resources "
                     f"({target.get('kind')}/{target.get('name')}), not one")
            for t in targets:
                _apply_json6902(t, ops)
    for extra in sorted(os.path.basename(p) for p in glob.glob(os.path.join(SENTINEL_OVERLAY, "*.yaml"))):
        if extra not in used:
            fail(f"sentinel/{extra} is neither a resource nor a patch of the overlay")
    return docs, own


def check_k8s_sentinel() -> None:
    import jsonschema
    from kubernetes_validate import utils as kv

    docs, own = sentinel_overlay()
    count = 0
    for path, doc in own:
        if doc.get("kind") == "ConfigMap" and doc.get("metadata", {}).get("name") == "galley-config":
            continue  # a patch: validated below as part of the built ConfigMap
        for version in K8S_VERSIONS:
            try:
                kv.validate(doc, version, True)
                count += 1
            except kv.ValidationError as e:
                fail(f"{rel(path)}: {doc.get('kind')}/{doc.get('metadata', {}).get('name')} (k8s {version}): "
                     f"{'.'.join(str(p) for p in e.path)}: {e.message}")
    by_kind = {}
    for _, d in docs:
        by_kind.setdefault(d.get("kind"), {})[d.get("metadata", {}).get("name")] = d
    config = by_kind.get("ConfigMap", {}).get("galley-config", {})
    for version in K8S_VERSIONS:
        try:
            kv.validate(config, version, True)
        except kv.ValidationError as e:
            fail(f"ConfigMap/galley-config with the overlay's patch (k8s {version}): {e.message}")
    data = config.get("data", {})
    sts = by_kind.get("StatefulSet", {}).get("galley-redis")
    if sts is None:
        fail("no StatefulSet/galley-redis in the Sentinel overlay")
        return
    spec = sts["spec"]
    svc = by_kind.get("Service", {}).get(spec.get("serviceName"))
    if svc is None or svc["spec"].get("clusterIP") != "None":
        fail(f"StatefulSet/galley-redis: serviceName {spec.get('serviceName')!r} is not a headless Service here")
    replicas = spec.get("replicas", 1)
    ns = sts["metadata"].get("namespace", "galley")
    expected = ",".join(f"galley-redis-{i}.{spec.get('serviceName')}.{ns}.svc.cluster.local:26379"
                        for i in range(replicas))
    if data.get("REDIS_SENTINELS") != expected:
        fail(f"galley-config REDIS_SENTINELS is {data.get('REDIS_SENTINELS')!r}; the StatefulSet's Sentinels are {expected!r}")
    master = data.get("REDIS_SENTINEL_MASTER")
    scripts = by_kind.get("ConfigMap", {}).get("galley-redis-scripts", {}).get("data", {})
    monitor = re.search(r"sentinel monitor (\S+) \S+ 6379 (\d+)", scripts.get("sentinel.sh", ""))
    if not monitor or monitor.group(1) != master:
        fail(f"sentinel.sh does not monitor the master REDIS_SENTINEL_MASTER names ({master!r})")
    elif not (replicas // 2 < int(monitor.group(2)) <= replicas):
        fail(f"Sentinel quorum {monitor.group(2)} is not a majority of {replicas} Sentinels")
    redis_sh = scripts.get("redis.sh", "")
    for flag in ("--appendonly yes", "--maxmemory-policy noeviction", "--min-replicas-to-write 1"):
        if flag not in redis_sh:
            fail(f"redis.sh does not start the data nodes with {flag}")
    if replicas < 3:
        fail(f"StatefulSet/galley-redis: {replicas} pods; three Sentinels need three")
    pdb = by_kind.get("PodDisruptionBudget", {}).get("galley-redis")
    if pdb is None or pdb["spec"].get("maxUnavailable") != 1:
        fail("no PodDisruptionBudget galley-redis with maxUnavailable 1")
    pod = spec["template"]["spec"]
    if pod.get("securityContext", {}).get("runAsNonRoot") is not True:
        fail("StatefulSet/galley-redis: runAsNonRoot is not true")
    for c in pod["containers"]:
        res = c.get("resources", {})
        if not res.get("requests") or "memory" not in res.get("limits", {}):
            fail(f"StatefulSet/galley-redis/{c['name']}: needs resource requests and a memory limit")
        sc = c.get("securityContext", {})
        if sc.get("allowPrivilegeEscalation") is not False or sc.get("capabilities", {}).get("drop") != ["ALL"]:
            fail(f"StatefulSet/galley-redis/{c['name']}: securityContext not restricted")
    with open(os.path.join(DEPLOY, "schemas", "keda-scaledobject.schema.json"), encoding="utf-8") as f:
        validator = jsonschema.Draft202012Validator(json.load(f))
    scaled = by_kind.get("ScaledObject", {})
    for name, so in scaled.items():
        for err in validator.iter_errors(so):
            fail(f"ScaledObject/{name} with the overlay's patch: "
                 f"{'.'.join(str(p) for p in err.absolute_path)}: {err.message}")
        for trig in so["spec"].get("triggers", []):
            md = trig.get("metadata", {})
            if trig.get("type") != "redis-sentinel-streams":
                fail(f"ScaledObject/{name}: trigger {trig.get('name')} is {trig.get('type')!r}, not redis-sentinel-streams")
            if md.get("addresses") != expected or md.get("sentinelMaster") != master:
                fail(f"ScaledObject/{name}: trigger {trig.get('name')} does not ask the StatefulSet's Sentinels for {master!r}")
            if STREAM_GROUPS.get(md.get("stream")) != md.get("consumerGroup"):
                fail(f"ScaledObject/{name}: stream/group {md.get('stream')}/{md.get('consumerGroup')} not the contract's")
            if md.get("stream") == "emoji_tasks" and "pendingEntriesCount" in md \
                    and md["pendingEntriesCount"] != str(data.get("EMOJI_CONCURRENCY")):
                fail(f"ScaledObject/{name}: pendingEntriesCount should equal EMOJI_CONCURRENCY")
        if not any("lagCount" in t.get("metadata", {}) for t in so["spec"].get("triggers", [])):
            fail(f"ScaledObject/{name}: no consumer-group lag trigger (lagCount) in the Sentinel variant")
    if len(scaled) < 2:
        fail("the Sentinel overlay lost the base's ScaledObjects")
    print(f"{len(docs)} resources built, {count} validations of the overlay's own (strict), {len(scaled)} ScaledObjects patched")


CHECKS = {
    "yaml-parse": check_yaml_parse,
    "json-parse": check_json_parse,
    "k8s-schema": check_k8s_schema,
    "keda": check_keda,
    "kustomization": check_kustomization,
    "k8s-policy": check_k8s_policy,
    "compose-policy": check_compose_policy,
    "compose-interpolated": check_compose_interpolated,
    "env-example": check_env_example,
    "dockerfile": check_dockerfile,
    "dockerfile-packages": check_print_packages,
    "schedules": check_schedules,
    "grafana": check_grafana,
    "alert-metrics": check_alert_metrics,
    "operations-doc": check_operations_doc,
    "k8s-sentinel": check_k8s_sentinel,
}


def main() -> int:
    if len(sys.argv) != 2 or sys.argv[1] not in CHECKS:
        print(f"usage: checks.py {'|'.join(CHECKS)}", file=sys.stderr)
        return 2
    try:
        CHECKS[sys.argv[1]]()
    except Exception as e:  # a crash is a failure with its reason, not a traceback wall
        fail(f"{type(e).__name__}: {e}")
    for p in problems:
        print(p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
