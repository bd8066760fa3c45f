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
#define TF_GEMM_NR 32 /* the GEMM's strip width (GEMM_NV * VW of gemm_avx512.c) */

#include "cpu/train_fast_body.h"
#endif
