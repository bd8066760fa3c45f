"""Forged HDF5 files that make libhdf5 1.10 (Debian's) read or write past its buffers.

libhdf5 trusts the global heap that holds variable-length strings: the object index an
attribute names, the sizes of the heap's objects, and the data size an attribute message
claims. libgru checks these itself before libhdf5 reads them (src/io/h5_guard.c). Each case
starts from a valid Keras-style weights file written by h5py with variable-length string
attributes (as tf_keras writes keras_version and backend), patches a few bytes, and expects
`gru inspect` to fail with exit 1 and a one-line message that names the problem. These are
the crash classes fuzz/fuzz_h5 found; they run here under the sanitizers too (the
ASan/UBSan ctest runs this suite). The unpatched file must load.
"""
import struct
import subprocess

import h5py
import numpy as np
import pytest

H = 4
I = 3


def write_base(path, version="2.15.0", long_string=None):
    rng = np.random.default_rng(7)
    with h5py.File(path, "w") as f:
        f.attrs["backend"] = "tensorflow"            # str: a variable-length string
        f.attrs["keras_version"] = version           # str: a variable-length string
        if long_string is not None:
            f.attrs["note"] = long_string
        f.attrs["layer_names"] = np.array([b"gru"])  # bytes: fixed length, as Keras
        g = f.create_group("gru")
        g.attrs["weight_names"] = np.array([b"gru/kernel:0", b"gru/recurrent_kernel:0",
                                            b"gru/bias:0"])
        sub = g.create_group("gru")
        sub["kernel:0"] = rng.standard_normal((I, 3 * H)).astype(np.float32)
        sub["recurrent_kernel:0"] = rng.standard_normal((H, 3 * H)).astype(np.float32)
        sub["bias:0"] = rng.standard_normal((3 * H,)).astype(np.float32)


def inspect(gru_bin, path):
    return subprocess.run([str(gru_bin), "inspect", str(path)], capture_output=True, text=True)


def heap(data):
    """(offset, [(index, entry offset, size)]) of the first global heap collection."""
    off = data.index(b"GCOL\x01")
    size = struct.unpack_from("<Q", data, off + 8)[0]
    objs, p = [], 16
    while p + 16 <= size:
        idx = struct.unpack_from("<H", data, off + p)[0]
        osz = struct.unpack_from("<Q", data, off + p + 8)[0]
        objs.append((idx, off + p, osz))
        p += osz if idx == 0 else 16 + pad8(osz)
    return off, objs


def reference(data, heap_off, idx):
    """Offset of the attribute's heap reference (length, address, index) naming idx."""
    pat = struct.pack("<QI", heap_off, idx)
    at = data.index(pat)
    return at - 4


@pytest.fixture
def base(tmp_path):
    p = tmp_path / "base.h5"
    write_base(p)
    return p, bytearray(p.read_bytes())


def patched(tmp_path, data, name):
    p = tmp_path / name
    p.write_bytes(bytes(data))
    return p


def pad8(n):
    return (n + 7) & ~7


def attr_message(data, name):
    """The version 1 attribute message whose name is `name` (bytes): the offsets of its
    name and of its datatype and dataspace (each after the 8-byte-padded part before)."""
    at = data.index(name + b"\x00")
    hdr = at - 8
    assert data[hdr] == 1
    name_len, dt_len, _ = struct.unpack_from("<HHH", data, hdr + 2)
    dt = hdr + 8 + pad8(name_len)
    return at, name_len, dt, dt + pad8(dt_len)


def expect_refused(gru_bin, path, *words):
    r = inspect(gru_bin, path)
    assert r.returncode == 1, f"exit {r.returncode}: {r.stdout}{r.stderr}"
    msg = r.stderr.strip()
    assert len(msg.splitlines()) == 1, msg
    for w in words:
        assert w in msg, msg
    assert "AddressSanitizer" not in r.stderr and "runtime error" not in r.stderr


def test_unpatched_file_loads(gru_bin, base):
    path, _ = base
    r = inspect(gru_bin, path)
    assert r.returncode == 0, r.stderr
    assert "2.15.0" in r.stdout


@pytest.mark.parametrize("bad_index", [0, 3, 99, 0xFFFFFFFF])
def test_reference_to_missing_heap_object(gru_bin, base, tmp_path, bad_index):
    path, data = base
    hoff, objs = heap(data)
    used = [o for o in objs if o[0] > 0]
    at = reference(data, hoff, used[0][0])
    struct.pack_into("<I", data, at + 12, bad_index)
    expect_refused(gru_bin, patched(tmp_path, data, "idx.h5"), "variable-length string",
                   f"object {bad_index}")


def test_reference_to_non_heap(gru_bin, base, tmp_path):
    path, data = base
    hoff, objs = heap(data)
    at = reference(data, hoff, [o for o in objs if o[0] > 0][0][0])
    struct.pack_into("<Q", data, at + 4, 8)  # inside the superblock
    expect_refused(gru_bin, patched(tmp_path, data, "addr.h5"), "not a global heap")


