"""coalition-bot: coordination of a Country Coalition under the Convention on Cluster Munitions."""

__version__ = "0.1.0"
