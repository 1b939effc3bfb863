"""Models trained on scmforge's synthetic data (needs PyTorch: ``pip install scmforge[torch]``).

* :class:`MetaTreeClassifier`: decision trees written by a MetaTree transformer;
* :class:`MetaTreeConfig`, :class:`MetaTreeModel`: the model;
* :func:`train`: pre-training on the MetaTree corpus (``scmforge train metatree``).
"""

from scmforge.models.estimator import BUNDLED_CHECKPOINT, MetaTreeClassifier
from scmforge.models.metatree import MetaTreeConfig, MetaTreeModel, load_model
from scmforge.models.train import RECIPES, train

__all__ = ["BUNDLED_CHECKPOINT", "MetaTreeClassifier", "MetaTreeConfig", "MetaTreeModel", "RECIPES", "load_model", "train"]
