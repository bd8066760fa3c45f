/*
 * libgru: the weights people already have. Keras model files, PyTorch and ONNX tensors,
 * CuDNNGRU weights, and writing a layer's weights back in Keras's layout.
 *
 * A short tour
 * ------------
 *   gru_model *m;
 *   if (gru_model_load("model.h5", &m) != GRU_OK) puts(gru_errmsg());
 *   for (int i = 0; i < gru_model_num_layers(m); i++)
 *       printf("%s: %lld units\n", gru_model_layer_at(m, i)->name,
 *              (long long)gru_model_layer_at(m, i)->units);
 *   gru_layer *layer;
 *   gru_model_layer_create(m, 0, NULL, &layer);  // config + weights of GRU layer 0
 *   gru_model_destroy(m);                        // the layer keeps its own copy
 *
 * Formats read by gru_model_load (detected from the file's first bytes, not its name)
 *   - Keras 2 / tf.keras HDF5: full models from save()/save_model() (`model_weights/`,
 *     `model_config`) and weights-only files from save_weights() (layer groups at the
 *     root). Weights are taken in the order of each layer group's `weight_names`
 *     attribute (also when split into weight_names0, weight_names1, ...), never by
 *     hard-coded names: standalone Keras `gru_1/kernel:0`, tf.keras `gru/gru_cell/kernel:0`,
 *     uniquified `gru_1/gru_cell_1/...`, Bidirectional forward/backward halves, Keras 1's
 *     nine arrays (W_z, U_z, b_z, W_r, U_r, b_r, W_h, U_h, b_h), CuDNNGRU's (6H) bias
 *     (converted to a reset_after = TRUE GRU). Configurations without reset_after mean
 *     reset_after = FALSE. Needs libhdf5 (GRU_HAVE_HDF5).
 *   - Keras 3: `.keras` zip files (metadata.json, config.json, model.weights.h5; needs
 *     libzip, GRU_HAVE_ZIP) and `.weights.h5` files (`layers/<name>/cell/vars/{0,1,2}`).
 *     In a file written by Keras >= 3 "hard_sigmoid" is read as
 *     GRU_ACT_HARD_SIGMOID_KERAS3 (clip(x/6 + 0.5, 0, 1)).
 *   - safetensors (PyTorch state dicts of nn.GRU: weight_ih_l0, weight_hh_l0, bias_ih_l0,
 *     bias_hh_l0, _reverse and l1, l2, ... with any prefix such as "gru."; or Keras
 *     layout keys "<name>/kernel", "<name>/recurrent_kernel", "<name>/bias" as written by
 *     gru_save_safetensors). Needs cJSON (GRU_HAVE_CJSON) for the JSON header.
 *
 * Layouts (see also SEMANTICS.md "Other layouts")
 *   Keras:   kernel (I, 3H), recurrent_kernel (H, 3H), column blocks z | r | h;
 *            bias (3H), or (2, 3H) when reset_after (row 0 input, row 1 recurrent).
 *   PyTorch: weight_ih (3H, I), weight_hh (3H, H), bias_ih (3H), bias_hh (3H), row blocks
 *            r | z | n; always reset_after = TRUE with sigmoid / tanh.
 *   ONNX:    W (dirs, 3H, I), R (dirs, 3H, H), B (dirs, 6H) = [Wb | Rb], gates z | r | h;
 *            linear_before_reset = reset_after.
 *   CuDNNGRU: kernel (I, 3H), recurrent_kernel (H, 3H) in Keras's block order but stored
 *            transposed per block, bias (6H) = [input z,r,h | recurrent z,r,h].
 *
 * Configuration keys that are not layer_gru() arguments are ignored: Keras 3's module /
 * registered_name / seed. zero_output_for_mask, which tf.keras's Bidirectional sets on
 * its halves when return_sequences, is kept (gru_config.zero_output_for_mask: masked
 * steps output zeros, as Keras). When only training
 * settings (initializers, regularizers, constraints) fail to parse, they are dropped and
 * the inference settings kept.
 *
 * Hostile files: every reader checks every shape against the others and against the
 * bytes present before allocating; a single array larger than GRU_IO_MAX_ARRAY_BYTES is
 * refused. A bad file gives GRU_ERR_FORMAT (or GRU_ERR_UNSUPPORTED for valid files this
 * library does not handle) with a message naming the file, the object and what was
 * expected. Nothing is printed (HDF5's own error printing is turned off).
 *
 * All functions return GRU_OK or a negative gru_status, with gru_errmsg() set.
 */
