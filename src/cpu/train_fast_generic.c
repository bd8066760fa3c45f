/* The fast float32 training pass in portable C, with libm's exp and tanh lane by lane and
 * the portable GEMM: the threads and the work order of the fast path without any
 * instruction-set flag. With GCC or Clang, 4 floats at a time through the compilers'
 * generic vector extension; other compilers, one at a time. */
#include "cpu/train_fast.h"
#include "cpu/gemm.h"
#include "cpu/isa_generic.h"

#define SFX(name) name##_generic
#define TF_GEMM gru__gemm_generic_f32

#include "cpu/train_fast_body.h"
