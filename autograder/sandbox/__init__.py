"""Running student code in an isolated child process (see ``session``)."""
