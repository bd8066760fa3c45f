/* The fast float32 training pass for AVX2 + FMA: 8 floats per vector, products through
 * the AVX2 GEMM. */
#include "cpu/train_fast.h"
#include "cpu/gemm.h"

#if defined(__AVX2__) && defined(__FMA__)
#include "cpu/x86/isa_avx2.h"

#define SFX(name) name##_avx2
#define TF_GEMM gru__gemm_avx2_f32
#define TF_GEMM_PB gru__gemm_pb_avx2_f32
#define TF_GEMM_PACKB gru__gemm_pack_b_avx2_f32
#define TF_GEMM_BP gru__gemm_bp_avx2_f32
#define TF_GEMM_NR (GRU__GEMM_NV_AVX2 * VW) /* the GEMM's strip width (gemm_avx2.c) */
/* the workspace's packed matrices (src/train.c) round their columns up to GRU__TRAIN_ROUND */
_Static_assert(GRU__TRAIN_ROUND % TF_GEMM_NR == 0, "TF_GEMM_NR must divide GRU__TRAIN_ROUND");

#include "cpu/train_fast_body.h"
#endif
