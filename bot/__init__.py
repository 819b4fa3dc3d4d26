"""coalition-bot: coordination of a Country Coalition under the Convention on Cluster Munitions."""
