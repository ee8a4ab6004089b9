"""Tests for autograder.reporting.store: atomic writes and reading results back."""

import json

from autograder.course.paths import OutputLayout
from autograder.grading.results import SubmissionResult
from autograder.reporting.store import is_graded, load_results, write_result, write_text_atomic


class TestWriteTextAtomic:
    def test_replaces_content_and_leaves_no_temp_files(self, tmp_path):
        """The new text replaces the old and no temporary file is left behind."""
        target = tmp_path / "a" / "file.txt"
        write_text_atomic(target, "one")
        write_text_atomic(target, "two")
        assert target.read_text() == "two"
        assert [p.name for p in target.parent.iterdir()] == ["file.txt"]


class TestResults:
    def test_written_result_is_graded_and_loaded(self, tmp_path):
        """A written result counts as graded and loads back identical."""
        layout = OutputLayout(tmp_path)
        data = SubmissionResult(submission="zoe").to_gradescope_dict()
        write_result(layout, data)
        assert is_graded(layout, "zoe")
        assert load_results(layout) == ([data], [])

    def test_truncated_file_is_not_graded(self, tmp_path):
        """A half-written or foreign JSON file does not count as a result."""
        layout = OutputLayout(tmp_path)
        layout.ensure()
        layout.result("cut").write_text('{"submission": "cut", "sco')
        layout.result("other").write_text(json.dumps([1, 2]))
        assert not is_graded(layout, "cut")
        assert load_results(layout) == ([], ["cut.json", "other.json"])
