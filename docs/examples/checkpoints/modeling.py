"""A small TF1-style model laid out like google-research/bert's modeling.py: embeddings,
an encoder of transformer layers built with `tf.layers.dense`, and a pooler. The worked
example of docs/checkpoints.md asks whether its checkpoint names survive a TF upgrade.

Graph code, as BERT's is: call it inside a graph (the cases' v1 and graph modes)."""
import math

import tensorflow as tf

tf1 = tf.compat.v1


class BertConfig:
    def __init__(self, vocab_size=16, hidden_size=4, num_hidden_layers=2,
                 num_attention_heads=2, intermediate_size=8, max_position_embeddings=8,
                 type_vocab_size=2, initializer_range=0.02):
        self.vocab_size = vocab_size
        self.hidden_size = hidden_size
        self.num_hidden_layers = num_hidden_layers
        self.num_attention_heads = num_attention_heads
        self.intermediate_size = intermediate_size
        self.max_position_embeddings = max_position_embeddings
        self.type_vocab_size = type_vocab_size
        self.initializer_range = initializer_range


class BertModel:
    def __init__(self, config, input_ids, token_type_ids=None, scope=None):
        batch_size, seq_length = input_ids.shape.as_list()
        if token_type_ids is None:
            token_type_ids = tf.zeros_like(input_ids)
        init = tf1.truncated_normal_initializer(stddev=config.initializer_range)
        with tf1.variable_scope(scope, default_name="bert"):
            with tf1.variable_scope("embeddings"):
                table = tf1.get_variable("word_embeddings",
                                         [config.vocab_size, config.hidden_size],
                                         initializer=init)
                output = tf.gather(table, input_ids)
                token_table = tf1.get_variable("token_type_embeddings",
                                               [config.type_vocab_size, config.hidden_size],
                                               initializer=init)
                output += tf.gather(token_table, token_type_ids)
                positions = tf1.get_variable("position_embeddings",
                                             [config.max_position_embeddings,
                                              config.hidden_size], initializer=init)
                output += positions[:seq_length][None]
                output = layer_norm(output)
            with tf1.variable_scope("encoder"):
                x = tf.reshape(output, [batch_size * seq_length, config.hidden_size])
                for i in range(config.num_hidden_layers):
                    with tf1.variable_scope("layer_%d" % i):
                        x = transformer_layer(x, config, init, batch_size, seq_length)
            self.sequence_output = tf.reshape(x, [batch_size, seq_length, -1])
            with tf1.variable_scope("pooler"):
                first = self.sequence_output[:, 0]
                self.pooled_output = tf1.layers.dense(first, config.hidden_size,
                                                      activation=tf.tanh,
                                                      kernel_initializer=init)


def transformer_layer(x, config, init, batch_size, seq_length):
    width = config.hidden_size
    heads = config.num_attention_heads
    size = width // heads
    with tf1.variable_scope("attention"):
        with tf1.variable_scope("self"):
            q = tf1.layers.dense(x, width, name="query", kernel_initializer=init)
            k = tf1.layers.dense(x, width, name="key", kernel_initializer=init)
            v = tf1.layers.dense(x, width, name="value", kernel_initializer=init)

            def split(t):
                t = tf.reshape(t, [batch_size, seq_length, heads, size])
                return tf.transpose(t, [0, 2, 1, 3])

            scores = tf.matmul(split(q), split(k), transpose_b=True) / math.sqrt(size)
            context = tf.matmul(tf.nn.softmax(scores), split(v))
            context = tf.reshape(tf.transpose(context, [0, 2, 1, 3]), [-1, width])
        with tf1.variable_scope("output"):
            attention = tf1.layers.dense(context, width, kernel_initializer=init)
            attention = layer_norm(attention + x)
    with tf1.variable_scope("intermediate"):
        hidden = tf1.layers.dense(attention, config.intermediate_size, activation=tf.nn.relu,
                                  kernel_initializer=init)
    with tf1.variable_scope("output"):
        out = tf1.layers.dense(hidden, width, kernel_initializer=init)
        return layer_norm(out + attention)


def layer_norm(x):
    """BERT's layer norm (tf.contrib.layers.layer_norm there): LayerNorm/beta, /gamma."""
    with tf1.variable_scope("LayerNorm"):
        width = x.shape[-1]
        beta = tf1.get_variable("beta", [width], initializer=tf1.zeros_initializer())
        gamma = tf1.get_variable("gamma", [width], initializer=tf1.ones_initializer())
        mean, variance = tf.nn.moments(x, [-1], keepdims=True)
        return (x - mean) * tf.math.rsqrt(variance + 1e-12) * gamma + beta


def checkpoint_names():
    """The names a tf.train.Saver writes the model's variables under (its checkpoint
    keys): each variable's op name."""
    return [v.op.name for v in tf1.global_variables()]
