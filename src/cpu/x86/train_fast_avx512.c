/* The fast float32 training pass for AVX-512 (F, DQ): 16 floats per vector, products
 * through the AVX-512 GEMM. */
#include "cpu/train_fast.h"
#include "cpu/gemm.h"

#if defined(__AVX512F__) && defined(__AVX512DQ__)
#include "cpu/x86/isa_avx512.h"

#define SFX(name) name##_avx512
#define TF_GEMM gru__gemm_avx512_f32
#define TF_GEMM_PB gru__gemm_pb_avx512_f32
#define TF_GEMM_PACKB gru__gemm_pack_b_avx512_f32
#define TF_GEMM_BP gru__gemm_bp_avx512_f32
#define TF_GEMM_NR (GRU__GEMM_NV_AVX512 * VW) /* the GEMM's strip width (gemm_avx512.c) */
/* the workspace's packed matrices (src/train.c) round their columns up to GRU__TRAIN_ROUND */
_Static_assert(GRU__TRAIN_ROUND % TF_GEMM_NR == 0, "TF_GEMM_NR must divide GRU__TRAIN_ROUND");

#include "cpu/train_fast_body.h"
#endif
