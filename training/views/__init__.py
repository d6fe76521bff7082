"""Views of the training app, one module per part of the job. Thin: access -> form ->
service -> redirect."""
