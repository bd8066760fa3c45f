/* Gate-order conversions (src/io/convert.c) checked element by element against the
 * layouts as documented by PyTorch, ONNX and Keras (SEMANTICS.md "Other layouts"),
 * written here independently: each source element holds a value that encodes its own
 * (gate, unit, input) position, so a misplaced element is visible. Numeric checks with
 * real PyTorch and ONNX Runtime are in tests/python/test_io_formats.py. */
#include "gru_io.h"
#include "test_util.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

enum { I = 3, H = 4 };

/* value of "gate g (0 z, 1 r, 2 h), unit j, input/row i, part p" */
static float code(int g, int j, int i, int p) { return (float)(1000 * p + 100 * g + 10 * j + i); }

static void test_pytorch(void)
{
    /* PyTorch: rows in blocks r, z, n */
    static const int pt_gate[3] = {1, 0, 2}; /* PyTorch block b holds Keras gate pt_gate[b] */
    float wih[3 * H][I], whh[3 * H][H], bih[3 * H], bhh[3 * H];
    for (int b = 0; b < 3; b++)
        for (int j = 0; j < H; j++) {
            for (int i = 0; i < I; i++)
                wih[b * H + j][i] = code(pt_gate[b], j, i, 0);
            for (int i = 0; i < H; i++)
                whh[b * H + j][i] = code(pt_gate[b], j, i, 1);
            bih[b * H + j] = code(pt_gate[b], j, 0, 2);
            bhh[b * H + j] = code(pt_gate[b], j, 0, 3);
        }
    float k[I][3 * H], r[H][3 * H], bias[2][3 * H];
    gru_tensor twih = gru_tensor_2d(GRU_FLOAT32, 3 * H, I, wih), twhh = gru_tensor_2d(GRU_FLOAT32, 3 * H, H, whh);
    gru_tensor tbih = gru_tensor_1d(GRU_FLOAT32, 3 * H, bih), tbhh = gru_tensor_1d(GRU_FLOAT32, 3 * H, bhh);
    gru_tensor tk = gru_tensor_2d(GRU_FLOAT32, I, 3 * H, k), tr = gru_tensor_2d(GRU_FLOAT32, H, 3 * H, r);
    gru_tensor tb = gru_tensor_2d(GRU_FLOAT32, 2, 3 * H, bias);
    CHECK_OK(gru_pytorch_to_keras(&twih, &twhh, &tbih, &tbhh, &tk, &tr, &tb));
    int bad = 0;
    for (int g = 0; g < 3; g++)
        for (int j = 0; j < H; j++) {
            for (int i = 0; i < I; i++)
                bad += k[i][g * H + j] != code(g, j, i, 0);
            for (int i = 0; i < H; i++)
                bad += r[i][g * H + j] != code(g, j, i, 1);
            bad += bias[0][g * H + j] != code(g, j, 0, 2);
            bad += bias[1][g * H + j] != code(g, j, 0, 3);
        }
    CHECK_MSG(bad == 0, "%d misplaced elements in PyTorch -> Keras", bad);

    /* and back */
    float wih2[3 * H][I], whh2[3 * H][H], bih2[3 * H], bhh2[3 * H];
    gru_tensor o1 = gru_tensor_2d(GRU_FLOAT32, 3 * H, I, wih2), o2 = gru_tensor_2d(GRU_FLOAT32, 3 * H, H, whh2);
    gru_tensor o3 = gru_tensor_1d(GRU_FLOAT32, 3 * H, bih2), o4 = gru_tensor_1d(GRU_FLOAT32, 3 * H, bhh2);
    CHECK_OK(gru_keras_to_pytorch(&tk, &tr, &tb, &o1, &o2, &o3, &o4));
    CHECK(memcmp(wih, wih2, sizeof wih) == 0 && memcmp(whh, whh2, sizeof whh) == 0);
    CHECK(memcmp(bih, bih2, sizeof bih) == 0 && memcmp(bhh, bhh2, sizeof bhh) == 0);

    /* no bias */
    CHECK_OK(gru_pytorch_to_keras(&twih, &twhh, NULL, NULL, &tk, &tr, NULL));
    CHECK_OK(gru_keras_to_pytorch(&tk, &tr, NULL, &o1, &o2, NULL, NULL));

    /* errors */
    gru_tensor b1 = gru_tensor_1d(GRU_FLOAT32, 3 * H, bih);
    CHECK_ERR(gru_keras_to_pytorch(&tk, &tr, &b1, &o1, &o2, &o3, &o4), GRU_ERR_ARG, "reset_after = FALSE");
    /* the Keras kernel is checked like every other tensor (a NULL one used to crash) */
    gru_tensor nullk = gru_tensor_2d(GRU_FLOAT32, I, 3 * H, NULL);
    CHECK_ERR(gru_keras_to_pytorch(&nullk, &tr, NULL, &o1, &o2, NULL, NULL), GRU_ERR_NULL,
              "kernel: data is NULL");
    CHECK_ERR(gru_pytorch_to_keras(&twih, &twhh, &tbih, NULL, &tk, &tr, &tb), GRU_ERR_NULL, "both or neither");
    gru_tensor badhh = gru_tensor_2d(GRU_FLOAT32, 3 * H, H + 1, whh);
    CHECK_ERR(gru_pytorch_to_keras(&twih, &badhh, NULL, NULL, &tk, &tr, NULL), GRU_ERR_SHAPE,
              "weight_hh: expected shape (12, 4), got (12, 5)");
    gru_tensor badih = gru_tensor_2d(GRU_FLOAT32, 10, I, wih);
    CHECK_ERR(gru_pytorch_to_keras(&badih, &twhh, NULL, NULL, &tk, &tr, NULL), GRU_ERR_SHAPE, "multiple of 3");
    gru_tensor wrongk = gru_tensor_2d(GRU_FLOAT32, I + 1, 3 * H, k);
    CHECK_ERR(gru_pytorch_to_keras(&twih, &twhh, NULL, NULL, &wrongk, &tr, NULL), GRU_ERR_SHAPE, "kernel: expected shape (3, 12)");
    CHECK_ERR(gru_pytorch_to_keras(NULL, &twhh, NULL, NULL, &tk, &tr, NULL), GRU_ERR_NULL, "weight_ih");
    gru_tensor i32 = twih;
    i32.dtype = GRU_INT32;
    CHECK_ERR(gru_pytorch_to_keras(&i32, &twhh, NULL, NULL, &tk, &tr, NULL), GRU_ERR_SHAPE, "float32 or float64");
    gru_tensor f64 = twhh;
    f64.dtype = GRU_FLOAT64;
    CHECK_ERR(gru_pytorch_to_keras(&twih, &f64, NULL, NULL, &tk, &tr, NULL), GRU_ERR_SHAPE, "dtype float32");
    CHECK_ERR(gru_pytorch_to_keras(&twih, &twhh, NULL, NULL, &tk, &tr, &tb), GRU_ERR_ARG, "bias: must be NULL");
}

