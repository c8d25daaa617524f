#include <git2.h>

/// `git_libgit2_opts` takes variable arguments, which Swift cannot pass: each setting Roster
/// changes has a function of its own.

/// Objects are not hashed again each time they are read: libgit2's check, SHA-1 with collision
/// detection over every byte, was 476 M of the 7,244 M instructions of `roster validate --repo`
/// at 50,000 users, more than inflating the objects. A damaged object is still refused (zlib
/// checks each object's bytes as it inflates them); `git fsck` finds one whose bytes do not
/// match its name.
static inline int roster_git_skip_hash_verification(void) {
  return git_libgit2_opts(GIT_OPT_ENABLE_STRICT_HASH_VERIFICATION, 0);
}
