// toml++'s implementation, compiled into the config fuzz target (with
// TOML_HEADER_ONLY=0, as the loader's sources see it) so that libFuzzer's
// coverage and the sanitizers reach the TOML parser itself.
#define TOML_IMPLEMENTATION
#include <toml++/toml.h>
