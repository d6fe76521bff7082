"""Channel Panel cases forms: validation only."""
