#include "actors/kv_reply.hpp"

#include <ostream>

namespace keel::actors {

kv_reply kv_reply::simple(std::string text) {
  kv_reply r;
  r.kind_ = kind::simple;
  r.str_ = std::move(text);
  return r;
}

kv_reply kv_reply::error(std::string message) {
  kv_reply r;
  r.kind_ = kind::error;
  r.str_ = std::move(message);
  return r;
}

kv_reply kv_reply::integer(int64_t value) {
  kv_reply r;
  r.kind_ = kind::integer;
  r.int_ = value;
  return r;
}

kv_reply kv_reply::bulk(std::string payload) {
  kv_reply r;
  r.kind_ = kind::bulk;
  r.str_ = std::move(payload);
  return r;
}

kv_reply kv_reply::null() {
  return kv_reply{};
}

kv_reply kv_reply::array(std::vector<kv_reply> elements) {
  kv_reply r;
  r.kind_ = kind::array;
  r.elements_ = std::move(elements);
  return r;
}

bool operator==(const kv_reply& x, const kv_reply& y) {
  return x.kind_ == y.kind_ && x.int_ == y.int_ && x.str_ == y.str_
         && x.elements_ == y.elements_;
}

namespace {

void quote(std::string& out, const std::string& s) {
  static constexpr char hex[] = "0123456789abcdef";
  out += '"';
  for (unsigned char c : s) {
    if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') {
      out += static_cast<char>(c);
    } else {
      out += "\\x";
      out += hex[c >> 4];
      out += hex[c & 0xf];
    }
  }
  out += '"';
}

void render(std::string& out, const kv_reply& x) {
  switch (x.type()) {
    case kv_reply::kind::simple:
      out += '+';
      out += x.str();
      break;
    case kv_reply::kind::error:
      out += '-';
      out += x.str();
      break;
    case kv_reply::kind::integer:
      out += ':';
      out += std::to_string(x.integer_value());
      break;
    case kv_reply::kind::bulk:
      quote(out, x.str());
      break;
    case kv_reply::kind::null:
      out += "(nil)";
      break;
    case kv_reply::kind::array: {
      out += '[';
      bool first = true;
      for (auto& e : x.elements()) {
        if (!first)
          out += ", ";
        first = false;
        render(out, e);
      }
      out += ']';
      break;
    }
  }
}

} // namespace

std::string to_string(const kv_reply& x) {
  std::string out;
  render(out, x);
  return out;
}

std::ostream& operator<<(std::ostream& out, const kv_reply& x) {
  return out << to_string(x);
}

} // namespace keel::actors
