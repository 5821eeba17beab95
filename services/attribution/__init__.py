"""The attribution service.

OpenBLAS starts one thread per core when numpy is first imported; on the small systems the
fitted models solve, those threads cost far more than they bring (an order-2 Markov solve took
1.2 s instead of 4 ms on two cores, README *Attribution models*). Every entry point of the
service imports this package first, so one thread is the default here, before numpy loads;
an explicit ``OPENBLAS_NUM_THREADS`` in the environment still wins.
"""

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
