"""``convgrade serve``: the TA web app over one OUT folder (Flask, jinja2).

It listens on 127.0.0.1 only unless asked otherwise, and answers nobody
without the login token printed at start: the first visit carries it in the
URL and gets it back as a same-site cookie, so forms from other sites cannot
act for the TA. Every change goes to the database at once; reports and the
gradebook show it after ``convgrade report OUT``.
"""

from __future__ import annotations

import hmac
import secrets
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import flask
from werkzeug.serving import make_server

from autograder.course.paths import OutputLayout, course
from autograder.course.table import course_table
from autograder.grading.results import QUIZ
from autograder.reporting.report import render_html
from autograder.reporting.store import read_result
from autograder.workspace import classview, store
from autograder.workspace.apply import adjust, apply_workspace, targets
from autograder.workspace.render import ENV, code_lines, side_by_side
from autograder.workspace.schema import open_db
from autograder.workspace.similarity import (
    SIMILARITY,
    analyse,
    course_prints,
    flagged,
    read_pairs,
)
from autograder.workspace.sources import read_sources

COOKIE = "convgrade_token"


def _number(text: str | None) -> float | None:
    try:
        return float(text) if text not in (None, "") else None
    except ValueError:
        return None


def make_app(out: Path, token: str) -> flask.Flask:
    """The app for ``out``, answering only requests that carry ``token``."""
    app = flask.Flask(__name__)
    app.secret_key = secrets.token_bytes(32)
    engine = open_db(out)

    def page(name: str, **context: Any) -> str:
        return ENV.get_template(name).render(**context)

    layout = OutputLayout(out)
    # Parsed result files by path, kept while their modification time is unchanged:
    # a class of a thousand is read once, not on every page.
    parsed: dict[Path, tuple[int, dict[str, Any]]] = {}

    def stored() -> list[dict[str, Any]]:
        found = []
        for path in sorted(layout.results.glob("*.json")):
            stamp = path.stat().st_mtime_ns
            hit = parsed.get(path)
            if hit is None or hit[0] != stamp:
                data = read_result(path)
                if data is None:
                    continue
                parsed[path] = hit = (stamp, data)
            found.append(hit[1])
        return found

    def shown() -> dict[str, dict[str, Any]]:
        return {r["submission"]: r for r in apply_workspace(out, stored(), record=False)}

    def shown_one(sid: str) -> dict[str, Any]:
        result = read_result(layout.result(sid)) if "/" not in sid else None
        if result is None:
            flask.abort(404)
        return apply_workspace(out, [result], record=False)[0]

    @app.before_request
    def login() -> Any:
        given = flask.request.args.get("token")
        if given is not None and hmac.compare_digest(given, token):
            args = {k: v for k, v in flask.request.args.items() if k != "token"}
            response = flask.redirect(flask.url_for(flask.request.endpoint or "table",
                                                    **(flask.request.view_args or {}), **args))
            response.set_cookie(COOKIE, token, httponly=True, samesite="Strict")
            return response
        if not hmac.compare_digest(flask.request.cookies.get(COOKIE, ""), token):
            return flask.Response("convgrade: open the URL printed by `convgrade serve`, "
                                  "with its token\n", status=403, mimetype="text/plain")
        return None

    @app.get("/")
    def table() -> str:
        args = flask.request.args
        filters = classview.Filters(
            min_score=_number(args.get("min_score")),
            max_score=_number(args.get("max_score")),
            exercise=args.get("exercise", ""),
            misconception=args.get("misconception", ""),
            late=args.get("late", ""),
            flagged=args.get("flagged") == "1",
            requests=args.get("requests") == "1",
            sort=args.get("sort", "submission"),
            descending=args.get("desc") == "1",
        )
        results = list(shown().values())
        waiting = Counter(q.submission for q in store.regrade_requests(engine)
                          if q.status == "open")
        rows = classview.build_rows(results, store.load_roster(engine),
                                    flagged(read_pairs(out)), waiting)
        order = {name: i for i, name in enumerate((*course_table().names, QUIZ))}
        exercises = sorted({e for r in rows for e in r.exercises},
                           key=lambda e: (order.get(e, len(order)), e))

        def sort_url(key: str) -> str:
            desc = "0" if filters.sort == key and filters.descending else "1"
            if filters.sort != key:
                desc = "1" if key in ("score", "late", "similarity") else "0"
            return "/?" + urlencode({**args.to_dict(), "sort": key, "desc": desc})

        return page("class.html.j2", rows=classview.select(rows, filters), total=len(rows),
                    filters=filters, exercises=exercises, sort_url=sort_url,
                    codes=sorted({c for r in rows for c in r.misconceptions}))

    @app.get("/submission/<sid>")
    def submission(sid: str) -> str:
        result = shown_one(sid)
        files = read_sources(out, sid)
        marks = classview.failing_lines(result, files)
        code = [{"name": n, "lines": code_lines(t, marks.get(n, set()))}
                for n, t in files.items()]
        decisions = store.adjustments(engine, sid)
        lines = [
            {"target": t, "notes": [a for a in decisions if (a.kind, a.target) == (t.kind, t.id)]}
            for t in targets(result)
        ]
        return page("submission.html.j2", result=result, code=code, lines=lines,
                    history=store.attempts(engine, sid),
                    requests=store.regrade_requests(engine, sid),
                    submitted=store.submitted_at(engine).get(sid),
                    extension=store.extensions(engine).get(sid),
                    selected=flask.request.args.get("target", ""),
                    messages=flask.get_flashed_messages())

    @app.get("/submission/<sid>/report")
    def report(sid: str) -> str:
        return render_html(shown_one(sid))

    def back(sid: str) -> Any:
        return flask.redirect(flask.url_for("submission", sid=sid))

    @app.post("/submission/<sid>/adjust")
    def post_adjust(sid: str) -> Any:
        form = flask.request.form
        kind, _, target = form.get("target", "").partition(":")
        try:
            adjust(out, sid, "question" if kind == "question" else "test", target,
                   _number(form.get("points")), form.get("comment", ""),
                   form.get("author", "").strip() or "TA")
            flask.flash(f"saved the adjustment of {target}")
        except (KeyError, ValueError) as exc:
            flask.flash(f"not saved: {exc.args[0] if exc.args else exc}")
        return back(sid)

    @app.post("/submission/<sid>/extension")
    def post_extension(sid: str) -> Any:
        form = flask.request.form
        days = _number(form.get("days"))
        if days is None or days < 0:
            flask.flash("not saved: the extension is a number of days, 0 to remove it")
        else:
            store.set_extension(engine, store.Extension(
                sid, days, form.get("reason", "").strip(), form.get("author", "").strip() or "TA"))
            flask.flash(f"extension set to {days:g} days")
        return back(sid)

    @app.post("/submission/<sid>/regrade")
    def post_regrade(sid: str) -> Any:
        form = flask.request.form
        if form.get("message", "").strip():
            store.add_regrade_request(engine, store.RegradeRequest(
                sid, form.get("target", ""), form["message"].strip(), store.now()))
            flask.flash("recorded the regrade request")
        return back(sid)

    @app.post("/regrade/<int:request_id>")
    def post_resolve(request_id: int) -> Any:
        form = flask.request.form
        status = "accepted" if form.get("status") == "accepted" else "rejected"
        store.resolve_regrade_request(engine, request_id, status, form.get("resolution", ""),
                                      form.get("author", "").strip() or "TA")
        return back(form.get("submission", ""))

    @app.get("/misconceptions")
    def misconceptions() -> str:
        return page("misconceptions.html.j2", items=classview.misconception_view(stored()))

    @app.get("/similarity")
    def similarity() -> str:
        pairs = read_pairs(out)
        return page("pairs.html.j2", pairs=pairs[:500], total=len(pairs),
                    has_report=(out / SIMILARITY / "index.html").exists())

    @app.get("/similarity/pair")
    def similarity_pair() -> str:
        a, b = flask.request.args.get("a", ""), flask.request.args.get("b", "")
        code = {sid: read_sources(out, sid) for sid in (a, b)}
        if not all(code.values()):
            flask.abort(404)
        analysis = analyse(code, course_prints(course()))
        score = analysis.pairs[0].score if analysis.pairs else 0.0
        return page("pair.html.j2", a=a, b=b, score=score,
                    files=side_by_side(analysis, code, a, b))

    @app.get("/similarity/report")
    def similarity_report() -> Any:
        return flask.send_from_directory((out / SIMILARITY).resolve(), "index.html")

    return app


def serve(
    out: Path, *, host: str = "127.0.0.1", port: int = 0,
    announce: Callable[[str], None] = print,
) -> None:
    """Serve ``out`` until interrupted; ``announce`` gets the one line with the URL to open."""
    token = secrets.token_urlsafe(24)
    server = make_server(host, port, make_app(out, token), threaded=True)
    announce(f"http://{host}:{server.server_port}/?token={token}")
    try:
        server.serve_forever()
    finally:
        server.server_close()
