// SessionWatch on Linux: logind's session object on the system bus
// (sd-bus), its IdleHint/IdleSinceHint and LockedHint read at start and
// again on each PropertiesChanged it sends. The bus socket is watched on the
// daemon's loop: no thread, no polling.
//
// libsystemd is opened with dlopen, and only where logind runs (or a test
// names a bus): with its dependencies it maps about 1 MB into the daemon,
// which a server or a container without sessions should not pay.
#include <dlfcn.h>
#include <systemd/sd-bus.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <cstdlib>
#include <cstring>
#include <string>

#include "daemon/session_watch.h"
#include "log/log.h"
#include "util/library_loading.h"

namespace devtrack {

namespace {

constexpr const char* kLogin1 = "org.freedesktop.login1";
constexpr const char* kSessionIface = "org.freedesktop.login1.Session";

// The sd-bus functions this file calls, from libsystemd opened at run time.
struct SdBus {
#define DEVTRACK_SD_BUS_FUNCTIONS(X)                                                                                 \
  X(sd_bus_open_system) X(sd_bus_call_method) X(sd_bus_message_read) X(sd_bus_message_unref) X(sd_bus_error_free) \
  X(sd_bus_get_property) X(sd_bus_message_enter_container) X(sd_bus_get_property_trivial) X(sd_bus_add_match)      \
  X(sd_bus_get_fd) X(sd_bus_process) X(sd_bus_slot_unref) X(sd_bus_flush_close_unref)
#define DEVTRACK_SD_BUS_MEMBER(name) decltype(&::name) name = nullptr;
  DEVTRACK_SD_BUS_FUNCTIONS(DEVTRACK_SD_BUS_MEMBER)
#undef DEVTRACK_SD_BUS_MEMBER
  void* library = nullptr;

