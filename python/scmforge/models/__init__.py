"""Models trained on scmforge's synthetic data (needs PyTorch: ``pip install scmforge[torch]``).

* :class:`MetaTreeClassifier`: decision trees written by a MetaTree transformer;
* :class:`MetaTreeConfig`, :class:`MetaTreeModel`: the model;
* :func:`train`: pre-training on the MetaTree corpus (``scmforge train metatree``);
* :class:`TFMClassifier`: in-context classification (and fine-tuning) by a tabular foundation
  model pre-trained on the scmforge prior; :class:`TFMConfig`, :class:`TFMModel`: the model;
  :func:`train_tfm`: its pre-training (``scmforge train tfm``).
"""

from scmforge.models.estimator import BUNDLED_CHECKPOINT, MetaTreeClassifier
from scmforge.models.metatree import MetaTreeConfig, MetaTreeModel, load_model
from scmforge.models.tfm import TFMConfig, TFMModel, load_tfm
from scmforge.models.tfm_classifier import BUNDLED_TFM, TFMClassifier
from scmforge.models.tfm_train import train_tfm
from scmforge.models.train import RECIPES, train

__all__ = ["BUNDLED_CHECKPOINT", "BUNDLED_TFM", "MetaTreeClassifier", "MetaTreeConfig", "MetaTreeModel", "RECIPES",
           "TFMClassifier", "TFMConfig", "TFMModel", "load_model", "load_tfm", "train", "train_tfm"]
