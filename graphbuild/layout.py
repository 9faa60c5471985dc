"""Positions and label sizes for the explorer, chosen so that no two labels ever overlap.

Each connected part of the view is laid out by igraph's Fruchterman-Reingold (measured on
the sample graph's largest part: stress 0.086 against 0.173 and 9 edge crossings against 60
for the hand-written force layout it replaced; 2,000 entities in 0.34 s against 1.6 s).
Every entity then owns a rectangle on the canvas, its shape plus the label vis-network draws
under it, and rectangles are pushed apart until none overlaps (the few still caught then go
to the nearest free place). As overlap is decided in canvas units, labels drawn at any zoom
never overlap either. The most important names get a larger font, sized so that they are readable
when the view is fitted; the others are too small to be drawn then (vis-network skips
labels below `DRAW_THRESHOLD_PX`) and appear as the reader zooms in.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

import igraph
import networkx as nx
import numpy as np

LAYOUT_SEED = 7
BASE_FONT = 14.0  # canvas pixels: the label of an ordinary entity
MAX_FONT = 120.0  # canvas pixels: a headline's largest font
HEADLINE_LABELS = 40  # how many names are sized to be read in the fitted view
HEADLINE_PX = 10.0  # their size on screen when the view is fitted, at least (aimed for)
DRAW_THRESHOLD_PX = 6.0  # vis-network draws no label smaller than this on screen
FIT_PANEL = (730.0, 860.0)  # the network's panel in a 1400×900 window: what "fitted" assumes
FIT_MARGIN = 1.1  # vis-network's fit() leaves this much room around the drawing
PAD = 3.0  # canvas pixels kept free around every rectangle (plus a tenth of its font)
PART_GAP = 60.0  # canvas pixels between packed parts
OVERLAP_ROUNDS = 100  # rounds of pushing apart before the nearest-free-place step
DENSE_PART = 300  # entities in a part laid out as tight as its labels allow
WRAP_CHARACTERS = 18  # longer names are drawn on two lines
# Advance widths of Arial / Liberation Sans (vis-network's default face) in em; others 0.6.
_WIDTHS = {
    **dict.fromkeys("ijl'|", 0.23), **dict.fromkeys(" ft.,:;!/()[]-I", 0.3),
    **dict.fromkeys("r\"", 0.34), **dict.fromkeys("ckszvxyJ*", 0.5),
    **dict.fromkeys("abdeghnopqu0123456789$_?L#", 0.56),
    **dict.fromkeys("ABEKPSVXY&FTZ", 0.67), **dict.fromkeys("CDHNRUw", 0.73),
    **dict.fromkeys("GOQ", 0.78), **dict.fromkeys("mM", 0.84), "W": 0.95, "\u2026": 1.0,
}
WIDTH_SAFETY = 1.08  # other sans-serif faces run a little wider than Arial


def text_width(text: str, font: float) -> float:
    """Estimated canvas width of `text` drawn at `font` pixels (its longest line)."""
    return font * WIDTH_SAFETY * max(sum(_WIDTHS.get(c, 0.6) for c in line)
                                     for line in text.split("\n"))


def wrap_label(text: str) -> str:
    """A long name on two lines, broken at the space nearest its middle: a squarer label
    takes less room among its neighbours than one long line."""
    if len(text) <= WRAP_CHARACTERS or " " not in text:
        return text
    spaces = [i for i, c in enumerate(text) if c == " "]
    cut = min(spaces, key=lambda i: (abs(2 * i - len(text)), i))
    return text[:cut] + "\n" + text[cut + 1:]


@dataclass(frozen=True)
class Mark:
    """What one entity draws: a shape of radius `size` and a label of `font` pixels below it."""

    size: float
    label: str
    font: float

    def extents(self) -> tuple[float, float, float]:
        """Half-width, extent above and extent below the centre, as vis-network draws them
        (the label's top is size + font/2 + 4 below the centre, each line one font high;
        measured in Chromium)."""
        pad = PAD + 0.1 * self.font
        half = max(self.size, text_width(self.label, self.font) / 2) + pad
        lines = self.label.count("\n") + 1 if self.label else 0
        below = self.size + ((0.5 + lines) * self.font + 4 if lines else 0)
        return half, self.size + pad, below + pad


def fr_layout(part: nx.Graph) -> np.ndarray:
    """Fruchterman-Reingold positions of a connected part (nodes in sorted order), scaled so
    that the median relation is one unit long. Seeded: same graph, same picture."""
    nodes = sorted(part.nodes)
    if len(nodes) == 1:
        return np.zeros((1, 2))
    index = {n: i for i, n in enumerate(nodes)}
    edges = sorted({tuple(sorted((index[a], index[b]))) for a, b in part.edges() if a != b})
    graph = igraph.Graph(n=len(nodes), edges=edges)
    start = np.random.default_rng(LAYOUT_SEED).random((len(nodes), 2)) * math.sqrt(len(nodes))
    igraph.set_random_number_generator(random.Random(LAYOUT_SEED))
    try:
        coords = np.array(graph.layout_fruchterman_reingold(seed=start.tolist(), niter=500).coords)
    finally:
        igraph.set_random_number_generator(random)
    lengths = np.linalg.norm(coords[[a for a, _ in edges]] - coords[[b for _, b in edges]], axis=1)
    return (coords - coords.mean(axis=0)) / max(float(np.median(lengths)), 1e-9)


def _overlaps(xy: np.ndarray, ext: np.ndarray) -> tuple[np.ndarray, ...]:
    """Overlapping pairs (i, j) with the distances that would separate them: across, and
    down or up (j under i, or j over i; rectangles extend unequally above and below).

    Candidates come from a sweep along x: after sorting by left edge, j is a candidate of i
    when j's left edge lies between i's left and right edges; their count is that of the
    pairs that overlap horizontally, not the square of the entities.
    """
    left, right = xy[:, 0] - ext[:, 0], xy[:, 0] + ext[:, 0]
    order = np.argsort(left, kind="stable")
    ends = np.searchsorted(left[order], right[order], side="left")
    starts = np.arange(1, len(order) + 1)
    counts = np.maximum(ends - starts, 0)
    i = np.repeat(order, counts)
    first = np.repeat(starts - np.cumsum(counts) + counts, counts)
    j = order[first + np.arange(counts.sum())]
    across = ext[i, 0] + ext[j, 0]
    down = ext[i, 2] + ext[j, 1]
    up = ext[j, 2] + ext[i, 1]
    dy = xy[j, 1] - xy[i, 1]
    hit = (np.abs(xy[j, 0] - xy[i, 0]) < across) & (dy < down) & (-dy < up)
    return i[hit], j[hit], across[hit], down[hit], up[hit]


def remove_overlaps(xy: np.ndarray, ext: np.ndarray, keep: np.ndarray) -> np.ndarray:
    """Move rectangles (centre `xy`; half-width, above, below in `ext`) apart until none
    overlaps. Each overlapping pair moves apart, half each, along the axis that needs the
    shorter move; a rectangle still caught after OVERLAP_ROUNDS (the lower its `keep`, the
    sooner) goes to the nearest free place instead."""
    xy = xy.astype(float).copy()
    for _ in range(OVERLAP_ROUNDS):
        i, j, across, down, up = _overlaps(xy, ext)
        if not len(i):
            return xy
        dx, dy = xy[j, 0] - xy[i, 0], xy[j, 1] - xy[i, 1]
        tie = np.where((i + j) % 2 == 1, 1.0, -1.0)  # coincident centres: a fixed direction
        push_x = np.where(dx > 0, 1.0, np.where(dx < 0, -1.0, tie)) * (across - np.abs(dx))
        push_y = np.where(down - dy <= up + dy, down - dy, -(up + dy))
        sideways = np.abs(push_x) <= np.abs(push_y)
        move = np.stack([np.where(sideways, push_x, 0.0), np.where(sideways, 0.0, push_y)],
                        axis=1) * 0.51
        shift = np.zeros_like(xy)
        np.add.at(shift, j, move)
        np.add.at(shift, i, -move)
        xy += shift
    i, j, *_ = _overlaps(xy, ext)
    caught = np.unique(np.where(keep[i] < keep[j], j, i))
    everyone = np.arange(len(xy))
    for node in caught[np.argsort(keep[caught], kind="stable")]:
        # placed where nothing is, so no later move makes a new overlap
        if _clashes(xy, ext, node, xy[node][None, :], np.flatnonzero(everyone != node))[0]:
            xy[node] = _free_place(xy, ext, node)
    return xy


def _clashes(xy: np.ndarray, ext: np.ndarray, node: int, spots: np.ndarray,
             others: np.ndarray) -> np.ndarray:
    """For each spot, whether `node`'s rectangle put there would overlap one of `others`."""
    dx = xy[None, others, 0] - spots[:, None, 0]
    dy = xy[None, others, 1] - spots[:, None, 1]
    return ((np.abs(dx) < ext[others, 0] + ext[node, 0])
            & (dy < ext[node, 2] + ext[others, 1])
            & (-dy < ext[others, 2] + ext[node, 1])).any(axis=1)


