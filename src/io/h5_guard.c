/* A check of an HDF5 file image before libhdf5 sees it.
 *
 * libhdf5 1.10 (Debian's) trusts the global heap collections of a file: the objects that
 * hold variable-length strings. When it reads such a string it copies the heap object's
 * recorded size into a conversion buffer sized from the string length recorded in the
 * attribute, and it walks a collection's objects without checking that they stay inside
 * the collection (only debug-build assertions do). A forged file therefore makes
 * H5Aread write and read past its buffers (found by fuzz/fuzz_h5). libgru cannot mend
 * libhdf5, so it refuses such files before opening them:
 *
 *   - every global heap collection (every "GCOL" signature with version 1, wherever it
 *     sits, since libhdf5 follows any address it is given) must be at least 4096 bytes
 *     long, lie inside the file, and be tiled exactly by its objects, each object inside
 *     the collection, no object index used twice, and no gap among the indices in use;
 *   - no fractal heap (dense attribute storage) may be filtered, since references inside a
 *     compressed heap cannot be seen;
 *   - no heap object may be larger than 4096 bytes, the smallest conversion buffer
 *     libhdf5 uses for a variable-length string. Keras writes only short ones
 *     (keras_version, backend); a longer one (written by other tools) is refused with a
 *     message that says to store it as a fixed-length string;
 *   - every group B-tree node's siblings and children and every local heap's data segment
 *     lie inside the file (libhdf5 reads at those addresses before checking anything).
 *
 *
 * A second check, gru__h5_guard_attrs, runs before libgru reads a variable-length string
 * attribute: libhdf5 1.10 indexes a collection's object table with the index stored in
 * the attribute unchecked, and copies attribute data of the size the dataspace claims
 * without checking that the message holds it. So the object header of the attribute's
 * owner is parsed here (version 1 and 2 headers, their continuation blocks), and every
 * attribute message in it must hold its data, and every variable-length element must
 * name a well-formed collection and an object it holds.
 *
 * gru__h5_guard_header checks an object header before libhdf5 loads it (the root's when
 * the file opens, the others before a link to them is followed): its blocks must lie
 * inside the file, and so must the B-tree and local heap of a group's symbol table.
 *
 * The checks read only the bytes they are given; they allocate one bitmap of at most
 * 8 KiB. */
#include "io_internal.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define HG_MIN_SIZE 4096u  /* H5HG_MINSIZE: the smallest collection */
#define HG_MAX_OBJ 4096u   /* H5T_VLEN_MIN_CONF_BUF_SIZE: the smallest conversion buffer */

static uint64_t get_le(const unsigned char *p, unsigned nbytes)
{
    uint64_t v = 0;
    for (unsigned i = nbytes; i-- > 0;)
        v = (v << 8) | p[i];
    return v;
}

typedef struct sb_info {
    unsigned lengths, offsets; /* "size of lengths" and "size of offsets" */
    size_t base;               /* file offset of the superblock: addresses count from it */
    int found;
    int has_root;              /* root group's object header address read */
    uint64_t root;
} sb_info;

static sb_info superblock(const unsigned char *d, size_t n)
{
    static const unsigned char sig[8] = {0x89, 'H', 'D', 'F', '\r', '\n', 0x1a, '\n'};
    sb_info sb = {0, 0, 0, 0, 0, 0};
    for (size_t off = 0; off + 16 <= n; off = off ? off * 2 : 512) {
        if (memcmp(d + off, sig, 8) != 0)
            continue;
        unsigned version = d[off + 8];
        sb.offsets = version <= 1 ? d[off + 13] : d[off + 9];
        sb.lengths = version <= 1 ? d[off + 14] : d[off + 10];
        sb.base = off;
        sb.found = 1;
        /* the root group's object header address: in the root symbol table entry (versions
         * 0 and 1: after the fixed fields and four addresses, the entry's link name offset
         * comes first), or a field of its own (versions 2 and 3) */
        size_t at = version == 0 ? 24u + 5u * sb.offsets
                    : version == 1 ? 28u + 5u * sb.offsets
                                   : 12u + 3u * sb.offsets;
        if (version <= 3 && (sb.offsets == 2 || sb.offsets == 4 || sb.offsets == 8) &&
            at + sb.offsets <= n - off) {
            sb.root = get_le(d + off + at, sb.offsets);
            sb.has_root = 1;
        }
        break;
    }
    return sb;
}

