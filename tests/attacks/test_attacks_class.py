"""A class where attackers sit next to honest students, graded in one run.

The run must exit 0; every honest student gets exactly what it gets when graded
alone; no attacker earns more than its own code; nothing is left behind in
/tmp, /dev/shm or SysV IPC; and no grader process grows past 3 GiB.
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from test_attacks_guard import HOSTILE

from autograder.authoring.examples import Sample, build_sample
from autograder.course.paths import course
from autograder.sandbox.child import BASE_UID

# The whole class is graded in the sandbox. Under reduced isolation the snooping
# attacker can read whatever any user may read, so its test needs full isolation.
pytestmark = pytest.mark.needs_root
CONVGRADE = [sys.executable, "-m", "autograder"]
SHM_KEY = 0x0C1A55
WORKERS = 2

# Looks for a classmate's shapes.py anywhere it can read and runs it as its own.
SNOOP = '''
import os

_FOUND = {}


def _steal():
    if "code" not in _FOUND:
        _FOUND["code"] = None
        mine = open(__file__).read()
        for top, dirs, files in os.walk("/"):
            dirs[:] = [d for d in dirs if top != "/" or d not in ("proc", "sys", "usr", "dev")]
            if "shapes.py" in files:
                try:
                    text = open(os.path.join(top, "shapes.py")).read()
                except OSError:
                    continue
                done = "def conv_output_size" in text and "NotImplementedError(" not in text
                if text != mine and done:
                    _FOUND["code"] = text
                    break
    if _FOUND["code"] is None:
        raise NotImplementedError("nothing to copy")
    space = {}
    exec(_FOUND["code"], space)
    return space


def conv_output_size(n, f, stride=1, padding="valid"):
    return _steal()["conv_output_size"](n, f, stride, padding)


def conv_output_shape(input_shape, filters, kernel_size, stride=1, padding="valid"):
    return _steal()["conv_output_shape"](input_shape, filters, kernel_size, stride, padding)


def pool_output_shape(input_shape, pool_size=2, stride=None, padding="valid"):
    return _steal()["pool_output_shape"](input_shape, pool_size, stride, padding)


def flatten_size(shape):
    return _steal()["flatten_size"](shape)
'''

# Tries to leave things behind: a deep folder chain, shared memory, files in /dev/shm.
LITTER = f'''
import ctypes, os


def pool_forward(A_prev, pool_size=2, stride=None, mode="max", padding="valid"):
    for top in ("/tmp", "/dev/shm", "."):
        try:
            os.chdir(top)
            for _ in range(3000):
                os.mkdir("d")
                os.chdir("d")
        except OSError:
            pass
    try:
        open("/dev/shm/litter", "w").write("x")
    except OSError:
        pass
    libc = ctypes.CDLL(None, use_errno=True)
    libc.shmget({SHM_KEY}, 1 << 20, 0o1666)
    raise RuntimeError("littered")
'''

# Replaces the child's reply writer so conv_forward answers with a decompression bomb.
BOMBER = HOSTILE + '''

def conv_forward(A_prev, W, b, stride=1, padding="valid"):
    return bomb()
'''


def _honest(dest: Path, sid: str, *mistakes: str) -> Path:
    return build_sample(Sample(sid, mistakes=mistakes), dest)


def _attacker(dest: Path, sid: str, module: str, source: str) -> Path:
    folder = build_sample(Sample(sid, stubs=(module,), answers=""), dest)
    (folder / f"{module}.py").write_text(source, encoding="utf-8")
    return folder


def _zip(folder: Path, sid: str) -> Path:
    target = folder.parent / f"{sid}.zip"
    with zipfile.ZipFile(target, "w") as archive:
        for path in sorted(folder.rglob("*")):
            archive.write(path, path.relative_to(folder))
    shutil.rmtree(folder)
    return target


def _grade(inputs: list[Path], out: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COLUMNS": "200"}
    return subprocess.run(
        [*CONVGRADE, "grade", *map(str, inputs), "--out", str(out), "--no-train",
         "--workers", str(WORKERS)],
        capture_output=True, text=True, timeout=900, env=env,
    )


def _results(out: Path) -> dict[str, dict]:
    return {
        data["submission"]: data
        for data in (json.loads(p.read_text()) for p in (out / "results").glob("*.json"))
    }


def _scores(data: dict) -> dict[str, float]:
    return {t.get("id") or t["name"]: t["score"] for t in data["tests"]}


def _leftovers() -> list[str]:
    """Files and SysV objects owned by a sandbox user, or made with the attack's key."""
    sandbox_uids = range(BASE_UID, BASE_UID + 64)
    found = []
    for top in ("/tmp", "/var/tmp", "/dev/shm"):
        for entry in os.scandir(top):
            try:
                if entry.stat(follow_symlinks=False).st_uid in sandbox_uids:
                    found.append(entry.path)
            except OSError:
                continue
    for kind in ("shm", "sem", "msg"):
        rows = Path(f"/proc/sysvipc/{kind}").read_text().splitlines()
        header = rows[0].split()
        for row in rows[1:]:
            fields = dict(zip(header, row.split(), strict=False))
            if int(fields["uid"]) in sandbox_uids or int(fields["key"]) == SHM_KEY:
                found.append(f"sysv {kind} {fields['key']}")
    return found


