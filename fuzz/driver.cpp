// The main() of a fuzz target built without libFuzzer (KEEL_FUZZ_DRIVER): runs the target once
// per file named on the command line, a corpus or a crash reproducer.
#include "fuzz/fuzz_check.hpp"

#include <fstream>
#include <iterator>
#include <string>

int main(int argc, char** argv) {
  int failed = 0;
  for (int i = 1; i < argc; ++i) {
    std::ifstream in{argv[i], std::ios::binary};
    if (!in) {
      std::fprintf(stderr, "cannot read %s\n", argv[i]);
      failed = 1;
      continue;
    }
    std::string bytes{std::istreambuf_iterator<char>{in}, std::istreambuf_iterator<char>{}};
    LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
  }
  std::fprintf(stderr, "ran %d input(s)\n", argc - 1);
  return failed;
}
