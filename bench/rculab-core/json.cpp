#include "bench/rculab-core/json.h"

#include <cstdio>

namespace rculab {

std::string json_escape(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out += c;
        }
    }
  }
  return out + "\"";
}

void json_writer::separate() {
  if (need_comma_) out_ += ',';
  need_comma_ = true;
}

json_writer& json_writer::begin_object() { separate(); out_ += '{'; need_comma_ = false; return *this; }
json_writer& json_writer::end_object() { out_ += '}'; need_comma_ = true; return *this; }
json_writer& json_writer::begin_array() { separate(); out_ += '['; need_comma_ = false; return *this; }
json_writer& json_writer::end_array() { out_ += ']'; need_comma_ = true; return *this; }

json_writer& json_writer::key(std::string_view k) {
  separate();
  out_ += json_escape(k);
  out_ += ':';
  need_comma_ = false;
  return *this;
}

json_writer& json_writer::value(std::string_view v) { separate(); out_ += json_escape(v); return *this; }
json_writer& json_writer::value(bool v) { separate(); out_ += v ? "true" : "false"; return *this; }
json_writer& json_writer::value(uint64_t v) { separate(); out_ += std::to_string(v); return *this; }
json_writer& json_writer::null() { separate(); out_ += "null"; return *this; }

json_writer& json_writer::value(double v) {
  separate();
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6g", v);
  out_ += buf;
  return *this;
}

json_writer& json_writer::value(const std::optional<uint64_t>& v) {
  return v ? value(*v) : null();
}

}  // namespace rculab
