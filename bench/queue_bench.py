"""Benchmark: what the Redis message queue costs per emit.  N room emits (a dashboard-sized
payload, the room empty so that only the emit path is measured, not delivery) through
python-socketio's in-process manager and through Examhall's Redis manager (live.emit), in the
same run; ratio and microseconds per emit.  Through Redis an emit is a PUBLISH (one round trip);
each process's listener then delivers it to its own members, as in-process.

Usage: python bench/queue_bench.py [N] [REDIS_URL]   (default 20000, redis://127.0.0.1:6379/5).
Prints JSON."""
from __future__ import annotations

import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import socketio

from live.emit import InProcessManager, RedisManager

PAYLOAD = {"question_id": 1, "counts": {"connected": 10000, "answered": 5321},
           "distribution": {"A": 1200, "B": 3000, "C": 800, "D": 321}, "changed": [{"participant_id": 1}] * 20}


def _per_emit_us(manager, count: int) -> float:
    server = socketio.Server(client_manager=manager)
    started = time.perf_counter()
    for _ in range(count):
        server.emit("progress", PAYLOAD, to="session:1:staff", namespace="/live")
    return (time.perf_counter() - started) / count * 1e6


def main(count: int, url: str) -> dict:
    in_process = _per_emit_us(InProcessManager(), count)
    through_redis = _per_emit_us(RedisManager(url, channel="examhall-bench"), count)
    return {"emits": count, "in_process_us_per_emit": round(in_process, 1),
            "redis_queue_us_per_emit": round(through_redis, 1),
            "ratio_redis_vs_in_process": round(through_redis / in_process, 1)}


if __name__ == "__main__":
    args = sys.argv[1:]
    print(json.dumps(main(int(args[0]) if args else 20000, args[1] if len(args) > 1 else "redis://127.0.0.1:6379/5"),
                     indent=2))
