"""Attacks on what the grader trusts: replies, names, disks and the student wheel.

Each attack is one function with the property that must hold. The reply attacks
run a real sandboxed child in a grader subprocess whose address space is capped
by an rlimit, so a grader that did decode a bomb fails the test without harming
the machine.
"""

from __future__ import annotations

import errno
import json
import os
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
from click.testing import CliRunner
from sandbox_helpers import SLOT

from autograder.authoring import wheel as wheel_module
from autograder.authoring.leaks import wheel_leaks
from autograder.authoring.wheel import build_student_wheel, hidden_member, wheel_members
from autograder.cli import main
from autograder.course.paths import CourseLayout, OutputLayout, course
from autograder.export.gradescope_run import hidden_paths
from autograder.grading import attempt as attempt_module
from autograder.grading.attempt import internal_error
from autograder.load.submission import Submission
from autograder.reporting import store as output
from autograder.reporting.store import write_result
from autograder.run import bulk
from autograder.run.names import MAX_ID_LENGTH
from autograder.sandbox.protocol import FrameReader, ProtocolError, pack
from autograder.student.runner import public_cases

# Student code that replaces the child's reply writer with one that sends a crafted frame.
HOSTILE = '''
import json, struct, sys, zlib


def _send_instead(make_frame):
    child = sys.modules["autograder.sandbox.child"]
    child.pack = lambda header, arrays=None: make_frame(header.get("id"))
    return 0


def _frame(header, payload=b""):
    head = json.dumps({**header, "payload": len(payload)}).encode()
    return struct.pack(">I", len(head)) + head + payload


def _npz_bomb(mib):
    """A small deflated .npz whose one float64 array of zeros unpacks to ``mib`` MiB."""
    count = mib * 2**20 // 8
    npy = b"\\x93NUMPY\\x01\\x00"
    text = "{'descr': '<f8', 'fortran_order': False, 'shape': (%d,), }" % count
    text = text.ljust(118) + "\\n"
    npy += struct.pack("<H", len(text)) + text.encode()
    zeros = bytes(2**20)
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = packer.compress(zeros) + packer.flush(zlib.Z_FULL_FLUSH)
    blocks = mib
    body = packer.compress(npy) + packer.flush(zlib.Z_FULL_FLUSH)
    body += block * blocks + packer.flush()
    crc = zlib.crc32(npy)
    for _ in range(blocks):
        crc = zlib.crc32(zeros, crc)
    size = len(npy) + blocks * len(zeros)
    # One zip64 member, deflated, with the sizes and CRC of the unpacked array.
    name = b"a0.npy"
    extra = struct.pack("<HHQQ", 1, 16, size, len(body))
    local = struct.pack("<4s5H3L2H", b"PK\\x03\\x04", 45, 0, 8, 0, 0, crc, 0xFFFFFFFF,
                        0xFFFFFFFF, len(name), len(extra)) + name + extra
    central = struct.pack("<4s6H3L5H2L", b"PK\\x01\\x02", 45, 45, 0, 8, 0, 0, crc, 0xFFFFFFFF,
                          0xFFFFFFFF, len(name), len(extra), 0, 0, 0, 0, 0) + name + extra
    end = struct.pack("<4s4H2LH", b"PK\\x05\\x06", 0, 0, 1, 1, len(central),
                      len(local) + len(body), 0)
    return local + body + central + end


def bomb():
    payload = _npz_bomb(512)  # below the grader's rlimit, so a decoder would fill it
    return _send_instead(lambda i: _frame(
        {"id": i, "status": "ok", "value": {"$array": "a0"}}, payload))


def declared_bomb():
    header = {"status": "ok", "value": {"$array": "a0"},
              "arrays": [{"dtype": "<f8", "shape": [2**20, 2**20]}]}
    return _send_instead(lambda i: _frame({**header, "id": i}, bytes(16)))


def deep():
    value = "[" * 200000 + "]" * 200000
    def make(i):
        head = ('{"id": %d, "status": "ok", "payload": 0, "value": %s}' % (i, value)).encode()
        return struct.pack(">I", len(head)) + head
    return _send_instead(make)


def add(a, b):
    return a + b


def big():
    import numpy as np
    return np.ones(100_000)  # 800 kB, honest but large
'''

