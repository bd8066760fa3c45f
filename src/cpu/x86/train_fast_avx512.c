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
/* the workspace (src/train.c) rounds K^T's rows up to 32 floats for the packed K^T */
_Static_assert(32 % TF_GEMM_NR == 0, "TF_GEMM_NR must divide 32 (see src/train.c, kt)");

#include "cpu/train_fast_body.h"
#endif
