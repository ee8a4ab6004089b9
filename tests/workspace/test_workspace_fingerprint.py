"""Fingerprints that survive renaming, comments, layout and statement order."""

from __future__ import annotations

from autograder.workspace.fingerprint import fingerprint_files, function_tokens

ORIGINAL = '''
def pool(A, size):
    out = A[::size]
    total = out.sum() * 2
    best = max(total, len(A))
    for i in range(size):
        best = best + i * size
    return best
'''

def _prints(text: str) -> set[int]:
    return fingerprint_files({"m.py": text})["m.py"].hashes


def test_renaming_comments_layout_and_order_change_nothing():
    """Reordered statements with new names, comments and spacing give the same fingerprints."""
    renamed = ORIGINAL.replace("A", "arr").replace("size", "k").replace("best", "res")
    spaced = renamed.replace(" = ", "   =   ").replace("    return", "    # done\n    return")
    assert _prints(spaced) == _prints(ORIGINAL)
    swapped = ORIGINAL.replace("    out = A[::size]\n    total = out.sum() * 2\n",
                               "    total = out.sum() * 2\n    out = A[::size]\n")
    assert _prints(swapped) == _prints(ORIGINAL)


def test_different_code_shares_little():
    """A different computation shares few fingerprints."""
    other = "def f(x):\n    y = x ** 3 - 7\n    z = [y] * 4\n    return sorted(z, key=abs)\n"
    assert len(_prints(other) & _prints(ORIGINAL)) <= 1


def test_broken_source_gives_no_tokens():
    """A file that does not parse contributes nothing instead of failing."""
    assert function_tokens("def f(:\n") == []


def test_lines_point_at_source():
    """Each fingerprint remembers lines inside the function it came from."""
    prints = fingerprint_files({"m.py": ORIGINAL})["m.py"]
    lines = {line for found in prints.lines.values() for line in found}
    assert lines and lines <= set(range(3, 9))
