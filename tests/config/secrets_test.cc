// Issue 8, secrets: URL credentials redacted wherever the URL is shown, files holding secrets
// that other users may read warned about, and a config path that is not a regular file (a
// FIFO that would block the reader forever) refused at once.
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>

#include "sidecar/common/redact.h"
#include "sidecar/config/config.h"
#include "sidecar/config/file_mode.h"

namespace wss::config {
namespace {

// A fresh directory under /tmp, removed (with the files the test made) at the end.
class ScratchDir {
 public:
  ScratchDir() {
    std::string pattern = "/tmp/wss-secrets-XXXXXX";
    REQUIRE(::mkdtemp(pattern.data()) != nullptr);
    path_ = pattern;
  }
  ~ScratchDir() {
    for (const std::string& file : files_) ::unlink(file.c_str());
    ::rmdir(path_.c_str());
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;

  std::string write(const std::string& name, const std::string& text, mode_t mode) {
    const std::string path = add(name);
    std::ofstream(path) << text;
    REQUIRE(::chmod(path.c_str(), mode) == 0);
    return path;
  }
  std::string add(const std::string& name) {
    files_.push_back(path_ + "/" + name);
    return files_.back();
  }

 private:
  std::string path_;
  std::vector<std::string> files_;
};

TEST_CASE("redactUrl hides passwords and tokens in every server of the list") {
  using common::redactUrl;
  CHECK(redactUrl("nats://bob:secret@host:4222") == "nats://bob:***@host:4222");
  CHECK(redactUrl("nats://t0ken@host") == "nats://***@host");
  CHECK(redactUrl("tls://u:p@ss:w@host/x@y") == "tls://u:***@host/x@y");  // '@' in password
  CHECK(redactUrl("nats://a:1@h1:4222, nats://h2:4222,nats://c:2@h3") ==
        "nats://a:***@h1:4222, nats://h2:4222,nats://c:***@h3");
  CHECK(redactUrl("bob:secret@host:4222") == "bob:***@host:4222");  // no scheme
  CHECK(redactUrl("nats://127.0.0.1:4222") == "nats://127.0.0.1:4222");
  CHECK(redactUrl("") == "");
}

TEST_CASE("config errors about nats.url do not repeat its password") {
  const LoadResult loaded =
      loadString("nats:\n  url: 'nats://bob:hunter2@h1 x,nats://h2'\n", "c.yaml", {});
  REQUIRE_FALSE(loaded.ok);
  CHECK(loaded.error.find("hunter2") == std::string::npos);
  CHECK(loaded.error.find("bob:***@h1 x") != std::string::npos);
  const LoadResult empty = loadString("nats:\n  url: 'nats://bob:hunter2@h1,,'\n", "c.yaml", {});
  REQUIRE_FALSE(empty.ok);
  CHECK(empty.error.find("hunter2") == std::string::npos);
}

TEST_CASE("a file holding a secret that others may read is warned about - mode 0600 is not") {
  ScratchDir dir;
  const std::string creds = dir.write("user.creds", "-----BEGIN NATS USER JWT-----\n", 0644);
  const std::string warning = othersReadableWarning(creds, "nats.credentialsFile");
  CHECK(warning.find("nats.credentialsFile " + creds) != std::string::npos);
  CHECK(warning.find("mode 0644") != std::string::npos);
  REQUIRE(::chmod(creds.c_str(), 0600) == 0);
  CHECK(othersReadableWarning(creds, "nats.credentialsFile").empty());
  REQUIRE(::chmod(creds.c_str(), 0640) == 0);  // a group the daemon shares: fine
  CHECK(othersReadableWarning(creds, "nats.credentialsFile").empty());
  CHECK(othersReadableWarning(dir.add("missing"), "x").empty());
}

TEST_CASE("the config file is warned about only when it holds a password or a token") {
  ScratchDir dir;
  const std::string with_password =
      dir.write("a.yaml", "nats:\n  user: u\n  password: p4ss\n", 0644);
  const std::string with_url = dir.write("b.yaml", "nats:\n  url: nats://u:p@h\n", 0604);
  const std::string plain = dir.write("c.yaml", "nats:\n  url: nats://h\n", 0644);
  const std::string locked = dir.write("d.yaml", "nats:\n  token: t0k\n", 0600);
  for (const std::string& path : {with_password, with_url}) {
    const LoadResult loaded = loadFile(path, {});
    REQUIRE(loaded.ok);
    const auto warnings = secretFileWarnings(loaded.config);
    REQUIRE(warnings.size() == 1);
    CHECK(warnings[0].find(path) != std::string::npos);
    CHECK(warnings[0].find("p4ss") == std::string::npos);
  }
  for (const std::string& path : {plain, locked}) {
    const LoadResult loaded = loadFile(path, {});
    REQUIRE(loaded.ok);
    CHECK(secretFileWarnings(loaded.config).empty());
  }
}

// Before the fix, fopen() on a FIFO blocked until a writer came: the loader hung for ever.
TEST_CASE("a config path that is a FIFO or a directory is refused at once") {
  ScratchDir dir;
  const std::string fifo = dir.add("fifo.yaml");
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  const LoadResult loaded = loadFile(fifo, {});
  CHECK_FALSE(loaded.ok);
  CHECK(loaded.error == fifo + ": not a regular file (a FIFO); expected a YAML file");
  const LoadResult directory = loadFile("/tmp", {});
  CHECK_FALSE(directory.ok);
  CHECK(directory.error == "/tmp: cannot read: Is a directory");
  const LoadResult missing = loadFile(dir.add("missing.yaml"), {});
  CHECK_FALSE(missing.ok);
  CHECK(missing.error.find("cannot read: No such file or directory") != std::string::npos);
}

}  // namespace
}  // namespace wss::config
