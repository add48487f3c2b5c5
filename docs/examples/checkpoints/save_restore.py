"""The hand check of docs/checkpoints.md: save the model's checkpoint with one TF, restore it
with another. `python save_restore.py save` (TF 1.15), then `python save_restore.py restore`
(TF 2.21 with TF_USE_LEGACY_KERAS=1)."""
import os
import sys

import modeling
import tensorflow as tf

tf1 = tf.compat.v1
tf1.disable_v2_behavior()
modeling.BertModel(modeling.BertConfig(), input_ids=tf.constant([[1, 2, 3]]))
saver = tf1.train.Saver()
with tf1.Session() as sess:
    if sys.argv[1] == "save":
        os.makedirs("/tmp/ckpt", exist_ok=True)
        sess.run(tf1.global_variables_initializer())
        print("saved", saver.save(sess, "/tmp/ckpt/model"))
    else:
        saver.restore(sess, "/tmp/ckpt/model")
        print("restored", len(tf1.global_variables()), "variables on TF", tf.__version__)