GRADER = '''
import json, resource, sys
from dataclasses import replace
from pathlib import Path
from autograder.sandbox.proxy import BadReturn
from autograder.sandbox.limits import vm_size_bytes
from autograder.sandbox.session import SandboxConfig, Zygote

scratch, slot = Path(sys.argv[1]), int(sys.argv[2])
config = SandboxConfig(call_timeout=30, cpu_seconds_per_call=30, memory_mb=1024)
with Zygote() as zygote:
    # The grader (not the zygote, already started) may map only 768 MiB more than now.
    cap = vm_size_bytes() + 768 * 2**20
    resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
    seen = {}
    with zygote.spawn(scratch, config, slot=slot) as session:
        for attack in sys.argv[3:]:
            try:
                seen[attack] = repr(session.call("shapes", attack))
            except BadReturn as exc:
                seen[attack] = "BadReturn: " + str(exc)
        seen["after"] = session.call("shapes", "add", 2, 3)
    # A submission may receive 1 MiB in all: the second large value is refused unread.
    with zygote.spawn(scratch, replace(config, submission_reply_mb=1), slot=slot) as session:
        seen["budget"] = [float(session.call("shapes", "big").sum())]
        try:
            session.call("shapes", "big")
        except BadReturn as exc:
            seen["budget"].append(str(exc))
# VmHWM belongs to this process's own memory; ru_maxrss would also carry the
# peak of the pytest process that started it (Linux keeps it across exec).
status = Path("/proc/self/status").read_text()
peak = int(next(l for l in status.splitlines() if l.startswith("VmHWM:")).split()[1]) / 1024
print(json.dumps({"seen": seen, "peak_mib": peak}))
'''


def _grade_hostile(tmp_path: Path, *attacks: str) -> dict:
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    (scratch / "shapes.py").write_text(textwrap.dedent(HOSTILE))
    done = subprocess.run(
        [sys.executable, "-c", GRADER, str(scratch), str(SLOT), *attacks],
        capture_output=True, text=True, timeout=240,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.splitlines()[-1])


# Its scratch is under pytest's tmp_path, which the child's user reaches only through
# full isolation (the child copies it into its tmpfs before dropping root).
@pytest.fixture(scope="module")
def hostile_replies(tmp_path_factory: pytest.TempPathFactory) -> dict:
    return _grade_hostile(tmp_path_factory.mktemp("replies"), "bomb", "declared_bomb", "deep")


@pytest.mark.needs_namespaces
def test_decompression_bomb_reply_leaves_the_grader_small(hostile_replies):
    """A 512 MiB .npz bomb in a 0.5 MiB reply is refused; the grader stays under 300 MiB."""
    assert hostile_replies["seen"]["bomb"].startswith("BadReturn")
    assert hostile_replies["peak_mib"] < 300
    assert hostile_replies["seen"]["after"] == 5


@pytest.mark.needs_namespaces
def test_huge_declared_shape_is_refused_before_allocation(hostile_replies):
    """A reply declaring a 2**40-element array over 16 bytes is refused from its header."""
    assert "larger than the payload" in hostile_replies["seen"]["declared_bomb"]
    assert hostile_replies["peak_mib"] < 300


@pytest.mark.needs_namespaces
def test_deeply_nested_reply_is_a_bad_return(hostile_replies):
    """A reply nested 200,000 deep is refused; the grader carries on with the next call."""
    assert "nested too deeply" in hostile_replies["seen"]["deep"]
    assert hostile_replies["seen"]["after"] == 5


@pytest.mark.needs_namespaces
def test_submission_reply_budget_refuses_values_past_it(hostile_replies):
    """Past the submission's reply budget a value is refused from its header, unread."""
    first, second = hostile_replies["seen"]["budget"]
    assert first == 100_000.0 and "larger than allowed" in second


def test_reply_budget_caps_what_the_reader_buffers():
    """A frame announcing more than the reader's remaining budget is refused from its header."""
    frame = pack({"value": {"$array": "a0"}}, {"a0": np.zeros(512)})
    reader = FrameReader(max_bytes=1024)
    with pytest.raises(ProtocolError, match="larger than allowed"):
        reader.feed(frame[:200])
    assert len(reader.frames) == 0


