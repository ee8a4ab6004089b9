"""What students run themselves: the public checks, in a notebook or a terminal."""

# The helper's calls a notebook makes at top level. Grading drops them like any other
# top-level call, but they are the notebook's own furniture, not work the student left.
HELPER_CALLS = frozenset({"check", "check_all", "check_answers", "submit"})
