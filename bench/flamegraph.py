"""A flame graph without a dependency: the main thread's stack sampled from a second thread,
collapsed (``a;b;c count``) and drawn as SVG, widest = most time. py-spy would need ptrace,
which containers often refuse; this needs nothing but the standard library.
"""

import sys
import threading
import zlib
from collections import Counter
from html import escape
from pathlib import Path

ROOT = str(Path(__file__).resolve().parent.parent) + "/"


class Sampler:
    """``with Sampler() as s: work()`` → ``s.stacks``: Counter of root-first frame tuples."""

    def __init__(self, interval: float = 0.001):
        self.interval, self.stacks = interval, Counter()
        self._target = threading.get_ident()
        self._stop = threading.Event()

    def _run(self):
        while not self._stop.wait(self.interval):
            frame = sys._current_frames().get(self._target)
            stack = []
            while frame is not None:
                code = frame.f_code
                stack.append(f"{code.co_name} ({_short(code.co_filename)}:{code.co_firstlineno})")
                frame = frame.f_back
            self.stacks[tuple(reversed(stack))] += 1

    def __enter__(self):
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()


def _short(filename: str) -> str:
    """The path from the package on: flask/app.py, consult/api/views.py."""
    if "site-packages/" in filename:
        return filename.split("site-packages/", 1)[1]
    if filename.startswith(ROOT):
        return filename[len(ROOT):]
    return filename.rsplit("/", 1)[-1]


def collapsed(stacks: Counter) -> str:
    return "\n".join(f"{';'.join(s)} {n}" for s, n in sorted(stacks.items()))


def svg(stacks: Counter, *, title: str, width: int = 1600, row: int = 16, min_width: float = 0.5) -> str:
    total = sum(stacks.values()) or 1
    tree: dict = {}
    for stack, n in stacks.items():
        node = tree
        for name in stack:
            entry = node.setdefault(name, [0, {}])
            entry[0] += n
            node = entry[1]
    rects, depth_max = [], 0

    def draw(node, x, depth):
        nonlocal depth_max
        depth_max = max(depth_max, depth)
        for name, (n, children) in sorted(node.items()):
            w = width * n / total
            if w >= min_width:
                rects.append((x, depth, w, name, n))
                draw(children, x, depth + 1)
            x += w

    draw(tree, 0.0, 0)
    height = (depth_max + 2) * row + 24
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" font-family="monospace" '
           f'font-size="11"><text x="4" y="14">{escape(title)} — {total} samples; hover for names</text>']
    for x, depth, w, name, n in rects:
        y = height - (depth + 1) * row
        hue = 20 + zlib.crc32(name.encode()) % 40  # stable colours from run to run
        label = escape(name) if w > 60 else ""
        out.append(f'<g><title>{escape(name)}: {n} samples ({100 * n / total:.1f} %)</title>'
                   f'<rect x="{x:.1f}" y="{y}" width="{w:.1f}" height="{row - 1}" fill="hsl({hue},80%,60%)"/>'
                   f'<text x="{x + 2:.1f}" y="{y + 11}" clip-path="none">{label[:int(w / 7)]}</text></g>')
    out.append("</svg>")
    return "\n".join(out)
