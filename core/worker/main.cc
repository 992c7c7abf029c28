// devtrack-worker: the helper process of DESIGN.md. Here: --scan, which loads
// every changed plugin file in this short-lived process (loading maps a
// library for good) and writes the registry cache that the CLI and the daemon
// read. With --bus-fd: the worker of DESIGN.md, offering HTTP and SMTP.
#include <signal.h>
#include <sys/prctl.h>

#include <iostream>
#include <nlohmann/json.hpp>

#include <boost/program_options.hpp>
#include "log/log.h"
#include "plugin/registry.h"
#include "util/error.h"
#include "config/config.h"
#include "worker/http.h"
#include "worker/worker.h"

namespace po = boost::program_options;

int main(int argc, char** argv) {
  po::options_description options("Usage: devtrack-worker --scan [--force] [--json]\n\nOptions");
  options.add_options()("scan", "load changed plugin files and write the registry cache")(
      "force", "with --scan: load every plugin file, not only changed ones")(
      "json", "with --scan: print the registry as JSON")("quiet", "do not print refused plugins")(
      "bus-fd", boost::program_options::value<int>(), "join the daemon's bus over this descriptor (the daemon passes it)")(
      "idle-timeout", boost::program_options::value<int>()->default_value(60), "with --bus-fd: exit after this many idle seconds")(
      "help,h", "show this help")("version", "print the version");
  po::variables_map args;
  try {
    po::store(po::parse_command_line(argc, argv, options), args);
  } catch (const po::error& e) {
    std::cerr << "devtrack-worker: error: " << e.what() << "\n";
    return 2;
  }
  if (args.count("help")) {
    std::cout << options;
    return 0;
  }
  if (args.count("version")) {
    std::cout << "devtrack-worker " DEVTRACK_VERSION "\n";
    return 0;
  }
  if (args.count("bus-fd")) {
    // A daemon that goes away mid-write is an error on the write, not a
    // death by SIGPIPE (libcurl's sockets are covered by this too).
    ::signal(SIGPIPE, SIG_IGN);
    // This process holds resolved secrets and runs plugins that may crash:
    // no core dumps of it, and no ptrace or /proc/PID/mem by other processes
    // of the user.
    ::prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
    return devtrack::run_worker(args["bus-fd"].as<int>(), std::chrono::seconds(args["idle-timeout"].as<int>()),
                                [](const devtrack::Config& config) {
                                  devtrack::HttpSettings s;
                                  s.ca_file = config.network.ca_file;
                                  s.allow_http = config.network.allow_http;
                                  s.timeout = config.network.timeout;
                                  return devtrack::NetworkServices{devtrack::http_service(s),
                                                                   devtrack::smtp_service(s)};
                                });
  }
  if (!args.count("scan")) {
    std::cerr << "devtrack-worker: error: nothing to do (try --scan); the daemon starts the worker itself\n";
    return 2;
  }
  devtrack::log::init_cli(args.count("quiet") ? devtrack::log::kError : devtrack::log::kWarn);
  try {
    auto plugins = devtrack::scan_plugins(args.count("force") > 0);
    if (args.count("json")) {
      nlohmann::json list = nlohmann::json::array();
      for (const auto& p : plugins)
        list.push_back({{"path", p.path}, {"id", p.id}, {"refused", p.refused}, {"error", p.error}});
      std::cout << list.dump(2) << "\n";
    }
  } catch (const std::exception& e) {
    std::cerr << "devtrack-worker: error: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
