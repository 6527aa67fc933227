#include "actors/kv_direct.hpp"

#include "actors/kv_split.hpp"
#include "actors/reply_sink.hpp"
#include "actors/router.hpp"
#include "actors/shard_atoms.hpp"
#include "actors/shard_errc.hpp"

#include <caf/mailbox_element.hpp>
#include <caf/message_id.hpp>
#include <caf/send.hpp>

#include <atomic>
#include <memory>
#include <string>

namespace keel::actors {

namespace {

// A batch whose parts are with the shards.
struct direct_batch {
  direct_batch(std::vector<kv_command>& cmds, uint32_t n, key_hash how, kv_done d)
    : plan(cmds, n,
           [n, how](std::string_view key) -> std::size_t { return shard_of(key, n, how); }),
      done(std::move(d)) {
  }

  // The part's slots are filled: the last part joins and answers.
  void part_done(caf::execution_unit* ctx) {
    if (outstanding.fetch_sub(1, std::memory_order_acq_rel) == 1)
      done(plan.finish(), ctx);
  }

  kv_batch_split plan;
  std::atomic<size_t> outstanding{0};
  kv_done done;
};

// One shard's part of a batch, answered by its host (or, unanswered, when dropped).
class direct_part final : public request_sink<kv_command, kv_reply> {
public:
  direct_part(std::shared_ptr<direct_batch> batch, uint32_t shard)
    : request_sink(std::move(batch->plan.sub[shard])), batch_(std::move(batch)), shard_(shard),
      where_(std::move(batch_->plan.where[shard])) {
  }

  direct_part(const direct_part&) = delete;
  direct_part& operator=(const direct_part&) = delete;

  ~direct_part() override {
    if (answered_)
      return;
    fail_all(taken() ? "the shard restarted while the command was in flight; it may or may not "
                       "have been applied, retry"
                     : "the shard restarted before the command reached it; it was not applied, "
                       "retry",
             nullptr);
  }

  void deliver(std::vector<kv_reply>&& replies, caf::execution_unit* ctx) override {
    if (answered_)
      return;
    for (size_t n = 0; n < where_.size(); ++n)
      batch_->plan.slot(where_[n]) =
        n < replies.size() ? std::move(replies[n])
                           : kv_reply::error("ERR shard " + std::to_string(shard_)
                                             + " gave no reply");
    answer(ctx);
  }

  void fail(const caf::error& err, caf::execution_unit* ctx) override {
    if (!answered_)
      fail_all(describe_error(err), ctx);
  }

  void fail_all(const std::string& why, caf::execution_unit* ctx) {
    auto reply = kv_reply::error("ERR shard " + std::to_string(shard_) + " unavailable: " + why);
    for (auto w : where_)
      batch_->plan.slot(w) = reply;
    answer(ctx);
  }

private:
  void answer(caf::execution_unit* ctx) {
    answered_ = true;
    batch_->part_done(ctx);
  }

  std::shared_ptr<direct_batch> batch_;
  uint32_t shard_;
  std::vector<kv_slot> where_;
  bool answered_ = false;
};

} // namespace

void enqueue_from(caf::execution_unit* ctx, const caf::actor& to, caf::message msg) {
  if (to)
    to->enqueue(caf::make_mailbox_element(nullptr, caf::make_message_id(), {}, std::move(msg)),
                ctx);
}

bool kv_send_direct(const shard_directory& dir, std::vector<kv_command>& cmds, kv_done& done,
                    caf::execution_unit* ctx) {
  auto n = dir.shard_count();
  if (n == 0 || !dir.all_serving())
    return false;
  if (cmds.empty()) {
    done({}, ctx);
    return true;
  }
  auto batch = std::make_shared<direct_batch>(cmds, n, dir.hash(), std::move(done));
  auto& sub = batch->plan.sub;
  // Counted before the first part leaves: a part may be answered before the next is sent.
  size_t parts = 0;
  for (uint32_t k = 0; k < n; ++k)
    parts += sub[k].empty() ? 0 : 1;
  if (parts == 0) { // every command was answered by the split (a refused transaction)
    batch->done(batch->plan.finish(), ctx);
    return true;
  }
  batch->outstanding.store(parts, std::memory_order_relaxed);
  for (uint32_t k = 0; k < n; ++k) {
    if (sub[k].empty())
      continue;
    auto part = std::make_shared<direct_part>(batch, k);
    auto host = dir.get(k);
    if (!host) {
      part->fail_all("the shard is restarting, retry", ctx);
      continue;
    }
    // From outside the scheduler: the parts spread over its threads (CAF's round robin, which
    // wakes an idle one), and each host's writer then runs where its host does.
    enqueue_from(nullptr, host,
                 caf::make_message(batch_atom::value,
                                   request_sink_ptr<kv_command, kv_reply>{std::move(part)}));
  }
  return true;
}

} // namespace keel::actors
