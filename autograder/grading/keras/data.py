"""Image data the grader trains students' models on: digits resized to 28x28, or an .npz."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

DIGITS_TRAIN = 1400  # of 1,797 digits; the remaining 397 are held out
NPZ_TRAIN = 6000
NPZ_TEST = 1000


@dataclass(frozen=True)
class Dataset:
    """Training and held-out images (n, 28, 28, 1) float32 in [0, 1], int64 labels."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    data_id: str  # part of the training memo's key: equal ids mean equal arrays

    def __iter__(self):
        return iter((self.x_train, self.y_train, self.x_test, self.y_test))


def digits_28x28(seed: int = 0) -> Dataset:
    """The UCI digits bundled with scikit-learn, 8x8 resized to 28x28, split 1,400 / 397.

    Args:
        seed: fixes which digits are held out.
    """
    from scipy.ndimage import zoom
    from sklearn.datasets import load_digits

    digits = load_digits()
    images = zoom(digits.images / 16.0, (1, 3.5, 3.5), order=1)  # bilinear: 8 * 3.5 = 28
    images = np.clip(images, 0.0, 1.0).astype(np.float32)[..., np.newaxis]
    labels = digits.target.astype(np.int64)
    order = np.random.default_rng(seed).permutation(len(labels))
    train, test = order[:DIGITS_TRAIN], order[DIGITS_TRAIN:]
    return Dataset(
        images[train], labels[train], images[test], labels[test], f"digits28-seed{seed}"
    )


def load_npz(path: Path, *, seed: int = 0, n_train: int = NPZ_TRAIN, n_test: int = NPZ_TEST):
    """An MNIST or Fashion-MNIST ``.npz``, subsampled, scaled to [0, 1], with a channel axis.

    Args:
        path: a file with arrays ``x_train``, ``y_train``, ``x_test``, ``y_test``.
        seed: fixes the subsample.
        n_train: training images kept (all when fewer).
        n_test: held-out images kept.

    Raises:
        ValueError: a key is missing or the arrays are not images with one label each.
    """
    path = Path(path)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()[:16]
    with np.load(path, allow_pickle=False) as archive:
        missing = {"x_train", "y_train", "x_test", "y_test"} - set(archive.files)
        if missing:
            raise ValueError(f"{path.name} lacks {', '.join(sorted(missing))}")
        parts = [archive[k] for k in ("x_train", "y_train", "x_test", "y_test")]
    rng = np.random.default_rng(seed)
    x_train, y_train = _subsample(parts[0], parts[1], n_train, rng, path.name)
    x_test, y_test = _subsample(parts[2], parts[3], n_test, rng, path.name)
    scale = 255.0 if max(x_train.max(), x_test.max()) > 1.0 else 1.0
    return Dataset(
        _images(x_train, scale),
        y_train.astype(np.int64),
        _images(x_test, scale),
        y_test.astype(np.int64),
        f"npz-{digest}-seed{seed}-{n_train}-{n_test}",
    )


def _subsample(x: np.ndarray, y: np.ndarray, n: int, rng: np.random.Generator, name: str):
    if x.ndim not in (3, 4) or y.ndim != 1 or len(x) != len(y) or x.dtype.kind not in "uif":
        raise ValueError(f"{name} must hold numeric images (n, h, w[, c]) and n labels")
    keep = np.sort(rng.permutation(len(y))[:n])
    return x[keep], y[keep]


def _images(x: np.ndarray, scale: float) -> np.ndarray:
    x = x.astype(np.float32) / scale
    return x[..., np.newaxis] if x.ndim == 3 else x


class Datasets:
    """The training data loaded so far in a grader process: each dataset once."""

    def __init__(self) -> None:
        self._loaded: dict[tuple[Path | None, int], Dataset] = {}

    def digits(self, seed: int = 0) -> Dataset:
        """``digits_28x28(seed)``, loaded on first use."""
        return self._get(None, seed)

    def npz(self, path: Path, seed: int = 0) -> Dataset:
        """``load_npz(path, seed=seed)``, loaded on first use."""
        return self._get(Path(path), seed)

    def _get(self, path: Path | None, seed: int) -> Dataset:
        found = self._loaded.get((path, seed))
        if found is None:
            found = load_npz(path, seed=seed) if path is not None else digits_28x28(seed)
            self._loaded[(path, seed)] = found
        return found
