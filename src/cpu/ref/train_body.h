/* The reference training pass: the forward that keeps what backward needs, and the
 * backward (backpropagation through time), side by side so that one is never changed
 * without the other in view. Included once per dtype with
 *   REAL       the element type (float or double)
 *   SFX(name)  name##_f32 or name##_f64
 *
 * Equations (SEMANTICS.md "One step", with the dropout multipliers mx_g (per sample, on
 * x) and mh_g (per sample, on h) of gate g; without dropout they are 1):
 *   a_z = (x*mx_z)·W_z + b_z [+ b_rz] + (h*mh_z)·U_z            z = sig(a_z)
 *   a_r = (x*mx_r)·W_r + b_r [+ b_rr] + (h*mh_r)·U_r            r = sig(a_r)
 *   reset_after FALSE:  q = r*(h*mh_h)          a_h = (x*mx_h)·W_h + b_h + q·U_h
 *   reset_after TRUE:   c = (h*mh_h)·U_h + b_rh a_h = (x*mx_h)·W_h + b_ih + r*c
 *   hh = act(a_h);  h' = z*h + (1-z)*hh   (unmasked h in the mix)
 * Backward, given g = dL/dh':
 *   dz = g*(h - hh)  dhh = g*(1-z)  da_h = dhh*act'(a_h)  dh += g*z
 *   FALSE: dq = da_h·U_h^T   dr = dq*(h*mh_h)  dh += dq*r*mh_h
 *   TRUE:  dc = da_h*r       dr = da_h*c       dh += (dc·U_h^T)*mh_h
 *   da_z = dz*sig'(a_z)  da_r = dr*sig'(a_r)  dh += (da_z·U_z^T)*mh_z + (da_r·U_r^T)*mh_r
 * Weight gradients are products over all (T*B) rows at once, after the time loop:
 *   dW_g += (X*mx_g)^T · dA_g;  dU_{z,r} += (Hprev*mh)^T · dA_{z,r};
 *   dU_h += Q^T · dA_h (FALSE) or (Hprev*mh_h)^T · dC (TRUE); bias = column sums. */

/* Derivative of activation `act` at pre-activation v with output y = act(v), with
 * TensorFlow's choice at kinks and clip points (see gru_train.h). */
static inline REAL SFX(dact)(gru_activation act, REAL v, REAL y)
{
    switch (act) {
    case GRU_ACT_TANH: return 1 - y * y;
    case GRU_ACT_SIGMOID: return y * (1 - y);
    case GRU_ACT_HARD_SIGMOID: {
        /* clip_by_value(0.2x + 0.5, 0, 1): TF passes the gradient on the closed range */
        REAL u = (REAL)0.2 * v + (REAL)0.5;
        return (u >= 0 && u <= 1) ? (REAL)0.2 : 0;
    }
    case GRU_ACT_HARD_SIGMOID_KERAS3: {
        /* relu6(x + 3) / 6: TF's Relu6Grad passes strictly inside (0, 6) */
        REAL u = v + 3;
        return (u > 0 && u < 6) ? (REAL)1 / 6 : 0;
    }
    case GRU_ACT_RELU: return v > 0 ? 1 : 0;
    case GRU_ACT_LINEAR: return 1;
    case GRU_ACT_ELU: return y < 0 ? y + 1 : 1; /* TF EluGrad: on the output */
    case GRU_ACT_SELU: {
        const REAL scale = (REAL)1.0507009873554804934193349852946;
        const REAL alpha = (REAL)1.6732632423543772848170429916717;
        return y < 0 ? y + scale * alpha : scale; /* TF SeluGrad */
    }
    case GRU_ACT_SOFTPLUS: return 1 / (1 + SFX(train_exp)(-v));
    case GRU_ACT_SOFTSIGN: {
        REAL d = 1 + (v < 0 ? -v : v);
        return 1 / (d * d);
    }
    case GRU_ACT_EXPONENTIAL: return y;
    case GRU_ACT_SWISH: {
        REAL s = 1 / (1 + SFX(train_exp)(-v));
        return s * (1 + v * (1 - s));
    }
    case GRU_ACT_GELU: {
        /* d/dx 0.5x(1 + erf(x/sqrt2)) = 0.5(1 + erf(x/sqrt2)) + x * exp(-x^2/2)/sqrt(2pi) */
        const REAL inv_sqrt2 = (REAL)0.70710678118654752440;
        const REAL inv_sqrt_2pi = (REAL)0.39894228040143267794;
        return (REAL)0.5 * (1 + SFX(train_erf)(v * inv_sqrt2)) +
               v * SFX(train_exp)(-(REAL)0.5 * v * v) * inv_sqrt_2pi;
    }
    default: return 1;
    }
}

