/* The reference forward pass: the executable spec of SEMANTICS.md "One step" and
 * "Sequence semantics". Included once per dtype with
 *   REAL  the element type (float or double)
 *   SFX(name)  name##_f32 or name##_f64
 * It is written for clarity first, but already in the shape the fast kernels keep:
 * the input projection of all timesteps is one product per sample, nothing is allocated
 * per step, and the recurrent kernel is streamed row by row in its Keras layout. */

void SFX(gru__forward_ref)(const gru__fwd_args *a)
{
    const gru_layer *L = a->layer;
    const gru_config *c = &L->cfg;
    const int64_t B = a->B, T = a->T, I = L->I, H = L->H, H3 = 3 * H;
    const REAL *x = a->x;                           /* (B, T, I) */
    const REAL *K = L->kernel;                      /* (I, 3H) */
    const REAL *U = L->recurrent_kernel;            /* (H, 3H) */
    const REAL *bias = L->bias;                     /* (3H) or (2, 3H) or NULL */
    const REAL *b_rec = (bias && c->reset_after) ? bias + H3 : NULL; /* (3H) */
    const uint8_t *mask = a->mask;                  /* (B, T) or NULL */
    REAL *y = a->y;
    const gru__fwd_layout *lay = a->lay;
    char *ws = a->ws;
    REAL *xp = (REAL *)(ws + lay->xp);               /* (T, B, 3H) */
    REAL *h = (REAL *)(ws + lay->h);                 /* (B, H) */
    REAL *hr = (REAL *)(ws + lay->hr);               /* (B, 3H) */
    REAL *rh = (REAL *)(ws + lay->rh);               /* (B, H) */
    uint8_t *started = (uint8_t *)(ws + lay->started); /* (B) */
    const gru_activation act = c->activation, ract = c->recurrent_activation;

    /* 1. Input projection of every timestep: xp[t, b] = x[b, t] · K + b_in. */
    for (int64_t b = 0; b < B; b++)
        SFX(gru__gemm)(T, H3, I, x + b * T * I, I, K, H3, xp + b * H3, B * H3, 0);
    if (bias) {
        for (int64_t r = 0; r < T * B; r++)
            for (int64_t j = 0; j < H3; j++)
                xp[r * H3 + j] += bias[j];
    }

    /* 2. The recurrence. */
    if (a->h0)
        memcpy(h, a->h0, (size_t)(B * H) * sizeof(REAL));
    else
        memset(h, 0, (size_t)(B * H) * sizeof(REAL));
    memset(started, 0, (size_t)B);

    for (int64_t s = 0; s < T; s++) {
        const int64_t t = c->go_backwards ? T - 1 - s : s; /* input step consumed */
        const REAL *xs = xp + t * B * H3;                  /* (B, 3H) */

        if (c->reset_after) {
            /* hr = h · U + b_rec, all three gates at once */
            SFX(gru__gemm)(B, H3, H, h, H, U, H3, hr, H3, 0);
            for (int64_t b = 0; b < B; b++) {
                if (mask && !mask[b * T + t])
                    continue;
                REAL *hb = h + b * H, *hrb = hr + b * H3;
                const REAL *xb = xs + b * H3;
                for (int64_t j = 0; j < H; j++) {
                    REAL rz = hrb[j], rr = hrb[H + j], rhh = hrb[2 * H + j];
                    if (b_rec) {
                        rz += b_rec[j];
                        rr += b_rec[H + j];
                        rhh += b_rec[2 * H + j];
                    }
                    REAL z = SFX(gru__act)(ract, xb[j] + rz);
                    REAL r = SFX(gru__act)(ract, xb[H + j] + rr);
                    REAL hh = SFX(gru__act)(act, xb[2 * H + j] + r * rhh);
                    hb[j] = z * hb[j] + (1 - z) * hh;
                }
                started[b] = 1;
            }
        } else {
            /* hr[:, 0:2H] = h · U[:, 0:2H]; then hr[:, 2H:3H] = (r ⊙ h) · U[:, 2H:3H] */
            SFX(gru__gemm)(B, 2 * H, H, h, H, U, H3, hr, H3, 0);
            for (int64_t b = 0; b < B; b++) {
                REAL *hrb = hr + b * H3;
                const REAL *xb = xs + b * H3, *hb = h + b * H;
                for (int64_t j = 0; j < H; j++) {
                    REAL z = SFX(gru__act)(ract, xb[j] + hrb[j]);
                    REAL r = SFX(gru__act)(ract, xb[H + j] + hrb[H + j]);
                    hrb[j] = z; /* keep z for the update */
                    rh[b * H + j] = r * hb[j];
                }
            }
            SFX(gru__gemm)(B, H, H, rh, H, U + 2 * H, H3, hr + 2 * H, H3, 0);
            for (int64_t b = 0; b < B; b++) {
                if (mask && !mask[b * T + t])
                    continue;
                REAL *hb = h + b * H;
                const REAL *hrb = hr + b * H3, *xb = xs + b * H3;
                for (int64_t j = 0; j < H; j++) {
                    REAL z = hrb[j];
                    REAL hh = SFX(gru__act)(act, xb[2 * H + j] + hrb[2 * H + j]);
                    hb[j] = z * hb[j] + (1 - z) * hh;
                }
                started[b] = 1;
            }
        }

        /* Output of step s: the new state, or for a masked step the previous output
         * (zeros before the first kept step). */
        if (c->return_sequences || s == T - 1) {
            for (int64_t b = 0; b < B; b++) {
                REAL *yb = c->return_sequences ? y + (b * T + s) * H : y + b * H;
                if (started[b])
                    memcpy(yb, h + b * H, (size_t)H * sizeof(REAL));
                else
                    memset(yb, 0, (size_t)H * sizeof(REAL));
            }
        }
    }
    if (a->h_final)
        memcpy(a->h_final, h, (size_t)(B * H) * sizeof(REAL));
}

/* Reference GEMM: C (M x N) = A (M x K) · B (K x N) [+ C]. i-k-j order so that the inner
 * loop streams rows of B and C contiguously. */
void SFX(gru__gemm)(int64_t M, int64_t N, int64_t K, const REAL *A, int64_t lda, const REAL *Bm,
                    int64_t ldb, REAL *C, int64_t ldc, int accumulate)
{
    for (int64_t i = 0; i < M; i++) {
        REAL *ci = C + i * ldc;
        if (!accumulate)
            memset(ci, 0, (size_t)N * sizeof(REAL));
        const REAL *ai = A + i * lda;
        for (int64_t k = 0; k < K; k++) {
            const REAL aik = ai[k];
            const REAL *bk = Bm + k * ldb;
            for (int64_t j = 0; j < N; j++)
                ci[j] += aik * bk[j];
        }
    }
}
