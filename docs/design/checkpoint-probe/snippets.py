# Candidate producer/consumer snippets for issue 20 (probe only; Python 3.7-compatible).
# Each case: group (which process/mode), produce code (writes into out_dir, fills manifest),
# consume code (reads in_dir / manifest, fills `restored` {key: array}); `from` reuses the
# artifact of another case; `legacy` = which side needs TF_USE_LEGACY_KERAS=1 on TF >= 2.16.
# Namespace: tf (compat.v1), tf2 (compat.v2), np, os, keras (tf.keras or tf_keras),
# K3 (Keras >= 3 is the keras in use), vpath(v) (a Keras variable's path without ':0').

W = [[1.0, 1.1], [1.2, 1.3], [1.4, 1.5]]
B = [0.5, -0.5]
EXP_WB = {"w": W, "b": B}

SAVER_PRODUCE = '''
with tf.variable_scope("model"):
    w = tf.get_variable("w", [3, 2], initializer=tf.constant_initializer(np.array(W)))
    b = tf.get_variable("b", [2], initializer=tf.constant_initializer(np.array(B)))
with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    manifest["prefix"] = tf.train.Saver().save(sess, os.path.join(out_dir, "model.ckpt"))
'''
SAVER_CONSUME = '''
with tf.variable_scope("model"):
    w = tf.get_variable("w", [3, 2], initializer=tf.zeros_initializer())
    b = tf.get_variable("b", [2], initializer=tf.zeros_initializer())
with tf.Session() as sess:
    tf.train.Saver().restore(sess, os.path.join(in_dir, "model.ckpt"))
    restored = dict(zip(["w", "b"], sess.run([w, b])))
'''

KERAS_BUILD = '''
def build(order=("d1", "d2"), extra=False):
    keras.backend.clear_session()
    layers = {"d1": keras.layers.Dense(2, name="d1"), "d2": keras.layers.Dense(1, name="d2")}
    inp = keras.Input(shape=(3,))
    x = inp
    if extra:
        x = keras.layers.Dense(3, name="extra")(x)
    x = layers["d1"](x)
    x = layers["d2"](x)
    return keras.Model(inp, x)
def fill(model):
    ws = [np.arange(np.prod(w.shape), dtype="float32").reshape(tuple(w.shape)) * 0.1 + i
          for i, w in enumerate(model.get_weights())]
    model.set_weights(ws)
    return ws
def got(model, names=("d1", "d2")):
    out = {}
    for n in names:
        k, b_ = model.get_layer(n).get_weights()
        out[n + "/kernel"] = k
        out[n + "/bias"] = b_
    return out
'''
_ref = [(3, 2), (2,), (2, 1), (1,)]
EXP_KERAS = {}
for _i, (_n, _s) in enumerate(zip(["d1/kernel", "d1/bias", "d2/kernel", "d2/bias"], _ref)):
    _size = 1
    for _d in _s:
        _size *= _d
    EXP_KERAS[_n] = [(x * 0.1 + _i) for x in range(_size)]
    EXP_KERAS[_n] = ("reshape", _s, EXP_KERAS[_n])

