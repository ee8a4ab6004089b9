"""The grader's scratch folders: always removable, whatever a child left in them."""

from __future__ import annotations

import os

from autograder.sandbox.scratch import host_scratch, remove_tree


def test_remove_tree_never_follows_links(tmp_path):
    """Links to files and folders outside are removed; what they point to stays."""
    outside = tmp_path / "outside"
    (outside / "keep").mkdir(parents=True)
    (outside / "keep" / "file.txt").write_text("keep me")
    tree = tmp_path / "tree"
    (tree / "a" / "b").mkdir(parents=True)
    (tree / "a" / "b" / "link-dir").symlink_to(outside / "keep")
    (tree / "a" / "link-file").symlink_to(outside / "keep" / "file.txt")
    (tree / "a" / "b" / "note.txt").write_text("x")
    remove_tree(tree)
    assert not tree.exists() and (outside / "keep" / "file.txt").read_text() == "keep me"


def test_remove_tree_survives_a_chain_deeper_than_the_recursion_limit(tmp_path):
    """A chain of 1,200 folders, beyond shutil.rmtree's recursion, is removed."""
    fd = os.open(tmp_path, os.O_RDONLY)
    os.mkdir("chain", dir_fd=fd)
    for _ in range(1200):
        inner = os.open("chain", os.O_RDONLY, dir_fd=fd)
        os.close(fd)
        fd = inner
        os.mkdir("chain", dir_fd=fd)
    os.close(fd)
    remove_tree(tmp_path / "chain")
    assert not (tmp_path / "chain").exists()


def test_host_scratch_names_are_short_and_plain():
    """A long id with odd characters still gives a valid, removable folder."""
    with host_scratch("\x1b]0;x" + "a" * 300) as folder:
        assert folder.is_dir() and len(folder.name) < 80 and "\x1b" not in folder.name
        (folder / "convolution.py").write_text("x = 1\n")
    assert not folder.exists()
