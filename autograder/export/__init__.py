"""Exports of the course for other platforms: Gradescope and otter-grader."""