# ---------------------------------------------------------------- names

SHAPES = (
    "def conv_output_size(n, f, stride=1, padding='valid'):\n    return (n - f) // stride + 1\n"
)
LONG_NAME = "a" * 240
EVE = "eve\x1b]0;pwned\x07\x1b[2J\x1b]52;c;aGk=\x07"


def _zip(path: Path) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("shapes.py", SHAPES)
    return path


def _notebook(path: Path) -> Path:
    cell = {"cell_type": "code", "metadata": {}, "execution_count": None, "outputs": [],
            "source": SHAPES}
    path.write_text(json.dumps({"cells": [cell], "metadata": {}, "nbformat": 4,
                                "nbformat_minor": 5}))
    return path


@pytest.fixture(scope="module")
def hostile_class(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """One CLI run over a class whose file names attack the grader, next to an honest one."""
    root = tmp_path_factory.mktemp("names")
    klass = root / "class"
    klass.mkdir()
    (klass / "honest").mkdir()
    (klass / "honest" / "shapes.py").write_text(SHAPES)
    _zip(klass / f"{LONG_NAME}.zip")
    (klass / EVE).mkdir()
    (klass / EVE / "shapes.py").write_text(SHAPES)
    _zip(klass / "eve.zip")
    _notebook(klass / "bob.ipynb")
    _zip(klass / "bob.zip")
    (klass / "mallory").symlink_to(course().reference, target_is_directory=True)
    out = root / "out"
    done = subprocess.run(
        [sys.executable, "-m", "autograder", "grade", str(klass), "--out", str(out),
         "--no-train", "--workers", "1"],
        capture_output=True, text=True, timeout=300,
    )
    results = {p.stem: json.loads(p.read_text()) for p in (out / "results").glob("*.json")}
    return {"done": done, "results": results, "out": out}


@pytest.mark.needs_root
def test_240_character_file_name_is_graded_under_a_capped_id(hostile_class):
    """A 240-character name gets a result under an id of at most 64 characters; exit 0."""
    assert hostile_class["done"].returncode == 0, hostile_class["done"].stderr[-2000:]
    (long_id,) = [sid for sid in hostile_class["results"] if sid.startswith("aaaa")]
    assert len(long_id) <= MAX_ID_LENGTH and long_id != LONG_NAME[:MAX_ID_LENGTH]
    assert hostile_class["results"][long_id]["score"] > 0


@pytest.mark.needs_root
def test_control_sequences_in_a_file_name_never_reach_the_terminal(hostile_class):
    """Escape sequences in a folder name appear neither in ids nor anywhere in the output."""
    done = hostile_class["done"]
    for stream in (done.stdout, done.stderr):
        assert "\x1b" not in stream and "\x07" not in stream and "\x9b" not in stream
    assert "eve" in hostile_class["results"] and "eve-zip" in hostile_class["results"]
    assert all(sid.isprintable() and sid[0] not in "=+-@" for sid in hostile_class["results"])


@pytest.mark.needs_root
def test_same_id_submissions_are_both_graded_with_a_warning(hostile_class):
    """bob.ipynb and bob.zip both get a result, under distinct ids, and a warning names both."""
    results = hostile_class["results"]
    assert results["bob"]["score"] > 0 and results["bob-zip"]["score"] > 0
    assert any("bob.ipynb" in w for w in results["bob-zip"]["warnings"])
    warning = next(line for line in hostile_class["done"].stderr.splitlines() if "bob" in line)
    assert "bob.ipynb" in hostile_class["done"].stderr and "bob.zip" in warning


@pytest.mark.needs_root
def test_symlinked_submission_root_is_refused(hostile_class):
    """A folder linking to reference/ scores 0 with an error saying it is a symbolic link."""
    mallory = hostile_class["results"]["mallory"]
    assert mallory["score"] == 0 and "symbolic link" in " ".join(mallory["errors"])
    assert hostile_class["results"]["honest"]["score"] > 0
    gradebook = (hostile_class["out"] / "gradebook.csv").read_text().splitlines()
    assert len(gradebook) == 1 + len(hostile_class["results"])


# ---------------------------------------------------------------- files and disks


def _fake_stream(todo, settings, workers, dask_address):
    for job in todo:
        yield internal_error(job.id, "graded")


def test_report_that_cannot_be_written_becomes_an_error_result(tmp_path, monkeypatch):
    """A failure writing one submission's files becomes its error result; the run goes on."""
    for name in ("ann", "bad", "cid"):
        (tmp_path / "class" / name).mkdir(parents=True)
        (tmp_path / "class" / name / "shapes.py").write_text(SHAPES)
    monkeypatch.setattr(bulk, "_stream", _fake_stream)
    monkeypatch.setattr(bulk, "_fallback_shape", lambda: ([], None))
    real_reports, failed = bulk.write_reports, []

    def reports(layout: OutputLayout, data: dict) -> None:
        if data["submission"] == "bad" and not failed:
            failed.append(True)
            raise OSError(errno.ENAMETOOLONG, "File name too long")
        real_reports(layout, data)

    monkeypatch.setattr(bulk, "write_reports", reports)
    summary = bulk.grade_paths([tmp_path / "class"], tmp_path / "out")
    assert summary.graded == ["ann", "bad", "cid"] and summary.missing == []
    bad = json.loads((tmp_path / "out" / "results" / "bad.json").read_text())
    assert "could not be written" in bad["errors"][0] and "File name too long" in bad["errors"][0]
    assert (tmp_path / "out" / "reports" / "cid.html").is_file()


def test_lone_surrogate_in_student_text_still_gets_its_report(tmp_path, monkeypatch):
    """An exception message holding a lone surrogate (valid JSON, not UTF-8) is reported."""
    for name in ("sue", "tom"):
        (tmp_path / "class" / name).mkdir(parents=True)
        (tmp_path / "class" / name / "shapes.py").write_text(SHAPES)

    def stream(todo, settings, workers, dask_address):
        for job in todo:
            yield internal_error(job.id, "ValueError: bad \ud800 stride")

    monkeypatch.setattr(bulk, "_stream", stream)
    summary = bulk.grade_paths([tmp_path / "class"], tmp_path / "out")
    assert summary.missing == [] and summary.stopped is None
    report = (tmp_path / "out" / "reports" / "sue.md").read_text()
    assert "bad \\ud800 stride" in report


def test_long_ids_fit_in_a_file_name(tmp_path):
    """A 240-character id is written: the temporary file name does not overflow NAME_MAX."""
    write_result(OutputLayout(tmp_path), internal_error("x" * 240, "fine"))
    assert (tmp_path / "results" / f"{'x' * 240}.json").is_file()


def test_full_disk_stops_the_run_clearly_and_a_later_run_resumes(tmp_path, monkeypatch):
    """ENOSPC on the second result: exit 1 with a clear message; the next run grades the rest."""
    for name in ("s1", "s2", "s3"):
        (tmp_path / "class" / name).mkdir(parents=True)
        (tmp_path / "class" / name / "shapes.py").write_text(SHAPES)
    monkeypatch.setattr(bulk, "_stream", _fake_stream)
    real_write = output._write_atomic
    writes = {"results": 0}

    def fill_up(path: Path, text: str) -> None:
        if path.parent.name == "results":
            writes["results"] += 1
            if writes["results"] == 2:
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        real_write(path, text)

    monkeypatch.setattr(output, "_write_atomic", fill_up)
    command = ["grade", str(tmp_path / "class"), "--out", str(tmp_path / "out"), "--workers", "1"]
    first = CliRunner().invoke(main, command)
    said = " ".join(first.output.split())
    assert first.exit_code == 1 and "No space left on device" in said
    assert "run the same command again" in said
    assert [p.stem for p in (tmp_path / "out" / "results").glob("*.json")] == ["s1"]
    monkeypatch.setattr(output, "_write_atomic", real_write)
    second = CliRunner().invoke(main, command)
    assert second.exit_code == 0, second.output
    assert sorted(p.stem for p in (tmp_path / "out" / "results").glob("*.json")) == [
        "s1", "s2", "s3"]
    assert len((tmp_path / "out" / "gradebook.csv").read_text().splitlines()) == 4


def test_full_scratch_disk_while_grading_stops_the_run_instead_of_scoring(monkeypatch):
    """ENOSPC while a grader prepares a submission is the run's failure, not a zero result."""
    def no_space(submission, worker):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), "/tmp/convgrade-x/shapes.py")

    monkeypatch.setattr(attempt_module, "grade_loaded", no_space)
    worker = SimpleNamespace(settings=SimpleNamespace(submission_limit=0),
                             state=SimpleNamespace(deadline=None), plan=[], quiz=None)
    with pytest.raises(output.DiskFull, match="No space left"):
        attempt_module.attempt(worker, Submission("s", Path("s")), "s")