#ifndef GRU_IO_H
#define GRU_IO_H

#include "gru.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Largest single weight array a reader will allocate (bytes). */
#define GRU_IO_MAX_ARRAY_BYTES ((int64_t)1 << 31)

/* ------------------------------------------------------------------------ */
/* Gate-order conversions (pure C, always available)                        */
/* ------------------------------------------------------------------------ */
/* All tensors are dense C-order arrays of one dtype, GRU_FLOAT32 or GRU_FLOAT64 (inputs
 * and outputs alike); outputs are caller-allocated with exactly the stated shapes.
 * Shapes are checked (GRU_ERR_SHAPE naming the argument and both shapes); outputs are
 * written only when every check passed. Inputs and outputs must not overlap. */

/* PyTorch nn.GRU (one layer, one direction) -> Keras GRU(reset_after = TRUE).
 *   weight_ih (3H, I), weight_hh (3H, H): required.
 *   bias_ih (3H), bias_hh (3H): both given or both NULL (bias = FALSE).
 *   kernel (I, 3H), recurrent_kernel (H, 3H): required.
 *   bias (2, 3H): required when the biases are given, else must be NULL.
 * The reverse direction (`_reverse` tensors) converts the same way; the Keras layer then
 * needs go_backwards = TRUE and its output sequence is reversed relative to PyTorch's. */
int gru_pytorch_to_keras(const gru_tensor *weight_ih, const gru_tensor *weight_hh,
                         const gru_tensor *bias_ih, const gru_tensor *bias_hh,
                         gru_tensor *kernel, gru_tensor *recurrent_kernel, gru_tensor *bias);

/* Keras GRU(reset_after = TRUE) -> PyTorch. bias (2, 3H) or NULL (use_bias FALSE: then
 * bias_ih and bias_hh must be NULL). A (3H) bias (reset_after = FALSE) is GRU_ERR_ARG:
 * PyTorch has no equivalent. */
int gru_keras_to_pytorch(const gru_tensor *kernel, const gru_tensor *recurrent_kernel,
                         const gru_tensor *bias, gru_tensor *weight_ih,
                         gru_tensor *weight_hh, gru_tensor *bias_ih, gru_tensor *bias_hh);

/* ONNX GRU -> Keras, for direction `direction` (0 forward; 1 reverse of a bidirectional
 * GRU) of W (dirs, 3H, I), R (dirs, 3H, H), B (dirs, 6H) or NULL (zero biases).
 * reset_after = the node's linear_before_reset. Keras bias: (2, 3H) = [Wb; Rb] when
 * reset_after, else (3H) = Wb + Rb (both biases sit outside the reset product there).
 * bias may be NULL only when B is NULL (then the Keras layer has use_bias = FALSE). */
int gru_onnx_to_keras(const gru_tensor *W, const gru_tensor *R, const gru_tensor *B,
                      int direction, bool reset_after, gru_tensor *kernel,
                      gru_tensor *recurrent_kernel, gru_tensor *bias);

/* Keras -> direction `direction` of ONNX W (dirs, 3H, I), R (dirs, 3H, H) and B (dirs,
 * 6H) (may be NULL only when bias is NULL). The other directions' slices are left as
 * they are. bias (3H) (reset_after FALSE, write linear_before_reset = 0: B = [bias | 0])
 * or (2, 3H) (reset_after TRUE, linear_before_reset = 1), or NULL (B, when given, gets
 * zeros). */
