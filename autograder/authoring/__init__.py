"""Course authoring: student stubs, notebooks and demo submissions built from the reference."""
