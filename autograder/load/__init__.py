"""Stage 1, load: read a submission into memory and decide what runs, running none of it."""