int gru_keras_to_onnx(const gru_tensor *kernel, const gru_tensor *recurrent_kernel,
                      const gru_tensor *bias, int direction, gru_tensor *W, gru_tensor *R,
                      gru_tensor *B);

/* CuDNNGRU (Keras 2 layer_cudnn_gru) weights -> GRU. kernel (I, 3H), recurrent_kernel
 * (H, 3H), bias (6H). Only a reset_after = TRUE target is compatible: reset_after FALSE
 * is GRU_ERR_ARG. Output: kernel (I, 3H) with each gate block k replaced by k.T reshaped
 * to k's shape in Fortran order, recurrent_kernel (H, 3H) with each block transposed,
 * bias (2, 3H). (The conversion Keras 2 applies when loading CuDNNGRU weights.) */
int gru_cudnn_to_keras(const gru_tensor *kernel, const gru_tensor *recurrent_kernel,
                       const gru_tensor *bias, bool reset_after, gru_tensor *kernel_out,
                       gru_tensor *recurrent_kernel_out, gru_tensor *bias_out);

/* The inverse: GRU(reset_after = TRUE) -> CuDNNGRU (bias (2, 3H) -> (6H)). */
int gru_keras_to_cudnn(const gru_tensor *kernel, const gru_tensor *recurrent_kernel,
                       const gru_tensor *bias, gru_tensor *kernel_out,
                       gru_tensor *recurrent_kernel_out, gru_tensor *bias_out);

/* ------------------------------------------------------------------------ */
/* Reading model files                                                      */
/* ------------------------------------------------------------------------ */

typedef enum gru_file_format {
    GRU_FORMAT_UNKNOWN = 0,
    GRU_FORMAT_KERAS_H5 = 1,         /* Keras 1/2, tf.keras full model (model_config) */
    GRU_FORMAT_KERAS_WEIGHTS_H5 = 2, /* Keras 1/2, tf.keras save_weights() */
    GRU_FORMAT_KERAS3 = 3,           /* Keras 3 .keras zip */
    GRU_FORMAT_KERAS3_WEIGHTS_H5 = 4,/* Keras 3 .weights.h5 */
    GRU_FORMAT_SAFETENSORS = 5
} gru_file_format;

/* "keras-h5", "keras-weights-h5", "keras3", "keras3-weights-h5", "safetensors",
 * "unknown". */
const char *gru_file_format_name(gru_file_format format);

#define GRU_IO_NAME_MAX 256

/* One GRU layer found in a file. Everything is owned by the gru_model. */
typedef struct gru_model_layer {
    char name[GRU_IO_NAME_MAX];       /* "gru_1", "bidirectional/forward_gru",
                                         "gru.l0_reverse" (PyTorch), unique in the file */
    char class_name[64];              /* class in the file: "GRU", "CuDNNGRU",
                                         "Bidirectional", "torch.nn.GRU", "" (unknown) */
    char path[GRU_IO_NAME_MAX];       /* where its weights are: "model_weights/gru_1" */
    bool has_config;                  /* false: config inferred from the weights only */
    gru_config config;                /* complete config; input_dim, units, reset_after
                                         and use_bias always match the weights. Without
                                         a stored config: reset_after TRUE -> sigmoid,
                                         else hard_sigmoid; tanh; return_sequences as
                                         the file's convention (PyTorch: TRUE). */
    int64_t input_dim, units;         /* I, H */
    gru_dtype dtype;                  /* of the arrays below: float32 or float64 */
    void *kernel;                     /* (I, 3H) Keras layout */
    void *recurrent_kernel;           /* (H, 3H) */
    void *bias;                       /* (3H), (2, 3H) when config.reset_after, or NULL */
    int num_weights;                  /* arrays the weights came from (3, 2, 9, 4, ...) */
    char weight_names[9][GRU_IO_NAME_MAX]; /* their names in the file, in order */
    char conversion[128];             /* "" or what was converted, e.g.
                                         "CuDNNGRU -> GRU(reset_after = TRUE)" */
} gru_model_layer;

typedef struct gru_model gru_model;