static void test_onnx(void)
{
    enum { D = 2 };
    double W[D][3 * H][I], R[D][3 * H][H], B[D][6 * H];
    for (int d = 0; d < D; d++)
        for (int g = 0; g < 3; g++) /* ONNX gate order z, r, h == Keras */
            for (int j = 0; j < H; j++) {
                for (int i = 0; i < I; i++)
                    W[d][g * H + j][i] = code(g, j, i, 0) + 5000 * d;
                for (int i = 0; i < H; i++)
                    R[d][g * H + j][i] = code(g, j, i, 1) + 5000 * d;
                B[d][g * H + j] = code(g, j, 0, 2) + 5000 * d;
                B[d][3 * H + g * H + j] = 0.5 * code(g, j, 0, 3) + 5000 * d;
            }
    gru_tensor tW = {GRU_FLOAT64, 3, {D, 3 * H, I}, W}, tR = {GRU_FLOAT64, 3, {D, 3 * H, H}, R};
    gru_tensor tB = gru_tensor_2d(GRU_FLOAT64, D, 6 * H, B);
    double k[I][3 * H], r[H][3 * H], b2[2][3 * H], b1[3 * H];
    gru_tensor tk = gru_tensor_2d(GRU_FLOAT64, I, 3 * H, k), tr = gru_tensor_2d(GRU_FLOAT64, H, 3 * H, r);
    gru_tensor tb2 = gru_tensor_2d(GRU_FLOAT64, 2, 3 * H, b2), tb1 = gru_tensor_1d(GRU_FLOAT64, 3 * H, b1);
    for (int d = 0; d < D; d++) {
        CHECK_OK(gru_onnx_to_keras(&tW, &tR, &tB, d, true, &tk, &tr, &tb2));
        int bad = 0;
        for (int g = 0; g < 3; g++)
            for (int j = 0; j < H; j++) {
                for (int i = 0; i < I; i++)
                    bad += k[i][g * H + j] != code(g, j, i, 0) + 5000 * d;
                for (int i = 0; i < H; i++)
                    bad += r[i][g * H + j] != code(g, j, i, 1) + 5000 * d;
                bad += b2[0][g * H + j] != code(g, j, 0, 2) + 5000 * d;
                bad += b2[1][g * H + j] != 0.5 * code(g, j, 0, 3) + 5000 * d;
            }
        CHECK_MSG(bad == 0, "direction %d: %d misplaced elements in ONNX -> Keras", d, bad);
        CHECK_OK(gru_onnx_to_keras(&tW, &tR, &tB, d, false, &tk, &tr, &tb1));
        bad = 0;
        for (int c = 0; c < 3 * H; c++)
            bad += b1[c] != B[d][c] + B[d][3 * H + c];
        CHECK_MSG(bad == 0, "reset_after FALSE bias is not Wb + Rb");
    }
    /* Keras -> ONNX, round trip of direction 1 (reset_after TRUE) */
    CHECK_OK(gru_onnx_to_keras(&tW, &tR, &tB, 1, true, &tk, &tr, &tb2));
    double W2[D][3 * H][I], R2[D][3 * H][H], B2[D][6 * H];
    memset(W2, 0, sizeof W2);
    memset(R2, 0, sizeof R2);
    memset(B2, 0, sizeof B2);
    gru_tensor oW = {GRU_FLOAT64, 3, {D, 3 * H, I}, W2}, oR = {GRU_FLOAT64, 3, {D, 3 * H, H}, R2};
    gru_tensor oB = gru_tensor_2d(GRU_FLOAT64, D, 6 * H, B2);
    CHECK_OK(gru_keras_to_onnx(&tk, &tr, &tb2, 1, &oW, &oR, &oB));
    CHECK(memcmp(W2[1], W[1], sizeof W[1]) == 0 && memcmp(R2[1], R[1], sizeof R[1]) == 0 &&
          memcmp(B2[1], B[1], sizeof B[1]) == 0);
    CHECK(W2[0][0][0] == 0.0 && B2[0][0] == 0.0); /* other direction untouched */
    /* reset_after FALSE: B = [bias | 0] */
    CHECK_OK(gru_keras_to_onnx(&tk, &tr, &tb1, 0, &oW, &oR, &oB));
    CHECK(memcmp(B2[0], b1, sizeof b1) == 0 && B2[0][3 * H] == 0.0 && B2[0][6 * H - 1] == 0.0);
    /* errors */
    CHECK_ERR(gru_onnx_to_keras(&tW, &tR, &tB, 2, true, &tk, &tr, &tb2), GRU_ERR_ARG, "direction: expected 0..1, got 2");
    CHECK_ERR(gru_onnx_to_keras(&tW, &tR, &tB, 0, true, &tk, &tr, &tb1), GRU_ERR_SHAPE, "bias: expected shape (2, 12)");
    CHECK_ERR(gru_onnx_to_keras(&tW, &tR, &tB, 0, false, &tk, &tr, &tb2), GRU_ERR_SHAPE, "bias: expected shape (12,)");
    gru_tensor badR = {GRU_FLOAT64, 3, {D, 3 * H, H + 2}, R};
    CHECK_ERR(gru_onnx_to_keras(&tW, &badR, &tB, 0, true, &tk, &tr, &tb2), GRU_ERR_SHAPE, "R: expected shape (2, 12, 4)");
    gru_tensor W2d = gru_tensor_2d(GRU_FLOAT64, 3 * H, I, W);
    CHECK_ERR(gru_onnx_to_keras(&W2d, &tR, &tB, 0, true, &tk, &tr, &tb2), GRU_ERR_SHAPE, "num_directions");
    CHECK_ERR(gru_onnx_to_keras(&tW, &tR, NULL, 0, true, &tk, &tr, &tb2), GRU_ERR_ARG, "bias: must be NULL");
    CHECK_OK(gru_onnx_to_keras(&tW, &tR, NULL, 0, true, &tk, &tr, NULL));
    CHECK_ERR(gru_keras_to_onnx(&tk, &tr, &tb2, 0, &oW, &oR, NULL), GRU_ERR_NULL, "B: is NULL");
}

