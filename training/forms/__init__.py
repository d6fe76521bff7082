"""Forms of the training app (validation only), one module per part of the job."""
