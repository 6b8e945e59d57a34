// A minimal JSON writer for the CLI's machine-readable output.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace rculab {

class json_writer {
 public:
  json_writer& begin_object();
  json_writer& end_object();
  json_writer& begin_array();
  json_writer& end_array();
  json_writer& key(std::string_view k);
  json_writer& value(std::string_view v);
  json_writer& value(const char* v) { return value(std::string_view(v)); }
  json_writer& value(bool v);
  json_writer& value(uint64_t v);
  json_writer& value(double v);
  json_writer& value(const std::optional<uint64_t>& v);
  json_writer& null();

  const std::string& str() const { return out_; }

 private:
  void separate();
  std::string out_;
  bool need_comma_ = false;
};

std::string json_escape(std::string_view s);

}  // namespace rculab
