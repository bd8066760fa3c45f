/* The fast forward in portable C, with libm's exp and tanh (so the numbers are the
 * reference's up to summation order). Used when no x86 kernel applies. With GCC or Clang
 * it works on 4 units at a time through the compilers' generic vector extension (SSE,
 * NEON, ... or plain scalar code, whatever the target has); other compilers get one unit
 * at a time. */
#include "cpu/fast.h"
#include "cpu/isa_generic.h"

#define SFX(name) name##_generic
#define MR3 4
#define MR2 6
#define MR1 4
#define NG1M GRU__SPG1M
#define NGR3 GRU__SPG3
#define NGR2 GRU__SPG2
#define NGR1 GRU__SPG1
#include "cpu/fast_body.h"
