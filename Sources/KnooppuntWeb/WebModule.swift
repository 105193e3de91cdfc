/// HTTP screens and APIs of Knooppunt (being built: the desk, operator screens, API, metrics).
enum WebModule {}
