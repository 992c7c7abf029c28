// A prompt as a person sees it, the same on every surface (the terminal,
// the desktop notification) and for the parse: what it is about and the
// repository it is asked in.
#pragma once

#include <string>
#include <vector>

namespace devtrack {

class Store;
struct Config;
struct PromptRow;

// The repository an answer is about: the prompt's (a commit), or the one
// `devtrack ask` ran in, which it keeps in its trigger's details; its
// owner/name from the commits the worker read, else from .git/config.
struct RepoContext {
  std::string repo, branch, slug;
};
RepoContext repo_context(Store& store, const PromptRow& p);

// The lines that say what the prompt is about: the repository and its
// commits (a commit whose subject the worker has not read yet shows its id
// alone), or for a prompt without commits, what asked and the hints (the
// repository it was asked in, the projects, the recent tickets).
std::vector<std::string> about_lines(Store& store, const Config& config, const PromptRow& p);

}  // namespace devtrack
