"""Public self-check tests: small fixed cases that ship to students (``convgrade check``)."""
