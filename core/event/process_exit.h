// Waiting for another process to end, on the event loop (Linux: a pidfd,
// process_exit_linux.cc; other systems get a sibling file behind this
// interface). The daemon uses it to do a commit's work once git has
// finished rather than beside it: until then the machine's cores are git's.
#pragma once

#include <chrono>
#include <functional>

namespace devtrack {

class EventLoop;

// [loop thread] Runs fn on the loop thread once process `pid` has ended, or
// after `at_most` of real (steady) time, whichever comes first: exactly
// once. If the process cannot be watched (gone already, no pidfd on this
// kernel, not a valid pid) fn runs soon, from the loop, not from this call.
void when_process_ends(EventLoop& loop, int pid, std::chrono::milliseconds at_most, std::function<void()> fn);

// [loop thread] Runs fn on the loop thread after `delay` of real (steady)
// time, whatever the loop's Clock says: for waits on other processes, which
// a test's manual clock does not move (EventLoop::call_at is the user's
// time, and follows it).
void after_real_delay(EventLoop& loop, std::chrono::milliseconds delay, std::function<void()> fn);

}  // namespace devtrack