CASES = [
    dict(name="saver-v1-varscope", group="v1", produce=SAVER_PRODUCE, consume=SAVER_CONSUME,
         expect=EXP_WB),
    dict(name="saver-graph-varscope", group="graph", produce=SAVER_PRODUCE,
         consume=SAVER_CONSUME, expect=EXP_WB),
    dict(name="saver-v1-to-graph", group="graph", src="saver-v1-varscope",
         consume=SAVER_CONSUME, expect=EXP_WB),
    dict(name="init-from-checkpoint-map", group="v1", src="saver-v1-varscope", expect=EXP_WB,
         consume='''
with tf.variable_scope("new"):
    w = tf.get_variable("w", [3, 2], initializer=tf.zeros_initializer())
    b = tf.get_variable("b", [2], initializer=tf.zeros_initializer())
tf.train.init_from_checkpoint(os.path.join(in_dir, "model.ckpt"), {"model/": "new/"})
with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    restored = dict(zip(["w", "b"], sess.run([w, b])))
'''),
    dict(name="list-variables", group="eager", src="saver-v1-varscope",
         expect={"keys": [["model/b", [2]], ["model/w", [3, 2]]], "w": W},
         consume='''
p = os.path.join(in_dir, "model.ckpt")
restored = {"keys": sorted([[k, list(s)] for k, s in tf2.train.list_variables(p)]),
            "w": tf2.train.load_checkpoint(p).get_tensor("model/w")}
'''),
    dict(name="make-template", group="v1", expect={"t0": [1.0, 2.0], "t1": [1.0, 2.0]},
         produce='''
def f():
    return tf.get_variable("w", [2], initializer=tf.constant_initializer([1.0, 2.0]))
tmpl = tf.make_template("tmpl", f)
a = tmpl(); c = tmpl()
with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    tf.train.Saver().save(sess, os.path.join(out_dir, "model.ckpt"))
manifest["names"] = [v.name for v in tf.global_variables()]
''', consume='''
def f():
    return tf.get_variable("w", [2], initializer=tf.zeros_initializer())
tmpl = tf.make_template("tmpl", f)
a = tmpl(); c = tmpl()
with tf.Session() as sess:
    tf.train.Saver().restore(sess, os.path.join(in_dir, "model.ckpt"))
    restored = {"t0": sess.run(a), "t1": sess.run(c)}
'''),
    dict(name="partitioned-repartition", group="v1",
         expect={"p": [[float(i * 3 + j) for j in range(3)] for i in range(4)]},
         produce='''
with tf.variable_scope("model", partitioner=tf.fixed_size_partitioner(2)):
    p = tf.get_variable("p", [4, 3], initializer=tf.zeros_initializer())
with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    for part, val in zip(list(p), np.split(np.arange(12.0).reshape(4, 3), 2)):
        part.load(val, sess)
    tf.train.Saver().save(sess, os.path.join(out_dir, "model.ckpt"))
manifest["keys"] = sorted(k for k, s in tf.train.list_variables(os.path.join(out_dir, "model.ckpt")))
''', consume='''
with tf.variable_scope("model", partitioner=tf.fixed_size_partitioner(3)):
    p = tf.get_variable("p", [4, 3], initializer=tf.zeros_initializer())
with tf.Session() as sess:
    tf.train.Saver().restore(sess, os.path.join(in_dir, "model.ckpt"))
    restored = {"p": sess.run(tf.convert_to_tensor(p))}
'''),
    dict(name="saver-layers-dense", group="v1", legacy="both",
         expect={"model/dense/kernel": [[0.0, 1.0], [2.0, 3.0], [4.0, 5.0]], "model/dense/bias": [1.0, 2.0]},
         produce='''
x = tf.ones([1, 3])
with tf.variable_scope("model"):
    y = tf.layers.dense(x, 2)
with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    for i, v in enumerate(tf.global_variables()):
        v.load(np.arange(np.prod(v.shape.as_list()), dtype="float32").reshape(v.shape.as_list()) + i, sess)
    tf.train.Saver().save(sess, os.path.join(out_dir, "model.ckpt"))
manifest["names"] = [v.name for v in tf.global_variables()]
''', consume='''
x = tf.ones([1, 3])
with tf.variable_scope("model"):
    y = tf.layers.dense(x, 2)
with tf.Session() as sess:
    tf.train.Saver().restore(sess, os.path.join(in_dir, "model.ckpt"))
    restored = {v.name[:-2]: sess.run(v) for v in tf.global_variables()}
'''),
    dict(name="layers-dense-to-keras-rename", group="eager", src="saver-layers-dense",
         expect={"d1/kernel": [[0.0, 1.0], [2.0, 3.0], [4.0, 5.0]], "d1/bias": [1.0, 2.0]},
         consume=KERAS_BUILD + '''
RENAME = {"model/dense/kernel": "d1/kernel", "model/dense/bias": "d1/bias"}
model = build()
reader = tf2.train.load_checkpoint(os.path.join(in_dir, "model.ckpt"))
byp = {vpath(v): v for v in model.weights}
for old, new in RENAME.items():
    byp[new].assign(reader.get_tensor(old))
restored = got(model, ["d1"])
'''),
    dict(name="checkpoint-object", group="eager",
         expect={"step": 3, "w": [1.0, 2.0, 3.0]},
         produce='''
m = tf2.Module()
m.w = tf2.Variable([1.0, 2.0, 3.0])
root = tf2.train.Checkpoint(step=tf2.Variable(3), net=m)
manifest["prefix"] = root.save(os.path.join(out_dir, "ckpt"))
''', consume='''
m = tf2.Module()
m.w = tf2.Variable([0.0, 0.0, 0.0])
root = tf2.train.Checkpoint(step=tf2.Variable(0), net=m)
root.restore(tf2.train.latest_checkpoint(in_dir)).assert_consumed()
restored = {"step": root.step.numpy(), "w": m.w.numpy()}
'''),
    dict(name="keras-h5", group="eager", expect=EXP_KERAS,
         produce=KERAS_BUILD + '''
model = build(); fill(model)
fn = "w.weights.h5" if K3 else "w.h5"
model.save_weights(os.path.join(out_dir, fn))
manifest["h5"] = fn
if not K3:
    model.save_weights(os.path.join(out_dir, "k2.weights.h5"))
manifest["names"] = [vpath(v) for v in model.weights]
''', consume=KERAS_BUILD + '''
model = build()
model.load_weights(os.path.join(in_dir, manifest["h5"]))
restored = got(model)
'''),
    dict(name="keras-h5-weights-suffix", group="eager", src="keras-h5", expect=EXP_KERAS,
         consume=KERAS_BUILD + '''
model = build()
model.load_weights(os.path.join(in_dir, "k2.weights.h5" if "h5" in manifest and manifest["h5"] == "w.h5" else manifest["h5"]))
restored = got(model)
'''),
    dict(name="keras-h5-by-name", group="eager", src="keras-h5", expect=EXP_KERAS,
         consume=KERAS_BUILD + '''
model = build(extra=True)
model.load_weights(os.path.join(in_dir, manifest["h5"]), by_name=True)
restored = got(model)
'''),
    dict(name="keras-tf-format", group="eager", expect=EXP_KERAS,
         produce=KERAS_BUILD + '''
model = build(); fill(model)
model.save_weights(os.path.join(out_dir, "ckpt"))
manifest["keys"] = sorted(k for k, s in tf2.train.list_variables(os.path.join(out_dir, "ckpt")))
''', consume=KERAS_BUILD + '''
model = build()
model.load_weights(os.path.join(in_dir, "ckpt"))
restored = got(model)
'''),
    dict(name="keras-tf-format-rename", group="eager", src="keras-tf-format", expect=EXP_KERAS,
         consume=KERAS_BUILD + '''
RENAME = {"layer_with_weights-0/kernel/.ATTRIBUTES/VARIABLE_VALUE": "d1/kernel",
          "layer_with_weights-0/bias/.ATTRIBUTES/VARIABLE_VALUE": "d1/bias",
          "layer_with_weights-1/kernel/.ATTRIBUTES/VARIABLE_VALUE": "d2/kernel",
          "layer_with_weights-1/bias/.ATTRIBUTES/VARIABLE_VALUE": "d2/bias"}
model = build()
reader = tf2.train.load_checkpoint(os.path.join(in_dir, "ckpt"))
byp = {vpath(v): v for v in model.weights}
for old, new in RENAME.items():
    byp[new].assign(reader.get_tensor(old))
restored = got(model)
'''),
    dict(name="keras-object-checkpoint", group="eager", expect=EXP_KERAS,
         produce=KERAS_BUILD + '''
model = build(); fill(model)
tf2.train.Checkpoint(model=model).write(os.path.join(out_dir, "obj"))
manifest["keys"] = sorted(k for k, s in tf2.train.list_variables(os.path.join(out_dir, "obj")))
''', consume=KERAS_BUILD + '''
model = build()
tf2.train.Checkpoint(model=model).read(os.path.join(in_dir, "obj")).assert_existing_objects_matched()
restored = got(model)
'''),
    dict(name="tfkeras-h5-to-keras3", group="eager", legacy="produce", expect=EXP_KERAS,
         produce=KERAS_BUILD + '''
model = build(); fill(model)
model.save_weights(os.path.join(out_dir, "w.h5"))
model.save_weights(os.path.join(out_dir, "ckpt"))
manifest["keys"] = sorted(k for k, s in tf2.train.list_variables(os.path.join(out_dir, "ckpt")))
''', consume=KERAS_BUILD + '''
model = build()
model.load_weights(os.path.join(in_dir, "w.h5"))
restored = got(model)
'''),
    dict(name="tfkeras-tf-format-to-keras3", group="eager", src="tfkeras-h5-to-keras3",
         expect=EXP_KERAS, consume=KERAS_BUILD + '''
model = build()
model.load_weights(os.path.join(in_dir, "ckpt"))
restored = got(model)
'''),
    dict(name="layers-dense-init-from-checkpoint", group="v1", src="saver-layers-dense",
         expect={"kernel": [[0.0, 1.0], [2.0, 3.0], [4.0, 5.0]], "bias": [1.0, 2.0]},
         consume='''
# tf.compat.v1.layers.dense rewritten with get_variable (works on 2.16+ without tf_keras);
# the weights move with an init_from_checkpoint assignment map (old scope -> new scope)
with tf.variable_scope("model"):
    with tf.variable_scope("fc"):
        k = tf.get_variable("kernel", [3, 2], initializer=tf.zeros_initializer())
        b = tf.get_variable("bias", [2], initializer=tf.zeros_initializer())
tf.train.init_from_checkpoint(os.path.join(in_dir, "model.ckpt"), {"model/dense/": "model/fc/"})
with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    restored = dict(zip(["kernel", "bias"], sess.run([k, b])))
'''),
    dict(name="keras-object-checkpoint-rename", group="eager", src="keras-object-checkpoint",
         expect=EXP_KERAS, consume=KERAS_BUILD + '''
# the object-graph keys a Keras model leaves differ by Keras generation: map them onto the
# consumer's variables by (layer index among layers with weights, attribute)
import re
model = build()
p = os.path.join(in_dir, "obj")
reader = tf2.train.load_checkpoint(p)
keys = [k for k, s in tf2.train.list_variables(p) if k.endswith("VARIABLE_VALUE")]
def slot(k):
    m = re.match(r"model/(?:layer_with_weights-|_operations/|_layers/|layers/)(\\d+)/_?(kernel|bias)/", k)
    return (int(m.group(1)), m.group(2))
order = sorted({slot(k)[0] for k in keys})
RENAME = {k: ["d1", "d2"][order.index(slot(k)[0])] + "/" + slot(k)[1] for k in keys}
observed_rename = RENAME
byp = {vpath(v): v for v in model.weights}
for old, new in RENAME.items():
    byp[new].assign(reader.get_tensor(old))
restored = got(model)
'''),
]