def test_heap_object_larger_than_collection(gru_bin, base, tmp_path):
    path, data = base
    _, objs = heap(data)
    idx, eo, _ = [o for o in objs if o[0] > 0][0]
    struct.pack_into("<Q", data, eo + 8, 1 << 20)
    expect_refused(gru_bin, patched(tmp_path, data, "objsize.h5"), "global heap")


def test_heap_object_index_repeated(gru_bin, base, tmp_path):
    path, data = base
    _, objs = heap(data)
    used = [o for o in objs if o[0] > 0]
    struct.pack_into("<H", data, used[1][1], used[0][0])
    expect_refused(gru_bin, patched(tmp_path, data, "dup.h5"), "global heap")


def test_collection_size_forged(gru_bin, base, tmp_path):
    path, data = base
    hoff, _ = heap(data)
    for size, name in [(16, "small.h5"), (1 << 40, "huge.h5")]:
        d = bytearray(data)
        struct.pack_into("<Q", d, hoff + 8, size)
        expect_refused(gru_bin, patched(tmp_path, d, name), "collection size")


def test_attribute_data_larger_than_message(gru_bin, base, tmp_path):
    # the dataspace of layer_names (a fixed-length list of one) claims a million entries
    path, data = base
    # the dataspace's first dimension holds 1
    _, _, _, ds = attr_message(data, b"layer_names")
    assert data[ds] == 1 and data[ds + 1] == 1
    struct.pack_into("<Q", data, ds + 8, 1_000_000)
    expect_refused(gru_bin, patched(tmp_path, data, "ds.h5"), "larger than its message")


def test_attribute_name_without_terminator(gru_bin, base, tmp_path):
    # libhdf5 copies an attribute's name with strdup: a name whose declared bytes hold no
    # NUL (found by fuzz_model) must be refused before libhdf5 reads the message
    path, data = base
    at, name_len, _, _ = attr_message(data, b"layer_names")
    data[at:at + name_len] = b"x" * name_len
    expect_refused(gru_bin, patched(tmp_path, data, "name.h5"), "attribute name not terminated")


def test_long_variable_length_string_refused_clearly(gru_bin, tmp_path):
    p = tmp_path / "long.h5"
    write_base(p, long_string="x" * 5000)
    expect_refused(gru_bin, p, "5000 bytes", "fixed-length")
    # at the limit it loads
    q = tmp_path / "limit.h5"
    write_base(q, long_string="y" * 4096)
    r = inspect(gru_bin, q)
    assert r.returncode == 0, r.stderr


def test_new_format_headers(gru_bin, tmp_path):
    # libver="latest": version 2 object headers (OHDR) with their checksums; few
    # attributes stay in the header and load, many go to dense storage (a fractal heap),
    # which libgru cannot check and refuses by name
    p = tmp_path / "v2.h5"
    write_base(p)
    q = tmp_path / "v2_latest.h5"
    with h5py.File(p, "r") as src, h5py.File(q, "w", libver="latest") as dst:
        for k, v in src.attrs.items():
            dst.attrs[k] = v
        src.copy("gru", dst)
    assert b"OHDR" in q.read_bytes()
    r = inspect(gru_bin, q)
    assert r.returncode == 0, r.stderr
    with h5py.File(q, "a", libver="latest") as f:
        for i in range(20):
            f.attrs[f"extra{i}"] = f"value {i}"
    expect_refused(gru_bin, q, "dense storage")


def test_many_attributes_continuation_blocks(gru_bin, tmp_path):
    # version 1 headers spill messages into continuation blocks; they are followed
    p = tmp_path / "many.h5"
    write_base(p)
    with h5py.File(p, "a") as f:
        for i in range(60):
            f.attrs[f"extra{i}"] = f"value {i}" * 20
    r = inspect(gru_bin, p)
    assert r.returncode == 0, r.stderr


@pytest.mark.parametrize("bad_len", [0x7FFFFFFF, 0xFFFFFFFF, 1])
def test_reference_length_forged(gru_bin, base, tmp_path, bad_len):
    # libhdf5 sizes its conversion buffer from this length before reading the object:
    # a forged one asks for gigabytes
    path, data = base
    hoff, objs = heap(data)
    idx, _, osz = [o for o in objs if o[0] > 0][0]
    at = reference(data, hoff, idx)
    assert struct.unpack_from("<I", data, at)[0] == osz
    struct.pack_into("<I", data, at, bad_len if bad_len != osz else osz + 1)
    expect_refused(gru_bin, patched(tmp_path, data, "len.h5"), "claims")


def test_base_type_size_forged(gru_bin, base, tmp_path):
    # libhdf5 sizes its conversion buffer as length x base type size
    path, data = base
    _, _, dt, _ = attr_message(data, b"keras_version")
    assert data[dt] & 0x0F == 9 and struct.unpack_from("<I", data, dt + 12)[0] == 1
    struct.pack_into("<I", data, dt + 12, 1 << 20)
    expect_refused(gru_bin, patched(tmp_path, data, "base.h5"), "base type")


