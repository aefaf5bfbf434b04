// Boost.JSON compiled from its headers into the fuzz targets, so that the parser they drive is
// instrumented too: coverage inside it guides the fuzzer towards well-formed JSON, and ASan checks
// its memory accesses. These definitions take the place of the shared library's.
#include <boost/json/src.hpp>
