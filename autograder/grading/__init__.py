"""Grade and score: hidden graders against the sandboxed submission, feedback, points."""
