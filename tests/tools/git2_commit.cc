// Makes a commit with libgit2, the way GUI clients and libgit2-based tools
// do: no hook runs. Writes the reflog entry like git does.
//   git2_commit REPO_DIR MESSAGE
#include <git2.h>

#include <cstdio>

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: git2_commit REPO_DIR MESSAGE\n");
    return 2;
  }
  git_libgit2_init();
  git_repository* repo = nullptr;
  git_signature* sig = nullptr;
  git_index* index = nullptr;
  git_oid tree_id, commit_id, parent_id;
  git_tree* tree = nullptr;
  git_commit* parent = nullptr;
  int rc = 1;
  if (git_repository_open(&repo, argv[1]) == 0 && git_signature_now(&sig, "libgit2 tool", "tool@example.com") == 0 &&
      git_repository_index(&index, repo) == 0 && git_index_write_tree(&tree_id, index) == 0 &&
      git_tree_lookup(&tree, repo, &tree_id) == 0) {
    bool has_parent = git_reference_name_to_id(&parent_id, repo, "HEAD") == 0 &&
                      git_commit_lookup(&parent, repo, &parent_id) == 0;
    const git_commit* parents[] = {parent};
    if (git_commit_create(&commit_id, repo, "HEAD", sig, sig, nullptr, argv[2], tree, has_parent ? 1 : 0,
                          has_parent ? parents : nullptr) == 0) {
      char hex[GIT_OID_HEXSZ + 1];
      git_oid_tostr(hex, sizeof hex, &commit_id);
      std::printf("%s\n", hex);
      rc = 0;
    }
  }
  if (rc != 0) {
    const git_error* e = git_error_last();
    std::fprintf(stderr, "git2_commit: %s\n", e && e->message ? e->message : "failed");
  }
  git_commit_free(parent);
  git_tree_free(tree);
  git_index_free(index);
  git_signature_free(sig);
  git_repository_free(repo);
  git_libgit2_shutdown();
  return rc;
}