def _free_place(xy: np.ndarray, ext: np.ndarray, node: int) -> np.ndarray:
    """The place nearest to `node`'s own where its rectangle overlaps no other: tried on
    rings around it, each a rectangle's height further out, eight rings at a time against
    the rectangles within their reach."""
    step = float(ext[node, 1] + ext[node, 2])
    reach = np.abs(xy - xy[node]) - [ext[:, 0].max() + ext[node, 0], ext[:, 1:].max() + step]
    for first in range(1, 1_000_000, 8):
        rings = np.arange(first, first + 8)
        others = np.flatnonzero((reach < rings[-1] * step).all(axis=1))
        others = others[others != node]
        angle = np.concatenate([np.arange(8 * r) * (2 * math.pi / (8 * r)) for r in rings])
        radius = np.repeat(rings * step, 8 * rings)
        spots = xy[node] + radius[:, None] * np.stack([np.cos(angle), np.sin(angle)], axis=1)
        free = ~_clashes(xy, ext, node, spots, others)
        if free.any():
            return spots[int(np.argmax(free))]
    raise AssertionError("no free place")  # unreachable: far enough out, every place is free


def _density(count: int) -> float:
    """The share of a part's box its rectangles may cover before they are pushed apart.

    Packed tight (1.0), the nearest-free-place step has many rectangles to seat, which is
    cheap for a few hundred entities but took 175 s for 2,000 (measured); a big part starts
    looser (2,000 entities: 0.15, placed in under 2 s, fitted zoom 0.057 against 0.12).
    """
    return min(1.0, max(0.15, DENSE_PART / count))


