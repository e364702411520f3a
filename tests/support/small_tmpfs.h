// A small tmpfs mounted on a fresh directory for the life of the object, with a filler file to
// take all its space and give it back: a disk that fills up, for the tests of what vmfabric does
// when SQLite answers SQLITE_FULL. Mounting needs root (CAP_SYS_ADMIN): the constructor throws,
// saying so, when it cannot (the test fails; it never skips).
#pragma once

#include <cstddef>
#include <string>

namespace vmfabric::testing {

class SmallTmpfs {
 public:
  // `size` as mount(8) takes it ("24m").
  explicit SmallTmpfs(const std::string& size);
  // Unmounts (lazily: whatever still has a file open there keeps it until it closes it).
  ~SmallTmpfs();
  SmallTmpfs(const SmallTmpfs&) = delete;
  SmallTmpfs& operator=(const SmallTmpfs&) = delete;

  const std::string& path() const { return path_; }
  std::string file(const std::string& name) const { return path_ + "/" + name; }

  // Writes the filler until the file system refuses it with ENOSPC, the last pages in ever
  // smaller writes; returns the filler's size.
  std::size_t fill();
  // Deletes the filler: the space is back.
  void free_space();

 private:
  std::string path_;
};

}  // namespace vmfabric::testing