/* One collection at offset off; returns GRU_OK or an error naming what is wrong. Sets
 * *nobj to the number of objects and, when want > 0, *want_size to the size of object
 * `want` (0 when it has none). */
static int check_collection(const unsigned char *d, size_t n, size_t off, unsigned ls,
                            unsigned *nobj, unsigned want, uint64_t *want_size)
{
    size_t hdr = (8u + ls + 7u) & ~(size_t)7u;      /* H5HG_SIZEOF_HDR, aligned */
    size_t objhdr = 8u + ls;                         /* H5HG_SIZEOF_OBJHDR */
    if (off + 8u + ls > n)
        return gru__error(GRU_ERR_FORMAT, "%s: global heap at byte %zu: truncated header",
                          gru__io_file, off);
    uint64_t size = get_le(d + off + 8, ls);
    if (size < HG_MIN_SIZE || size > n - off)
        return gru__error(GRU_ERR_FORMAT,
                          "%s: global heap at byte %zu: collection size %llu is outside "
                          "[%u, %zu]", gru__io_file, off, (unsigned long long)size,
                          HG_MIN_SIZE, n - off);
    size_t end = (size_t)size, p = hdr;
    unsigned max_idx = 0, count = 0;
    while (p < end) {
        if (end - p < objhdr) {
            p = end; /* a tail too short for an object header is free space */
            break;
        }
        const unsigned char *o = d + off + p;
        unsigned idx = (unsigned)get_le(o, 2);
        uint64_t osize = get_le(o + 8, ls);
        uint64_t need;
        if (idx == 0) {
            need = osize; /* free space: its size includes its header */
            if (need < objhdr)
                return gru__error(GRU_ERR_FORMAT,
                                  "%s: global heap at byte %zu: free space of %llu bytes is "
                                  "shorter than its header", gru__io_file, off,
                                  (unsigned long long)osize);
        } else {
            if (osize > HG_MAX_OBJ)
                return gru__error(GRU_ERR_FORMAT,
                                  "%s: global heap at byte %zu: object %u holds %llu bytes; "
                                  "libgru reads variable-length strings of at most %u bytes "
                                  "(libhdf5 1.10 overflows its buffers on forged ones): store "
                                  "longer ones as fixed-length strings",
                                  gru__io_file, off, idx, (unsigned long long)osize,
                                  HG_MAX_OBJ);
            need = objhdr + ((osize + 7u) & ~(uint64_t)7u);
            if (want_size && idx == want)
                *want_size = osize;
            if (idx > max_idx)
                max_idx = idx;
            count++;
        }
        if (need > end - p)
            return gru__error(GRU_ERR_FORMAT,
                              "%s: global heap at byte %zu: object %u runs past the end of "
                              "its collection", gru__io_file, off, idx);
        p += (size_t)need;
    }
    if (count != max_idx)
        return gru__error(GRU_ERR_FORMAT,
                          "%s: global heap at byte %zu: object indices are not 1..%u each "
                          "once", gru__io_file, off, max_idx);
    *nobj = max_idx;
    /* count == max_idx with every index in 1..max_idx: distinct iff none repeats */
    unsigned char *seen = calloc(max_idx / 8u + 1u, 1);
    if (!seen)
        return gru__error(GRU_ERR_NOMEM, "out of memory");
    int rc = GRU_OK;
    for (size_t q = hdr; q < end && end - q >= objhdr && rc == GRU_OK;) {
        const unsigned char *o = d + off + q;
        unsigned idx = (unsigned)get_le(o, 2);
        uint64_t osize = get_le(o + 8, ls);
        if (idx > 0) {
            if (seen[idx / 8u] & (1u << (idx % 8u)))
                rc = gru__error(GRU_ERR_FORMAT,
                                "%s: global heap at byte %zu: object index %u appears twice",
                                gru__io_file, off, idx);
            seen[idx / 8u] |= (unsigned char)(1u << (idx % 8u));
        }
        q += idx == 0 ? (size_t)osize : objhdr + (size_t)((osize + 7u) & ~(uint64_t)7u);
    }
    free(seen);
    return rc;
}

