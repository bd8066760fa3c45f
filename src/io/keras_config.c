/* Keras layer configurations as stored in model files (model_config, config.json) ->
 * gru_config. Cleans what is not a layer_gru() argument (Keras 3 "module",
 * "registered_name", "shared_object_id", "seed", ...), turns a
 * Keras 3 DTypePolicy object into its name, translates Keras 1 names (output_dim,
 * inner_activation, init, ...) and CuDNNGRU configurations, and hands the result to
 * gru_config_parse_json(). */
#include "io_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef GRU_HAVE_CJSON
#include <cjson/cJSON.h>

static const char *const inference_keys[] = {
    "name", "dtype", "batch_input_shape", "units", "activation", "recurrent_activation",
    "use_bias", "return_sequences", "return_state", "go_backwards", "stateful", "unroll",
    "reset_after", "implementation", "trainable", "zero_output_for_mask", NULL};
static const char *const training_keys[] = {
    "kernel_initializer", "recurrent_initializer", "bias_initializer", "kernel_regularizer",
    "recurrent_regularizer", "bias_regularizer", "activity_regularizer", "kernel_constraint",
    "recurrent_constraint", "bias_constraint", "dropout", "recurrent_dropout", NULL};

/* Remove Keras 3 bookkeeping keys everywhere in a (copied) tree. */
static void strip_bookkeeping(cJSON *o)
{
    if (!o)
        return;
    if (cJSON_IsObject(o)) {
        cJSON_DeleteItemFromObjectCaseSensitive(o, "module");
        cJSON_DeleteItemFromObjectCaseSensitive(o, "registered_name");
        cJSON_DeleteItemFromObjectCaseSensitive(o, "shared_object_id");
    }
    for (cJSON *c = o->child; c; c = c->next)
        strip_bookkeeping(c);
}

static void copy_key(cJSON *dst, const cJSON *src, const char *from, const char *to)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(src, from);
    if (!v || cJSON_GetObjectItemCaseSensitive(dst, to))
        return;
    cJSON *dup = cJSON_Duplicate(v, 1);
    if (dup)
        cJSON_AddItemToObject(dst, to, dup);
}

/* Keras 1 regularizer {"name": "WeightRegularizer", "l1": a, "l2": b} -> L1L2. */
static cJSON *keras1_regularizer(const cJSON *v)
{
    if (!cJSON_IsObject(v) || cJSON_GetObjectItemCaseSensitive(v, "class_name"))
        return cJSON_Duplicate(v, 1);
    const cJSON *l1 = cJSON_GetObjectItemCaseSensitive(v, "l1");
    const cJSON *l2 = cJSON_GetObjectItemCaseSensitive(v, "l2");
    cJSON *r = cJSON_CreateObject();
    cJSON_AddStringToObject(r, "class_name", "L1L2");
    cJSON *c = cJSON_AddObjectToObject(r, "config");
    cJSON_AddNumberToObject(c, "l1", cJSON_IsNumber(l1) ? l1->valuedouble : 0.0);
    cJSON_AddNumberToObject(c, "l2", cJSON_IsNumber(l2) ? l2->valuedouble : 0.0);
    return r;
}