/* C (M x N) += A^T · B, with A (K x M, row stride lda) and B (K x N, row stride ldb):
 * the weight-gradient products over all timesteps (K = T*B rows). Rows of A and B are
 * streamed once per block of C, and the block (64 x 256) stays in cache. */
static inline void SFX(gemm_tn)(int64_t M, int64_t N, int64_t K, const REAL *A, int64_t lda,
                         const REAL *Bm, int64_t ldb, REAL *C, int64_t ldc)
{
    enum { MB = 64, NB = 256 };
    for (int64_t i0 = 0; i0 < M; i0 += MB) {
        const int64_t i1 = i0 + MB < M ? i0 + MB : M;
        for (int64_t j0 = 0; j0 < N; j0 += NB) {
            const int64_t nj = (j0 + NB < N ? j0 + NB : N) - j0;
            for (int64_t k = 0; k < K; k++) {
                const REAL *ak = A + k * lda, *bk = Bm + k * ldb + j0;
                for (int64_t i = i0; i < i1; i++) {
                    const REAL aik = ak[i];
                    REAL *ci = C + i * ldc + j0;
                    for (int64_t j = 0; j < nj; j++)
                        ci[j] += aik * bk[j];
                }
            }
        }
    }
}

/* The products of training: float32 through the fast GEMM (src/cpu/gemm.c; train_ref.c
 * defines TRAIN_FAST_GEMM for that instantiation), float64 through the reference ones.
 * C (M x N) = A (M x K) · B (K x N) (+ C when accumulate). */
static void SFX(train_gemm)(int64_t M, int64_t N, int64_t K, const REAL *A, int64_t lda,
                            const REAL *Bm, int64_t ldb, REAL *C, int64_t ldc, int accumulate)
{
#ifdef TRAIN_FAST_GEMM
    gru__gemm_fast_f32(0, M, N, K, A, lda, Bm, ldb, C, ldc, accumulate);
#else
    SFX(gru__gemm)(M, N, K, A, lda, Bm, ldb, C, ldc, accumulate);
#endif
}
/* C (M x N) += A^T · B, A (K x M), B (K x N). */
static void SFX(train_gemm_tn)(int64_t M, int64_t N, int64_t K, const REAL *A, int64_t lda,
                               const REAL *Bm, int64_t ldb, REAL *C, int64_t ldc)
{
#ifdef TRAIN_FAST_GEMM
    gru__gemm_fast_f32(1, M, N, K, A, lda, Bm, ldb, C, ldc, 1);
#else
    SFX(gemm_tn)(M, N, K, A, lda, Bm, ldb, C, ldc);
#endif
}

/* dst (N x M) = src (M x N, row stride lds)^T. */
static void SFX(transpose)(int64_t M, int64_t N, const REAL *src, int64_t lds, REAL *dst)
{
    for (int64_t i = 0; i < M; i++)
        for (int64_t j = 0; j < N; j++)
            dst[j * M + i] = src[i * lds + j];
}

/* dst (T*B rows, n) = src (T*B rows, n) * m[b] (per-sample multipliers (B, n)). */
static void SFX(rows_times_mask)(int64_t TB, int64_t B, int64_t n, const REAL *src,
                                 const REAL *m, REAL *dst)
{
    for (int64_t row = 0; row < TB; row++) {
        const REAL *sr = src + row * n, *mb = m + (row % B) * n;
        REAL *dr = dst + row * n;
        for (int64_t j = 0; j < n; j++)
            dr[j] = sr[j] * mb[j];
    }
}