/* The offset of the first 4-byte signature sig at or after from, or n when none. */
static size_t find_sig(const unsigned char *d, size_t n, size_t from, const char *sig)
{
    while (n >= 4 && from <= n - 4) {
        const unsigned char *hit = memchr(d + from, sig[0], n - 3 - from);
        if (!hit)
            break;
        from = (size_t)(hit - d);
        if (memcmp(hit, sig, 4) == 0)
            return from;
        from++;
    }
    return n;
}

#define EACH_SIG(off, d, n, sig) \
    for (size_t off = find_sig(d, n, 0, sig); off < n; off = find_sig(d, n, off + 1, sig))

/* Whether [addr, addr + len) lies inside the file (addresses count from the superblock). */
static int inside(const sb_info *sb, size_t n, uint64_t addr, uint64_t len)
{
    size_t room = n - sb->base;
    return addr < room && len <= room - addr;
}

/* Structures libhdf5 reads at the addresses others hold, every one of them in the image
 * (wherever it sits: libhdf5 follows any address it is given):
 *   - fractal heaps (dense attribute and link storage) must not be filtered (compressed),
 *     since the references inside them cannot be checked (Keras never writes them);
 *   - a group B-tree node's siblings and children, and a local heap's data segment, must
 *     lie inside the file: libhdf5 reads them before it checks anything (found by
 *     fuzz_model: it copied from a NULL buffer for an undefined address). */
static int check_structures(const unsigned char *d, size_t n, const sb_info *sb)
{
    const unsigned os = sb->offsets, ls = sb->lengths;
    const uint64_t undef = os == 8 ? UINT64_MAX : ((uint64_t)1 << (8 * os)) - 1;
    EACH_SIG(off, d, n, "FRHP") {
        if (n - off >= 9 && d[off + 4] == 0 && get_le(d + off + 7, 2) != 0)
            return gru__error(GRU_ERR_FORMAT,
                              "%s: fractal heap at byte %zu has I/O filters; libgru does not "
                              "read compressed attribute storage", gru__io_file, off);
    }
    EACH_SIG(off, d, n, "TREE") {
        /* version 1 B-tree node: type, level, entries used, two siblings, then keys and
         * children alternating; type 0 (group nodes) has keys of `lengths` bytes */
        if (n - off < 8u + 2u * os || d[off + 4] != 0)
            continue;
        uint64_t used = get_le(d + off + 6, 2);
        size_t p = off + 8;
        for (int i = 0; i < 2; i++, p += os) {
            uint64_t a = get_le(d + p, os);
            if (a != undef && !inside(sb, n, a, 8))
                return gru__error(GRU_ERR_FORMAT, "%s: B-tree node at byte %zu: sibling "
                                  "outside the file", gru__io_file, off);
        }
        if (used > (n - p) / (ls + os))
            return gru__error(GRU_ERR_FORMAT, "%s: B-tree node at byte %zu: %llu entries "
                              "run past the end of the file", gru__io_file, off,
                              (unsigned long long)used);
        for (uint64_t i = 0; i < used; i++) {
            uint64_t a = get_le(d + p + (size_t)i * (ls + os) + ls, os);
            if (!inside(sb, n, a, 8))
                return gru__error(GRU_ERR_FORMAT, "%s: B-tree node at byte %zu: child %llu "
                                  "outside the file", gru__io_file, off, (unsigned long long)i);
        }
    }
    EACH_SIG(off, d, n, "HEAP") {
        /* local heap: version, 3 reserved, data segment size, free list offset, address */
        if (n - off < 8u + 2u * ls + os || d[off + 4] != 0)
            continue;
        uint64_t size = get_le(d + off + 8, ls), a = get_le(d + off + 8 + 2 * ls, os);
        if (!inside(sb, n, a, size))
            return gru__error(GRU_ERR_FORMAT, "%s: local heap at byte %zu: data segment "
                              "outside the file", gru__io_file, off);
    }
    return GRU_OK;
}