static void test_cudnn(void)
{
    /* I != H so that the Fortran-order reshape differs from a transpose */
    float k[I][3 * H], r[H][3 * H], b[6 * H];
    for (int i = 0; i < I; i++)
        for (int c = 0; c < 3 * H; c++)
            k[i][c] = code(c / H, c % H, i, 0);
    for (int i = 0; i < H; i++)
        for (int c = 0; c < 3 * H; c++)
            r[i][c] = code(c / H, c % H, i, 1);
    for (int c = 0; c < 6 * H; c++)
        b[c] = (float)c;
    float ko[I][3 * H], ro[H][3 * H], bo[2][3 * H];
    gru_tensor tk = gru_tensor_2d(GRU_FLOAT32, I, 3 * H, k), tr = gru_tensor_2d(GRU_FLOAT32, H, 3 * H, r);
    gru_tensor tb = gru_tensor_1d(GRU_FLOAT32, 6 * H, b);
    gru_tensor ok = gru_tensor_2d(GRU_FLOAT32, I, 3 * H, ko), orr = gru_tensor_2d(GRU_FLOAT32, H, 3 * H, ro);
    gru_tensor ob = gru_tensor_2d(GRU_FLOAT32, 2, 3 * H, bo);
    CHECK_OK(gru_cudnn_to_keras(&tk, &tr, &tb, true, &ok, &orr, &ob));
    /* NumPy: block.T.reshape(block.shape, order='F'). block.T (H, I) read in Fortran order
     * (first index fastest) visits block.T[a][c] = block[c][a] for c slow... i.e. block in
     * C order; the result (I, H) is filled in Fortran order: out[a][b] = flat[a + b*I]. */
    int bad = 0;
    for (int g = 0; g < 3; g++) {
        float flat[I * H];
        int n = 0;
        for (int i = 0; i < I; i++) /* block in C order */
            for (int j = 0; j < H; j++)
                flat[n++] = k[i][g * H + j];
        for (int a = 0; a < I; a++)
            for (int c = 0; c < H; c++)
                bad += ko[a][g * H + c] != flat[a + c * I];
        for (int a = 0; a < H; a++)
            for (int c = 0; c < H; c++)
                bad += ro[a][g * H + c] != r[c][g * H + a];
    }
    for (int c = 0; c < 3 * H; c++)
        bad += bo[0][c] != b[c] || bo[1][c] != b[3 * H + c];
    CHECK_MSG(bad == 0, "%d misplaced elements in CuDNNGRU -> GRU", bad);
    /* round trip */
    float k2[I][3 * H], r2[H][3 * H], b2[6 * H];
    gru_tensor rk = gru_tensor_2d(GRU_FLOAT32, I, 3 * H, k2), rr = gru_tensor_2d(GRU_FLOAT32, H, 3 * H, r2);
    gru_tensor rb = gru_tensor_1d(GRU_FLOAT32, 6 * H, b2);
    CHECK_OK(gru_keras_to_cudnn(&ok, &orr, &ob, &rk, &rr, &rb));
    CHECK(memcmp(k, k2, sizeof k) == 0 && memcmp(r, r2, sizeof r) == 0 && memcmp(b, b2, sizeof b) == 0);
    /* errors */
    CHECK_ERR(gru_cudnn_to_keras(&tk, &tr, &tb, false, &ok, &orr, &ob), GRU_ERR_ARG,
              "only compatible with a GRU with reset_after = TRUE");
    CHECK_ERR(gru_cudnn_to_keras(&tk, &tr, &ob, true, &ok, &orr, &ob), GRU_ERR_SHAPE, "CuDNNGRU shape (24,)");
    gru_tensor b3 = gru_tensor_1d(GRU_FLOAT32, 3 * H, b);
    CHECK_ERR(gru_keras_to_cudnn(&ok, &orr, &b3, &rk, &rr, &rb), GRU_ERR_ARG, "no CuDNNGRU equivalent");
    gru_tensor nullk = gru_tensor_2d(GRU_FLOAT32, I, 3 * H, NULL);
    CHECK_ERR(gru_keras_to_cudnn(&nullk, &orr, &ob, &rk, &rr, &rb), GRU_ERR_NULL, "kernel: data is NULL");
}

int main(void)
{
    test_pytorch();
    test_onnx();
    test_cudnn();
    return tu_finish("test_io_convert");
}
