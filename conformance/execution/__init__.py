"""Execution: running a cell's code under TensorFlow and bringing back what happened.

``cell`` (decides: expectation, request, record) -> ``pool`` (client of the executor
processes) -> ``wire`` (typed messages) -> ``sandbox`` (the executor process: TF imported
once) -> ``worker`` (forked processes that run cells, guarded by ``isolation``) ->
``executor`` (the only module that imports TensorFlow). ``environment``: installed
versions, read without TF; ``forking``: the one fork-then-exit helper.
In-environment side: Python 3.7.
"""
