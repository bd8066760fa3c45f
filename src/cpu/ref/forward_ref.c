/* Instantiates the reference forward pass for float32 and float64. */
#include "gru_internal.h"

#include <string.h>

#define REAL float
#define SFX(name) name##_f32
#include "forward_body.h"
#undef REAL
#undef SFX

#define REAL double
#define SFX(name) name##_f64
#include "forward_body.h"
#undef REAL
#undef SFX
