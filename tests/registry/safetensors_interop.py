"""Interop check for safetensors_test.cpp, run with Python's `safetensors`.

usage: safetensors_interop.py OURS THEIRS
Checks that OURS (written by nba::WriteSafetensors with the tensors and
metadata below) loads in Python with exact values, then writes THEIRS with
Python's save_file for the C++ side to read. Exits non-zero on any mismatch.
"""
import sys

import numpy as np
from safetensors import safe_open
from safetensors.numpy import load_file, save_file


def main(ours, theirs):
    tensors = load_file(ours)
    expected = {
        "a": np.arange(6, dtype=np.float32).reshape(2, 3) * np.float32(0.5),
        "b": np.array([-1.0, 0.0, 1e-3, 3.4e38], dtype=np.float32),
        "empty": np.zeros((0, 3), dtype=np.float32),
        "scalar": np.array(7.25, dtype=np.float32),
    }
    assert sorted(tensors) == sorted(expected), f"tensor names {sorted(tensors)}"
    for name, want in expected.items():
        got = tensors[name]
        assert got.dtype == np.float32, f"{name}: dtype {got.dtype}"
        assert got.shape == want.shape, f"{name}: shape {got.shape} != {want.shape}"
        assert np.array_equal(got, want), f"{name}: values {got} != {want}"
    with safe_open(ours, framework="np") as f:
        meta = f.metadata()
    assert meta == {"producer": "nba", "note": "\u00fc"}, f"metadata {meta}"

    save_file(
        {
            "x": np.arange(12, dtype=np.float32).reshape(3, 4) / np.float32(4),
            "y": np.array([1.5], dtype=np.float32),
        },
        theirs,
        metadata={"written_by": "python"},
    )


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
