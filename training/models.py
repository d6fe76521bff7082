"""Models arrive with this app's issue; the app is installed so its place is fixed."""
