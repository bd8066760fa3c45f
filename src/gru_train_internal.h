/* Internal declarations of the training path (src/train.c, src/cpu/ref/train_*.c).
 * Not installed. */
#ifndef GRU_TRAIN_INTERNAL_H
#define GRU_TRAIN_INTERNAL_H

#include "gru_internal.h"

#define GRU__TRAIN_MAGIC 0x6e69617274757267ull /* "grutrain" */

/* What gru_forward_train() records at the start of the workspace. */
typedef struct gru__train_hdr {
    uint64_t magic;            /* GRU__TRAIN_MAGIC once the forward succeeded */
    const gru_layer *layer;    /* the layer that filled it */
    int64_t B, T;              /* sizes of that call */
    int has_mask;              /* mask (B, T) stored */
    int xdrop;                 /* input multipliers: 0 none, 1 one shared, 3 per gate */
    int hdrop;                 /* recurrent multipliers: 0 none, 3 per gate */
    int pre_ring;              /* the fast forward kept only two steps of pre (its rows of
                                * step s at s % 2): the backward needs none of its values */
} gru__train_hdr;

/* Byte offsets of the pieces of the training workspace (64-byte aligned). Processing
 * order: step s consumes input step t = go_backwards ? T-1-s : s. */
typedef struct gru__train_layout {
    size_t hdr;    /* gru__train_hdr */
    size_t mask;   /* (B, T) uint8 0/1, original time order */
    size_t first;  /* (B) int64: first kept processing step, T when none */
    size_t x;      /* (T, B, I): x in processing order */
    size_t mx;     /* (3, B, I): input multipliers of the z, r, h projections */
    size_t mh;     /* (3, B, H): recurrent multipliers of the z, r, h products */
    size_t hs;     /* (T+1, B, H): states h_0 (initial) .. h_T in processing order */
    size_t pre;    /* (T, B, 3H): pre-activations a_z, a_r, a_h */
    size_t act;    /* (T, B, 3H): z, r, hh */
    size_t c;      /* (T, B, H): reset_after: (h*m_h)·U_h + b_rh; else q = r*(h*m_h) */
    size_t hr;     /* (B, 3H): scratch, the recurrent products of one step */
    size_t hm;     /* (B, H): scratch, a masked state */
    size_t hm3;    /* (2, 3, B, H): fast path, recurrent dropout: h * mh_g of two steps */
    /* backward scratch */
    size_t dg;     /* (T, B, 3H): dLoss/d(a_z, a_r, a_h), input side */
    size_t dgr;    /* (T, B, 3H): reset_after only: dLoss/d(a_z, a_r, c), recurrent side */
    size_t dh;     /* (B, H): gradient of the running state */
    size_t dt;     /* (B, H): gradient of the previous state, being built */
    size_t big;    /* (T*B, max(I, H)): scratch rows for the all-timestep products */
    size_t dxs;    /* (T, B, I): dx in processing order */
    size_t ut;     /* (3H, H): recurrent_kernel transposed, for dh = dA·U^T */
    size_t kt;     /* (3H, I): kernel transposed, for dx = dA·W^T (float32: 3H x I rounded
                    * up to GRU__TRAIN_ROUND floats, the fast path's packed K^T) */
    size_t dbs;    /* (2, 3H): fast path, the bias gradient of one backward */
    size_t upk;    /* float32 only: the recurrent kernel packed for the fast path's products,
                    * GRU__TRAIN_UPK(H) floats (cpu/train_fast_body.h) */
    size_t total;  /* bytes; SIZE_MAX on overflow */
} gru__train_layout;

/* The workspace's packed matrices of the fast path round their columns up to this many
 * floats: the widest vector (16) and the widest GEMM strip (32); each ISA's strip width
 * must divide it (checked in src/cpu/x86/train_fast_*.c). */
#define GRU__TRAIN_ROUND 32
/* n (>= 0) rounded up to a multiple of GRU__TRAIN_ROUND, as a size_t. */
#define GRU__TRAIN_RUP(n)                                                                   \
    (((size_t)(n) + GRU__TRAIN_ROUND - 1) & ~(size_t)(GRU__TRAIN_ROUND - 1))
/* Floats of the packed recurrent kernel of the fast path: 3H rows of H units rounded up
 * to GRU__TRAIN_ROUND. */
#define GRU__TRAIN_UPK(H) (3 * (size_t)(H) * GRU__TRAIN_RUP(H))

void gru__train_layout_get(const gru_layer *layer, int64_t B, int64_t T,
                           gru__train_layout *lay);

/* Arguments of one training forward or backward, validated, in the layer's dtype. */
typedef struct gru__train_args {
    const gru_layer *layer;
    int64_t B, T;
    char *ws;                      /* the workspace, header filled */
    const gru__train_layout *lay;
    /* forward */
    const void *x;                 /* (B, T, I) */
    const void *h0;                /* (B, H) or NULL = zeros */
    void *y;                       /* output */
    void *h_final;                 /* (B, H) or NULL */
    /* backward */
    const void *dy;                /* like the output, or NULL */
    const void *dy_state;          /* (B, H) or NULL */
    void *dx;                      /* (B, T, I) or NULL */
    void *dh0;                     /* (B, H) or NULL */
    void *dk, *drk, *db;           /* weight gradients or NULL (skip) */
    int overwrite;                 /* weight gradients: 1 overwrite, 0 accumulate */
} gru__train_args;

void gru__train_forward_ref_f32(const gru__train_args *a);
void gru__train_forward_ref_f64(const gru__train_args *a);
void gru__train_backward_ref_f32(const gru__train_args *a);
void gru__train_backward_ref_f64(const gru__train_args *a);

#endif /* GRU_TRAIN_INTERNAL_H */