def _bounds(xy: np.ndarray, ext: np.ndarray) -> tuple[float, float, float, float]:
    return (float((xy[:, 0] - ext[:, 0]).min()), float((xy[:, 1] - ext[:, 1]).min()),
            float((xy[:, 0] + ext[:, 0]).max()), float((xy[:, 1] + ext[:, 2]).max()))


def _pack(blocks: list[tuple[float, float]], row_width: float) -> list[tuple[float, float]]:
    """Top-left corners for blocks (width, height) in rows no wider than `row_width`."""
    corners, x, y, row = [], 0.0, 0.0, 0.0
    for width, height in blocks:
        if x > 0 and x + width > row_width:
            x, y, row = 0.0, y + row + PART_GAP, 0.0
        corners.append((x, y))
        x += width + PART_GAP
        row = max(row, height)
    return corners


def _packed_extent(blocks: list[tuple[float, float]], row_width: float) -> tuple[float, float]:
    corners = _pack(blocks, row_width)
    return (max(x + w for (x, _), (w, _) in zip(corners, blocks, strict=True)),
            max(y + h for (_, y), (_, h) in zip(corners, blocks, strict=True)))


def fitted_scale(width: float, height: float) -> float:
    """The zoom vis-network's fit() picks for a drawing this big in the nominal panel."""
    return min(1.0, FIT_PANEL[0] / (FIT_MARGIN * max(width, 1.0)),
               FIT_PANEL[1] / (FIT_MARGIN * max(height, 1.0)))


