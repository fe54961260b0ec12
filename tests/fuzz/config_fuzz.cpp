// libFuzzer target for the configuration loader (conf/loader.*: toml++
// parsing, every schema row's type and value checks, the checks between a
// table's keys, the checks across sections and the references between them),
// fed arbitrary text as a reload reads it. Checked: the load returns (no
// exception escapes, nothing leaks); the result has a Config exactly when it
// has no errors; every error names the source and has a message, and a line
// inside the text; an accepted Config compared with itself needs no restart.
//
// Kept pure. The loader resolves the host names it reads (getaddrinfo) and
// reads [postgres] auth_file (std::ifstream, i.e. fopen64); while a load runs
// this file stands in for both: only numeric addresses resolve, and
// "localhost" as 127.0.0.1 (no DNS, no /etc/hosts); whatever auth_file names,
// it opens an in-memory file (memfd) holding the input's bytes after its
// first NUL byte, or fails with ENOENT when the input has none. The TOML text
// is the input up to that NUL (a NUL is never valid TOML anyway).
// Build and run: tests/fuzz/run.sh config.
#include <dlfcn.h>
#include <netdb.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>

#include "conf/loader.hpp"
#include "conf/restart_changes.hpp"

namespace {

// Set while load_string runs: the stand-ins below act only then, so that
// libFuzzer's own file reads go to the real functions.
bool loading = false;
std::string_view auth_file_bytes;
bool has_auth_file = false;

template <class Function>
Function real(const char* name) {
  return reinterpret_cast<Function>(dlsym(RTLD_NEXT, name));
}

void require(bool condition) {
  if (!condition) std::abort();
}

}  // namespace

extern "C" {

// Replaces libc's (and the sanitizer runtime's weak interceptor).
int getaddrinfo(const char* host, const char* service, const addrinfo* hints, addrinfo** result) {
  using Getaddrinfo = int (*)(const char*, const char*, const addrinfo*, addrinfo**);
  static const auto real_getaddrinfo = real<Getaddrinfo>("getaddrinfo");
  if (!loading) return real_getaddrinfo(host, service, hints, result);
  addrinfo numeric = hints ? *hints : addrinfo{};
  numeric.ai_flags |= AI_NUMERICHOST;
  if (host && std::strcmp(host, "localhost") == 0) host = "127.0.0.1";
  return real_getaddrinfo(host, service, &numeric, result);
}

FILE* fopen64(const char* path, const char* mode) {
  using Fopen = FILE* (*)(const char*, const char*);
  static const auto real_fopen64 = real<Fopen>("fopen64");
  if (!loading) return real_fopen64(path, mode);
  if (!has_auth_file) {
    errno = ENOENT;
    return nullptr;
  }
  int fd = memfd_create("auth_file", MFD_CLOEXEC);
  if (fd < 0) return nullptr;
  size_t written = 0;
  while (written < auth_file_bytes.size()) {
    ssize_t n = write(fd, auth_file_bytes.data() + written, auth_file_bytes.size() - written);
    if (n <= 0) break;
    written += static_cast<size_t>(n);
  }
  lseek(fd, 0, SEEK_SET);
  FILE* file = fdopen(fd, "r");
  if (!file) close(fd);
  return file;
}

}  // extern "C"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  size_t nul = input.find('\0');
  std::string_view text = input.substr(0, nul);
  has_auth_file = nul != std::string_view::npos;
  auth_file_bytes = has_auth_file ? input.substr(nul + 1) : std::string_view();

  loading = true;
  sy::conf::LoadResult result = sy::conf::load_string(text, "fuzz.toml");
  loading = false;

  require(result.ok() == result.errors.empty());
  const size_t lines = static_cast<size_t>(std::count(text.begin(), text.end(), '\n')) + 1;
  for (const auto& error : result.errors) {
    require(error.file == "fuzz.toml");
    require(!error.message.empty());
    require(error.line <= lines);
    require(!error.to_string().empty());
  }
  if (result.ok()) require(sy::conf::changes_needing_restart(*result.config, *result.config).empty());
  return 0;
}
