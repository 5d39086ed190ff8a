"""Web and CLI layer: the Flask application factory lives here (see create_app)."""
