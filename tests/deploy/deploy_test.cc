// The deployment files agree with the code they deploy.
//
// Probes and scrape settings in deploy/k8s/ must name the paths HttpServer serves
// (sidecar/observability/endpoints.h) on the port the ConfigMap's http.listen opens; the
// Dockerfile must run the binary the way the manifests expect; the Grafana dashboard and
// docs/metrics.md must name only metrics that renderPrometheus() emits, and the docs all of them.
#include <yaml-cpp/yaml.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "sidecar/observability/endpoints.h"
#include "sidecar/observability/http_server.h"
#include "sidecar/observability/prometheus_text.h"

namespace wss::observability {
namespace {

namespace fs = std::filesystem;

const fs::path kRepo = WSS_REPO_DIR;
const fs::path kBase = kRepo / "deploy" / "k8s" / "base";
constexpr const char* kSidecarName = "work-stealing-sidecar";

std::string readText(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  REQUIRE(in.good());
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

std::vector<fs::path> yamlFilesUnder(const fs::path& dir) {
  std::vector<fs::path> out;
  for (const auto& entry : fs::recursive_directory_iterator(dir)) {
    const auto ext = entry.path().extension();
    if (entry.is_regular_file() && (ext == ".yaml" || ext == ".yml")) {
      out.push_back(entry.path());
    }
  }
  return out;
}

// The Deployment "dispatcher" in dispatcher.yaml.
YAML::Node dispatcherPodSpec() {
  const auto docs = YAML::LoadAllFromFile((kBase / "dispatcher.yaml").string());
  for (const auto& doc : docs) {
    if (doc["kind"].as<std::string>() == "Deployment" &&
        doc["metadata"]["name"].as<std::string>() == "dispatcher") {
      return doc["spec"]["template"]["spec"];
    }
  }
  FAIL("no Deployment dispatcher in dispatcher.yaml");
  return {};
}

YAML::Node sidecarContainer(const YAML::Node& pod_spec) {
  for (const auto& c : pod_spec["initContainers"]) {
    if (c["name"].as<std::string>() == kSidecarName) {
      return c;
    }
  }
  FAIL("no init container " << kSidecarName);
  return {};
}

// A probe's port: a number, or the name of one of the container's ports.
int probePort(const YAML::Node& container, const YAML::Node& port) {
  if (port.IsScalar() && std::regex_match(port.as<std::string>(), std::regex("[0-9]+"))) {
    return port.as<int>();
  }
  for (const auto& p : container["ports"]) {
    if (p["name"] && p["name"].as<std::string>() == port.as<std::string>()) {
      return p["containerPort"].as<int>();
    }
  }
  FAIL("no container port named " << port.as<std::string>());
  return -1;
}

int configMapListenPort() {
  const auto config = YAML::LoadFile((kBase / "sidecar.yaml").string());
  const auto listen = parseListenAddress(config["http"]["listen"].as<std::string>());
  REQUIRE(listen);
  return listen->port;
}

// Metric families in the exposition: "# TYPE name type".
std::set<std::string> renderedFamilies() {
  std::set<std::string> out;
  std::istringstream lines(renderPrometheus(MetricsSnapshot{}));
  std::string line;
  const std::regex type_line(R"(# TYPE (\S+) \S+)");
  while (std::getline(lines, line)) {
    std::smatch m;
    if (std::regex_match(line, m, type_line)) {
      out.insert(m[1]);
    }
  }
  return out;
}

// "wss_x_bucket" -> "wss_x" when "wss_x" is a (histogram) family.
std::string familyOf(const std::string& series, const std::set<std::string>& families) {
  for (const char* suffix : {"_bucket", "_sum", "_count"}) {
    const std::string s = suffix;
    if (series.size() > s.size() && series.ends_with(s)) {
      const auto base = series.substr(0, series.size() - s.size());
      if (families.count(base) == 1) {
        return base;
      }
    }
  }
  return series;
}

std::set<std::string> metricNamesIn(const std::string& text) {
  std::set<std::string> out;
  const std::regex name(R"(\bwss_[a-z_]+[a-z])");
  for (auto it = std::sregex_iterator(text.begin(), text.end(), name); it != std::sregex_iterator();
       ++it) {
    out.insert(it->str());
  }
  return out;
}

TEST_CASE("every YAML file under deploy/ parses", "[deploy]") {
  const auto files = yamlFilesUnder(kRepo / "deploy");
  REQUIRE(files.size() >= 6);
  for (const auto& file : files) {
    INFO(file.string());
    std::vector<YAML::Node> docs;
    REQUIRE_NOTHROW(docs = YAML::LoadAllFromFile(file.string()));
    CHECK_FALSE(docs.empty());
  }
}

TEST_CASE("every Kubernetes manifest has an apiVersion, a kind and a name", "[deploy]") {
  for (const auto& file : yamlFilesUnder(kRepo / "deploy" / "k8s")) {
    if (file.filename() == "sidecar.yaml") {
      continue;  // the sidecar's config, not a manifest
    }
    for (const auto& doc : YAML::LoadAllFromFile(file.string())) {
      INFO(file.string());
      CHECK(doc["apiVersion"]);
      CHECK(doc["kind"]);
      if (doc["kind"].as<std::string>() != "Kustomization") {
        CHECK(doc["metadata"]["name"]);
      }
    }
  }
}

TEST_CASE("the probes hit the paths the HTTP server serves, on http.listen's port", "[deploy]") {
  const auto pod = dispatcherPodSpec();
  const auto sidecar = sidecarContainer(pod);
  const int port = configMapListenPort();
  CHECK(port == kDefaultPort);

  const auto liveness = sidecar["livenessProbe"]["httpGet"];
  CHECK(liveness["path"].as<std::string>() == kHealthzPath);
  CHECK(probePort(sidecar, liveness["port"]) == port);
  const auto readiness = sidecar["readinessProbe"]["httpGet"];
  CHECK(readiness["path"].as<std::string>() == kReadyzPath);
  CHECK(probePort(sidecar, readiness["port"]) == port);
  const auto startup = sidecar["startupProbe"]["httpGet"];
  CHECK(startup["path"].as<std::string>() == kHealthzPath);
  CHECK(probePort(sidecar, startup["port"]) == port);
  CHECK(probePort(sidecar, YAML::Node("metrics")) == port);
}

TEST_CASE("the scrape settings point at /metrics on the same port", "[deploy]") {
  const auto docs = YAML::LoadAllFromFile((kBase / "dispatcher.yaml").string());
  const auto annotations = docs.at(0)["spec"]["template"]["metadata"]["annotations"];
  CHECK(annotations["prometheus.io/scrape"].as<std::string>() == "true");
  CHECK(annotations["prometheus.io/port"].as<int>() == configMapListenPort());
  CHECK(annotations["prometheus.io/path"].as<std::string>() == kMetricsPath);

  const auto monitor = YAML::LoadFile(
      (kRepo / "deploy" / "k8s" / "overlays" / "prometheus-operator" / "podmonitor.yaml").string());
  CHECK(monitor["kind"].as<std::string>() == "PodMonitor");
  const auto endpoint = monitor["spec"]["podMetricsEndpoints"][0];
  CHECK(endpoint["path"].as<std::string>() == kMetricsPath);
  const auto sidecar = sidecarContainer(dispatcherPodSpec());
  CHECK(probePort(sidecar, endpoint["port"]) == configMapListenPort());
  CHECK(monitor["spec"]["selector"]["matchLabels"]["app.kubernetes.io/name"].as<std::string>() ==
        "dispatcher");
}

TEST_CASE("the sidecar is a native sidecar, hardened and with resources", "[deploy]") {
  const auto pod = dispatcherPodSpec();
  const auto sidecar = sidecarContainer(pod);
  CHECK(sidecar["restartPolicy"].as<std::string>() == "Always");
  const auto security = sidecar["securityContext"];
  CHECK(security["readOnlyRootFilesystem"].as<bool>());
  CHECK_FALSE(security["allowPrivilegeEscalation"].as<bool>());
  CHECK(security["runAsNonRoot"].as<bool>());
  CHECK(security["runAsUser"].as<int>() == 65532);
  CHECK(security["capabilities"]["drop"][0].as<std::string>() == "ALL");
  CHECK(security["seccompProfile"]["type"].as<std::string>() == "RuntimeDefault");
  for (const char* kind : {"requests", "limits"}) {
    INFO(kind);
    CHECK(sidecar["resources"][kind]["cpu"]);
    CHECK(sidecar["resources"][kind]["memory"]);
  }
}

TEST_CASE("the ConfigMap is mounted where the image reads its config", "[deploy]") {
  const auto pod = dispatcherPodSpec();
  const auto sidecar = sidecarContainer(pod);
  const auto kustomization = YAML::LoadFile((kBase / "kustomization.yaml").string());
  const auto generator = kustomization["configMapGenerator"][0];
  CHECK(generator["files"][0].as<std::string>() == "sidecar.yaml");

  std::string mount_path;
  for (const auto& mount : sidecar["volumeMounts"]) {
    for (const auto& volume : pod["volumes"]) {
      if (volume["name"].as<std::string>() == mount["name"].as<std::string>() &&
          volume["configMap"] &&
          volume["configMap"]["name"].as<std::string>() == generator["name"].as<std::string>()) {
        mount_path = mount["mountPath"].as<std::string>();
      }
    }
  }
  CHECK(mount_path == "/etc/wss");
  const auto dockerfile = readText(kRepo / "deploy" / "Dockerfile");
  CHECK(dockerfile.find(R"("--config", "/etc/wss/sidecar.yaml"])") != std::string::npos);
  CHECK(dockerfile.find("USER 65532:65532") != std::string::npos);
  CHECK(dockerfile.find("EXPOSE " + std::to_string(configMapListenPort())) != std::string::npos);
  CHECK_FALSE(sidecar["args"]);  // the entrypoint already passes --config
}

TEST_CASE("the NATS URL in the ConfigMap names the NATS Service", "[deploy]") {
  const auto config = YAML::LoadFile((kBase / "sidecar.yaml").string());
  const auto docs = YAML::LoadAllFromFile((kBase / "nats.yaml").string());
  int service_port = 0;
  std::string service_name;
  for (const auto& doc : docs) {
    if (doc["kind"].as<std::string>() == "Service") {
      service_name = doc["metadata"]["name"].as<std::string>();
      service_port = doc["spec"]["ports"][0]["port"].as<int>();
    }
  }
  CHECK(config["nats"]["url"].as<std::string>() ==
        "nats://" + service_name + ":" + std::to_string(service_port));
  CHECK(config["log"]["format"].as<std::string>() == "json");
}

TEST_CASE("the Grafana dashboard queries only metrics the sidecar exports", "[deploy]") {
  const auto families = renderedFamilies();
  const auto dashboard =
      nlohmann::json::parse(readText(kRepo / "deploy" / "grafana" / "work-stealing-sidecar.json"));
  std::set<std::string> used;
  const std::function<void(const nlohmann::json&)> walk = [&](const nlohmann::json& node) {
    if (node.is_object()) {
      for (const auto& [key, value] : node.items()) {
        if (key == "expr" && value.is_string()) {
          for (const auto& name : metricNamesIn(value.get<std::string>())) {
            used.insert(familyOf(name, families));
          }
        }
        walk(value);
      }
    } else if (node.is_array()) {
      for (const auto& item : node) {
        walk(item);
      }
    }
  };
  walk(dashboard);
  CHECK(used.size() >= 15);
  for (const auto& name : used) {
    INFO(name);
    CHECK(families.count(name) == 1);
  }
}

TEST_CASE("docs/metrics.md documents exactly the metrics the sidecar exports", "[deploy]") {
  const auto families = renderedFamilies();
  const auto docs = readText(kRepo / "docs" / "metrics.md");
  std::set<std::string> documented;
  for (const auto& name : metricNamesIn(docs)) {
    documented.insert(familyOf(name, families));
  }
  for (const auto& family : families) {
    INFO(family);
    CHECK(documented.count(family) == 1);
  }
  for (const auto& name : documented) {
    INFO(name);
    CHECK(families.count(name) == 1);
  }
}

// Every scalar under `node`, by dotted key.
void flatten(const YAML::Node& node, const std::string& prefix, std::map<std::string, std::string>& out) {
  if (node.IsMap()) {
    for (const auto& entry : node) {
      const std::string key = entry.first.as<std::string>();
      flatten(entry.second, prefix.empty() ? key : prefix + "." + key, out);
    }
  } else if (node.IsScalar()) {
    out[prefix] = node.as<std::string>();
  }
}

TEST_CASE("the base runs 2 replicas with ha beside a JetStream NATS, overlays/single undoes it",
          "[deploy]") {
  std::map<std::string, std::string> base;
  flatten(YAML::LoadFile((kBase / "sidecar.yaml").string()), "", base);
  CHECK(base.at("ha.enabled") == "true");
  for (const auto& doc : YAML::LoadAllFromFile((kBase / "dispatcher.yaml").string())) {
    if (doc["kind"].as<std::string>() == "Deployment") CHECK(doc["spec"]["replicas"].as<int>() == 2);
  }
  std::string nats_args;
  for (const auto& doc : YAML::LoadAllFromFile((kBase / "nats.yaml").string())) {
    if (doc["kind"].as<std::string>() != "Deployment") continue;
    for (const auto& arg : doc["spec"]["template"]["spec"]["containers"][0]["args"]) {
      nats_args += arg.as<std::string>() + " ";
    }
  }
  CHECK(nats_args.find("--jetstream") != std::string::npos);

  const fs::path overlay = kRepo / "deploy" / "k8s" / "overlays" / "single";
  std::map<std::string, std::string> single;
  flatten(YAML::LoadFile((overlay / "sidecar.yaml").string()), "", single);
  CHECK(single.at("ha.enabled") == "false");
  for (auto* config : {&base, &single}) {
    for (auto it = config->begin(); it != config->end();) {
      it = it->first.rfind("ha.", 0) == 0 ? config->erase(it) : std::next(it);
    }
  }
  CHECK(single == base);  // only ha differs

  const auto kustomization = YAML::LoadFile((overlay / "kustomization.yaml").string());
  CHECK(kustomization["resources"][0].as<std::string>() == "../../base");
  const auto generator = kustomization["configMapGenerator"][0];
  CHECK(generator["behavior"].as<std::string>() == "replace");
  CHECK(generator["name"].as<std::string>() ==
        YAML::LoadFile((kBase / "kustomization.yaml").string())["configMapGenerator"][0]["name"]
            .as<std::string>());
  std::string patches;
  for (const auto& patch : kustomization["patches"]) patches += patch["patch"].as<std::string>();
  CHECK(patches.find("value: 1") != std::string::npos);
}

}  // namespace
}  // namespace wss::observability
