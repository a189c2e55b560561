"""Qt-free application services shared by the GUI and the CLI."""
