#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <utility>

namespace parley {

/// One encoded server-to-client WebSocket message, immutable and shared: a message
/// fanned out to 10,000 subscriptions is encoded once and every outbound queue
/// holds a reference to the same bytes.
class frame {
public:
  frame() = default;
  explicit frame(std::string bytes)
      : bytes_(std::make_shared<const std::string>(std::move(bytes))) {}

  std::string_view view() const {
    return bytes_ ? std::string_view{*bytes_} : std::string_view{};
  }
  std::size_t size() const { return bytes_ ? bytes_->size() : 0; }
  bool empty() const { return size() == 0; }
  const std::shared_ptr<const std::string>& shared() const { return bytes_; }

private:
  std::shared_ptr<const std::string> bytes_;
};

} // namespace parley
