"""The demo lab: a believable AS6171 electronics test laboratory for trying the app."""