static int parse_clean(const cJSON *src, const char *cls, int keras_major, bool with_training,
                       gru_config *cfg)
{
    cJSON *root = cJSON_CreateObject();
    cJSON *c = root ? cJSON_AddObjectToObject(root, "config") : NULL;
    if (!c) {
        cJSON_Delete(root);
        return gru__error(GRU_ERR_NOMEM, "out of memory");
    }
    cJSON_AddStringToObject(root, "class_name", "GRU");
    bool keras1 = cJSON_GetObjectItemCaseSensitive(src, "output_dim") != NULL;
    for (int k = 0; inference_keys[k]; k++)
        copy_key(c, src, inference_keys[k], inference_keys[k]);
    if (with_training)
        for (int k = 0; training_keys[k]; k++)
            copy_key(c, src, training_keys[k], training_keys[k]);
    if (keras1) {
        copy_key(c, src, "output_dim", "units");
        copy_key(c, src, "inner_activation", "recurrent_activation");
        if (with_training) {
            copy_key(c, src, "init", "kernel_initializer");
            copy_key(c, src, "inner_init", "recurrent_initializer");
            copy_key(c, src, "dropout_W", "dropout");
            copy_key(c, src, "dropout_U", "recurrent_dropout");
            static const char *const regs[3][2] = {{"W_regularizer", "kernel_regularizer"},
                                                   {"U_regularizer", "recurrent_regularizer"},
                                                   {"b_regularizer", "bias_regularizer"}};
            for (int k = 0; k < 3; k++) {
                const cJSON *v = cJSON_GetObjectItemCaseSensitive(src, regs[k][0]);
                if (v && !cJSON_IsNull(v))
                    cJSON_AddItemToObject(c, regs[k][1], keras1_regularizer(v));
            }
        }
        if (!cJSON_GetObjectItemCaseSensitive(c, "batch_input_shape")) {
            const cJSON *idim = cJSON_GetObjectItemCaseSensitive(src, "input_dim");
            const cJSON *ilen = cJSON_GetObjectItemCaseSensitive(src, "input_length");
            if (cJSON_IsNumber(idim)) {
                cJSON *shape = cJSON_AddArrayToObject(c, "batch_input_shape");
                cJSON_AddItemToArray(shape, cJSON_CreateNull());
                cJSON_AddItemToArray(shape, cJSON_IsNumber(ilen) ? cJSON_CreateNumber(ilen->valuedouble)
                                                                 : cJSON_CreateNull());
                cJSON_AddItemToArray(shape, cJSON_CreateNumber(idim->valuedouble));
            }
        }
    }
    /* Keras 3: dtype is a DTypePolicy object; batch_shape instead of batch_input_shape */
    cJSON *dt = cJSON_GetObjectItemCaseSensitive(c, "dtype");
    if (dt && cJSON_IsObject(dt)) {
        const cJSON *dc = cJSON_GetObjectItemCaseSensitive(dt, "config");
        const cJSON *nm = cJSON_GetObjectItemCaseSensitive(dc, "name");
        if (cJSON_IsString(nm) && (strcmp(nm->valuestring, "float64") == 0 ||
                                   strcmp(nm->valuestring, "float32") == 0))
            cJSON_ReplaceItemInObjectCaseSensitive(c, "dtype", cJSON_CreateString(nm->valuestring));
        else
            cJSON_DeleteItemFromObjectCaseSensitive(c, "dtype");
    } else if (dt && cJSON_IsString(dt) && strcmp(dt->valuestring, "float64") != 0 &&
               strcmp(dt->valuestring, "float32") != 0) {
        /* mixed precision policies ("mixed_float16"): computed in float32 here */
        cJSON_DeleteItemFromObjectCaseSensitive(c, "dtype");
    }
    copy_key(c, src, "batch_shape", "batch_input_shape");
    if (cls && strcmp(cls, "CuDNNGRU") == 0) {
        /* CuDNNGRU = GRU(reset_after = TRUE, sigmoid, tanh) */
        cJSON_DeleteItemFromObjectCaseSensitive(c, "reset_after");
        cJSON_DeleteItemFromObjectCaseSensitive(c, "activation");
        cJSON_DeleteItemFromObjectCaseSensitive(c, "recurrent_activation");
        cJSON_AddBoolToObject(c, "reset_after", 1);
        cJSON_AddStringToObject(c, "activation", "tanh");
        cJSON_AddStringToObject(c, "recurrent_activation", "sigmoid");
    }
    strip_bookkeeping(c);
    char *text = cJSON_PrintUnformatted(root);
    cJSON_Delete(root);
    if (!text)
        return gru__error(GRU_ERR_NOMEM, "out of memory");
    int rc = gru_config_parse_json(text, keras_major >= 3 ? 3 : 2, cfg);
    cJSON_free(text);
    return rc;
}

int gru__parse_layer_config(const void *obj, int keras_major, gru_config *cfg)
{
    const cJSON *o = obj;
    const cJSON *cls = cJSON_GetObjectItemCaseSensitive(o, "class_name");
    const cJSON *conf = cJSON_GetObjectItemCaseSensitive(o, "config");
    if (!cJSON_IsObject(conf))
        return gru__error(GRU_ERR_FORMAT, "%s: layer config without a \"config\" object",
                          gru__io_file);
    const char *cn = cJSON_IsString(cls) ? cls->valuestring : "GRU";
    int rc = parse_clean(conf, cn, keras_major, true, cfg);
    if (rc < 0) {
        /* Training-only settings (initializers, regularizers, constraints, dropout) do
         * not change the forward pass: keep the file usable when only they fail. */
        char first[512];
        snprintf(first, sizeof first, "%s", gru_errmsg());
        int rc2 = parse_clean(conf, cn, keras_major, false, cfg);
        if (rc2 < 0) {
            const cJSON *nm = cJSON_GetObjectItemCaseSensitive(conf, "name");
            return gru__error(rc, "%s: layer \"%s\": config: %s", gru__io_file,
                              cJSON_IsString(nm) ? nm->valuestring : "?", first);
        }
    }
    return GRU_OK;
}

#else

int gru__parse_layer_config(const void *obj, int keras_major, gru_config *cfg)
{
    return gru__error(GRU_ERR_UNSUPPORTED,
                      "%s: reading a Keras layer configuration needs cJSON (build option "
                      "GRU_WITH_CJSON)", gru__io_file);
}

#endif
