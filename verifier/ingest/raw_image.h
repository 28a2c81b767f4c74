// A raw physical-memory image: file offset = physical address, as QEMU `pmemsave 0 SIZE FILE`
// writes it. The image holds one range, [0, file size). It has no notes: the paging registers
// must come from flags or an `info registers` file.
#pragma once

#include <memory>
#include <string>

#include "models/expected.h"
#include "verifier/base/mapped_file.h"
#include "verifier/ingest/phys_memory.h"

namespace ptv {

class RawImage final : public MappedPhysMemory {
 public:
  /// Opens `path`, decompressing a gzip/zstd file into $TMPDIR first (compressed.h).
  static Expected<std::unique_ptr<RawImage>> open(const std::string& path);
  /// Wraps an already mapped file. Error: the file is empty (it would hold no memory).
  static Expected<std::unique_ptr<RawImage>> from_file(MappedFile file);

 private:
  RawImage(MappedFile file, std::vector<Segment> segments) : MappedPhysMemory(std::move(file), std::move(segments)) {}
};

}  // namespace ptv
