#include "sidecar/app/signals.h"

#include <cerrno>
#include <csignal>
#include <ctime>

namespace wss::app {
namespace {

sigset_t handledSignals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGHUP);
  return set;
}

}  // namespace

void blockHandledSignals() {
  const sigset_t set = handledSignals();
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  signal(SIGPIPE, SIG_IGN);
}

SignalEvent waitForSignal(std::chrono::milliseconds timeout) {
  const sigset_t set = handledSignals();
  timespec wait{};
  wait.tv_sec = static_cast<time_t>(timeout.count() / 1000);
  wait.tv_nsec = static_cast<long>((timeout.count() % 1000) * 1000000);
  const int signo = sigtimedwait(&set, nullptr, &wait);
  if (signo == SIGTERM || signo == SIGINT) return SignalEvent::kStop;
  if (signo == SIGHUP) return SignalEvent::kReload;
  return SignalEvent::kNone;  // timeout (EAGAIN) or EINTR
}

}  // namespace wss::app
