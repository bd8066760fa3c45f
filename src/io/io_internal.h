/* Internal pieces shared by the format readers in src/io/. Not installed. */
#ifndef GRU_IO_INTERNAL_H
#define GRU_IO_INTERNAL_H

#include "gru_internal.h"
#include "gru_io.h"

/* One weight array as read from a file, converted to float32 or float64. */
typedef struct gru__array {
    char name[GRU_IO_NAME_MAX];  /* name in the file ("gru/gru_cell/kernel:0") */
    int ndim;                    /* 1 or 2 (others are kept with ndim 0: not a weight) */
    int64_t shape[2];
    gru_dtype dtype;             /* GRU_FLOAT32 or GRU_FLOAT64 */
    void *data;                  /* (shape) C order, gru__alloc'ed; may be NULL if ndim 0 */
} gru__array;

void gru__arrays_free(gru__array *a, int n);

struct gru_model {
    gru_file_format format;
    char keras_version[64];
    int keras_major;             /* 1, 2, 3; 0 non-Keras */
    int n, cap;
    gru_model_layer *layers;     /* (n) */
};

int gru__model_new(gru_model **out);
/* Set keras_version and derive keras_major from it ("" keeps major as given). */
void gru__model_set_version(gru_model *m, const char *version, int default_major);


/* Find the GRU weight sets among arrays a[0..n) (in their stored order) and append one
 * layer per set to m. Names: src->name for the first set; with several sets (a
 * Bidirectional or nested model) names are derived from the weight names. `configs`
 * (may be NULL) gives the config of set i (NULL entry = inferred); nconfigs entries.
 * `cudnn` forces CuDNNGRU interpretation of a (6H) bias. Appends 0 or more layers;
 * *added receives how many. */
int gru__model_add_sets(gru_model *m, const gru__array *a, int n, const char *name,
                        const char *class_name, const char *path,
                        const gru_config *const *configs, int nconfigs, int *added);

/* The file name used in messages (set by the loader). */
extern _Thread_local const char *gru__io_file;

/* Refuses an HDF5 image whose global heap collections libhdf5 1.10 would read past its
 * buffers (src/io/h5_guard.c); GRU_OK or a status with the message set. */
int gru__h5_guard(const void *data, size_t size);
/* Checks the attribute messages of the object header at address addr of that image before
 * a variable-length string attribute of the object is read (src/io/h5_guard.c). */
int gru__h5_guard_attrs(const void *data, size_t size, uint64_t addr);
/* The object header at addr before libhdf5 loads it: its blocks (the first and every
 * continuation) must lie inside the file, since libhdf5 allocates their recorded sizes
 * first (src/io/h5_guard.c). */
int gru__h5_guard_header(const void *data, size_t size, uint64_t addr);

/* ---- format readers (each returns GRU_ERR_UNSUPPORTED when its library is absent) -- */
int gru__load_h5_memory(const void *data, size_t size, gru_model *m);
int gru__load_keras3_zip(const void *data, size_t size, gru_model *m);
int gru__load_safetensors(const void *data, size_t size, gru_model *m);

/* Keras 3 .keras: model.weights.h5 (in memory) with config.json text and version. */
int gru__load_h5_keras3(const void *data, size_t size, const char *config_json,
                        const char *version, gru_model *m);

/* Parse one Keras layer config object (JSON text of {"class_name":..., "config":...})
 * into cfg, cleaning keys that are not layer_gru() arguments and translating Keras 1
 * names. keras_major as in gru_config_parse_json. Needs cJSON. */
int gru__parse_layer_config(const void *cjson_obj, int keras_major, gru_config *cfg);

/* Checks the path, n and layers arguments of the writers gru_save_*. */
int gru__save_args(const char *path, int n, const gru_layer *const *layers);
/* The weights of layer L in Keras layout, in buffers of their own: w[0] kernel (I, 3H),
 * w[1] recurrent_kernel (H, 3H), w[2] bias (3H) or (2, 3H) (data NULL without bias), in
 * the layer's dtype (float64, else float32). Free them with gru__weights_free; on failure
 * nothing is left to free. */
int gru__layer_weights(const gru_layer *L, gru_tensor w[3]);
void gru__weights_free(gru_tensor w[3]);

/* Write `size` bytes to path atomically (temp file + rename). */
int gru__write_file_atomic(const char *path, const void *data, size_t size);

#endif
