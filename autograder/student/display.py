"""What a student sees under a check, quiz or submit cell: HTML in Jupyter, text elsewhere.

Each result object renders itself: ``_repr_html_`` for Jupyter's rich display
and ``__str__``/``__repr__`` for a terminal, so ``check(...)`` as the last
line of a cell shows a compact table and ``print(check(...))`` shows text.
Everything a student wrote is escaped before it reaches the page.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html import escape

from autograder.grading.results import TestOutcome

_STYLE = (
    "<style>.cg td,.cg th{text-align:left;vertical-align:top;padding:2px 8px}"
    ".cg pre{margin:0;white-space:pre-wrap}.cg .ok{color:#1a7f37}.cg .bad{color:#c62828}"
    ".cg .todo{color:#8a6d00}.cg .diff{background:#fff3e0}</style>"
)


@dataclass
class FunctionRow:
    """The public cases of one student function."""

    function: str
    outcomes: list[TestOutcome]

    @property
    def state(self) -> str:
        """``passed``, ``not started``, ``missing`` or ``failed``."""
        if all(o.status == "passed" for o in self.outcomes):
            return "passed"
        if any(o.details.get("not_started") for o in self.outcomes):
            return "not started"
        if any(o.details.get("error") == "missing" for o in self.outcomes):
            return "missing"
        return "failed"

    @property
    def summary(self) -> str:
        passed = sum(o.status == "passed" for o in self.outcomes)
        return {
            "passed": f"all {len(self.outcomes)} public cases pass"
            if len(self.outcomes) > 1 else "its public case passes",
            "not started": "not started yet (it still raises NotImplementedError)",
            "missing": f"{self.function} is not defined yet: run the cell that defines it",
        }.get(self.state, f"{passed} of {len(self.outcomes)} public cases pass")


@dataclass
class CheckView:
    """The result of ``check(...)`` or ``check_all()``."""

    title: str
    outcomes: list[TestOutcome]
    seconds: float
    errors: list[str] = field(default_factory=list)

    @property
    def rows(self) -> list[FunctionRow]:
        order: dict[str, list[TestOutcome]] = {}
        for outcome in self.outcomes:
            order.setdefault(outcome.details.get("function", outcome.exercise), []).append(outcome)
        return [FunctionRow(name, found) for name, found in order.items()]

    @property
    def passed(self) -> bool:
        """Whether every public case ran and passed."""
        return not self.errors and all(o.status == "passed" for o in self.outcomes)

    def __str__(self) -> str:
        lines = [f"{self.title} ({self.seconds:.2f} s)", *(f"error: {e}" for e in self.errors)]
        for row in self.rows:
            mark = {"passed": "ok", "not started": "--"}.get(row.state, "FAIL")
            lines.append(f"{mark:<4}  {row.function}: {row.summary}")
            if row.state != "failed":
                continue
            first = _first_failure(row)
            for outcome in row.outcomes:  # every case: passed, the first failure in full, briefly
                if outcome.status == "passed":
                    lines.append(f"      ok {outcome.name}")
                elif outcome is first:
                    lines.append(f"      x  {outcome.name}")
                    lines += [f"         {line}" for line in outcome.output.splitlines()]
                else:
                    lines.append(f"      x  {outcome.name}: {_brief(outcome)}")
        return "\n".join(lines)

    __repr__ = __str__

    def _repr_html_(self) -> str:
        parts = [_STYLE, f"<div class='cg'><b>{escape(self.title)}</b> "
                 f"<small>({self.seconds:.2f} s)</small>"]
        parts += [f"<div class='bad'>error: {escape(e)}</div>" for e in self.errors]
        parts.append("<table>")
        for row in self.rows:
            css = {"passed": "ok", "not started": "todo"}.get(row.state, "bad")
            mark = {"passed": "&#10003;", "not started": "&#8230;"}.get(row.state, "&#10007;")
            parts.append(f"<tr><td class='{css}'>{mark}</td><td><code>{escape(row.function)}"
                         f"</code></td><td>{escape(row.summary)}</td></tr>")
            if row.state == "failed":
                first = _first_failure(row)
                parts += [_case_html(o, full=o is first) for o in row.outcomes]
        parts.append("</table></div>")
        return "".join(parts)


def _first_failure(row: FunctionRow) -> TestOutcome:
    return next(o for o in row.outcomes if o.status != "passed")


def _brief(outcome: TestOutcome) -> str:
    """One line for a further failing case: its first line of feedback and its mistake."""
    first = outcome.output.splitlines()[0] if outcome.output else "failed"
    code = outcome.details.get("misconception")
    return f"{first} ({code})" if code else first


def _case_html(outcome: TestOutcome, full: bool) -> str:
    if outcome.status == "passed":
        return f"<tr><td></td><td class='ok'>&#10003;</td><td>{escape(outcome.name)}</td></tr>"
    if not full:
        return (f"<tr><td></td><td class='bad'>&#10007;</td><td>{escape(outcome.name)}: "
                f"{escape(_brief(outcome))}</td></tr>")
    details = outcome.details
    hint = details.get("hint")
    body = [f"<b>{escape(outcome.name)}</b>"]
    table = set(layer_table_lines(details["layers"])) if details.get("layers") else set()
    shown = [line for line in outcome.output.splitlines()
             if not line.startswith("Hint") and line not in table]
    body.append(f"<pre>{escape(chr(10).join(shown))}</pre>")
    if hint:
        code = details.get("misconception")
        label = f"Hint ({escape(code)})" if code else "Hint"
        body.append(f"<div class='todo'><b>{label}:</b> {escape(str(hint))}</div>")
    if details.get("layers"):
        body.append(_layers_html(details["layers"]))
    return f"<tr><td></td><td class='bad'>&#10007;</td><td>{''.join(body)}</td></tr>"


def _layers_html(rows: list[list[str]]) -> str:
    cells = ["<table><tr><th>#</th><th>expected</th><th>yours</th></tr>"]
    for number, expected, yours in rows:
        css = "" if expected == yours else " class='diff'"
        cells.append(f"<tr{css}><td>{escape(number)}</td><td><code>{escape(expected)}</code>"
                     f"</td><td><code>{escape(yours)}</code></td></tr>")
    return "".join(cells) + "</table>"


def layer_table_lines(rows: list[list[str]]) -> list[str]:
    """The expected and the student's layers as text columns, differing rows marked ``*``."""
    width = max([len(r[1]) for r in rows] + [len("expected")])
    lines = [f"   #  {'expected':<{width}}  yours"]
    for number, expected, yours in rows:
        mark = " " if expected == yours else "*"
        lines.append(f"{mark}{number:>3}  {expected:<{width}}  {yours}")
    return lines


