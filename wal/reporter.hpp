// keel::wal::reporter: where recovery reports the corruption it finds (LevelDB's Reporter).
//
// Recovery calls corruption() for every bad record, snapshot or missing range it accepts,
// cuts or skips, before it decides whether to go on. The default, log_reporter, writes a
// warning to the `keel.wal` logger. Thread-safety: called from the recovering thread only.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace keel::wal {

class reporter {
public:
  virtual ~reporter();

  /// `file` (a name inside the shard directory) is bad at `offset`; `bytes` were dropped
  /// (0 when nothing was); `reason` says why ("CRC mismatch").
  virtual void corruption(const std::string& file, uint64_t offset, uint64_t bytes,
                          const std::string& reason)
    = 0;
};

/// Logs every report as a warning to the `keel.wal` logger.
class log_reporter : public reporter {
public:
  explicit log_reporter(uint32_t shard = 0) : shard_(shard) {}
  void corruption(const std::string& file, uint64_t offset, uint64_t bytes,
                  const std::string& reason) override;

private:
  uint32_t shard_;
};

/// Keeps every report (tests, the tool).
class collecting_reporter : public reporter {
public:
  struct report {
    std::string file;
    uint64_t offset;
    uint64_t bytes;
    std::string reason;
  };

  void corruption(const std::string& file, uint64_t offset, uint64_t bytes,
                  const std::string& reason) override {
    reports.push_back({file, offset, bytes, reason});
  }

  std::vector<report> reports;
};

} // namespace keel::wal
