"""The explorer's layout: no two entity rectangles (shape and label) overlap, the most important
names get the readable font, and the same graph gives the same picture."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest

from graphbuild.layout import (
    BASE_FONT,
    DRAW_THRESHOLD_PX,
    HEADLINE_LABELS,
    HEADLINE_PX,
    Layout,
    Mark,
    _overlaps,
    remove_overlaps,
    text_width,
    wrap_label,
)


def overlapping_pairs(layout: Layout) -> list[tuple[str, str]]:
    """Every pair of entities whose rectangles overlap, found by brute force."""
    boxes = []
    for node, (x, y) in layout.positions.items():
        half, above, below = Mark(layout.sizes[node], layout.labels[node],
                                  layout.fonts[node]).extents()
        boxes.append((node, x - half, y - above, x + half, y + below))
    return [(a[0], b[0]) for k, a in enumerate(boxes) for b in boxes[k + 1:]
            if a[1] < b[3] and b[1] < a[3] and a[2] < b[4] and b[2] < a[4]]


def scale_free_graph(count: int, seed: int = 3) -> tuple[nx.Graph, dict, dict, list[str]]:
    """A hub-heavy graph with names of every length, and a few entities without relations."""
    graph = nx.barabasi_albert_graph(count, 2, seed=seed)
    graph = nx.relabel_nodes(graph, {n: f"e{n:04}" for n in graph})
    graph.add_nodes_from(f"lone{k}" for k in range(5))
    rng = np.random.default_rng(seed)
    words = ["Probation", "Service", "of", "the", "North", "CRC", "Ministry", "Justice", "Ltd"]
    labels = {n: wrap_label(" ".join(rng.choice(words, rng.integers(1, 6)))) for n in graph}
    degree = dict(graph.degree)
    sizes = {n: 8.0 + degree[n] for n in graph}
    ranked = sorted((n for n in graph if degree[n] > 0), key=lambda n: (-degree[n], n))
    return graph, sizes, labels, ranked


@pytest.mark.parametrize("count", [12, 150, 600])
def test_no_two_rectangles_overlap_and_headlines_are_readable(count):
    graph, sizes, labels, ranked = scale_free_graph(count)
    layout = Layout(graph, sizes, labels, ranked)
    assert overlapping_pairs(layout) == []
    headline = set(ranked[:HEADLINE_LABELS])
    assert {layout.fonts[n] for n in headline} == {layout.headline_font}
    assert {layout.fonts[n] for n in graph if n not in headline} <= {BASE_FONT}
    assert layout.headline_font >= BASE_FONT  # a small view is fitted at zoom 1: no need
    # the fitted zoom the layout expects makes headlines readable, other names too small
    assert layout.headline_font * layout.scale >= 0.9 * HEADLINE_PX
    if count >= 150:
        assert BASE_FONT * layout.scale < DRAW_THRESHOLD_PX


def test_same_graph_same_picture():
    first = Layout(*scale_free_graph(300))
    second = Layout(*scale_free_graph(300))
    assert first.positions == second.positions and first.fonts == second.fonts
    assert Layout(*scale_free_graph(300, seed=4)).positions != first.positions


def test_remove_overlaps_separates_coincident_and_crowded_rectangles():
    rng = np.random.default_rng(5)
    xy = np.concatenate([np.zeros((20, 2)), rng.random((200, 2)) * 300])  # 20 on one spot
    ext = np.stack([rng.random(220) * 60 + 5, rng.random(220) * 10 + 5,
                    rng.random(220) * 30 + 5], axis=1)
    assert len(_overlaps(xy, ext)[0]) > 200
    moved = remove_overlaps(xy, ext, np.arange(220))
    assert len(_overlaps(moved, ext)[0]) == 0
    left, right = moved[:, 0] - ext[:, 0], moved[:, 0] + ext[:, 0]
    top, bottom = moved[:, 1] - ext[:, 1], moved[:, 1] + ext[:, 2]
    clash = ((left[:, None] < right[None, :]) & (left[None, :] < right[:, None])
             & (top[:, None] < bottom[None, :]) & (top[None, :] < bottom[:, None]))
    assert clash.sum() == 220  # each rectangle with itself only (brute force)


def test_long_names_wrap_at_the_middle_space():
    assert wrap_label("Capita") == "Capita"
    assert wrap_label("North East Division of the National Probation Service") == \
        "North East Division of the\nNational Probation Service"
    assert wrap_label("Supercalifragilisticexpialidocious") == \
        "Supercalifragilisticexpialidocious"
    assert text_width("Capita\nNational Probation Service", 10) == \
        text_width("National Probation Service", 10)
