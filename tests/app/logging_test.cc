// Logs: whatever the message holds, every JSON line is one valid object and every text line
// stays one line.
#include "sidecar/app/logging.h"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>
#include <string>
#include <vector>

namespace wss::app {
namespace {

using nlohmann::json;

// Parses `text` escaped as the inside of a JSON string; fails the test if it is not valid JSON
// (nlohmann rejects raw control characters and invalid UTF-8).
std::string roundTrip(std::string_view text) {
  std::string doc = "\"";
  appendJsonEscaped(text, doc);
  doc += '"';
  INFO(doc);
  const json value = json::parse(doc, nullptr, /*allow_exceptions=*/false);
  REQUIRE(value.is_string());
  return value.get<std::string>();
}

const std::string kReplacement = "\xef\xbf\xbd";  // U+FFFD

TEST_CASE("quotes - backslashes - newlines and control characters are escaped") {
  CHECK(roundTrip("plain") == "plain");
  CHECK(roundTrip(R"(say "hi")") == R"(say "hi")");
  CHECK(roundTrip(R"(C:\path\)") == R"(C:\path\)");
  CHECK(roundTrip("line 1\nline 2\r\n\tend") == "line 1\nline 2\r\n\tend");
  const std::string controls{'\x00', '\x01', '\x08', '\x0c', '\x1b', '\x1f', '\x7f'};
  CHECK(roundTrip(controls) == controls);

  std::string escaped;
  appendJsonEscaped(std::string_view("\x01\x7f", 2), escaped);
  CHECK(escaped == "\\u0001\\u007f");
  escaped.clear();
  appendJsonEscaped("a\"b\\c\n", escaped);
  CHECK(escaped == R"(a\"b\\c\n)");
}

TEST_CASE("valid UTF-8 is kept as it is") {
  const std::string text = "agent-\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 \xf4\x8f\xbf\xbf";
  std::string escaped;
  appendJsonEscaped(text, escaped);
  CHECK(escaped == text);
  CHECK(roundTrip(text) == text);
}

TEST_CASE("invalid UTF-8 becomes U+FFFD - one per bad byte - and the line still parses") {
  CHECK(roundTrip("\x80") == kReplacement);  // lone continuation
  CHECK(roundTrip("a\xff"
                  "b") == "a" + kReplacement + "b");                               // never valid
  CHECK(roundTrip("\xc0\x80") == kReplacement + kReplacement);                     // overlong NUL
  CHECK(roundTrip("\xe0\x80\xaf") == kReplacement + kReplacement + kReplacement);  // overlong
  CHECK(roundTrip("\xed\xa0\x80") == kReplacement + kReplacement + kReplacement);  // surrogate
  CHECK(roundTrip("\xf4\x90\x80\x80").find("\xf4") == std::string::npos);          // above U+10FFFF
  CHECK(roundTrip("\xe2\x82") == kReplacement + kReplacement);         // truncated at the end
  CHECK(roundTrip("\xe2\x82x") == kReplacement + kReplacement + "x");  // truncated in the middle
  CHECK(roundTrip("\xc3\xa9\xc3") == "\xc3\xa9" + kReplacement);
}

TEST_CASE("random bytes always escape to valid JSON") {
  std::mt19937 random(12345);
  std::uniform_int_distribution<int> byte(0, 255);
  std::uniform_int_distribution<int> length(0, 64);
  for (int i = 0; i < 2000; ++i) {
    std::string text(static_cast<std::size_t>(length(random)), '\0');
    for (char& c : text) c = static_cast<char>(byte(random));
    (void)roundTrip(text);
  }
}

// Runs `body` with stderr (fd 2) sent to a temporary file; returns what was written.
template <typename Body>
std::string captureStderr(Body body) {
  char path[] = "/tmp/wss-app-log-XXXXXX";
  const int fd = mkstemp(path);
  REQUIRE(fd >= 0);
  std::fflush(stderr);
  const int saved = dup(2);
  REQUIRE(saved >= 0);
  dup2(fd, 2);
  body();
  std::fflush(stderr);
  dup2(saved, 2);
  close(saved);
  close(fd);
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  std::remove(path);
  return text.str();
}

TEST_CASE("log.format json: every line is one object with ts - level - thread and msg") {
  config::LogConfig json_log;
  json_log.format = config::LogFormat::kJson;
  json_log.level = "debug";
  const std::string hostile = std::string("agent \"x\"\nsecond line\t\x01 \xff\xfe end\\");
  const std::string out = captureStderr([&] {
    setupLogging(json_log);
    spdlog::info("plain message");
    spdlog::warn("dropped a bad message from '{}'", hostile);
    spdlog::debug("debug {}", 42);
    spdlog::trace("below the level: not written");
  });
  setupLogging(config::LogConfig{});  // back to text for the other tests

  std::vector<json> lines;
  std::istringstream in(out);
  for (std::string line; std::getline(in, line);) {
    INFO(line);
    json value = json::parse(line, nullptr, false);
    REQUIRE(value.is_object());
    lines.push_back(std::move(value));
  }
  REQUIRE(lines.size() == 3);
  CHECK(lines[0].at("level") == "info");
  CHECK(lines[0].at("msg") == "plain message");
  CHECK(lines[1].at("level") == "warning");
  CHECK(lines[1].at("msg") == "dropped a bad message from 'agent \"x\"\nsecond line\t\x01 " +
                                  kReplacement + kReplacement + " end\\'");
  CHECK(lines[2].at("level") == "debug");
  CHECK(lines[2].at("msg") == "debug 42");
  for (const auto& line : lines) {
    CHECK(line.at("thread").is_number_unsigned());
    const std::string ts = line.at("ts");
    CHECK(ts.size() == 24);  // 2026-01-01T12:00:00.123Z
    CHECK(ts[10] == 'T');
    CHECK(ts.back() == 'Z');
  }
}

// Issue 8: an agent id holding a newline and an ANSI colour escape forged a second raw line
// in the text format and recoloured the terminal. Now it stays on its one line, escaped.
TEST_CASE("log.format text: a newline or an ANSI escape in a message cannot forge a line") {
  const std::string hostile = "evil\n[2026-01-01 00:00:00.000] [info] forged \x1b[31mred\x1b[0m";
  const std::string out = captureStderr([&] {
    setupLogging(config::LogConfig{});
    spdlog::warn("dropped a bad message from '{}'", hostile);
    spdlog::info("say \"hi\" \\ {}", "\xff");
  });
  std::vector<std::string> lines;
  std::istringstream in(out);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  INFO(out);
  REQUIRE(lines.size() == 2);
  CHECK(lines[0].find("[warning] dropped a bad message from 'evil\\n[2026-01-01 00:00:00.000] "
                      "[info] forged \\u001b[31mred\\u001b[0m'") != std::string::npos);
  CHECK(lines[0].find('\x1b') == std::string::npos);
  // Quotes stay readable in text; backslashes are doubled, so "\n" typed by an agent is not
  // an escaped newline; bad UTF-8 is \ufffd as in JSON.
  CHECK(lines[1].find(R"([info] say "hi" \\ \ufffd)") != std::string::npos);

  std::string escaped;
  appendTextEscaped("a\"b\r\x7f", escaped);
  CHECK(escaped == "a\"b\\r\\u007f");
}

}  // namespace
}  // namespace wss::app
