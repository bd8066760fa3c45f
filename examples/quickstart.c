/* quickstart: the example the README quotes. One GRU layer, layer_gru(units = 4,
 * return_sequences = TRUE, input_shape = c(NULL, 3)), weights set in Keras layout,
 * run on a batch of 2 sequences of 5 steps. */
#include <gru.h>

#include <stdio.h>

int main(void)
{
    enum { B = 2, T = 5, I = 3, H = 4 };
    gru_config cfg;
    gru_config_init(&cfg, H);          /* the defaults of layer_gru(units = 4) */
    cfg.input_dim = I;                 /* input_shape = c(NULL, 3) */
    cfg.return_sequences = true;

    gru_layer *layer;
    if (gru_layer_create(&cfg, &layer) != GRU_OK) {
        fprintf(stderr, "gru_layer_create: %s\n", gru_errmsg());
        return 1;
    }

    /* Keras layout: kernel (I, 3H), recurrent_kernel (H, 3H), bias (3H); gates z | r | h */
    float kernel[I][3 * H], recurrent[H][3 * H], bias[3 * H];
    for (int i = 0; i < I; i++)
        for (int j = 0; j < 3 * H; j++)
            kernel[i][j] = 0.1f * (float)((i + 2 * j) % 7) - 0.3f;
    for (int i = 0; i < H; i++)
        for (int j = 0; j < 3 * H; j++)
            recurrent[i][j] = 0.05f * (float)((3 * i + j) % 5) - 0.1f;
    for (int j = 0; j < 3 * H; j++)
        bias[j] = 0.01f * (float)j;
    gru_tensor k = gru_tensor_2d(GRU_FLOAT32, I, 3 * H, kernel);
    gru_tensor rk = gru_tensor_2d(GRU_FLOAT32, H, 3 * H, recurrent);
    gru_tensor b = gru_tensor_1d(GRU_FLOAT32, 3 * H, bias);
    if (gru_layer_set_weights(layer, &k, &rk, &b) != GRU_OK) {
        fprintf(stderr, "gru_layer_set_weights: %s\n", gru_errmsg());
        gru_layer_destroy(layer);
        return 1;
    }

    float x[B][T][I], y[B][T][H];
    for (int n = 0; n < B; n++)
        for (int t = 0; t < T; t++)
            for (int i = 0; i < I; i++)
                x[n][t][i] = (float)(n + 1) * 0.2f * (float)(t - i);
    gru_tensor tx = gru_tensor_3d(GRU_FLOAT32, B, T, I, x);
    gru_tensor ty = gru_tensor_3d(GRU_FLOAT32, B, T, H, y);
    if (gru_forward(layer, &tx, NULL, NULL, &ty, NULL) != GRU_OK) {
        fprintf(stderr, "gru_forward: %s\n", gru_errmsg());
        gru_layer_destroy(layer);
        return 1;
    }

    for (int n = 0; n < B; n++) {
        printf("sample %d:\n", n);
        for (int t = 0; t < T; t++) {
            printf("  t=%d:", t);
            for (int j = 0; j < H; j++)
                printf(" % .6f", y[n][t][j]);
            printf("\n");
        }
    }
    gru_layer_destroy(layer);
    return 0;
}
