// Errors of the host. One type for failures the user must see (Error), one
// for wrong command-line usage (UsageError, exit code 2).
#pragma once

#include <stdexcept>
#include <string>

namespace devtrack {

// A failure with a message written for the user: what went wrong and, where
// possible, what to do about it.
class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The command line was wrong: exit code 2.
class UsageError : public Error {
 public:
  using Error::Error;
};

}  // namespace devtrack
