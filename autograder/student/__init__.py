"""What students run themselves: the public checks, in a notebook or a terminal."""
