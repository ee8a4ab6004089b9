"""Stage 5, report: stored results, feedback reports, gradebook, class statistics."""
