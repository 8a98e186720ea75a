"""Questions about a landscape built on the engine: values at a point, critical points,
Taylor models, many starts, surfaces, methods and learning rates side by side."""