@dataclass
class AnswerRow:
    """One quiz answer's form: ``ok``, ``blank``, ``unreadable`` or ``unknown``."""

    id: str
    state: str
    message: str


@dataclass
class AnswersView:
    """The result of ``check_answers(...)``: the form of each answer, never its correctness."""

    rows: list[AnswerRow]
    errors: list[str] = field(default_factory=list)
    forms: dict[str, str] = field(default_factory=dict)  # question kind -> accepted form

    @property
    def passed(self) -> bool:
        return not self.errors and all(r.state == "ok" for r in self.rows)

    def _counts(self) -> str:
        ready = sum(r.state == "ok" for r in self.rows)
        return (f"quiz answers: {ready} of {len(self.rows)} readable "
                "(this checks the form of each answer, not whether it is right)")

    def _shown(self) -> list[AnswerRow]:
        """Answered questions one by one; the unanswered ones in one row."""
        rows = [r for r in self.rows if r.state != "blank"]
        blank = [r.id for r in self.rows if r.state == "blank"]
        if blank:
            rows.append(AnswerRow(f"{len(blank)} questions", "blank",
                                  "no answer yet: " + ", ".join(blank)))
        return rows

    def __str__(self) -> str:
        lines = [self._counts(), *(f"error: {e}" for e in self.errors)]
        for row in self._shown():
            mark = {"ok": "ok", "blank": "--"}.get(row.state, "FAIL")
            lines.append(f"{mark:<4}  {row.id}: {row.message}")
        lines.append("accepted forms: " + "; ".join(f"{k}: {v}" for k, v in self.forms.items()))
        return "\n".join(lines)

    __repr__ = __str__

    def _repr_html_(self) -> str:
        parts = [_STYLE, f"<div class='cg'><b>{escape(self._counts())}</b>"]
        parts += [f"<div class='bad'>error: {escape(e)}</div>" for e in self.errors]
        parts.append("<table>")
        for row in self._shown():
            css = {"ok": "ok", "blank": "todo"}.get(row.state, "bad")
            parts.append(f"<tr><td class='{css}'>{escape(row.state)}</td><td><code>"
                         f"{escape(row.id)}</code></td><td>{escape(row.message)}</td></tr>")
        parts.append("</table><small>Accepted forms: ")
        parts.append("; ".join(f"<i>{escape(k)}</i>: {escape(v)}" for k, v in self.forms.items()))
        return "".join(parts) + "</small></div>"


@dataclass
class SubmitView:
    """The result of ``submit(...)``: the zip written (if any) and what the grader will see."""

    zip_path: str | None
    sources: list[str] = field(default_factory=list)  # per exercise: each function's file
    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def _lead(self) -> str:
        if self.zip_path is None:
            return "no zip was written"
        return f"wrote {self.zip_path}: upload this file"

    def __str__(self) -> str:
        lines = [self._lead()]
        lines += [f"problem: {p}" for p in self.problems]
        lines += [f"warning: {w}" for w in self.warnings]
        if self.sources:
            lines.append("graded from:")
            lines += [f"  {line}" for line in self.sources]
        return "\n".join(lines)

    __repr__ = __str__

    def _repr_html_(self) -> str:
        css = "bad" if self.zip_path is None else "ok"
        parts = [_STYLE, f"<div class='cg'><b class='{css}'>{escape(self._lead())}</b>"]
        parts += [f"<div class='bad'>problem: {escape(p)}</div>" for p in self.problems]
        parts += [f"<div class='todo'>warning: {escape(w)}</div>" for w in self.warnings]
        if self.sources:
            parts.append("<div>graded from:</div><ul>")
            parts += [f"<li>{escape(line)}</li>" for line in self.sources]
            parts.append("</ul>")
        return "".join(parts) + "</div>"
