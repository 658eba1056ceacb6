"""Printing the HTTP table and its aims (figures are printed, never asserted)."""

from __future__ import annotations

import argparse

from bench.gen import Generator
from bench.table import Table

__all__ = ["print_aims", "print_table"]


def aim(ok: bool) -> str:
    return "met" if ok else "MISSED"


def print_table(table: Table, gen: Generator, opts: argparse.Namespace) -> None:
    print(
        f"HTTP: {gen.name}, {opts.connections} keep-alive connections, {opts.seconds:g} s per "
        f"row, median of {opts.rounds} interleaved round(s); 1-worker servers (w) on CPU 0 and "
        f"the generator on CPU 1, {opts.workers}-worker rows unpinned; uvloop + httptools, "
        "access log off"
    )
    print(f"{'row':<58}{'req/s':>9}{'p50 ms':>8}{'p99 ms':>8}{'vs bare':>9}{'errors':>8}")
    for row in table.rows:
        r = table.median(row.name)
        if r is None:
            continue
        base = table.median(row.base) if row.base else None
        ratio = f"{r.rps / base.rps:.2f}x" if base else ""
        note = f"  ({row.kind})" if row.kind.startswith("queue_position") else ""
        print(
            f"{row.name:<58}{r.rps:>9,.0f}{r.p50_ms:>8.2f}{r.p99_ms:>8.2f}{ratio:>9}"
            f"{r.errors:>8}{note}"
        )
    for name, why in table.skipped:
        print(f"{name:<58}  not measured: {why}")
    print()


def _rps(table: Table, name: str) -> float | None:
    r = table.median(name)
    return r.rps if r else None


def print_aims(table: Table, opts: argparse.Namespace) -> None:
    print("Aims")
    n = opts.workers
    ceiling = _rps(table, "generator ceiling (canned responder)")
    others = [(row.name, _rps(table, row.name)) for row in table.rows]
    measured = [(name, rps) for name, rps in others if rps and not name.startswith("generator")]
    if ceiling and measured:
        top, top_rps = max(measured, key=lambda x: x[1])
        print(
            f"  generator ceiling >= 2x every row: {ceiling:,.0f} vs {top_rps:,.0f} ({top}), "
            f"{ceiling / top_rps:.1f}x, {aim(ceiling >= 2 * top_rps)}"
        )
    for poll, base in (
        ("RunComfy status poll", "bare Starlette GET, 1w"),
        ("Runware getResponse poll", "bare Starlette POST, 1w"),
    ):
        mine, bare = _rps(table, f"sora-mock memory, 1w: {poll}"), _rps(table, base)
        if mine and bare:
            share = mine / bare
            print(f"  {poll} in memory >= 0.8x bare (1 worker): {share:.2f}x, {aim(share >= 0.8)}")
        else:
            print(f"  {poll} in memory >= 0.8x bare (1 worker): not measured")
    aimock = _rps(table, "aimock: fal queue submit")
    for submit in ("RunComfy submit", "Runware submit"):
        mine = _rps(table, f"sora-mock memory, 1w: {submit}")
        if mine and aimock:
            print(
                f"  {submit} >= aimock's fal submit: {mine:,.0f} vs {aimock:,.0f}/s, "
                f"{aim(mine >= aimock)}"
            )
        else:
            print(f"  {submit} >= aimock's fal submit: not measured")
    for poll in ("RunComfy status poll", "Runware getResponse poll"):
        one = _rps(table, f"sora-mock Redis, 1w: {poll}")
        many = _rps(table, f"sora-mock Redis, {n}w: {poll}")
        if one and many:
            print(
                f"  Redis {poll}, {n} workers >= 1.3x one worker: {many / one:.2f}x, "
                f"{aim(many >= 1.3 * one)}"
            )
        else:
            print(f"  Redis {poll}, {n} workers >= 1.3x one worker: not measured")
    small = _rps(table, "sora-mock memory, 1w: newest queued poll, 10 jobs")
    big = _rps(table, f"sora-mock memory, 1w: newest queued poll, {opts.queue_jobs:,} jobs")
    if small and big:
        print(
            f"  newest queued poll at {opts.queue_jobs:,} jobs within 2x of 10 jobs: "
            f"{small / big:.2f}x slower, {aim(small <= 2 * big)}"
        )
    else:
        print(f"  newest queued poll at {opts.queue_jobs:,} jobs within 2x of 10: not measured")
