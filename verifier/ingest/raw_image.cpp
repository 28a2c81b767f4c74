#include "verifier/ingest/raw_image.h"

#include "verifier/base/compressed.h"

namespace ptv {

Expected<std::unique_ptr<RawImage>> RawImage::open(const std::string& path) {
  Expected<MappedFile> file = open_mapped_maybe_compressed(path);
  if (!file) return file.error();
  return from_file(std::move(file).value());
}

Expected<std::unique_ptr<RawImage>> RawImage::from_file(MappedFile file) {
  if (file.size() == 0) return Error{file.name() + ": empty file: a raw image of size 0 holds no memory"};
  std::vector<Segment> one{Segment{PhysRange{PhysAddr(0), file.size()}, 0}};
  return std::unique_ptr<RawImage>(new RawImage(std::move(file), std::move(one)));
}

}  // namespace ptv
