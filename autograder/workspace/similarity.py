"""Pairs of submissions whose exercise code is the same up to names, comments, layout and order.

Fingerprints (``fingerprint.py``) found in the stubs or the reference are
discounted, and so are those that many students share (idioms the exercise
invites), so what remains is what a pair wrote alike on their own. The score
of a pair is the Jaccard index of what remains. A high score is a flag for a
person to read the two side by side, never a penalty.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from scipy import sparse

from autograder.course.paths import CourseLayout
from autograder.reporting.store import write_text_atomic
from autograder.workspace.fingerprint import Fingerprints, fingerprint_files

FLAG_SCORE = 0.6  # pairs at or above are flagged for review
MIN_PRINTS = 5  # fewer own fingerprints than this: too little code to compare
SIMILARITY = "similarity"


@dataclass(frozen=True)
class Pair:
    """Two submissions and how alike their own code is (0 to 1)."""

    a: str
    b: str
    score: float


@dataclass
class Analysis:
    """Ranked pairs, and each submission's own fingerprints for highlighting."""

    pairs: list[Pair]
    prints: dict[str, dict[str, Fingerprints]] = field(default_factory=dict)
    kept: dict[str, set[int]] = field(default_factory=dict)

    def shared_lines(self, a: str, b: str) -> dict[str, dict[str, set[int]]]:
        """Per submission and file, the lines holding fingerprints the pair shares."""
        common = self.kept.get(a, set()) & self.kept.get(b, set())
        return {
            sid: {
                name: {line for h in prints.hashes & common for line in prints.lines[h]}
                for name, prints in self.prints[sid].items()
            }
            for sid in (a, b)
        }


def course_prints(course: CourseLayout) -> set[int]:
    """Fingerprints of the stubs and the reference, which every student starts from."""
    files: dict[str, str] = {}
    for folder in (course.exercises, course.reference):
        for path in sorted(folder.glob("*.py")):
            files[f"{folder.name}/{path.name}"] = path.read_text(encoding="utf-8")
    return {h for prints in fingerprint_files(files).values() for h in prints.hashes}


def analyse(submissions: Mapping[str, Mapping[str, str]], discount: set[int]) -> Analysis:
    """Score every pair of ``submissions`` (id -> file name -> source)."""
    ids = sorted(submissions)
    prints = {sid: fingerprint_files(dict(submissions[sid])) for sid in ids}
    own = {
        sid: {h for p in files.values() for h in p.hashes} - discount
        for sid, files in prints.items()
    }
    counts: dict[int, int] = {}
    for hashes in own.values():
        for h in hashes:
            counts[h] = counts.get(h, 0) + 1
    common_at = max(4, len(ids) // 10)
    kept = {sid: {h for h in hashes if counts[h] < common_at} for sid, hashes in own.items()}
    columns = {h: i for i, h in enumerate(sorted({h for s in kept.values() for h in s}))}
    rows, cols = [], []
    for r, sid in enumerate(ids):
        for h in kept[sid]:
            rows.append(r)
            cols.append(columns[h])
    matrix = sparse.csr_matrix(
        (np.ones(len(rows), dtype=np.int32), (rows, cols)), shape=(len(ids), len(columns))
    )
    sizes = np.asarray(matrix.sum(axis=1)).ravel()
    shared = sparse.triu(matrix @ matrix.T, k=1).tocoo()
    first, second, inter = shared.row, shared.col, shared.data.astype(np.float64)
    enough = (sizes[first] >= MIN_PRINTS) & (sizes[second] >= MIN_PRINTS)
    first, second, inter = first[enough], second[enough], inter[enough]
    scores = np.round(inter / (sizes[first] + sizes[second] - inter), 4)
    # Highest first; ties in id order, so the ranking is the same on every run.
    order = np.lexsort((second, first, -scores))
    pairs = [
        Pair(ids[i], ids[j], float(v))
        for i, j, v in zip(first[order].tolist(), second[order].tolist(),
                           scores[order].tolist(), strict=True)
    ]
    return Analysis(pairs=pairs, prints=prints, kept=kept)


def pairs_csv(pairs: list[Pair]) -> str:
    """The pairs as CSV text: ``a,b,score``, one pair a row."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["a", "b", "score"])
    writer.writerows([p.a, p.b, f"{p.score:.4f}"] for p in pairs)
    return buffer.getvalue()


def read_pairs(out: Path) -> list[Pair]:
    """The stored ranking of ``OUT/similarity/pairs.csv`` (empty when never computed)."""
    path = out / SIMILARITY / "pairs.csv"
    if not path.exists():
        return []
    with path.open(encoding="utf-8", newline="") as handle:
        return [Pair(r["a"], r["b"], float(r["score"])) for r in csv.DictReader(handle)]


def flagged(pairs: list[Pair]) -> dict[str, float]:
    """Each flagged submission's highest pair score."""
    best: dict[str, float] = {}
    for pair in pairs:
        if pair.score >= FLAG_SCORE:
            for sid in (pair.a, pair.b):
                best[sid] = max(best.get(sid, 0.0), pair.score)
    return best


def write_similarity(
    out: Path, submissions: Mapping[str, Mapping[str, str]], course: CourseLayout,
    shown: int = 50,
) -> Analysis:
    """Write ``OUT/similarity/pairs.csv`` and ``index.html`` (the ``shown`` best pairs)."""
    from autograder.workspace.render import render_similarity

    analysis = analyse(submissions, course_prints(course))
    folder = out / SIMILARITY
    write_text_atomic(folder / "pairs.csv", pairs_csv(analysis.pairs))
    write_text_atomic(folder / "index.html",
                      render_similarity(analysis, submissions, shown))
    return analysis
