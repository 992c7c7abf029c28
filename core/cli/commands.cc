#include "cli/command.h"

namespace devtrack::cli {

extern const Command kPluginsList, kPluginsInfo, kPluginsEnable, kPluginsDisable;
extern const Command kConfigInit, kConfigCheck, kConfigPath, kConfigReference;
extern const Command kDaemon, kStart, kStop, kRestart, kStatus, kPause, kResume, kSetInterval, kReload;
extern const Command kReposAdd, kReposRemove, kReposList, kLog, kDoctor, kParse, kCheckin, kAsk;
extern const Command kLogs, kGc, kCompletion, kShellInit, kVersion, kLearnedList, kLearnedForget;
extern const Command kSecretSet, kSecretList, kSecretRemove;
extern const Command kSyncRemoteSet, kSyncRemoteNow, kSyncRemoteStatus, kSyncRemoteKeyExport, kSyncRemoteKeyImport;
extern const Command kUpdatesList, kUpdatesRetry, kUpdatesDrop, kSync, kTickets, kSummary, kStandup, kReport, kSession, kHeartbeat;

const std::vector<const Command*>& commands() {
  static const std::vector<const Command*> all = {
      &kCheckin, &kAsk, &kStatus, &kStart,       &kStop,         &kRestart,        &kPause,       &kResume,
      &kSetInterval, &kReload, &kSync, &kUpdatesList, &kUpdatesRetry, &kUpdatesDrop, &kTickets, &kSummary, &kStandup, &kReport, &kSyncRemoteSet, &kSyncRemoteNow, &kSyncRemoteStatus, &kSyncRemoteKeyExport, &kSyncRemoteKeyImport, &kHeartbeat, &kSession, &kParse, &kLearnedList, &kLearnedForget, &kReposAdd,     &kReposRemove,    &kReposList,   &kLog,
      &kPluginsList, &kPluginsInfo, &kPluginsEnable, &kPluginsDisable, &kConfigInit, &kConfigCheck,
      &kConfigPath, &kConfigReference, &kSecretSet, &kSecretList, &kSecretRemove, &kDoctor,     &kLogs,         &kGc,             &kDaemon,      &kCompletion, &kShellInit,
      &kVersion,
  };
  return all;
}

bool is_control_command(const std::string& name) {
  for (const char* c : {"status", "start", "stop", "restart", "pause", "resume", "set-interval", "reload"})
    if (name == c) return true;
  return false;
}

}  // namespace devtrack::cli
