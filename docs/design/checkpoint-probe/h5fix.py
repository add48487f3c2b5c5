"""Rename map for Keras 2.13's *.weights.h5 layout -> the layout Keras 2.15 / 3.x read.
python h5fix.py SRC DST  (then loads DST into the d1/d2 model with this env's Keras)."""
import sys, h5py, numpy as np
RENAME = {"_layer_checkpoint_dependencies/": "layers/", "layers/dense_2/": "layers/dense_1/"}
src, dst = sys.argv[1], sys.argv[2]
with h5py.File(src, "r") as a, h5py.File(dst, "w") as b:
    for k, v in a.attrs.items(): b.attrs[k] = v
    def copy(name, obj):
        new = name
        for old, rep in RENAME.items():
            if (new + "/").startswith(old): new = rep + (new + "/")[len(old):]
            new = new.rstrip("/")
        if isinstance(obj, h5py.Dataset):
            b.create_dataset(new, data=obj[()])
        else:
            b.require_group(new)
    a.visititems(copy)
    for g in ("vars",):
        b.require_group(g)
print("renamed", src, "->", dst)
import tensorflow as tf
keras = tf.keras
inp = keras.Input(shape=(3,)); x = keras.layers.Dense(2, name="d1")(inp)
model = keras.Model(inp, keras.layers.Dense(1, name="d2")(x))
try:
    model.load_weights(dst)
    got = [w.tolist() for w in model.get_weights()]
    exp = [(np.arange(int(np.prod(w.shape))).reshape(w.shape) * 0.1 + i).tolist() for i, w in enumerate(model.get_weights())]
    print("TF", tf.__version__, "load after rename:", "ok" if all(np.allclose(a, b) for a, b in zip(got, exp)) else "mismatch %r" % got)
except Exception as e:
    print("TF", tf.__version__, "load after rename:", type(e).__name__, str(e).splitlines()[0][:200])