  // False (and why) where logind does not run or libsystemd is missing.
  bool open(std::string& why) {
    bool logind = ::access("/run/systemd/seats", F_OK) == 0 && ::access("/run/dbus/system_bus_socket", F_OK) == 0;
    if (!logind && !std::getenv("DBUS_SYSTEM_BUS_ADDRESS")) {
      why = "no system bus with logind";
      return false;
    }
    if (!library_loading_allowed()) {  // the static devtrack never runs the daemon; if it did, no logind
      why = "this process cannot load libraries";
      return false;
    }
    library = ::dlopen("libsystemd.so.0", RTLD_NOW | RTLD_LOCAL);
    if (!library) {
      why = "libsystemd.so.0 cannot be loaded";
      return false;
    }
#define DEVTRACK_SD_BUS_LOOKUP(name)                                         \
  name = reinterpret_cast<decltype(&::name)>(::dlsym(library, #name));       \
  if (!name) {                                                               \
    why = "libsystemd.so.0 has no " #name;                                   \
    return false;                                                            \
  }
    DEVTRACK_SD_BUS_FUNCTIONS(DEVTRACK_SD_BUS_LOOKUP)
#undef DEVTRACK_SD_BUS_LOOKUP
    return true;
  }
#undef DEVTRACK_SD_BUS_FUNCTIONS
};

class LogindWatch : public SessionWatch {
 public:
  LogindWatch(boost::asio::io_context& io, Changed changed) : socket_(io), changed_(std::move(changed)) {}

  ~LogindWatch() override {
    if (socket_.is_open()) socket_.release();  // the fd is sd-bus's
    if (slot_) sd_.sd_bus_slot_unref(slot_);
    if (bus_) sd_.sd_bus_flush_close_unref(bus_);
  }

  bool start(std::string& why) override {
    if (!sd_.open(why)) return false;
    if (int r = sd_.sd_bus_open_system(&bus_); r < 0) return failed(why, "no system bus", r);
    if (!find_session(why)) return false;
    std::string match = "type='signal',sender='" + std::string(kLogin1) + "',path='" + session_ + "'";
    if (int r = sd_.sd_bus_add_match(bus_, &slot_, match.c_str(), &LogindWatch::on_signal, this); r < 0)
      return failed(why, "cannot subscribe to the session", r);
    read_hints();
    socket_.assign(sd_.sd_bus_get_fd(bus_));
    wait();
    return true;
  }

 private:
  static bool failed(std::string& why, const std::string& what, int r) {
    why = what + " (" + std::string(std::strerror(-r)) + ")";
    return false;
  }

  // The session: $XDG_SESSION_ID's (a shell), else the user's display
  // session (a user service has no session of its own), else the first.
  bool find_session(std::string& why) {
    sd_bus_error error = SD_BUS_ERROR_NULL;
    sd_bus_message* reply = nullptr;
    const char* path = nullptr;
    int r;
    if (const char* id = std::getenv("XDG_SESSION_ID"); id && *id) {
      r = sd_.sd_bus_call_method(bus_, kLogin1, "/org/freedesktop/login1", "org.freedesktop.login1.Manager",
                             "GetSession", &error, &reply, "s", id);
      if (r >= 0 && sd_.sd_bus_message_read(reply, "o", &path) >= 0) session_ = path;
      sd_.sd_bus_message_unref(reply);
      sd_.sd_bus_error_free(&error);
      if (!session_.empty()) return true;
    }
    std::string user = "/org/freedesktop/login1/user/" + std::to_string(::getuid());
    reply = nullptr;
    r = sd_.sd_bus_get_property(bus_, kLogin1, user.c_str(), "org.freedesktop.login1.User", "Display", &error, &reply,
                            "(so)");
    const char* id = nullptr;
    if (r >= 0 && sd_.sd_bus_message_read(reply, "(so)", &id, &path) >= 0 && path && std::string(path) != "/")
      session_ = path;
    sd_.sd_bus_message_unref(reply);
    sd_.sd_bus_error_free(&error);
    if (!session_.empty()) return true;
    reply = nullptr;
    r = sd_.sd_bus_get_property(bus_, kLogin1, user.c_str(), "org.freedesktop.login1.User", "Sessions", &error, &reply,
                            "a(so)");
    if (r >= 0 && sd_.sd_bus_message_enter_container(reply, 'a', "(so)") >= 0 &&
        sd_.sd_bus_message_read(reply, "(so)", &id, &path) > 0)
      session_ = path;
    sd_.sd_bus_message_unref(reply);
    if (session_.empty()) why = error.message ? error.message : "the user has no login session";
    sd_.sd_bus_error_free(&error);
    return !session_.empty();
  }

  bool read_bool(const char* name) {
    sd_bus_error error = SD_BUS_ERROR_NULL;
    int value = 0;
    if (sd_.sd_bus_get_property_trivial(bus_, kLogin1, session_.c_str(), kSessionIface, name, &error, 'b', &value) < 0)
      value = 0;
    sd_.sd_bus_error_free(&error);
    return value != 0;
  }

  int64_t idle_since_ms() {
    sd_bus_error error = SD_BUS_ERROR_NULL;
    uint64_t usec = 0;
    if (sd_.sd_bus_get_property_trivial(bus_, kLogin1, session_.c_str(), kSessionIface, "IdleSinceHint", &error, 't',
                                    &usec) < 0)
      usec = 0;
    sd_.sd_bus_error_free(&error);
    return static_cast<int64_t>(usec / 1000);
  }

  // Locked wins over idle (a locked screen is idle too, and says more).
  void read_hints() {
    bool locked = read_bool("LockedHint"), idle = read_bool("IdleHint");
    std::string state = locked ? "locked" : idle ? "idle" : "";
    if (state == state_) return;
    state_ = state;
    changed_(!state.empty(), idle ? idle_since_ms() : 0, state);
  }

  // PropertiesChanged: the hints are read again. (Lock and Unlock are
  // requests to the screen locker, which then sets LockedHint.)
  static int on_signal(sd_bus_message*, void* self, sd_bus_error*) {
    static_cast<LogindWatch*>(self)->read_hints();
    return 0;
  }

  void wait() {
    socket_.async_wait(boost::asio::posix::stream_descriptor::wait_read, [this](const boost::system::error_code& ec) {
      if (ec) return;  // closed at shutdown
      int r;
      while ((r = sd_.sd_bus_process(bus_, nullptr)) > 0) {
      }
      if (r < 0) {
        log::warn("activity", "lost the system bus ({}): time away is read from activity", std::strerror(-r));
        return;
      }
      wait();
    });
  }

  SdBus sd_;  // the library stays loaded: libsystemd keeps state past its last bus
  boost::asio::posix::stream_descriptor socket_;
  Changed changed_;
  sd_bus* bus_ = nullptr;
  sd_bus_slot* slot_ = nullptr;
  std::string session_;
  std::string state_;  // "", "idle", "locked"
};

}  // namespace

std::unique_ptr<SessionWatch> SessionWatch::create(boost::asio::io_context& io, Changed changed) {
  return std::make_unique<LogindWatch>(io, std::move(changed));
}

}  // namespace devtrack