/* Read every GRU layer of the file at path (format detected from its first bytes).
 * *out is NULL on failure. Errors: GRU_ERR_NULL, GRU_ERR_IO (cannot open/read),
 * GRU_ERR_FORMAT (malformed, or no GRU layer), GRU_ERR_UNSUPPORTED (a format whose
 * library was not built in), GRU_ERR_NOMEM. */
int gru_model_load(const char *path, gru_model **out);
/* The same for a file image in memory (size bytes; copied as needed, not kept).
 * `name` (may be NULL) is used in messages. */
int gru_model_load_memory(const void *data, size_t size, const char *name,
                          gru_model **out);
void gru_model_destroy(gru_model *model);

gru_file_format gru_model_format(const gru_model *model);
/* The Keras version recorded in the file ("2.2.4", "3.15.1"), "" if none. */
const char *gru_model_keras_version(const gru_model *model);
/* Which Keras conventions the file follows: 1, 2 or 3 (0 for non-Keras files). This
 * decides what "hard_sigmoid" means (3: GRU_ACT_HARD_SIGMOID_KERAS3). */
int gru_model_keras_major(const gru_model *model);
int gru_model_num_layers(const gru_model *model);
/* Layer `index` (0-based, file order), or NULL when out of range or model is NULL. */
const gru_model_layer *gru_model_layer_at(const gru_model *model, int index);
/* Index of the layer called name; GRU_ERR_ARG listing the layer names when absent.
 * name NULL or "" picks the only layer, and is GRU_ERR_ARG when there are several. */
int gru_model_find_layer(const gru_model *model, const char *name, int *index);

/* Create a gru_layer with layer `index`'s weights and configuration, or with *config
 * when config is not NULL (its input_dim 0 means "from the weights"; units, input_dim,
 * use_bias and reset_after must match the weights, else GRU_ERR_ARG naming them). The
 * layer's dtype (config's) may differ from the file's: weights are converted. */
int gru_model_layer_create(const gru_model *model, int index, const gru_config *config,
                           gru_layer **out);

/* ------------------------------------------------------------------------ */
/* Writing                                                                  */
/* ------------------------------------------------------------------------ */

/* Write the weights of n layers as a Keras 2 / tf.keras weights-only HDF5 file (what
 * model.save_weights("x.h5") writes and tf_keras model.load_weights() / h5py read):
 *   root attributes: layer_names (fixed-length strings), backend "tensorflow",
 *                    keras_version "2.21.0" (tf.keras conventions: hard_sigmoid means
 *                    the Keras 2 function);
 *   per layer, group /<name> with attribute weight_names = ["<name>/gru_cell/kernel:0",
 *   "<name>/gru_cell/recurrent_kernel:0", "<name>/gru_cell/bias:0"] and the datasets at
 *   those paths inside the group, in the layer's dtype.
 * names[i] (may be NULL: "gru", "gru_1", ...) must be distinct and must not contain '/'.
 * The file is written to a temporary name and renamed when complete. Needs libhdf5. */
int gru_save_keras_h5(const char *path, int n, const gru_layer *const *layers,
                      const char *const *names);

typedef enum gru_tensor_layout {
    GRU_LAYOUT_KERAS = 0,   /* <name>/kernel, <name>/recurrent_kernel, <name>/bias */
    GRU_LAYOUT_PYTORCH = 1  /* [prefix.]weight_ih_<suffix>, weight_hh_, bias_ih_, bias_hh_
                               where names[i] = "[prefix.]<suffix>", e.g. "l0",
                               "gru.l0_reverse"; needs reset_after TRUE, sigmoid, tanh */
} gru_tensor_layout;

/* Write the layers' weights as a safetensors file (format documented in
 * src/io/safetensors.c), in the layers' dtype (F32 or F64). Atomic like the above.
 * No optional dependency. */
int gru_save_safetensors(const char *path, int n, const gru_layer *const *layers,
                         const char *const *names, gru_tensor_layout layout);

#ifdef __cplusplus
}
#endif

#endif /* GRU_IO_H */
