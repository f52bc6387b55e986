"""What every test layer shares: paths, the fakes, and helpers to serve the app and drive
Chromium."""
