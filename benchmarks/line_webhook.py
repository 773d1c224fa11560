"""LINE webhook under load: how fast deliveries are acknowledged, and how long until the reply.

Starts the LINE channel in a process of its own (Sanic, as `rasa run` would serve it, with a
fake dialogue that answers after --delay-ms) and the fake LINE API in this one, both on
loopback, then sends signed text-message webhooks:

- conversation: --users people, each sending a message and waiting for the answer before the
  next (end-to-end = webhook sent -> reply received by the fake API);
- burst: --users deliveries always in flight, without waiting for answers: the server at
  saturation, acknowledging while a backlog of dialogue turns runs (reported, not a target).

Prints a markdown table and writes benchmarks/results/line_webhook.json with the machine.
Targets (conversation phase): acknowledgement p95 <= 50 ms, end-to-end p95 <= 500 ms, at 20
concurrent users.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import platform
import socket
import statistics
import sys
import time
import uuid
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, List, Tuple

PROJECT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(PROJECT), str(PROJECT / "tests" / "channels")]  # the fakes live with the tests

import aiohttp  # noqa: E402
from fake_line import FakeLineApi  # noqa: E402
from harness import LINE_SECRET, line_signature, payload  # noqa: E402

RESULTS = PROJECT / "benchmarks" / "results" / "line_webhook.json"
TARGET_ACK_P95_MS, TARGET_E2E_P95_MS = 50.0, 500.0


@lru_cache(maxsize=1)
def _turn() -> Tuple[Dict[str, Any], ...]:
    """A realistic turn: intro text, two service cards, a quick reply."""
    from bot.render.response import Button, Card, Response

    card = Card(
        entry_id="childcare-parenting-allowance",
        title="育兒津貼（0至未滿2歲）",
        summary="家中有未滿2歲幼兒、由家人自行照顧的家庭，可每月領取育兒津貼。",
        how_to_apply="向兒童戶籍地區公所社會課申請。",
        agency="臺北市政府社會局",
        url="https://www.sfaa.gov.tw/",
    )
    response = Response("我找到這些可能符合的服務：", [card, card], [Button("轉真人", "/request_human")])
    kwargs = response.to_rasa_message()
    return ({"text": kwargs["text"], "buttons": kwargs["buttons"], "custom": kwargs["json_message"]},)


def _answer(message: Any) -> List[Dict[str, Any]]:
    return [dict(m) for m in _turn()]


def serve_channel(port: int, api_base: str, token: str, delay: float) -> None:
    """The channel process: LineInput on Sanic with a fake dialogue, until terminated."""
    import logging

    from harness import FakeDialogue, serve

    from channels.line import LineInput

    logging.basicConfig(level=logging.WARNING)
    logging.getLogger("sanic.root").setLevel(logging.WARNING)
    try:
        import uvloop

        uvloop.install()  # what Sanic uses under `rasa run`
    except ImportError:
        pass

    async def main() -> None:
        channel = LineInput(LINE_SECRET, token, api_base=api_base)
        await serve(channel, FakeDialogue(_answer, delay=delay), port=port)
        await asyncio.Event().wait()

    asyncio.run(main())


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


async def _wait_for_port(port: int, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            _, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.close()
            return
        except OSError:
            await asyncio.sleep(0.1)
    raise TimeoutError("the channel did not start")


class Load:
    """Signed deliveries, and when each one's reply reached the fake LINE API."""

    def __init__(self, url: str, api: FakeLineApi, session: aiohttp.ClientSession) -> None:
        self.url, self.session = url, session
        self.replies: Dict[str, asyncio.Future[float]] = {}
        self.ack_ms: List[float] = []
        self.e2e_ms: List[float] = []
        self.errors = 0
        self._waiting: List[asyncio.Task[None]] = []
        api.on_delivery = self._delivered

    def _delivered(self, call: Any) -> None:
        future = self.replies.pop(call.body.get("replyToken", ""), None)
        if future is not None and not future.done():
            future.set_result(call.at)

    async def deliver(self, user: int, wait: bool) -> None:
        body = payload("line_text_user")
        event = body["events"][0]
        token = uuid.uuid4().hex
        event.update(
            replyToken=token,
            webhookEventId=uuid.uuid4().hex,
            source={"type": "user", "userId": f"U{user:032x}"},
        )
        event["message"]["text"] = "我想申請育兒津貼"
        raw = json.dumps(body).encode()
        headers = {"Content-Type": "application/json", "X-Line-Signature": line_signature(raw)}
        reply = self.replies[token] = asyncio.get_running_loop().create_future()
        sent = time.monotonic()
        async with self.session.post(self.url, data=raw, headers=headers) as response:
            await response.read()
            ok = response.status == 200
        self.ack_ms.append((time.monotonic() - sent) * 1000)
        if not ok:
            self.errors += 1
            return
        finished = asyncio.ensure_future(self._e2e(reply, sent))
        self._waiting.append(finished)
        if wait:
            await finished

    async def _e2e(self, reply: asyncio.Future[float], sent: float) -> None:
        try:
            self.e2e_ms.append((await asyncio.wait_for(reply, 30) - sent) * 1000)
        except asyncio.TimeoutError:
            self.errors += 1

    async def drain(self) -> None:
        await asyncio.gather(*self._waiting)


def _summary(values: List[float]) -> Dict[str, float]:
    if len(values) < 2:
        return {}
    cuts = statistics.quantiles(values, n=100)
    return {"p50": round(statistics.median(values), 1), "p95": round(cuts[94], 1), "p99": round(cuts[98], 1),
            "max": round(max(values), 1)}  # fmt: skip