void SFX(gru__train_forward_ref)(const gru__train_args *a)
{
    const gru_layer *L = a->layer;
    const gru_config *c = &L->cfg;
    const gru__train_layout *lay = a->lay;
    const int64_t B = a->B, T = a->T, I = L->I, H = L->H, H3 = 3 * H, BH = B * H;
    char *ws = a->ws;
    const gru__train_hdr *hdr = (const gru__train_hdr *)(ws + lay->hdr);
    const REAL *x = a->x;                           /* (B, T, I) */
    const REAL *K = L->kernel;                      /* (I, 3H) */
    const REAL *U = L->recurrent_kernel;            /* (H, 3H) */
    const REAL *bias = L->bias;                     /* (3H) or (2, 3H) or NULL */
    const REAL *b_rec = (bias && c->reset_after) ? bias + H3 : NULL; /* (3H) */
    const uint8_t *mask = hdr->has_mask ? (const uint8_t *)(ws + lay->mask) : NULL; /* (B,T) */
    const int64_t *first = (const int64_t *)(ws + lay->first); /* (B) */
    REAL *xs = (REAL *)(ws + lay->x);               /* (T, B, I) */
    const REAL *mx = (const REAL *)(ws + lay->mx);  /* (3, B, I) */
    const REAL *mh = (const REAL *)(ws + lay->mh);  /* (3, B, H) */
    REAL *hs = (REAL *)(ws + lay->hs);              /* (T+1, B, H) */
    REAL *pre = (REAL *)(ws + lay->pre);            /* (T, B, 3H) */
    REAL *actv = (REAL *)(ws + lay->act);           /* (T, B, 3H) */
    REAL *cc = (REAL *)(ws + lay->c);               /* (T, B, H) */
    REAL *hr = (REAL *)(ws + lay->hr);              /* (B, 3H) */
    REAL *hm = (REAL *)(ws + lay->hm);              /* (B, H) */
    REAL *big = (REAL *)(ws + lay->big);            /* (T*B, max(I, H)) */
    REAL *y = a->y;
    const gru_activation act = c->activation, ract = c->recurrent_activation;
    const int hdrop = hdr->hdrop;

    /* 1. x in processing order, then the input projections of every timestep at once:
     *    pre[s, b] = (x_s[b] * mx_g[b]) · W + b_in. */
    for (int64_t s = 0; s < T; s++) {
        const int64_t t = c->go_backwards ? T - 1 - s : s;
        for (int64_t b = 0; b < B; b++)
            memcpy(xs + (s * B + b) * I, x + (b * T + t) * I, (size_t)I * sizeof(REAL));
    }
    if (hdr->xdrop == 0) {
        SFX(train_gemm)(T * B, H3, I, xs, I, K, H3, pre, H3, 0);
    } else if (hdr->xdrop == 1) {
        SFX(rows_times_mask)(T * B, B, I, xs, mx, big);
        SFX(train_gemm)(T * B, H3, I, big, I, K, H3, pre, H3, 0);
    } else {
        for (int g = 0; g < 3; g++) {
            SFX(rows_times_mask)(T * B, B, I, xs, mx + g * B * I, big);
            SFX(train_gemm)(T * B, H, I, big, I, K + g * H, H3, pre + g * H, H3, 0);
        }
    }
    if (bias)
        for (int64_t row = 0; row < T * B; row++)
            for (int64_t j = 0; j < H3; j++)
                pre[row * H3 + j] += bias[j];

    /* 2. The recurrence. */
    if (a->h0)
        memcpy(hs, a->h0, (size_t)BH * sizeof(REAL));
    else
        memset(hs, 0, (size_t)BH * sizeof(REAL));

    for (int64_t s = 0; s < T; s++) {
        const int64_t t = c->go_backwards ? T - 1 - s : s;
        const REAL *h = hs + s * BH;      /* (B, H) state before the step */
        REAL *hn = hs + (s + 1) * BH;     /* (B, H) state after it */
        REAL *P = pre + s * B * H3;       /* (B, 3H) */
        REAL *A = actv + s * B * H3;      /* (B, 3H) */
        REAL *C = cc + s * BH;            /* (B, H) */

        /* recurrent products of the z and r gates (and of h when reset_after) */
        if (!hdrop) {
            SFX(train_gemm)(B, c->reset_after ? H3 : 2 * H, H, h, H, U, H3, hr, H3, 0);
        } else {
            for (int g = 0; g < (c->reset_after ? 3 : 2); g++) {
                SFX(rows_times_mask)(B, B, H, h, mh + g * BH, hm);
                SFX(train_gemm)(B, H, H, hm, H, U + g * H, H3, hr + g * H, H3, 0);
            }
        }
        for (int64_t b = 0; b < B; b++) {
            REAL *Pb = P + b * H3, *Ab = A + b * H3, *hrb = hr + b * H3, *Cb = C + b * H;
            const REAL *hb = h + b * H, *mhh = hdrop ? mh + 2 * BH + b * H : NULL;
            for (int64_t j = 0; j < H; j++) {
                REAL rz = hrb[j], rr = hrb[H + j];
                if (b_rec) {
                    rz += b_rec[j];
                    rr += b_rec[H + j];
                }
                REAL az = Pb[j] + rz, ar = Pb[H + j] + rr;
                REAL z = SFX(gru__act)(ract, az), r = SFX(gru__act)(ract, ar);
                Pb[j] = az;
                Pb[H + j] = ar;
                Ab[j] = z;
                Ab[H + j] = r;
                if (c->reset_after) {
                    REAL rhh = hrb[2 * H + j];
                    if (b_rec)
                        rhh += b_rec[2 * H + j];
                    Cb[j] = rhh;
                    Pb[2 * H + j] += r * rhh;
                } else {
                    Cb[j] = r * (mhh ? hb[j] * mhh[j] : hb[j]);
                }
            }
        }
        if (!c->reset_after) {
            SFX(train_gemm)(B, H, H, C, H, U + 2 * H, H3, hr + 2 * H, H3, 0);
            for (int64_t b = 0; b < B; b++)
                for (int64_t j = 0; j < H; j++)
                    P[b * H3 + 2 * H + j] += hr[b * H3 + 2 * H + j];
        }
        for (int64_t b = 0; b < B; b++) {
            REAL *Pb = P + b * H3, *Ab = A + b * H3, *hnb = hn + b * H;
            const REAL *hb = h + b * H;
            const int kept = !mask || mask[b * T + t];
            for (int64_t j = 0; j < H; j++) {
                REAL hh = SFX(gru__act)(act, Pb[2 * H + j]);
                Ab[2 * H + j] = hh;
                REAL z = Ab[j];
                hnb[j] = kept ? z * hb[j] + (1 - z) * hh : hb[j];
            }
        }

        /* Output of step s: the new state, or zeros before the first kept step. */
        if (c->return_sequences || s == T - 1) {
            for (int64_t b = 0; b < B; b++) {
                REAL *yb = c->return_sequences ? y + (b * T + s) * H : y + b * H;
                if (first[b] <= s)
                    memcpy(yb, hn + b * H, (size_t)H * sizeof(REAL));
                else
                    memset(yb, 0, (size_t)H * sizeof(REAL));
            }
        }
    }
    if (a->h_final)
        memcpy(a->h_final, hs + T * BH, (size_t)BH * sizeof(REAL));
}

