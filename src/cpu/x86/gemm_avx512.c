/* The fast float32 GEMM for AVX-512F: tiles of 12 rows x 32 columns (24 zmm accumulators). */
#include "cpu/gemm.h"

#if defined(__AVX512F__)
#include "cpu/x86/isa_avx512.h"

#define SFX(name) name##_avx512_f32
#define GEMM_MR 12
#define GEMM_NV GRU__GEMM_NV_AVX512

#define GEMM_SSE_PACK 1
/* k blocks of 512: half the passes over C of the default 256 (C tiles are read and
 * written once per block), measured 2-5% faster on the large products of training */
#define GEMM_KC 512
#define GEMM_MC (GEMM_MR * 4)

#include "cpu/gemm_body.h"
#endif
