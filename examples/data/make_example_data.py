"""Writes the example data of examples/run_example.sh with real Keras (tf_keras):
weights and inputs drawn with a fixed NumPy seed, and the outputs of
tf_keras.layers.GRU for them (keras_y.npy, keras_h.npy), the reference the example
compares against. Run from anywhere with a Python that has tf_keras and numpy:
    python examples/data/make_example_data.py
The layer is the one in config.txt (R form) and config.json (its Keras get_config())."""
import json
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import numpy as np
import tf_keras as keras

HERE = os.path.dirname(os.path.abspath(__file__))
B, T, I, H = 2, 5, 3, 4

rng = np.random.default_rng(2024)
kernel = rng.uniform(-0.6, 0.6, (I, 3 * H)).astype(np.float32)
recurrent_kernel = rng.uniform(-0.6, 0.6, (H, 3 * H)).astype(np.float32)
bias = rng.uniform(-0.2, 0.2, (3 * H,)).astype(np.float32)
x = rng.normal(0.0, 1.0, (B, T, I)).astype(np.float32)
mask = np.array([[1, 1, 1, 1, 1], [1, 1, 1, 0, 0]], dtype=bool)  # sample 1: 3 steps

# layer_gru(units = 4, return_sequences = TRUE, return_state = TRUE): the spec's defaults
# (tanh, hard_sigmoid, reset_after = FALSE).
inp = keras.Input((T, I))
m_in = keras.Input((T,), dtype="bool")
layer = keras.layers.GRU(H, return_sequences=True, return_state=True,
                         recurrent_activation="hard_sigmoid", reset_after=False)
y, h = layer(inp, mask=m_in)
model = keras.Model([inp, m_in], [y, h])
layer.set_weights([kernel, recurrent_kernel, bias])
ky, kh = model.predict([x, mask], verbose=0)

for name, arr in [("kernel", kernel), ("recurrent_kernel", recurrent_kernel), ("bias", bias),
                  ("x", x), ("mask", mask), ("keras_y", ky), ("keras_h", kh)]:
    np.save(os.path.join(HERE, name + ".npy"), arr)
with open(os.path.join(HERE, "config.json"), "w") as f:
    json.dump({"class_name": "GRU", "config": layer.get_config()}, f, indent=1)
    f.write("\n")
with open(os.path.join(HERE, "config.txt"), "w") as f:
    f.write("# layer_gru() arguments (R form) of the example layer; same as config.json\n"
            "units = 4, return_sequences = TRUE, return_state = TRUE,\n"
            "input_shape = c(NULL, 3)\n")
