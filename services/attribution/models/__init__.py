"""Attribution models, pure: no I/O, plain data in and out.

* path models (``path.py``, ``milestones.py``): a conversion's eligible touches → weights;
* fitted models (``fitted.py`` over ``markov.py``, ``shapley.py``): fitted from population counts
  (``counts.py``), then weighing each conversion's path;
* ``registry.py``: every model by name, with the key that versions its credits;
* ``shares.py``: cutting a conversion's revenue by the weights, exactly.
"""

from services.attribution.models.counts import (
    CONVERSION,
    NULL,
    START,
    ChannelSet,
    Tally,
    Transition,
    accumulate,
    markov_contribution,
    markov_counts,
    shapley_contribution,
    shapley_counts,
    states_of,
)
from services.attribution.models.fitted import Allocation, ChannelFit, Markov, Shapley
from services.attribution.models.journey import Journey, Touch, Weights, journey_of
from services.attribution.models.markov import MarkovSolution
from services.attribution.models.milestones import FullPath, WShaped
from services.attribution.models.path import (
    FirstTouch,
    LastNonDirect,
    LastTouch,
    Linear,
    PositionBased,
    TimeDecay,
)
from services.attribution.models.registry import (
    FITTED_MODELS,
    PATH_MODELS,
    FittedModel,
    PathModel,
    fitted_model,
    model_key,
    path_model,
    restatement_key,
)
from services.attribution.models.shapley import ShapleySolution
from services.attribution.models.shares import (
    MONEY_QUANTUM,
    WEIGHT_QUANTUM,
    Portion,
    apportion,
)

__all__ = [
    "CONVERSION",
    "FITTED_MODELS",
    "MONEY_QUANTUM",
    "NULL",
    "PATH_MODELS",
    "START",
    "WEIGHT_QUANTUM",
    "Allocation",
    "ChannelFit",
    "ChannelSet",
    "FirstTouch",
    "FittedModel",
    "FullPath",
    "Journey",
    "LastNonDirect",
    "LastTouch",
    "Linear",
    "Markov",
    "MarkovSolution",
    "PathModel",
    "Portion",
    "PositionBased",
    "Shapley",
    "ShapleySolution",
    "Tally",
    "TimeDecay",
    "Touch",
    "Transition",
    "WShaped",
    "Weights",
    "accumulate",
    "apportion",
    "fitted_model",
    "journey_of",
    "markov_contribution",
    "markov_counts",
    "model_key",
    "path_model",
    "restatement_key",
    "shapley_contribution",
    "shapley_counts",
    "states_of",
]