def header_addr(path, name):
    with h5py.File(path, "r") as f:
        return h5py.h5o.get_info(f[name].id).addr


@pytest.mark.parametrize("which", ["/", "gru", "gru/gru", "gru/gru/kernel:0"])
@pytest.mark.parametrize("size", [0xF8000098, 0x7FFFFFFF])
def test_object_header_size_forged(gru_bin, base, tmp_path, which, size):
    # libhdf5 allocates an object header's recorded size before reading it (found by
    # fuzz_model: 4 GB for a file of a few KB); the root's is loaded when the file opens,
    # the others when a path is followed through them or they are opened
    path, data = base
    at = header_addr(path, which)
    assert data[at] == 1  # a version 1 header: its size is the 4 bytes at +8
    struct.pack_into("<I", data, at + 8, size)
    expect_refused(gru_bin, patched(tmp_path, data, "hdr.h5"), "object header",
                   "past the end of the file")


def test_continuation_block_outside_file(gru_bin, tmp_path):
    # the group's attributes spill into a continuation block whose length is forged
    p = tmp_path / "cont.h5"
    write_base(p)
    with h5py.File(p, "a") as f:
        for i in range(60):
            f["gru"].attrs[f"extra{i}"] = f"value {i}" * 20
    data = bytearray(p.read_bytes())
    at = header_addr(p, "gru")
    size = struct.unpack_from("<I", data, at + 8)[0]
    q, end = at + 16, at + 16 + size
    while q < end:
        mtype, mlen = struct.unpack_from("<HH", data, q)
        if mtype == 0x10:
            struct.pack_into("<Q", data, q + 8 + 8, 1 << 40)
            break
        q += 8 + mlen
    else:
        pytest.fail("no continuation message")
    expect_refused(gru_bin, patched(tmp_path, data, "cont_bad.h5"), "continuation block")


def test_soft_link_refused(gru_bin, tmp_path):
    # libgru follows only hard links: a soft or external one could lead anywhere
    p = tmp_path / "soft.h5"
    write_base(p)
    with h5py.File(p, "a") as f:
        f.move("gru", "real")
        f["gru"] = h5py.SoftLink("/real")
    expect_refused(gru_bin, p, "soft or external link")


@pytest.mark.parametrize("size", [9, 8, 0x1000])
def test_vlen_element_size_forged(gru_bin, base, tmp_path, size):
    # libhdf5 sizes a variable-length attribute's data buffer from the element size its
    # datatype records, but copies 16-byte heap references out of it (found by fuzz_model)
    path, data = base
    _, _, dt, _ = attr_message(data, b"keras_version")
    assert data[dt] & 0x0F == 9 and struct.unpack_from("<I", data, dt + 4)[0] == 16
    struct.pack_into("<I", data, dt + 4, size)
    expect_refused(gru_bin, patched(tmp_path, data, "esize.h5"), "recorded element size")


def v1_messages(data, at):
    """(type, data offset, length) of every message of the version 1 object header at
    `at`, continuation blocks included."""
    size = struct.unpack_from("<I", data, at + 8)[0]
    blocks, out = [(at + 16, at + 16 + size)], []
    while blocks:
        p, end = blocks.pop(0)
        while p + 8 <= end:
            mtype, mlen = struct.unpack_from("<HH", data, p)
            out.append((mtype, p + 8, mlen))
            if mtype == 0x10:
                caddr, clen = struct.unpack_from("<QQ", data, p + 8)
                blocks.append((caddr, caddr + clen))
            p += 8 + mlen
    return out


@pytest.mark.parametrize("which", [0, 1])
def test_group_symbol_table_address_forged(gru_bin, base, tmp_path, which):
    # libhdf5 reads an old-style group's B-tree and local heap at the addresses its symbol
    # table message holds without checking them (found by fuzz_model: an undefined B-tree
    # address made it copy from a NULL buffer)
    path, data = base
    stab = [m for m in v1_messages(data, header_addr(path, "/")) if m[0] == 0x11]
    assert len(stab) == 1
    struct.pack_into("<Q", data, stab[0][1] + 8 * which, 0xFFFFFFFFFFFFFFFF)
    expect_refused(gru_bin, patched(tmp_path, data, "stab.h5"),
                   "B-tree outside" if which == 0 else "local heap outside")


def test_btree_child_forged(gru_bin, base, tmp_path):
    path, data = base
    at = data.index(b"TREE")
    assert data[at + 4] == 0 and struct.unpack_from("<H", data, at + 6)[0] >= 1
    struct.pack_into("<Q", data, at + 24 + 8, 1 << 40)  # after the first key: child 0
    expect_refused(gru_bin, patched(tmp_path, data, "tree.h5"), "B-tree node", "child 0")


def test_local_heap_segment_forged(gru_bin, base, tmp_path):
    path, data = base
    at = data.index(b"HEAP")
    assert data[at + 4] == 0
    struct.pack_into("<Q", data, at + 24, 1 << 40)
    expect_refused(gru_bin, patched(tmp_path, data, "heap.h5"), "local heap", "outside")