int gru__h5_guard(const void *data, size_t n)
{
    const unsigned char *d = data;
    sb_info sb = superblock(d, n);
    if (!sb.found || (sb.lengths != 2 && sb.lengths != 4 && sb.lengths != 8) ||
        (sb.offsets != 2 && sb.offsets != 4 && sb.offsets != 8))
        return gru__error(GRU_ERR_FORMAT,
                          "%s: not a readable HDF5 file (no superblock with 2-, 4- or 8-byte "
                          "offsets and lengths)", gru__io_file);
    int rc = check_structures(d, n, &sb);
    /* libhdf5 loads the root group's header when it opens the file */
    if (rc == GRU_OK)
        rc = sb.has_root ? gru__h5_guard_header(d, n, sb.root)
                         : gru__error(GRU_ERR_FORMAT, "%s: truncated HDF5 superblock",
                                      gru__io_file);
    EACH_SIG(off, d, n, "GCOL") {
        if (rc != GRU_OK)
            break;
        if (n - off < 5 || d[off + 4] != 1)
            continue;
        unsigned nobj = 0;
        rc = check_collection(d, n, off, sb.lengths, &nobj, 0, NULL);
    }
    return rc;
}

/* ---- attribute messages of one object header ------------------------------------------ */

typedef struct hdr_ctx {
    const unsigned char *d;
    size_t n;
    sb_info sb;
    int blocks; /* continuation blocks followed, bounded against loops */
    int attrs;  /* check attribute messages too (else only the blocks' extents) */
} hdr_ctx;

#define MAX_BLOCKS 64

static int bad_header(const hdr_ctx *c, size_t at, const char *what)
{
    (void)c;
    return gru__error(GRU_ERR_FORMAT, "%s: object header at byte %zu: %s", gru__io_file, at,
                      what);
}

/* One variable-length element (length, collection address, index) at p. */
static int check_vlen_ref(const hdr_ctx *c, const unsigned char *p)
{
    unsigned os = c->sb.offsets;
    uint64_t addr = get_le(p + 4, os), idx = get_le(p + 4 + os, 4);
    if (addr == 0)
        return GRU_OK; /* a null string */
    if (addr >= c->n - c->sb.base || c->n - c->sb.base - addr < 5 ||
        memcmp(c->d + c->sb.base + addr, "GCOL\x01", 5) != 0)
        return gru__error(GRU_ERR_FORMAT,
                          "%s: a variable-length string points at byte %llu, which is not a "
                          "global heap", gru__io_file, (unsigned long long)addr);
    unsigned nobj = 0;
    uint64_t osize = 0, len = get_le(p, 4);
    int rc = check_collection(c->d, c->n, c->sb.base + (size_t)addr, c->sb.lengths, &nobj,
                              idx <= 0xffffu ? (unsigned)idx : 0u, &osize);
    if (rc < 0)
        return rc;
    if (idx == 0 || idx > nobj)
        return gru__error(GRU_ERR_FORMAT,
                          "%s: a variable-length string names object %llu of a global heap "
                          "that holds objects 1..%u", gru__io_file, (unsigned long long)idx,
                          nobj);
    /* libhdf5 allocates its conversion buffer from this length before it reads the object */
    if (len != osize)
        return gru__error(GRU_ERR_FORMAT,
                          "%s: a variable-length string claims %llu bytes but its global heap "
                          "object holds %llu", gru__io_file, (unsigned long long)len,
                          (unsigned long long)osize);
    return GRU_OK;
}

/* Number of elements of a dataspace message (ds, dslen bytes); -1 when malformed. */
static int64_t dataspace_elements(const hdr_ctx *c, const unsigned char *ds, size_t dslen)
{
    if (dslen < 4)
        return -1;
    unsigned version = ds[0], rank = ds[1], flags = ds[2];
    size_t dims_at;
    if (version == 1)
        dims_at = 8;
    else if (version == 2) {
        if (ds[3] == 2)
            return 0; /* null dataspace */
        dims_at = 4;
    } else
        return -1;
    (void)flags;
    if (rank > 32 || dims_at + (size_t)rank * c->sb.lengths > dslen)
        return -1;
    int64_t count = 1;
    for (unsigned i = 0; i < rank; i++) {
        uint64_t dim = get_le(ds + dims_at + (size_t)i * c->sb.lengths, c->sb.lengths);
        if (dim > (uint64_t)INT64_MAX / 2)
            return -1;
        if (dim != 0 && (uint64_t)count > (uint64_t)INT64_MAX / dim)
            return -1;
        count *= (int64_t)dim;
    }
    return count;
}

