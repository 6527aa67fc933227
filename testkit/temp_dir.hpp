// keel::testkit::temp_dir: a private directory for one test, removed with its contents at scope
// exit. Under $TMPDIR (or /tmp), named keel-<tag>-XXXXXX. Use it for data directories (WAL,
// shards, node.data_dir) so that tests never share files and leave nothing behind.
// Thread-safety: a value owned by one test.
#pragma once

#include <string>

namespace keel::testkit {

class temp_dir {
public:
  /// Creates the directory; throws std::runtime_error (naming the path) when it cannot.
  explicit temp_dir(const std::string& tag = "test");
  ~temp_dir();
  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;

  [[nodiscard]] const std::string& path() const { return path_; }

  /// `path() + "/" + name`.
  [[nodiscard]] std::string operator/(const std::string& name) const { return path_ + "/" + name; }

private:
  std::string path_;
};

} // namespace keel::testkit