def _cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process, from /proc (0 where there is no /proc)."""
    stat = Path(f"/proc/{pid}/stat")
    if not stat.exists():
        return 0.0
    fields = stat.read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def _phase(
    url: str, api: FakeLineApi, users: int, requests: int, wait: bool, pid: int
) -> Dict[str, Any]:
    """One load pattern; CPU per request is measured for the channel process and this one."""
    cpu = (_cpu_seconds(pid), time.process_time())
    connector = aiohttp.TCPConnector(limit=users)
    async with aiohttp.ClientSession(connector=connector) as session:
        load = Load(url, api, session)
        per_user = [requests // users + (1 if i < requests % users else 0) for i in range(users)]
        started = time.monotonic()

        async def user(index: int) -> None:
            for _ in range(per_user[index]):
                await load.deliver(index, wait)

        await asyncio.gather(*(user(i) for i in range(users)))
        await load.drain()
        elapsed = time.monotonic() - started
    count = max(len(load.ack_ms), 1)
    return {
        "requests": len(load.ack_ms),
        "errors": load.errors,
        "throughput_per_s": round(len(load.ack_ms) / elapsed, 1),
        "channel_cpu_ms_per_request": round((_cpu_seconds(pid) - cpu[0]) * 1000 / count, 2),
        "client_and_fake_api_cpu_ms_per_request": round((time.process_time() - cpu[1]) * 1000 / count, 2),
        "ack_ms": _summary(load.ack_ms),
        "e2e_ms": _summary(load.e2e_ms),
    }


def _machine() -> Dict[str, Any]:
    cpuinfo = Path("/proc/cpuinfo")
    lines = cpuinfo.read_text().splitlines() if cpuinfo.exists() else []
    model = next((line.split(":", 1)[1].strip() for line in lines if line.startswith("model name")), "")
    return {
        "platform": platform.platform(),
        "python": platform.python_version(),
        "cpu": model or platform.processor(),
        "cpus": os.cpu_count(),
        "load_average_1m_at_start": round(os.getloadavg()[0], 2),
    }


async def run(args: argparse.Namespace) -> Dict[str, Any]:
    machine = _machine()
    api = FakeLineApi()
    await api.start()
    port = _free_port()
    child = multiprocessing.get_context("spawn").Process(
        target=serve_channel, args=(port, api.url, api.token, args.delay_ms / 1000), daemon=True
    )
    child.start()
    try:
        await _wait_for_port(port)
        url = f"http://127.0.0.1:{port}/webhooks/line/webhook"
        pid = child.pid or 0
        await _phase(url, api, args.users, args.users * 2, True, pid)  # warm-up: connections, caches
        phases = {
            "conversation": await _phase(url, api, args.users, args.requests, True, pid),
            "burst": await _phase(url, api, args.users, args.requests, False, pid),
        }
    finally:
        child.terminate()
        child.join(10)
        await api.close()
    machine["load_average_1m_at_end"] = round(os.getloadavg()[0], 2)
    conversation = phases["conversation"]
    return {
        "machine": machine,
        "config": {
            "users": args.users,
            "requests_per_phase": args.requests,
            "dialogue_delay_ms": args.delay_ms,
        },
        "phases": phases,
        "api_errors": api.errors[:10],
        "pushes": len(api.attempts("push")),
        "targets": {"ack_p95_ms": TARGET_ACK_P95_MS, "e2e_p95_ms": TARGET_E2E_P95_MS},
        "met": bool(
            conversation["ack_ms"].get("p95", 1e9) <= TARGET_ACK_P95_MS
            and conversation["e2e_ms"].get("p95", 1e9) <= TARGET_E2E_P95_MS
            and conversation["errors"] == 0
            and not api.errors
        ),
    }


def _table(result: Dict[str, Any]) -> str:
    rows = [
        "| phase | requests | errors | req/s | channel CPU/req | ack p50 | ack p95 | end-to-end p50 "
        "| end-to-end p95 |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for name, p in result["phases"].items():
        ack, e2e = p["ack_ms"], p["e2e_ms"]
        cells = [
            name,
            p["requests"],
            p["errors"],
            p["throughput_per_s"],
            f"{p['channel_cpu_ms_per_request']} ms",
        ]
        cells += [f"{v} ms" for v in (ack.get("p50"), ack.get("p95"), e2e.get("p50"), e2e.get("p95"))]
        rows.append("| " + " | ".join(str(c) for c in cells) + " |")
    config, verdict = result["config"], "met" if result["met"] else "NOT met"
    rows.append(
        f"\n{config['users']} concurrent users, dialogue answers after {config['dialogue_delay_ms']} ms. "
        f"Targets for the conversation phase (ack p95 <= {TARGET_ACK_P95_MS:.0f} ms, "
        f"end-to-end p95 <= {TARGET_E2E_P95_MS:.0f} ms): {verdict}."
    )
    return "\n".join(rows)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=20, help="concurrent users / deliveries in flight")
    parser.add_argument("--requests", type=int, default=2000, help="webhooks per phase")
    parser.add_argument("--delay-ms", type=float, default=100, help="how long the fake dialogue thinks")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()
    result = asyncio.run(run(args))
    print(_table(result))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {args.out}")
    return 0 if result["met"] else 1


if __name__ == "__main__":
    sys.exit(main())
