// Compiles the test executables' shared precompiled header (tests/CMakeLists.txt).
