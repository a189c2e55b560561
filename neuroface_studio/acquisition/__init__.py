"""Frame sources (RealSense live, file playback, synthetic), the recorder, and pose feedback."""