/* One attribute message (data m, len bytes). */
static int check_attr_msg(const hdr_ctx *c, const unsigned char *m, size_t len, size_t at)
{
    if (len < 8)
        return bad_header(c, at, "attribute message too short");
    unsigned version = m[0], flags = m[1];
    size_t name_len = get_le(m + 2, 2), dt_len = get_le(m + 4, 2), ds_len = get_le(m + 6, 2);
    size_t p;
    size_t pad8 = version == 1 ? 7 : 0;
    if (version == 1 || version == 2)
        p = 8;
    else if (version == 3)
        p = 9;
    else
        return bad_header(c, at, "unknown attribute message version");
    size_t name_sz = (name_len + pad8) & ~pad8, dt_sz = (dt_len + pad8) & ~pad8,
           ds_sz = (ds_len + pad8) & ~pad8;
    if (p > len || name_sz > len - p || dt_sz > len - p - name_sz ||
        ds_sz > len - p - name_sz - dt_sz)
        return bad_header(c, at, "attribute message parts run past the message");
    /* libhdf5 copies the name with strdup: its terminator must lie inside the name */
    if (name_len == 0 || !memchr(m + p, 0, name_len))
        return bad_header(c, at, "attribute name not terminated");
    const unsigned char *dt = m + p + name_sz, *ds = dt + dt_sz;
    const unsigned char *data = ds + ds_sz;
    size_t data_len = len - p - name_sz - dt_sz - ds_sz;
    if (version >= 2 && (flags & 3))
        return bad_header(c, at, "attribute with a shared datatype or dataspace");
    if (dt_len < 8)
        return bad_header(c, at, "attribute datatype too short");
    int64_t nelem = dataspace_elements(c, ds, ds_len);
    if (nelem < 0)
        return bad_header(c, at, "attribute dataspace malformed");
    uint64_t esize = get_le(dt + 4, 4); /* element size of the datatype */
    unsigned tclass = dt[0] & 0x0f;
    if (tclass == 9) {
        /* in the file: length + heap ID. libhdf5 sizes the attribute's data buffer from
         * the size the datatype records but copies elements of this size out of it (found
         * by fuzz_model: a recorded 9 made H5Aread read past a 9-byte buffer) */
        if (esize != 4u + c->sb.offsets + 4u)
            return bad_header(c, at, "variable-length attribute whose recorded element size "
                                     "is not that of a heap reference");
        /* libhdf5 sizes its conversion buffer as length x base type size: the base type
         * must be 1 byte, as every variable-length string's is */
        if (dt_len < 16 || get_le(dt + 12, 4) != 1)
            return bad_header(c, at, "variable-length attribute whose base type is not 1 byte");
    }
    if (esize != 0 && (uint64_t)nelem > (uint64_t)data_len / esize)
        return bad_header(c, at, "attribute data larger than its message");
    if (tclass == 9)
        for (int64_t i = 0; i < nelem; i++) {
            int rc = check_vlen_ref(c, data + (size_t)i * esize);
            if (rc < 0)
                return rc;
        }
    return GRU_OK;
}

static int check_block(hdr_ctx *c, size_t start, size_t end, int v2, int creation_order);

/* An attribute info message: attributes kept in a fractal heap ("dense storage", written
 * only by libhdf5's newer file formats, never by Keras) cannot be checked, so they are
 * refused. */
static int check_attr_info(const hdr_ctx *c, const unsigned char *m, size_t len, size_t at)
{
    unsigned os = c->sb.offsets;
    size_t p = 2 + ((len >= 2 && (m[1] & 1)) ? 2u : 0u);
    if (len < p + os)
        return bad_header(c, at, "attribute info message too short");
    uint64_t heap = get_le(m + p, os), undef = os == 8 ? UINT64_MAX : ((uint64_t)1 << (8 * os)) - 1;
    if (heap != undef)
        return bad_header(c, at, "attributes in dense storage (a fractal heap), which libgru "
                                 "does not read");
    return GRU_OK;
}

/* A symbol table message (an old-style group): libhdf5 reads its B-tree and local heap
 * at the addresses it holds without checking them first (found by fuzz_model: an
 * undefined B-tree address made it copy from a NULL buffer). */
static int check_stab(const hdr_ctx *c, const unsigned char *m, size_t len, size_t at)
{
    unsigned os = c->sb.offsets;
    if (len < 2u * os)
        return bad_header(c, at, "symbol table message too short");
    for (int i = 0; i < 2; i++) {
        if (!inside(&c->sb, c->n, get_le(m + (size_t)i * os, os), 8))
            return bad_header(c, at, i == 0 ? "group B-tree outside the file"
                                            : "group local heap outside the file");
    }
    return GRU_OK;
}