# ---------------------------------------------------------------- hidden material


@pytest.fixture(scope="module")
def student_wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_student_wheel(tmp_path_factory.mktemp("wheel"),
                               readme=course().exercises / "README.md")


def test_student_wheel_holds_no_grader_reference_or_key(student_wheel):
    """The wheel release builds has no hidden grader, reference or key, by name or content."""
    wheel = student_wheel
    names = list(wheel_members(wheel))
    assert any(n.startswith("autograder/public/test_public_") for n in names)
    assert "autograder/course/table.toml" in names  # check and submit read the course table
    assert not [n for n in names if hidden_member(n)]
    assert wheel_leaks(wheel, course()) == []


def test_student_wheel_alone_runs_the_self_check(student_wheel, tmp_path):
    """Installed without the graders, the wheel's `convgrade check` still runs the public tests."""
    with zipfile.ZipFile(student_wheel) as archive:
        archive.extractall(tmp_path / "site")
    env = {**os.environ, "PYTHONPATH": str(tmp_path / "site")}
    done = subprocess.run(
        [sys.executable, "-m", "autograder", "check", str(course().exercises), "--no-model"],
        capture_output=True, text=True, timeout=120, cwd=tmp_path, env=env,
    )
    said = " ".join(done.stdout.split())
    cases = len(public_cases(["convolution"]))
    assert done.returncode == 1 and "not started yet" in said and f"0/{cases}" in said, done.stderr
    where = subprocess.run([sys.executable, "-c", "import autograder; print(autograder.__file__)"],
                           capture_output=True, text=True, cwd=tmp_path, env=env)
    assert where.stdout.startswith(str(tmp_path / "site"))


