"""theory subpackage of curse_of_memory."""
