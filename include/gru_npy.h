/*
 * libgru: NumPy .npy files (read and write).
 *
 * The format, byte by byte (NumPy's "NEP 1", format versions 1.0, 2.0 and 3.0)
 * ---------------------------------------------------------------------------
 *   offset  size  content
 *   0       6     magic "\x93NUMPY"
 *   6       1     major version: 1, 2 or 3
 *   7       1     minor version: 0
 *   8       2|4   HEADER_LEN, little-endian: uint16 in version 1.0, uint32 in 2.0 and 3.0
 *   10|12   HEADER_LEN  the header: a Python dict literal in ASCII (3.0: UTF-8), e.g.
 *                 {'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }
 *                 padded with spaces and ended by '\n' so that the data starts at a
 *                 multiple of 64 bytes (16 in old files; readers must not rely on it).
 *   ...           the data: prod(shape) elements of descr, C order (row-major), with no
 *                 padding. shape () is a scalar (1 element); a 0 in shape means no data.
 *
 *   descr = byte order + kind + item size:
 *     byte order  '<' little, '>' big, '|' not applicable (1-byte items), '=' native
 *     kind/size   f2 f4 f8 (float16/32/64), b1 (bool), i1 i2 i4 i8, u1 u2 u4 u8
 *   Structured dtypes (a list descr), strings, objects and complex numbers are not
 *   supported (GRU_ERR_UNSUPPORTED). fortran_order True is GRU_ERR_UNSUPPORTED too.
 *
 * Reading is hardened against hostile input: every length is checked against the bytes
 * actually present before anything is allocated, so a forged shape can never cause a
 * large allocation; dimensions must be >= 0 and their product (times the item size)
 * must fit size_t. Errors are GRU_ERR_FORMAT (malformed), GRU_ERR_UNSUPPORTED (valid
 * .npy this reader does not handle), GRU_ERR_IO (open/read/write failure),
 * GRU_ERR_NOMEM, GRU_ERR_NULL (NULL argument), GRU_ERR_ARG (bad argument to a writer).
 * Messages (gru_errmsg()) start with the file's path ("npy buffer" for memory), e.g.
 *   "K.npy: truncated: the shape (64, 192) needs 49152 bytes of data, the file has 100"
 *
 * Writing is atomic: the array goes to a temporary file in the destination's directory,
 * which is flushed and renamed over the destination only when complete; on failure the
 * temporary file is removed and the destination is untouched.
 */
#ifndef GRU_NPY_H
#define GRU_NPY_H

#include "gru.h"

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Most dimensions a .npy array may have here (NumPy's own limit is 64). */
#define GRU_NPY_MAX_DIMS 32
/* Largest header accepted, in bytes (NumPy's reader defaults to 10000). */
#define GRU_NPY_MAX_HEADER (1u << 20)

/* An array read from a .npy file. */
typedef struct gru_npy_array {
    gru_dtype dtype;                   /* element type */
    int ndim;                          /* 0..GRU_NPY_MAX_DIMS (0 = scalar) */
    int64_t shape[GRU_NPY_MAX_DIMS];   /* shape[0..ndim-1], each >= 0 */
    size_t numel;                      /* product of the shape (1 for a scalar) */
    size_t nbytes;                     /* numel * gru_dtype_size(dtype) */
    void *data;                        /* (shape) C order, native byte order, owned;
                                          never NULL after a successful read, even when
                                          numel is 0. float16 holds the raw IEEE bits
                                          (uint16), bool one byte per element. */
} gru_npy_array;

/* Read the .npy file at path into *out (which is overwritten; free with gru_npy_free).
 * Data after the array is an error (GRU_ERR_FORMAT). Non-regular files (pipes) are read
 * as a stream. On failure *out is zeroed (data NULL). */
int gru_npy_read_file(const char *path, gru_npy_array *out);

/* Read a .npy image held in memory (buf, len bytes; buf may be NULL when len is 0).
 * Bytes after the array are an error. The data is copied; buf is not kept. */
int gru_npy_read_mem(const void *buf, size_t len, gru_npy_array *out);

/* As gru_npy_read_mem, but bytes after the array are allowed (several arrays stored
 * back to back, as consecutive np.save() calls on one file do): *consumed (not NULL)
 * receives the size of the first array's image. */
int gru_npy_read_mem_prefix(const void *buf, size_t len, gru_npy_array *out,
                            size_t *consumed);

/* Release the data of arr and zero it. NULL and an already-freed array are fine. */
void gru_npy_free(gru_npy_array *arr);

/* View arr as a gru_tensor (no copy; t->data aliases arr->data). GRU_ERR_SHAPE when
 * arr->ndim > GRU_MAX_DIMS. */
int gru_npy_as_tensor(const gru_npy_array *arr, gru_tensor *t);

/* Write an array (dtype, ndim 0..GRU_NPY_MAX_DIMS, shape[0..ndim-1] >= 0, data of
 * prod(shape) elements in C order and native byte order; data may be NULL only when
 * there are no elements) to path as .npy version 1.0 (2.0 when the header needs it),
 * atomically (see above). Any gru_dtype except GRU_DTYPE_INVALID. Errors: GRU_ERR_NULL,
 * GRU_ERR_ARG (dtype, ndim, negative or overflowing shape), GRU_ERR_IO (naming the path
 * and the system's reason), GRU_ERR_NOMEM. */
int gru_npy_write_file(const char *path, gru_dtype dtype, int ndim, const int64_t *shape,
                       const void *data);

/* gru_npy_write_file for a tensor. */
int gru_npy_write_tensor(const char *path, const gru_tensor *t);

#ifdef __cplusplus
}
#endif

#endif /* GRU_NPY_H */
