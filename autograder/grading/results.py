"""Typed grading results and their one serialized form (a Gradescope ``results.json``).

Reports, the gradebook and statistics read the serialized dictionaries, never
the live objects, so everything downstream of grading can be regenerated from
``results/<id>.json`` alone.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from autograder.course.table import QUIZ, course_table

Status = Literal["passed", "failed"]
Visibility = Literal["visible", "hidden", "after_due_date", "after_published"]
QuizStatus = Literal["correct", "partial", "incorrect", "missing", "malformed"]

# The exercises come from the course table, in the order students meet them;
# the quiz (QUIZ) comes last.


@dataclass
class TestOutcome:
    """One hidden test's outcome for one submission."""

    __test__ = False  # a result type, not a pytest test class

    name: str
    exercise: str
    score: float
    max_score: float
    status: Status
    output: str = ""
    tags: list[str] = field(default_factory=list)
    visibility: Visibility = "after_published"
    # Structured feedback for reports: case, expected, got, hint, diff lines.
    details: dict[str, Any] = field(default_factory=dict)
    # The stable id policies, stats and adjustments use: "<exercise>.<function>[<case>]".
    # The name is only a label and may be reworded.
    id: str = ""
    # The points the grader gave before any points policy (None: no policy applied yet).
    default_score: float | None = None
    default_max_score: float | None = None

    def __post_init__(self) -> None:
        if not self.id:
            self.id = self.name

    @property
    def misconceptions(self) -> list[str]:
        return [t.split(":", 1)[1] for t in self.tags if t.startswith("misconception:")]


@dataclass
class QuizItemResult:
    """The score and feedback for one quiz question."""

    id: str
    score: float
    max_score: float
    status: QuizStatus
    answer: str | None
    feedback: str
    explanation: str = ""
    # The points the quiz gave before any points policy (None: no policy applied yet).
    default_score: float | None = None
    default_max_score: float | None = None


@dataclass
class SubmissionResult:
    """Everything graded for one submission."""

    submission: str
    tests: list[TestOutcome] = field(default_factory=list)
    quiz: list[QuizItemResult] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    execution_time: float = 0.0
    isolation: str = "full"
    # True when the submission holds no implemented function and no quiz answer.
    no_work: bool = False

    @property
    def score(self) -> float:
        return _round(sum(t.score for t in self.tests) + sum(q.score for q in self.quiz))

    @property
    def max_score(self) -> float:
        return _round(sum(t.max_score for t in self.tests) + sum(q.max_score for q in self.quiz))

    def exercise_scores(self) -> dict[str, dict[str, float]]:
        """Per-exercise totals, exercises in course order, then the quiz."""
        totals: dict[str, dict[str, float]] = {}
        for test in self.tests:
            entry = totals.setdefault(test.exercise, {"score": 0.0, "max_score": 0.0})
            entry["score"] += test.score
            entry["max_score"] += test.max_score
        if self.quiz:
            totals[QUIZ] = {
                "score": sum(q.score for q in self.quiz),
                "max_score": sum(q.max_score for q in self.quiz),
            }
        order = {name: i for i, name in enumerate((*course_table().names, QUIZ))}
        return {
            name: {k: _round(v) for k, v in totals[name].items()}
            for name in sorted(totals, key=lambda n: (order.get(n, len(order)), n))
        }

    def to_gradescope_dict(self) -> dict[str, Any]:
        """The Gradescope ``results.json`` form, plus convgrade's own keys."""
        tests = [_test_entry(t) for t in self.tests]
        tests += [_quiz_entry(q) for q in self.quiz]
        summary = f"{self.submission}: {self.score:g} / {self.max_score:g}"
        if self.errors:
            summary += "\n" + "\n".join(f"error: {e}" for e in self.errors)
        return {
            "score": self.score,
            "max_score": self.max_score,
            "execution_time": round(self.execution_time, 3),
            "output": summary,
            "visibility": "visible",
            "stdout_visibility": "hidden",
            "tests": tests,
            "submission": self.submission,
            "exercises": self.exercise_scores(),
            "quiz": {q.id: _quiz_dict(q) for q in self.quiz},
            "errors": list(self.errors),
            "warnings": list(self.warnings),
            "isolation": self.isolation,
            "no_work": self.no_work,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SubmissionResult:
        """Rebuild a result from its serialized form (the inverse of ``to_gradescope_dict``)."""
        tests = [
            TestOutcome(
                name=t["name"],
                exercise=t.get("exercise", ""),
                score=float(t["score"]),
                max_score=float(t["max_score"]),
                status=t["status"],
                output=t.get("output", ""),
                tags=list(t.get("tags", [])),
                visibility=t.get("visibility", "after_published"),
                details=dict(t.get("details", {})),
                id=t.get("id", ""),
                default_score=t.get("default_score"),
                default_max_score=t.get("default_max_score"),
            )
            for t in data.get("tests", [])
            if t.get("exercise") != QUIZ
        ]
        quiz = [QuizItemResult(**q) for q in data.get("quiz", {}).values()]
        return cls(
            submission=data["submission"],
            tests=tests,
            quiz=quiz,
            errors=list(data.get("errors", [])),
            warnings=list(data.get("warnings", [])),
            execution_time=float(data.get("execution_time", 0.0)),
            isolation=data.get("isolation", "full"),
            no_work=bool(data.get("no_work", False)),
        )


def _test_entry(test: TestOutcome) -> dict[str, Any]:
    return {
        "id": test.id,
        "name": test.name,
        "score": _round(test.score),
        "max_score": _round(test.max_score),
        "status": test.status,
        "output": test.output,
        "visibility": test.visibility,
        "tags": list(test.tags),
        "exercise": test.exercise,
        "details": test.details,
        **_defaults(test),
    }


def _quiz_entry(item: QuizItemResult) -> dict[str, Any]:
    return {
        "id": f"{QUIZ}.{item.id}",
        "name": f"quiz: {item.id}",
        "score": _round(item.score),
        "max_score": _round(item.max_score),
        "status": "passed" if item.status == "correct" else "failed",
        "output": item.feedback,
        "visibility": "visible",
        "tags": [],
        "exercise": QUIZ,
        "details": {},
    }


def _quiz_dict(item: QuizItemResult) -> dict[str, Any]:
    data = asdict(item)
    return {k: v for k, v in data.items() if not (k.startswith("default_") and v is None)}


def _defaults(item: TestOutcome) -> dict[str, float]:
    """The default points, stored only once a points policy has changed them."""
    if item.default_max_score is None or item.default_score is None:
        return {}
    return {"default_score": item.default_score, "default_max_score": item.default_max_score}


def _round(value: float) -> float:
    # Scores stay exact (points policies scale them); only float noise such as
    # 39.99999999999999 is cleaned. Reports and the gradebook round when they show.
    return round(float(value), 9)
