"""What every test layer shares: paths, the fakes, helpers to serve the app and drive Chromium."""
