"""Pages under load: ``python bench/bench_pages.py [--sizes 500,2000,5000] [--db sqlite|postgresql]``.

For each size it makes a fresh database, migrates it, loads a synthetic scheme of that
many households and people (``flask seed-demo --households N --people N``), serves the
app with ``gunicorn -w 4`` on 127.0.0.1, signs in as the demo coordinator, loads each
page from all 8 clients at once (the first loads build the engine's inputs; the slowest is printed as ``cold``; a
page worked out in the background is waited for, and that wait printed as
``background_job_s``), then times each page at 1 and at 8 concurrent clients: p50, p95,
p99 in milliseconds and requests per second. Last, while 8 clients load suggestion pages, it times ``/health``
and the household list. One JSON line per measurement; ``--markdown`` prints a table.
Only the loopback address is used; every loop is bounded in count and time.
"""

from __future__ import annotations

import argparse
import http.cookiejar
import json
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
CSRF = re.compile(r'name="csrf_token"[^>]*?value="([^"]+)"')
PAGES = {
    "household list": "/households",
    "people list": "/people",
    "household detail": "/households/{hid}",
    "person suggestions": "/people/{pid}/suggestions",
    "household suggestions": "/households/{hid}/suggestions",
    "scheme-wide suggestions": "/suggestions/scheme",
    "audit search": "/audit?action=household",
}
AUDITOR_PAGES = {"audit search"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def flask(env: dict, *args: str) -> str:
    out = subprocess.run(
        [str(BIN / "flask"), "--app", "wsgi", *args], env=env, cwd=ROOT, capture_output=True, text=True
    )
    if out.returncode:
        raise SystemExit(f"flask {' '.join(args)} failed:\n{out.stdout}\n{out.stderr}")
    return out.stdout


class Client:
    """A signed-in browser: cookies and CSRF, stdlib only."""

    def __init__(self, base: str, email: str, password: str):
        self.base = base
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
        page = self.get("/sign-in")[1]
        token = CSRF.search(page).group(1)
        data = urllib.parse.urlencode({"csrf_token": token, "email": email, "password": password}).encode()
        with self.opener.open(urllib.request.Request(base + "/sign-in", data=data), timeout=60) as r:  # noqa: S310
            if "sign-in" in r.url:
                raise SystemExit("sign-in failed")

    def get(self, path: str, timeout: float = 300) -> tuple[int, str]:
        try:
            with self.opener.open(self.base + path, timeout=timeout) as r:
                return r.status, r.read().decode()
        except urllib.error.HTTPError as exc:
            return exc.code, ""


def timed(client: Client, path: str) -> tuple[float, int]:
    t = time.perf_counter()
    status, _ = client.get(path)
    return (time.perf_counter() - t) * 1000, status


def until_worked_out(client: Client, path: str, asked: float, limit_s: float = 600) -> float | None:
    """Seconds from the first request until the page shows its result, when it was worked out
    in the background (the scheme page above SCHEME_INLINE_PAIRS); None when it answered at once."""
    waited = False
    while time.perf_counter() - asked < limit_s:
        if "being worked out" not in client.get(path)[1]:
            return round(time.perf_counter() - asked, 1) if waited else None
        waited = True
        time.sleep(1)
    return round(time.perf_counter() - asked, 1)


def load(clients: list[Client], path: str, per_client: int, limit_s: float = 120) -> dict:
    """Each client requests ``path`` ``per_client`` times at once; latencies and throughput."""
    times, statuses, lock = [], [], threading.Lock()
    stop = time.monotonic() + limit_s

    def run(c):
        for _ in range(per_client):
            if time.monotonic() > stop:
                return
            ms, status = timed(c, path)
            with lock:
                times.append(ms)
                statuses.append(status)

    started = time.perf_counter()
    threads = [threading.Thread(target=run, args=(c,)) for c in clients]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - started
    q = statistics.quantiles(times, n=100) if len(times) > 1 else times * 99
    return {
        "requests": len(times),
        "p50_ms": round(q[49], 1),
        "p95_ms": round(q[94], 1),
        "p99_ms": round(q[98], 1),
        "rps": round(len(times) / wall, 1),
        "errors": sum(1 for s in statuses if s >= 500),
        "not_200": sum(1 for s in statuses if s != 200),
    }


def database(kind: str, size: int, tmp: Path) -> str:
    if kind == "sqlite":
        return f"sqlite:///{tmp / f'bench_{size}.sqlite'}"
    name = f"slm_bench_pages_{size}_{os.getpid()}"
    subprocess.run(["createdb", "-h", "127.0.0.1", "-U", "postgres", name], check=True)
    return f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"


def bench_size(kind: str, size: int, tmp: Path, per_client: int) -> list[dict]:
    url = database(kind, size, tmp)
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "ENV": "development",
        "SECRET_KEY": "bench-secret-key-" + "x" * 32,
        "AUDIT_KEY": "bench-audit-key-" + "y" * 32,
        "LOGIN_RATE_PER_ADDRESS": "100000 per minute",
        "GUNICORN_TIMEOUT": "600",
    }
    flask(env, "db", "upgrade")
    started = time.perf_counter()
    flask(env, "seed-demo", "--households", str(size), "--people", str(size))
    seeded = time.perf_counter() - started
    port = free_port()
    server = subprocess.Popen(
        [str(BIN / "gunicorn"), "-w", "4", "-b", f"127.0.0.1:{port}", "--timeout", "600", "wsgi:app"],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    rows = []
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                urllib.request.urlopen(base + "/health", timeout=2)  # noqa: S310 (loopback only)
                break
            except Exception:
                time.sleep(0.3)
        coordinators = [Client(base, "coordinator@demo.example", "coordinator-demo-passphrase") for _ in range(8)]
        auditors = [Client(base, "auditor@demo.example", "auditor-demo-passphrase") for _ in range(8)]
        ids = {"hid": size // 2, "pid": 1}
        print(json.dumps({"db": kind, "households": size, "seed_s": round(seeded, 1)}), flush=True)
        for name, template in PAGES.items():
            path = template.format(**ids)
            # the audit log is searched by those who may (auditors); the rest by a coordinator
            clients = auditors if name in AUDITOR_PAGES else coordinators
            # the first loads after start-up (8 at once, so every worker gets some) include a
            # worker's first engine inputs and first queries: reported apart as "cold"
            asked = time.perf_counter()
            cold = []
            firsts = [threading.Thread(target=lambda c=c, p=path, out=cold: out.append(timed(c, p))) for c in clients]
            for t in firsts:
                t.start()
            for t in firsts:
                t.join()
            job_s = until_worked_out(clients[0], path, asked)
            for n in (1, 8):
                row = {
                    "db": kind,
                    "households": size,
                    "page": name,
                    "clients": n,
                    **load(clients[:n], path, per_client),
                }
                row["cold_ms"] = round(max(ms for ms, _ in cold), 1)
                if job_s is not None:
                    row["background_job_s"] = job_s
                rows.append(row)
                print(json.dumps(row), flush=True)
        # light pages while 8 clients load suggestion pages
        busy = threading.Thread(
            target=load, args=(coordinators, PAGES["person suggestions"].format(**ids), per_client * 2)
        )
        busy.start()
        probe = Client(base, "manager@demo.example", "manager-demo-passphrase")
        for name, path in (("/health during load", "/health"), ("household list during load", "/households")):
            row = {"db": kind, "households": size, "page": name, "clients": 1, **load([probe], path, 20)}
            rows.append(row)
            print(json.dumps(row), flush=True)
        busy.join()
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
        if kind == "postgresql":
            subprocess.run(["dropdb", "-h", "127.0.0.1", "-U", "postgres", "--if-exists", url.rsplit("/", 1)[1]])
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="500,2000,5000")
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--requests", type=int, default=10, help="requests per client per page")
    parser.add_argument("--markdown", action="store_true")
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for size in (int(s) for s in args.sizes.split(",")):
            rows += bench_size(args.db, size, Path(tmp), args.requests)
    refused = [f"{r['households']} {r['page']} x{r['clients']}" for r in rows if r["not_200"]]
    if refused:  # the time of an error or refusal page is no figure for the page
        print("pages that did not answer 200: " + "; ".join(refused), file=sys.stderr)
    if args.markdown:
        print("| db | households | page | clients | p50 ms | p95 ms | p99 ms | req/s | cold ms |")
        print("|---|---|---|---|---|---|---|---|---|")
        for r in rows:
            print(
                f"| {r['db']} | {r['households']} | {r['page']} | {r['clients']} | {r['p50_ms']} | {r['p95_ms']} "
                f"| {r['p99_ms']} | {r['rps']} | {r.get('cold_ms', '')} |"
            )
    if refused:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
