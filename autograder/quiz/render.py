"""The quiz as Markdown for students; ``authoring.generate`` writes the answers.toml template."""

from __future__ import annotations

from autograder.quiz import answers as qa
from autograder.quiz.scoring import FORMATS, Question, Quiz


def _points(q: Question) -> str:
    return f"{q.points:g} point" + ("" if q.points == 1 else "s")


def quiz_to_markdown(quiz: Quiz, with_keys: bool = False) -> str:
    """The quiz as Markdown for students; ``with_keys`` adds answers and explanations."""
    lines = [
        "# Quiz: convolutional neural networks",
        "",
        f"{len(quiz.questions)} questions, {quiz.max_score:g} points. Answer in `answers.toml`, "
        "one `id = value` line per question, or in a notebook in a dict `QUIZ_ANSWERS` "
        "with the same ids. A missing or unreadable answer scores 0 for its question only.",
    ]
    for n, q in enumerate(quiz.questions, start=1):
        lines += ["", f"## {n}. `{q.id}` ({q.kind}, {_points(q)})", "", " ".join(q.prompt.split())]
        if q.options:
            lines += [""] + [f"- **{letter})** {text}" for letter, text in q.options.items()]
        lines += ["", f"*Answer format:* {FORMATS[q.kind]}."]
        if with_keys:
            key = quiz.keys[q.id]
            answer = qa.show(q.kind, qa.canonical(q, key.answer))
            extra = [qa.show(q.kind, qa.canonical(q, e)) for e in key.equivalent]
            if extra:
                answer += " (also accepted: " + "; ".join(extra) + ")"
            if key.tolerance:
                answer += f" ± {key.tolerance:g}"
            if key.partial:
                answer += ", partial credit"
            lines += ["", f"**Answer:** {answer}", "", f"**Why:** {key.shown}"]
    return "\n".join(lines) + "\n"
