"""The torture gate and soak over rculab-core."""
