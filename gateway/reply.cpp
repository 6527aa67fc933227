#include "gateway/reply.hpp"

#include <ostream>

namespace keel::gateway {

reply reply::simple(std::string text) {
  reply r;
  r.kind_ = kind::simple;
  r.str_ = std::move(text);
  return r;
}

reply reply::error(std::string message) {
  reply r;
  r.kind_ = kind::error;
  r.str_ = std::move(message);
  return r;
}

reply reply::integer(int64_t value) {
  reply r;
  r.kind_ = kind::integer;
  r.int_ = value;
  return r;
}

reply reply::bulk(std::string payload) {
  reply r;
  r.kind_ = kind::bulk;
  r.str_ = std::move(payload);
  return r;
}

reply reply::null() {
  return reply{};
}

reply reply::array(std::vector<reply> elements) {
  reply r;
  r.kind_ = kind::array;
  r.elements_ = std::move(elements);
  return r;
}

reply reply::null_array() {
  reply r;
  r.kind_ = kind::null_array;
  return r;
}

bool operator==(const reply& a, const reply& b) {
  return a.kind_ == b.kind_ && a.int_ == b.int_ && a.str_ == b.str_
         && a.elements_ == b.elements_;
}

std::string to_string(const reply& x) {
  switch (x.type()) {
    case reply::kind::simple:
      return x.str();
    case reply::kind::error:
      return "(error) " + x.str();
    case reply::kind::integer:
      return std::to_string(x.integer_value());
    case reply::kind::bulk:
      return '"' + x.str() + '"';
    case reply::kind::null:
      return "nil";
    case reply::kind::null_array:
      return "(nil array)";
    case reply::kind::array: {
      std::string out = "[";
      for (size_t i = 0; i < x.elements().size(); ++i) {
        if (i > 0)
          out += ", ";
        out += to_string(x.elements()[i]);
      }
      return out + "]";
    }
  }
  return "?";
}

std::ostream& operator<<(std::ostream& os, const reply& x) {
  return os << to_string(x);
}

} // namespace keel::gateway