def test_wheel_search_sees_a_planted_grader(tmp_path):
    """A wheel that did ship a grader, even renamed, is reported."""
    grader = (course().graders / "test_shapes.py").read_bytes()
    planted = tmp_path / "convgrade-0-py3-none-any.whl"
    with zipfile.ZipFile(planted, "w") as archive:
        archive.writestr("autograder/graders/test_shapes.py", grader)
        archive.writestr("autograder/helpers.py", grader)
    leaks = wheel_leaks(planted, course())
    assert any("graders/test_shapes.py: a hidden grader" in leak for leak in leaks)
    assert any("helpers.py: a copy of autograder/graders/test_shapes.py" in leak for leak in leaks)


def test_release_refuses_a_wheel_that_holds_a_grader(tmp_path, monkeypatch):
    """If packaging ever ships a grader again, `convgrade release` names it and exits 1."""
    def leaky_wheel(dest: Path, source=None, readme=None) -> Path:
        dest.mkdir(parents=True, exist_ok=True)
        wheel = dest / "convgrade-0.1.0-py3-none-any.whl"
        with zipfile.ZipFile(wheel, "w") as archive:
            grader = course().graders / "test_pooling.py"
            archive.write(grader, "autograder/graders/test_pooling.py")
        return wheel

    monkeypatch.setattr(wheel_module, "build_student_wheel", leaky_wheel)
    done = CliRunner().invoke(main, ["release", str(tmp_path / "bundle")])
    said = " ".join(done.output.split())
    assert done.exit_code == 1 and "graders/test_pooling.py: a hidden grader" in said


def test_gradescope_child_sees_no_copy_of_the_course(tmp_path):
    """Installed apart from the course folder, the whole folder is hidden, graders included."""
    layout = CourseLayout(tmp_path / "source")
    hidden = hidden_paths(tmp_path / "results", layout)
    assert layout.root.resolve() in hidden and layout.graders in hidden
