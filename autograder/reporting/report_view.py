"""What a feedback report shows, built from a stored result dictionary.

A student should act on a report at a glance: the score first, then the few
fixes worth the most points, then one entry per function and cause ("failed 8
of 8 cases: NotImplementedError: not started yet") with one worked example,
each spotted mistake explained in words, and the quiz with its questions.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from autograder.course.paths import course
from autograder.grading.misconceptions import HINTS, SUMMARIES
from autograder.load import submission as loading
from autograder.quiz import answers as qa
from autograder.quiz.files import Question, load_questions

NEXT_STEPS = 3
# The message of a generated stub that was never filled in.
_NOT_STARTED = re.compile(r"NotImplementedError: (\w+) is not implemented yet")
_CASE = re.compile(r"\s*\[[^\[\]]*\]$")
_LEADING_NAME = re.compile(r"^([a-z]\w*_\w*)\b")
_CASE_NAME = re.compile(r"\[([a-z]\w*_\w*)\]$")  # a check run once per function, e.g. a builder
_SKIPPED = re.compile(
    r"^Stopped: (\w+) was not run again: it did not finish within (.+) on an earlier case$"
)
NO_WORK = (
    "No work found: did you upload the right files? Nothing in this submission is "
    "implemented and no quiz answer was found."
)


@dataclass
class FailureGroup:
    """Failing cases of one exercise that share a function and a cause."""

    exercise: str
    function: str
    cause: str
    code: str | None
    tests: list[dict[str, Any]] = field(default_factory=list)
    cases: int = 0  # every case of the same checks, passed or not

    @property
    def failed(self) -> int:
        return len(self.tests)

    @property
    def lost(self) -> float:
        return round(sum(t["max_score"] - t["score"] for t in self.tests), 4)

    @property
    def example(self) -> dict[str, Any]:
        """The most instructive failing case: diagnosed first, then the shortest."""
        return min(self.tests, key=lambda t: (not _code(t), len(t.get("output", ""))))

    @property
    def not_started(self) -> bool:
        """Every case failed on an untouched stub: one line says it all."""
        return self.cause.startswith("NotImplementedError")

    @property
    def summary(self) -> str:
        return f"failed {self.failed} of {self.cases} cases: {self.cause}"


def _code(test: dict[str, Any]) -> str | None:
    return next((t.split(":", 1)[1] for t in test.get("tags", [])
                 if t.startswith("misconception:")), None)


def _base(name: str) -> str:
    return _CASE.sub("", name)


def _first_line(text: str) -> str:
    return (text.strip().splitlines() or [""])[0]


def _cause(test: dict[str, Any]) -> tuple[str | None, str, str | None]:
    """(function, cause, misconception code) of one failing test."""
    output, details = test.get("output", ""), test.get("details", {})
    if match := _NOT_STARTED.search(output):
        return match[1], "NotImplementedError: not started yet", None
    own = details.get("function")  # set by the comparison that failed
    # The hidden tests' labels start with the function they check ("zero_pad adds zeros").
    named = _LEADING_NAME.match(test["name"]) or _CASE_NAME.search(test["name"])
    function = own or (named[1] if named else None)
    if code := _code(test):
        return function, SUMMARIES.get(code, code), code
    if details.get("error"):
        message = _first_line(details.get("message", output))
        if details["error"] == "missing" and "has no function" not in message:
            return None, message, None  # the whole file: one entry for all its functions
        # Later cases skipped after a time-out share the time-out's cause.
        return function, _SKIPPED.sub(r"Stopped: \1 did not finish within \2", message), None
    if own and "got" in details:
        return function, "wrong answers", None
    return function, _first_line(output) or "failed", None


def failure_groups(tests: list[dict[str, Any]], exercise: str) -> list[FailureGroup]:
    """One group per function and cause, most points lost first."""
    groups: dict[tuple[str, str], FailureGroup] = {}
    for test in tests:
        if test["status"] == "passed":
            continue
        function, cause, code = _cause(test)
        key = (function or "", cause)
        if key not in groups:
            groups[key] = FailureGroup(exercise, function or _base(test["name"]), cause, code)
        groups[key].tests.append(test)
    for (function, _), group in groups.items():
        bases = {_base(t["name"]) for t in group.tests}
        if not function and len(bases) > 1:  # one cause across checks: the file itself
            group.function = f"{exercise}.py"
        same = [t for t in tests if _base(t["name"]) in bases]
        # A check run for several functions (one case per model builder) counts only the
        # cases that name this group's function, and the group's own.
        if any(group.function in t["name"] for t in group.tests):
            same = [t for t in same
                    if group.function in t["name"] or any(t is g for g in group.tests)]
        group.cases = len(same)
    return sorted(groups.values(), key=lambda g: -g.lost)


def _questions() -> dict[str, Question]:
    return _read_questions(course().quiz_questions)


@functools.cache
def _read_questions(path: Path) -> dict[str, Question]:
    # Reports outlive quiz edits; a question file that cannot be read just shows ids.
    try:
        return {q.id: q for q in load_questions(path)}
    except (OSError, ValueError):
        return {}


def _answer_shown(question: Question | None, answer: str | None) -> str | None:
    """The student's answer; chosen letters also with their options' text."""
    if answer is None or question is None or not question.options:
        return answer
    try:
        chosen = sorted(qa.letters(answer.strip("[]"), question.options))
    except qa.Malformed:
        return answer
    return "; ".join(f"{letter}) {question.options[letter]}" for letter in chosen)


_UNREADABLE_ANSWERS = re.compile(r"answers\.toml is not valid|QUIZ_ANSWERS")


def _quiz(result: dict[str, Any]) -> dict[str, Any]:
    items = list(result.get("quiz", {}).values())
    questions = _questions()
    rows = []
    for item in items:
        question = questions.get(item["id"])
        text = " ".join(question.prompt.split()) if question else item["id"]
        rows.append({**item, "question": text,
                     "answer": _answer_shown(question, item.get("answer"))})
    missing = [r for r in rows if r["status"] == "missing"]
    return {
        "rows": [r for r in rows if r["status"] != "missing"] if len(missing) == len(rows)
        else rows,
        "missing": missing,
        "none_answered": bool(rows) and len(missing) == len(rows),
        "correct": sum(r["status"] == "correct" for r in rows),
        # The answers were given but could not be read at all (a TOML or notebook error).
        "unreadable_file": any(_UNREADABLE_ANSWERS.search(str(e))
                               for e in result.get("errors", [])),
        "total": len(rows),
    }


def _step(group: FailureGroup) -> str:
    worth = f"worth {group.lost:g} point{'s' * (group.lost != 1)}"
    if group.not_started:
        return f"Implement {group.function} ({worth}): it is not started yet."
    if group.code:
        return f"Fix {group.function} ({worth}): you {group.cause}. See the hint below."
    where = "" if group.failed == group.cases else f" (in {group.failed} of {group.cases} cases)"
    return f"Fix {group.function} ({worth}): {group.cause}{where}."


def _next_steps(groups: list[FailureGroup], quiz: dict[str, Any]) -> list[str]:
    ranked: list[tuple[float, str]] = [(g.lost, _step(g)) for g in groups]
    missing = quiz["missing"]
    if missing:
        points = sum(q["max_score"] for q in missing)
        if quiz["unreadable_file"] and quiz["none_answered"]:
            text = (f"Fix your quiz answers so they can be read (worth {points:g} points): "
                    'see "Problems with the submission".')
        else:
            text = (f"Answer the {len(missing)} quiz question{'s' * (len(missing) != 1)} "
                    f"left blank (worth {points:g} points).")
        ranked.append((points, text))
    unreadable = [q for q in quiz["rows"] if q["status"] == "malformed"]
    if unreadable:
        points = sum(q["max_score"] for q in unreadable)
        ranked.append((points, f"Rewrite the {len(unreadable)} quiz answer"
                       f"{'s' * (len(unreadable) != 1)} that could not be read "
                       f"(worth {points:g} points); the quiz section says why."))
    ranked.sort(key=lambda item: -item[0])
    return [text for points, text in ranked[:NEXT_STEPS] if points > 0]


def _isolation(isolation: str) -> str:
    if isolation == "full":
        return ("Your code ran in a sealed sandbox: it could not see other students' work, "
                "the answers or the network.")
    return f"Your code ran with fewer safeguards than usual ({isolation}); tell your instructor."


def report_context(result: dict[str, Any]) -> dict[str, Any]:
    """The view of a result a report shows: totals, next steps, grouped failures, the quiz."""
    tests = [t for t in result.get("tests", []) if t.get("exercise") != "quiz"]
    exercises, all_groups = [], []
    for name, totals in result.get("exercises", {}).items():
        if name == "quiz":
            continue
        own = [t for t in tests if t.get("exercise") == name]
        groups = failure_groups(own, name)
        all_groups += groups
        exercises.append({
            "name": name,
            "score": totals["score"],
            "max_score": totals["max_score"],
            "passed": sum(t["status"] == "passed" for t in own),
            "total": len(own),
            # Untouched functions take one cell of the score table, not a section each.
            "not_started": [g.function for g in groups if g.not_started],
            "groups": [g for g in groups if not g.not_started],
        })
    quiz = _quiz(result)
    codes = sorted({code for g in all_groups if (code := g.code)})
    return {
        "submission": result["submission"],
        "score": result["score"],
        "max_score": result["max_score"],
        "percent": 100.0 * result["score"] / result["max_score"] if result["max_score"] else 0.0,
        "no_work": NO_WORK if result.get("no_work") else None,
        "next_steps": _next_steps(all_groups, quiz),
        # The banner already says "no work found"; the error list need not repeat it.
        "errors": [e for e in result.get("errors", [])
                   if not (result.get("no_work") and e == loading.NO_WORK)],
        "warnings": result.get("warnings", []),
        "isolation": _isolation(result.get("isolation", "full")),
        "ta_notes": result.get("ta_notes", []),  # set by autograder.workspace.apply
        "exercises": exercises,
        "any_not_started": any(ex["not_started"] for ex in exercises) or quiz["none_answered"],
        "quiz": quiz,
        "quiz_totals": result.get("exercises", {}).get("quiz"),
        "misconceptions": [{"code": c, "summary": SUMMARIES.get(c, c), "hint": HINTS.get(c, "")}
                           for c in codes],
    }


# ---------------------------------------------------------------- Markdown safety

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
# Enough to keep text inert: no code span, link, image, HTML, heading, table cell or entity.
_MD_SPECIAL = re.compile(r"([\\`\[\]<>#|&~*])")


def md_text(value: Any) -> str:
    """Student-reachable text as one inert Markdown line: no links, images, HTML or headings."""
    text = " ".join(_CONTROL.sub("", str(value)).split())
    return _MD_SPECIAL.sub(r"\\\1", text)


def md_block(value: Any) -> str:
    """Text in a fenced code block that nothing inside can close (the fence outgrows it)."""
    text = _CONTROL.sub("", str(value).replace("\t", "    ")).rstrip("\n")
    longest = max((len(run) for run in re.findall(r"`+|~+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}text\n{text}\n{fence}"


FILTERS = {"md": md_text, "md_block": md_block}