class Layout:
    """Positions (canvas pixels) of a view's entities and the font of each label."""

    def __init__(self, graph: nx.Graph, sizes: dict[str, float], labels: dict[str, str],
                 ranked: list[str]):
        """`graph`: the view's entities and relations (undirected); `ranked`: the entities
        with relations, most important first (the candidates for a readable label)."""
        self.sizes, self.labels = sizes, labels
        parts = sorted((sorted(c) for c in nx.connected_components(graph)),
                       key=lambda c: (-len(c), c))
        self.parts = [p for p in parts if len(p) > 1]
        self.singles = [p[0] for p in parts if len(p) == 1]
        self.unit = {tuple(p): fr_layout(graph.subgraph(p)) for p in self.parts}
        self.headline = ranked[:HEADLINE_LABELS]
        self.rank = {n: r for r, n in enumerate(ranked)}
        self.fonts: dict[str, float] = {}
        self.positions: dict[str, tuple[float, float]] = {}
        self.scale = 1.0
        self._arrange(BASE_FONT * 2.5)
        for _ in range(3):  # the headline font that reads HEADLINE_PX at the fitted zoom
            wanted = min(max(HEADLINE_PX / self.scale, BASE_FONT), MAX_FONT)
            if abs(wanted - self.headline_font) < 0.5:
                break
            self._arrange(wanted)

    def _arrange(self, headline_font: float) -> None:
        self.headline_font = round(headline_font, 1)
        top = set(self.headline)
        self.fonts = {n: self.headline_font if n in top else BASE_FONT for n in self.labels}
        blocks, placed = [], []
        for part in self.parts:
            ext = np.array([self._mark(n).extents() for n in part])
            unit = self.unit[tuple(part)]
            # a relation about one label long, or longer where the labels would crowd
            area = float(np.sum(2 * ext[:, 0] * (ext[:, 1] + ext[:, 2]))) / _density(len(part))
            spacing = max(float(np.median(2 * ext[:, 0])),
                          math.sqrt(area / float(np.prod(np.maximum(np.ptp(unit, axis=0), 1.0)))))
            keep = np.array([self.rank.get(n, len(self.rank)) for n in part])
            xy = remove_overlaps(unit * spacing, ext + 0.5, keep)  # + 0.5: rounding below
            left, top_, right, bottom = _bounds(xy, ext)
            blocks.append((right - left, bottom - top_))
            placed.append((part, xy - [left, top_]))
        widths = sorted({w for w, _ in blocks} | {sum(w for w, _ in blocks) + 1})
        row_width = max(widths, key=lambda r: fitted_scale(*_packed_extent(blocks, r))) \
            if blocks else 0.0
        positions: dict[str, tuple[float, float]] = {}
        corners = _pack(blocks, row_width)
        for (part, xy), (x0, y0) in zip(placed, corners, strict=True):
            for node, (x, y) in zip(part, xy, strict=True):
                positions[node] = (round(x0 + x, 1), round(y0 + y, 1))
        width, height = _packed_extent(blocks, row_width) if blocks else (0.0, 0.0)
        self.scale = fitted_scale(width, height)
        # Entities without relations (hidden until asked for) in rows under the rest.
        singles = [(self._mark(n), n) for n in self.singles]
        cells = [(2 * m.extents()[0], m.extents()[1] + m.extents()[2]) for m, _ in singles]
        below = height + 2 * PART_GAP if blocks else 0.0
        for (mark, node), (x0, y0) in zip(singles, _pack(cells, max(width, 1000.0)), strict=True):
            half, above, _ = mark.extents()
            positions[node] = (round(x0 + half, 1), round(below + y0 + above, 1))
        self.positions = positions

    def _mark(self, node: str) -> Mark:
        return Mark(self.sizes[node], self.labels[node], self.fonts[node])