@pytest.fixture(scope="module")
def class_run(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """Grade the mixed class once, and each honest student alone."""
    base = tmp_path_factory.mktemp("class")
    klass = base / "class"
    honest = [
        _honest(klass, "alice"),
        _honest(klass, "carol", "kernel-flipped", "params-missing-bias"),
        _honest(klass, "x" * 240),
        _honest(klass, "eve\x1b]0;pwned\x07\x1b[2J"),
        _honest(klass, "bob"),
        _zip(_honest(klass, "bobzip", "pool-mode-swapped"), "bob"),
    ]
    _attacker(klass, "snoop", "shapes", SNOOP)
    _attacker(klass, "litter", "pooling", LITTER)
    _attacker(klass, "bomber", "convolution", BOMBER)
    (klass / "sneaky").symlink_to(course().reference, target_is_directory=True)
    before = _leftovers()
    children_before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    done = _grade([klass], base / "out")
    peak_mib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    alone = {}
    for path in (honest[0], honest[1], honest[5]):
        out = base / f"alone-{path.stem}"
        assert _grade([path], out).returncode == 0
        (data,) = _results(out).values()
        alone[path.name] = data
    return {
        "done": done,
        "results": _results(base / "out"),
        "alone": alone,
        "leftovers": [p for p in _leftovers() if p not in before],
        "peak_mib": peak_mib if peak_mib > children_before / 1024 else None,
    }


def test_the_run_exits_zero_with_a_result_for_everyone(class_run):
    """One run grades the whole class, attackers included, and exits 0."""
    done = class_run["done"]
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert len(class_run["results"]) == 10  # both 'bob's, and the refused symlink too


def test_honest_students_score_as_they_do_alone(class_run):
    """alice, carol and the zipped bob get exactly the scores they get when graded alone."""
    results = class_run["results"]
    assert _scores(results["alice"]) == _scores(class_run["alone"]["alice"])
    assert _scores(results["carol"]) == _scores(class_run["alone"]["carol"])
    zipped = next(d for sid, d in results.items() if sid.startswith("bob") and sid != "bob")
    assert _scores(zipped) == _scores(class_run["alone"]["bob.zip"])
    assert results["alice"]["score"] == results["alice"]["max_score"]
    assert results["carol"]["score"] < results["carol"]["max_score"]


def test_odd_names_are_graded_as_honest_work(class_run):
    """A 240-character name and one full of escape sequences are graded under safe ids."""
    results = class_run["results"]
    full = results["alice"]["score"]
    odd = [sid for sid in results if sid.startswith(("xxx", "eve"))]
    assert len(odd) == 2
    for sid in odd:
        assert len(sid) <= 64 and sid.isprintable() and "\x1b" not in sid
        assert results[sid]["score"] == full


@pytest.mark.needs_namespaces
def test_attackers_earn_no_more_than_their_own_code(class_run):
    """Copying, littering and a reply bomb each earn nothing in the attacked exercise."""
    results = class_run["results"]
    assert results["snoop"]["exercises"]["shapes"]["score"] == 0
    assert results["litter"]["exercises"]["pooling"]["score"] == 0
    assert results["bomber"]["exercises"]["convolution"]["score"] == 0
    refused = next(d for sid, d in results.items() if sid.startswith("sneaky"))
    assert refused["score"] == 0 and any("link" in e for e in refused["errors"])


def test_nothing_is_left_behind(class_run):
    """No file in /tmp, /var/tmp or /dev/shm and no SysV object outlives the run."""
    assert class_run["leftovers"] == []


def test_no_grader_process_grows_past_3_gib(class_run):
    """The largest process of the run, grader or zygote, stays under 3 GiB."""
    assert class_run["peak_mib"] is None or class_run["peak_mib"] < 3 * 1024
