#include "sidecar/app/logging.h"

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <cstdint>

#include "sidecar/common/json_escape.h"

namespace wss::app {
namespace {

// %* is the escaped message (EscapedMessageFlag below): in text, a newline or an ANSI escape
// from an agent id shows as \n or \u001b and cannot forge a line or recolour a terminal.
constexpr const char* kTextPattern = "[%Y-%m-%d %H:%M:%S.%e] [%l] %*";
constexpr const char* kJsonPattern =
    R"({"ts":"%Y-%m-%dT%H:%M:%S.%eZ","level":"%l","thread":%t,"msg":"%*"})";

// %* in a pattern: the message, escaped for a JSON string or for one text line.
class EscapedMessageFlag final : public spdlog::custom_flag_formatter {
 public:
  explicit EscapedMessageFlag(common::EscapeQuotes quotes) : quotes_(quotes) {}
  void format(const spdlog::details::log_msg& msg, const std::tm& /*time*/,
              spdlog::memory_buf_t& dest) override {
    std::string escaped;
    escaped.reserve(msg.payload.size() + 16);
    common::appendEscaped(std::string_view(msg.payload.data(), msg.payload.size()), escaped,
                          quotes_);
    dest.append(escaped.data(), escaped.data() + escaped.size());
  }
  [[nodiscard]] std::unique_ptr<custom_flag_formatter> clone() const override {
    return std::make_unique<EscapedMessageFlag>(quotes_);
  }

 private:
  common::EscapeQuotes quotes_;
};

}  // namespace

void appendJsonEscaped(std::string_view text, std::string& out) {
  common::appendEscaped(text, out, common::EscapeQuotes::kJsonString);
}

void appendTextEscaped(std::string_view text, std::string& out) {
  common::appendEscaped(text, out, common::EscapeQuotes::kTextLine);
}

void setupLogging(const config::LogConfig& config) {
  auto sink = std::make_shared<spdlog::sinks::stderr_sink_mt>();
  auto logger = std::make_shared<spdlog::logger>("wss", std::move(sink));
  if (config.format == config::LogFormat::kJson) {
    auto formatter = std::make_unique<spdlog::pattern_formatter>(spdlog::pattern_time_type::utc);
    formatter->add_flag<EscapedMessageFlag>('*', common::EscapeQuotes::kJsonString)
        .set_pattern(kJsonPattern);
    logger->set_formatter(std::move(formatter));
  } else {
    auto formatter = std::make_unique<spdlog::pattern_formatter>();
    formatter->add_flag<EscapedMessageFlag>('*', common::EscapeQuotes::kTextLine)
        .set_pattern(kTextPattern);
    logger->set_formatter(std::move(formatter));
  }
  logger->set_level(spdlog::level::from_str(config.level));
  logger->flush_on(spdlog::level::trace);
  spdlog::set_default_logger(std::move(logger));
}

}  // namespace wss::app
