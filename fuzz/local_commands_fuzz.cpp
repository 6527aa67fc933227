// Fuzz target for the commands the gateway answers itself (keel::gateway::detail::handle_local).
//
// The input is read as a stream of commands for one connection, each a name from the gateway's
// own commands (or another word) and arguments that are keywords those commands take, numbers,
// addresses of the fake connections, or raw bytes. Beside the caller there are three other
// connections. Checked invariants: handle_local never throws; an authenticated caller's command
// goes to the backend exactly when is_local() says it is not local; an error reply starts with
// an upper-case code and a space; CLIENT ID never changes; CLIENT LIST and CLIENT INFO answer
// lines that each start with "id=" and end with a line feed; CLIENT KILL never asks the registry
// to close the caller's own connection (it closes after its reply instead) and answers an
// integer no larger than the number of connections it closed; PUBLISH answers how many message
// frames a subscriber on a channel and two patterns got, and nothing else delivers any.
//
// Built without libFuzzer (KEEL_FUZZ_DRIVER, any compiler but clang), driver.cpp's main() runs
// the same function over every file named on the command line.
#include "fuzz/fuzz_check.hpp"
#include "gateway/detail/local_commands.hpp"
#include "gateway/detail/pubsub.hpp"
#include "gateway/memory_backend.hpp"

#include <algorithm>
#include <string>
#include <vector>

using namespace keel::gateway;
using namespace keel::gateway::detail;
using keel::fuzz::byte_reader;
using keel::fuzz::check;

namespace {

constexpr uint64_t caller = 7;

std::string addr_of(uint64_t id) {
  return "127.0.0.1:" + std::to_string(50000 + id);
}

struct fake_registry final : client_registry {
  std::vector<client_info> clients() const override {
    std::vector<client_info> out;
    for (auto id : open) {
      client_info c;
      c.id = id;
      c.addr = addr_of(id);
      c.laddr = "127.0.0.1:6380";
      out.push_back(std::move(c));
    }
    return out;
  }

  bool kill(uint64_t id) override {
    check(id != caller, "CLIENT KILL asked the registry to close the caller");
    auto i = std::find(open.begin(), open.end(), id);
    if (i == open.end())
      return false;
    open.erase(i);
    ++killed;
    return true;
  }

