"""Channel Panel meetings forms: validation only."""
