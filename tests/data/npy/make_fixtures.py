"""Writes the .npy fixtures of tests/test_npy.c with real NumPy (np.save and
np.lib.format.write_array). Run: python make_fixtures.py [OUTDIR] (default: this folder).

Element i (C order) of every fixture is, by kind:
  float   (i - 3) * 0.25            (exact in float16/32/64)
  int     (i - 3) * M               M = 1, 257, 65537, 4294967297 for 1, 2, 4, 8 bytes
  uint    i * M
  bool    i % 3 == 0
tests/test_npy.c computes the same values on its own and compares exactly.
The same list is kept in tests/test_npy.c (FIXTURES); keep the two in step."""
import os
import sys

import numpy as np

M = {1: 1, 2: 257, 4: 65537, 8: 4294967297}

# name, descr, shape, version (None = np.save's choice), fortran
FIXTURES = [
    ("f4_le_2x3", "<f4", (2, 3), None, False),
    ("f8_be_3", ">f8", (3,), None, False),
    ("f2_le_2x2", "<f2", (2, 2), None, False),
    ("f4_be_2x2", ">f4", (2, 2), None, False),
    ("b1_2x3", "|b1", (2, 3), None, False),
    ("i1_4", "|i1", (4,), None, False),
    ("u1_4", "|u1", (4,), None, False),
    ("i2_be_2x2", ">i2", (2, 2), None, False),
    ("u2_le_4", "<u2", (4,), None, False),
    ("i4_be_4", ">i4", (4,), None, False),
    ("u4_le_4", "<u4", (4,), None, False),
    ("i8_be_2x2", ">i8", (2, 2), None, False),
    ("u8_le_4", "<u8", (4,), None, False),
    ("f4_v2_2x3", "<f4", (2, 3), (2, 0), False),
    ("f8_v3_2x2", "<f8", (2, 2), (3, 0), False),
    ("f4_scalar", "<f4", (), None, False),
    ("f4_empty_0x3", "<f4", (0, 3), None, False),
    ("f4_3d_2x3x4", "<f4", (2, 3, 4), None, False),
    ("f4_fortran_2x3", "<f4", (2, 3), None, True),
]


def values(descr, shape):
    dt = np.dtype(descr)
    n = int(np.prod(shape)) if shape else 1
    i = np.arange(n, dtype=np.int64)
    if dt.kind == "f":
        v = (i - 3) * 0.25
    elif dt.kind == "i":
        v = (i - 3) * M[dt.itemsize]
    elif dt.kind == "u":
        v = i.astype(np.uint64) * np.uint64(M[dt.itemsize])
    else:
        v = i % 3 == 0
    return v.astype(dt).reshape(shape)


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__))
    for name, descr, shape, version, fortran in FIXTURES:
        a = values(descr, shape)
        if fortran:
            a = np.asfortranarray(a)
        path = os.path.join(out, name + ".npy")
        if version is None:
            np.save(path, a)
        else:
            with open(path, "wb") as f:
                np.lib.format.write_array(f, a, version=version)


if __name__ == "__main__":
    main()