void SFX(gru__train_backward_ref)(const gru__train_args *a)
{
    const gru_layer *L = a->layer;
    const gru_config *c = &L->cfg;
    const gru__train_layout *lay = a->lay;
    const int64_t B = a->B, T = a->T, I = L->I, H = L->H, H3 = 3 * H, BH = B * H;
    const int64_t TB = T * B;
    char *ws = a->ws;
    const gru__train_hdr *hdr = (const gru__train_hdr *)(ws + lay->hdr);
    const REAL *K = L->kernel;                      /* (I, 3H) */
    const REAL *U = L->recurrent_kernel;            /* (H, 3H) */
    const uint8_t *mask = hdr->has_mask ? (const uint8_t *)(ws + lay->mask) : NULL; /* (B,T) */
    const int64_t *first = (const int64_t *)(ws + lay->first); /* (B) */
    const REAL *xs = (const REAL *)(ws + lay->x);   /* (T, B, I) */
    const REAL *mx = (const REAL *)(ws + lay->mx);  /* (3, B, I) */
    const REAL *mh = (const REAL *)(ws + lay->mh);  /* (3, B, H) */
    const REAL *hs = (const REAL *)(ws + lay->hs);  /* (T+1, B, H) */
    const REAL *pre = (const REAL *)(ws + lay->pre); /* (T, B, 3H) */
    const REAL *actv = (const REAL *)(ws + lay->act); /* (T, B, 3H) */
    const REAL *cc = (const REAL *)(ws + lay->c);   /* (T, B, H) */
    REAL *hm = (REAL *)(ws + lay->hm);              /* (B, H) */
    REAL *dg = (REAL *)(ws + lay->dg);              /* (T, B, 3H) */
    REAL *dgr = c->reset_after ? (REAL *)(ws + lay->dgr) : dg; /* (T, B, 3H) */
    REAL *dh = (REAL *)(ws + lay->dh);              /* (B, H) */
    REAL *dt = (REAL *)(ws + lay->dt);              /* (B, H) */
    REAL *big = (REAL *)(ws + lay->big);            /* (T*B, max(I, H)) */
    REAL *dxs = (REAL *)(ws + lay->dxs);            /* (T, B, I) */
    REAL *UT = (REAL *)(ws + lay->ut);              /* (3H, H) */
    REAL *KT = (REAL *)(ws + lay->kt);              /* (3H, I) */
    const REAL *dy = a->dy;
    const gru_activation act = c->activation, ract = c->recurrent_activation;
    const int hdrop = hdr->hdrop;

    /* U^T and W^T, so that dh = dA·U^T and dx = dA·W^T stream rows like the forward. */
    SFX(transpose)(H, H3, U, H3, UT);
    SFX(transpose)(I, H3, K, H3, KT);

    /* Gradient arriving on the final state: dy_state, plus the last output when
     * return_sequences = FALSE (that output is h_T once a step was kept, else zeros). */
    if (a->dy_state)
        memcpy(dh, a->dy_state, (size_t)BH * sizeof(REAL));
    else
        memset(dh, 0, (size_t)BH * sizeof(REAL));
    if (dy && !c->return_sequences)
        for (int64_t b = 0; b < B; b++)
            if (first[b] < T)
                for (int64_t j = 0; j < H; j++)
                    dh[b * H + j] += dy[b * H + j];

    for (int64_t s = T - 1; s >= 0; s--) {
        const int64_t t = c->go_backwards ? T - 1 - s : s;
        const REAL *h = hs + s * BH;
        const REAL *P = pre + s * B * H3, *A = actv + s * B * H3, *C = cc + s * BH;
        REAL *G = dg + s * B * H3, *GR = dgr + s * B * H3;

        /* the output of step s is h_{s+1} once a step was kept */
        if (dy && c->return_sequences)
            for (int64_t b = 0; b < B; b++)
                if (first[b] <= s)
                    for (int64_t j = 0; j < H; j++)
                        dh[b * H + j] += dy[(b * T + s) * H + j];

        /* Elementwise part. dt receives the direct path (g*z, or g for a masked step). */
        for (int64_t b = 0; b < B; b++) {
            const REAL *Pb = P + b * H3, *Ab = A + b * H3, *Cb = C + b * H, *hb = h + b * H;
            const REAL *gb = dh + b * H;
            REAL *Gb = G + b * H3, *GRb = GR + b * H3, *dtb = dt + b * H;
            if (mask && !mask[b * T + t]) {
                memcpy(dtb, gb, (size_t)H * sizeof(REAL));
                memset(Gb, 0, (size_t)H3 * sizeof(REAL));
                if (c->reset_after)
                    memset(GRb, 0, (size_t)H3 * sizeof(REAL));
                continue;
            }
            for (int64_t j = 0; j < H; j++) {
                REAL z = Ab[j], r = Ab[H + j], hh = Ab[2 * H + j], g = gb[j];
                REAL dz = g * (hb[j] - hh);
                REAL dah = g * (1 - z) * SFX(dact)(act, Pb[2 * H + j], hh);
                dtb[j] = g * z;
                Gb[j] = dz * SFX(dact)(ract, Pb[j], z);
                Gb[2 * H + j] = dah;
                if (c->reset_after) {
                    REAL dr = dah * Cb[j];
                    Gb[H + j] = dr * SFX(dact)(ract, Pb[H + j], r);
                    GRb[j] = Gb[j];
                    GRb[H + j] = Gb[H + j];
                    GRb[2 * H + j] = dah * r; /* dc */
                }
            }
        }
        if (!c->reset_after) {
            /* dq = da_h · U_h^T; dr = dq * (h*mh_h); dh += dq * r * mh_h */
            SFX(train_gemm)(B, H, H, G + 2 * H, H3, UT + 2 * H * H, H, hm, H, 0);
            for (int64_t b = 0; b < B; b++) {
                if (mask && !mask[b * T + t])
                    continue;
                const REAL *Pb = P + b * H3, *Ab = A + b * H3, *hb = h + b * H;
                const REAL *mhh = hdrop ? mh + 2 * BH + b * H : NULL;
                REAL *Gb = G + b * H3, *dtb = dt + b * H, *dqb = hm + b * H;
                for (int64_t j = 0; j < H; j++) {
                    REAL r = Ab[H + j], m = mhh ? mhh[j] : 1;
                    REAL dr = dqb[j] * hb[j] * m;
                    Gb[H + j] = dr * SFX(dact)(ract, Pb[H + j], r);
                    dtb[j] += dqb[j] * r * m;
                }
            }
        }
        /* recurrent paths through the products: dh += (GR_g · U_g^T) * mh_g */
        const int ng = c->reset_after ? 3 : 2;
        if (!hdrop) {
            SFX(train_gemm)(B, H, ng * H, GR, H3, UT, H, dt, H, 1);
        } else {
            for (int g = 0; g < ng; g++) {
                SFX(train_gemm)(B, H, H, GR + g * H, H3, UT + g * H * H, H, hm, H, 0);
                const REAL *m = mh + g * BH;
                for (int64_t i = 0; i < BH; i++)
                    dt[i] += hm[i] * m[i];
            }
        }
        REAL *tmp = dh;
        dh = dt;
        dt = tmp;
    }
    if (a->dh0)
        memcpy(a->dh0, dh, (size_t)BH * sizeof(REAL));

    /* Weight gradients: products over all T*B rows. */
    const int weights = c->trainable && (a->dk || a->drk || a->db);
    if (weights && a->overwrite) {
        if (a->dk)
            memset(a->dk, 0, (size_t)(I * H3) * sizeof(REAL));
        if (a->drk)
            memset(a->drk, 0, (size_t)(H * H3) * sizeof(REAL));
        if (a->db)
            memset(a->db, 0, (size_t)((c->reset_after ? 2 : 1) * H3) * sizeof(REAL));
    }
    if (weights && a->dk) {
        REAL *dK = a->dk;
        if (hdr->xdrop == 0) {
            SFX(train_gemm_tn)(I, H3, TB, xs, I, dg, H3, dK, H3);
        } else if (hdr->xdrop == 1) {
            SFX(rows_times_mask)(TB, B, I, xs, mx, big);
            SFX(train_gemm_tn)(I, H3, TB, big, I, dg, H3, dK, H3);
        } else {
            for (int g = 0; g < 3; g++) {
                SFX(rows_times_mask)(TB, B, I, xs, mx + g * B * I, big);
                SFX(train_gemm_tn)(I, H, TB, big, I, dg + g * H, H3, dK + g * H, H3);
            }
        }
    }
    if (weights && a->drk) {
        REAL *dU = a->drk;
        const int ng = c->reset_after ? 3 : 2; /* blocks whose input is the (masked) h */
        if (!hdrop) {
            SFX(train_gemm_tn)(H, ng * H, TB, hs, H, dgr, H3, dU, H3);
        } else {
            for (int g = 0; g < ng; g++) {
                SFX(rows_times_mask)(TB, B, H, hs, mh + g * BH, big);
                SFX(train_gemm_tn)(H, H, TB, big, H, dgr + g * H, H3, dU + g * H, H3);
            }
        }
        if (!c->reset_after) /* the h block's input is q = r*(h*mh_h) */
            SFX(train_gemm_tn)(H, H, TB, cc, H, dg + 2 * H, H3, dU + 2 * H, H3);
    }
    if (weights && a->db && L->bias) {
        REAL *db = a->db;
        for (int64_t row = 0; row < TB; row++)
            for (int64_t j = 0; j < H3; j++)
                db[j] += dg[row * H3 + j];
        if (c->reset_after)
            for (int64_t row = 0; row < TB; row++)
                for (int64_t j = 0; j < H3; j++)
                    db[H3 + j] += dgr[row * H3 + j];
    }

    /* dx = sum_g (dA_g · W_g^T) * mx_g, in processing order, then back to (B, T, I). */
    if (a->dx) {
        REAL *dx = a->dx;
        if (hdr->xdrop != 3) {
            SFX(train_gemm)(TB, I, H3, dg, H3, KT, I, dxs, I, 0);
            if (hdr->xdrop == 1)
                SFX(rows_times_mask)(TB, B, I, dxs, mx, dxs);
        } else {
            memset(dxs, 0, (size_t)(TB * I) * sizeof(REAL));
            for (int g = 0; g < 3; g++) {
                SFX(train_gemm)(TB, I, H, dg + g * H, H3, KT + g * H * I, I, big, I, 0);
                const REAL *m = mx + g * B * I;
                for (int64_t row = 0; row < TB; row++)
                    for (int64_t j = 0; j < I; j++)
                        dxs[row * I + j] += big[row * I + j] * m[(row % B) * I + j];
            }
        }
        for (int64_t s = 0; s < T; s++) {
            const int64_t t = c->go_backwards ? T - 1 - s : s;
            for (int64_t b = 0; b < B; b++)
                memcpy(dx + (b * T + t) * I, dxs + (s * B + b) * I, (size_t)I * sizeof(REAL));
        }
    }
}
