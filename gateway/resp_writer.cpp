#include "gateway/resp_writer.hpp"

#include <charconv>

namespace keel::gateway {

namespace {

void write_number(std::string& out, int64_t value) {
  char buf[24];
  auto res = std::to_chars(buf, buf + sizeof(buf), value);
  out.append(buf, static_cast<size_t>(res.ptr - buf));
}

void write_line(std::string& out, char type, std::string_view text) {
  auto at = out.size();
  out.resize(at + text.size() + 3);
  auto* p = &out[at];
  *p++ = type;
  for (char c : text)
    *p++ = (c == '\r' || c == '\n') ? ' ' : c;
  p[0] = '\r';
  p[1] = '\n';
}

} // namespace

void write_simple(std::string& out, std::string_view text) {
  write_line(out, '+', text);
}

void write_error(std::string& out, std::string_view message) {
  write_line(out, '-', message);
}

void write_integer(std::string& out, int64_t value) {
  out += ':';
  write_number(out, value);
  out += "\r\n";
}

void write_bulk(std::string& out, std::string_view payload) {
  out += '$';
  write_number(out, static_cast<int64_t>(payload.size()));
  out += "\r\n";
  out.append(payload.data(), payload.size());
  out += "\r\n";
}

void write_null_bulk(std::string& out) {
  out += "$-1\r\n";
}

void write_array_header(std::string& out, size_t n) {
  out += '*';
  write_number(out, static_cast<int64_t>(n));
  out += "\r\n";
}

void write_null_array(std::string& out) {
  out += "*-1\r\n";
}

void write_reply(std::string& out, const reply& x) {
  switch (x.type()) {
    case reply::kind::simple:
      write_simple(out, x.str());
      return;
    case reply::kind::error:
      write_error(out, x.str());
      return;
    case reply::kind::integer:
      write_integer(out, x.integer_value());
      return;
    case reply::kind::bulk:
      write_bulk(out, x.str());
      return;
    case reply::kind::null:
      write_null_bulk(out);
      return;
    case reply::kind::null_array:
      write_null_array(out);
      return;
    case reply::kind::array:
      write_array_header(out, x.elements().size());
      for (auto& e : x.elements())
        write_reply(out, e);
      return;
  }
}

} // namespace keel::gateway
