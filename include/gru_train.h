/*
 * libgru training API (backward pass, dropout, regularizers, constraints).
 * Included by gru.h; do not include directly.
 */
#ifndef GRU_TRAIN_H
#define GRU_TRAIN_H

#ifdef __cplusplus
extern "C" {
#endif

#ifdef __cplusplus
}
#endif

#endif /* GRU_TRAIN_H */