/* A continuation message: the block it points at. */
static int follow(hdr_ctx *c, const unsigned char *m, size_t len, size_t at, int v2, int co)
{
    unsigned os = c->sb.offsets, ls = c->sb.lengths;
    if (len < (size_t)os + ls)
        return bad_header(c, at, "continuation message too short");
    uint64_t addr = get_le(m, os), size = get_le(m + os, ls);
    if (++c->blocks > MAX_BLOCKS)
        return bad_header(c, at, "too many continuation blocks");
    if (addr >= c->n - c->sb.base || size > c->n - c->sb.base - addr)
        return bad_header(c, at, "continuation block outside the file");
    size_t s = c->sb.base + (size_t)addr, e = s + (size_t)size;
    if (v2) {
        if (size < 8 || memcmp(c->d + s, "OCHK", 4) != 0)
            return bad_header(c, at, "continuation block without its OCHK signature");
        s += 4;
        e -= 4; /* checksum */
    }
    return check_block(c, s, e, v2, co);
}

/* The messages of one block [start, end). */
static int check_block(hdr_ctx *c, size_t start, size_t end, int v2, int co)
{
    size_t hdr = v2 ? 4u + (co ? 2u : 0u) : 8u;
    size_t p = start;
    while (end - p >= hdr && p < end) {
        const unsigned char *q = c->d + p;
        unsigned type = v2 ? q[0] : (unsigned)get_le(q, 2);
        size_t len = v2 ? get_le(q + 1, 2) : get_le(q + 2, 2);
        size_t data = p + hdr;
        if (len > end - data)
            return bad_header(c, p, "message runs past its block");
        int rc = GRU_OK;
        if (type == 0x10)
            rc = follow(c, c->d + data, len, p, v2, co);
        else if (type == 0x11)
            rc = check_stab(c, c->d + data, len, p);
        else if (type == 0x0C && c->attrs)
            rc = check_attr_msg(c, c->d + data, len, p);
        else if (type == 0x15 && c->attrs)
            rc = check_attr_info(c, c->d + data, len, p);
        if (rc < 0)
            return rc;
        p = data + len;
    }
    return GRU_OK;
}

/* The object header at addr: its first block and every continuation block must lie
 * inside the file (libhdf5 allocates a block's recorded size before it reads it), and
 * with c->attrs its attribute messages must be well formed. */
static int check_header(hdr_ctx *c, uint64_t addr)
{
    size_t n = c->n;
    if (!c->sb.found || addr >= n - c->sb.base)
        return gru__error(GRU_ERR_FORMAT, "%s: object header address %llu is outside the file",
                          gru__io_file, (unsigned long long)addr);
    size_t at = c->sb.base + (size_t)addr, left = n - at;
    const unsigned char *h = c->d + at;
    if (left >= 16 && h[0] == 1) {
        /* version 1: version, reserved, messages (2), refcount (4), size (4), pad (4) */
        uint64_t size = get_le(h + 8, 4);
        if (size > left - 16)
            return bad_header(c, at, "size runs past the end of the file");
        return check_block(c, at + 16, at + 16 + (size_t)size, 0, 0);
    }
    if (left >= 8 && memcmp(h, "OHDR", 4) == 0 && h[4] == 2) {
        unsigned flags = h[5];
        size_t p = 6;
        if (flags & 0x20)
            p += 16; /* times */
        if (flags & 0x10)
            p += 4; /* attribute phase change values */
        unsigned szb = 1u << (flags & 3);
        if (p + szb > left)
            return bad_header(c, at, "truncated");
        uint64_t size = get_le(h + p, szb);
        p += szb;
        if (size > left - p || left - p - size < 4)
            return bad_header(c, at, "first chunk runs past the end of the file");
        return check_block(c, at + p, at + p + (size_t)size, 1, (flags & 0x04) != 0);
    }
    return bad_header(c, at, "unknown object header version");
}

int gru__h5_guard_attrs(const void *image, size_t n, uint64_t addr)
{
    hdr_ctx c = {image, n, superblock(image, n), 0, 1};
    return check_header(&c, addr);
}

int gru__h5_guard_header(const void *image, size_t n, uint64_t addr)
{
    hdr_ctx c = {image, n, superblock(image, n), 0, 0};
    return check_header(&c, addr);
}
