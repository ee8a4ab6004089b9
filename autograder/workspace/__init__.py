"""The TA workspace: a gradebook database next to a run's result files.

The result files stay the source of truth for automatic scores. The database
(``OUT/gradebook.sqlite``) holds what people decide on top of them: the
roster, submission times and every graded attempt, manual adjustments and
comments with who, when and why, extensions and regrade requests. Reports and
the gradebook show those decisions after ``convgrade report OUT`` (``apply``).
"""
