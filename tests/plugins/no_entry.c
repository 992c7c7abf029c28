/* A shared library that is not a DevTrack plugin: no entry symbol. */
int not_a_plugin(void) { return 42; }
