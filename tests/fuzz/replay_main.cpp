// The standalone driver for the fuzz harnesses in an ordinary build (no libFuzzer): runs
// LLVMFuzzerTestOneInput once on every file of the directories (or files) given, in name
// order. This is how the seed corpus and every crash found (tests/fuzz/regressions/) replay
// as CTest tests in `make test`; an invariant breach aborts, so the test fails on it.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace {

std::vector<std::uint8_t> read_file(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

}  // namespace

int main(int argc, char** argv) {
  namespace fs = std::filesystem;
  std::size_t total = 0;
  for (int i = 1; i < argc; ++i) {
    const fs::path arg(argv[i]);
    std::vector<fs::path> files;
    if (fs::is_directory(arg)) {
      for (const fs::directory_entry& e : fs::recursive_directory_iterator(arg))
        if (e.is_regular_file()) files.push_back(e.path());
    } else if (fs::is_regular_file(arg)) {
      files.push_back(arg);
    } else {
      std::cerr << "replay: " << arg.string() << ": no such file or directory\n";
      return 2;
    }
    std::sort(files.begin(), files.end());
    for (const fs::path& f : files) {
      std::cout << "replay: " << f.string() << std::endl;  // flushed: the last line names a crash
      const std::vector<std::uint8_t> bytes = read_file(f);
      // libFuzzer never passes a null pointer, even for an empty input.
      static const std::uint8_t kEmpty = 0;
      LLVMFuzzerTestOneInput(bytes.empty() ? &kEmpty : bytes.data(), bytes.size());
    }
    std::cout << "replay: " << files.size() << " inputs from " << arg.string() << '\n';
    total += files.size();
  }
  if (total == 0) {
    std::cerr << "replay: no inputs (give corpus directories)\n";
    return 2;
  }
  std::cout << "replay: all " << total << " inputs passed\n";
  return 0;
}
