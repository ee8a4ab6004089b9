"""The course: where its material lives and the table of its exercises."""
