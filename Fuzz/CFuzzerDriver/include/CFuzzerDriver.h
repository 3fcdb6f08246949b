#ifndef CFUZZERDRIVER_H
#define CFUZZERDRIVER_H
#include <stddef.h>
#include <stdint.h>

/// libFuzzer's driver (compiler-rt, LLVM 11 and later). SwiftPM links every executable with `main` defined as
/// `<Module>_main`, so libFuzzer's own `main` is never used: the fuzz targets define `<Module>_main` and hand
/// control to this driver.
int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*callback)(const uint8_t *data, size_t size));

#endif