  std::vector<uint64_t> open{3, caller, 9, 12};
  size_t killed = 0;
};

const char* const names[] = {"CLIENT", "client", "COMMAND", "CONFIG", "PING",  "ECHO",
                             "SELECT", "AUTH",   "HELLO",   "INFO",   "QUIT",  "UNWATCH",
                             "GET",    "SET",    "MULTI",   "Client", "PiNg",  "TIME",
                             "SHUTDOWN", "shutdown", "PUBLISH", "PUBSUB", "pubsub"};
const char* const words[] = {
  "ID",     "SETNAME", "GETNAME", "SETINFO", "INFO",    "LIST",   "KILL",     "HELP",
  "LIB-NAME", "lib-ver", "TYPE",  "normal",  "pubsub",  "master", "ADDR",     "LADDR",
  "USER",   "default", "SKIPME",  "yes",     "no",      "COUNT",  "DOCS",     "GET",
  "*",      "save",    "2",       "3",       "0",       "-1",     "x y",      "",
  "127.0.0.1:6380", "SETNAME", "keyspace", "server", "AUTH", "secret", "NOSAVE", "SAVE",
  "NOW",    "FORCE",   "ABORT",   "abort",   "CHANNELS", "NUMSUB", "NUMPAT", "news",
  "new?",   "SHARDCHANNELS", "SHARDNUMSUB"};

std::string argument(byte_reader& in) {
  auto b = in.next();
  switch (b % 5) {
    case 0:
    case 1: return words[in.next() % (sizeof(words) / sizeof(words[0]))];
    case 2: return std::to_string(static_cast<int>(in.next() % 16) - 2);
    case 3: return addr_of(in.next() % 16);
    default: {
      std::string raw;
      for (auto n = in.next() % 8; n > 0; --n)
        raw.push_back(static_cast<char>(in.next()));
      return raw;
    }
  }
}

void check_lines(const std::string& text) {
  size_t at = 0;
  while (at < text.size()) {
    check(text.compare(at, 3, "id=") == 0, "a CLIENT LIST line does not start with id=");
    auto end = text.find('\n', at);
    check(end != std::string::npos, "a CLIENT LIST line does not end with a line feed");
    at = end + 1;
  }
}

/// A subscriber that counts the message frames it gets.
struct counting_subscriber final : pubsub_subscriber {
  void deliver(const std::string& frame) override {
    check(frame.rfind("*3\r\n$7\r\nmessage\r\n", 0) == 0
            || frame.rfind("*4\r\n$8\r\npmessage\r\n", 0) == 0,
          "a pub/sub frame that is neither message nor pmessage");
    ++frames;
  }
  int64_t frames = 0;
};

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  byte_reader in{data, size};
  options opts;
  if (in.next() % 2 == 0)
    opts.password = "secret";
  size_t shutdowns = 0;
  if (in.next() % 2 == 0)
    opts.on_shutdown = [&shutdowns](const std::string&) { ++shutdowns; };
  memory_backend store;
  fake_registry reg;
  pubsub_hub hub;
  counting_subscriber listener;
  hub.subscribe(pubsub_hub::kind::channel, "news", &listener);
  hub.subscribe(pubsub_hub::kind::pattern, "new?", &listener);
  hub.subscribe(pubsub_hub::kind::pattern, "*", &listener);
  client_state client;
  client.id = caller;
  client.authenticated = opts.password.empty();
  while (in.n > 0) {
    command cmd{names[in.next() % (sizeof(names) / sizeof(names[0]))]};
    for (auto n = in.next() % 7; n > 0; --n)
      cmd.push_back(argument(in));
    server_view v{opts, 6380, std::chrono::steady_clock::now(), counters{}, store, &reg, &hub};
    bool authed = client.authenticated;
    auto frames_before = listener.frames;
    auto killed_before = reg.killed;
    auto shutdowns_before = shutdowns;
    auto r = handle_local(cmd, client, v);
    check((shutdowns - shutdowns_before) == (r.what == disposition::close_silently ? 1u : 0u),
          "SHUTDOWN's hook ran without a silent close, or a silent close without the hook");
    check(client.id == caller, "the connection's id changed");
    if (authed)
      check(is_local(cmd) == (r.what != disposition::to_backend),
            "is_local() and handle_local() disagree");
    if (r.what == disposition::to_backend)
      continue;
    if (r.what == disposition::close_silently) {
      check(authed && iequals(cmd[0], "shutdown"), "a silent close for other than SHUTDOWN");
      break; // the node goes down
    }
    if (r.answer.is_error()) {
      auto& text = r.answer.str();
      auto space = text.find(' ');
      check(space != std::string::npos && space > 0, "an error reply without a code");
      check(std::all_of(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(space),
                        [](char c) { return c >= 'A' && c <= 'Z'; }),
            "an error code that is not upper case");
      continue;
    }
    if (iequals(cmd[0], "publish"))
      check(r.answer.integer_value() == listener.frames - frames_before,
            "PUBLISH counted other than it delivered");
    else
      check(listener.frames == frames_before, "a message delivered by other than PUBLISH");
    bool client_cmd = iequals(cmd[0], "client") && cmd.size() >= 2;
    if (client_cmd && (iequals(cmd[1], "list") || iequals(cmd[1], "info"))) {
      check(r.answer.type() == reply::kind::bulk, "CLIENT LIST/INFO is not a bulk string");
      check_lines(r.answer.str());
    }
    if (client_cmd && iequals(cmd[1], "kill") && r.answer.type() == reply::kind::integer) {
      auto closed = reg.killed - killed_before + (r.what == disposition::answered_close ? 1 : 0);
      check(r.answer.integer_value() == static_cast<int64_t>(closed),
            "CLIENT KILL counted other than it closed");
    }
    if (r.what == disposition::answered_close)
      break; // QUIT, or the caller killed itself: the connection is gone
  }
  return 0;
}
