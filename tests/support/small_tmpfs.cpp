#include "support/small_tmpfs.h"

#include <fcntl.h>
#include <sys/mount.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <stdexcept>

namespace vmfabric::testing {

SmallTmpfs::SmallTmpfs(const std::string& size) {
  std::string dir = (std::filesystem::temp_directory_path() / "vmfabric-tmpfs-XXXXXX").string();
  if (::mkdtemp(dir.data()) == nullptr) {
    throw std::runtime_error("cannot make a directory for a tmpfs: " +
                             std::string(std::strerror(errno)));
  }
  path_ = dir;
  const std::string data = "size=" + size + ",mode=0700";
  if (::mount("tmpfs", path_.c_str(), "tmpfs", 0, data.c_str()) != 0) {
    const int err = errno;
    ::rmdir(path_.c_str());
    throw std::runtime_error("mounting a " + size + " tmpfs on " + path_ + " failed (" +
                             std::strerror(err) +
                             "): this test needs root (CAP_SYS_ADMIN) to mount a tmpfs; run it "
                             "as root, as CI does");
  }
}

SmallTmpfs::~SmallTmpfs() {
  ::umount2(path_.c_str(), MNT_DETACH);
  ::rmdir(path_.c_str());
}

std::size_t SmallTmpfs::fill() {
  const std::string filler = file("filler");
  const int fd = ::open(filler.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (fd < 0) throw std::runtime_error("cannot create " + filler + ": " + std::strerror(errno));
  const std::string chunk(std::size_t{1} << 16, 'x');
  std::size_t written = 0;
  for (std::size_t size = chunk.size(); size > 0;) {
    const ssize_t n = ::write(fd, chunk.data(), size);
    if (n > 0) {
      written += static_cast<std::size_t>(n);
    } else if (n < 0 && errno == ENOSPC) {
      size /= 2;
    } else {
      const int err = errno;
      ::close(fd);
      throw std::runtime_error("writing " + filler + " failed: " + std::strerror(err));
    }
  }
  ::close(fd);
  return written;
}

void SmallTmpfs::free_space() { std::filesystem::remove(file("filler")); }

}  // namespace vmfabric::testing
