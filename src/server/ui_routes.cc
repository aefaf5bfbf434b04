// The static dashboard (server/api.h RegisterUiRoutes): the files of a built web/dist.
//
// Files are read on every request rather than cached at start: they are few and small (a Vite
// build of the dashboard is a few hundred KB, served from the page cache in microseconds), and a
// dashboard rebuilt while the server runs is served at once, with no restart.

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string_view>

#include "core/logging.h"
#include "server/api.h"
#include "server/http_status.h"

namespace mercato {
namespace {

// The dashboard's files are at most this large; anything bigger is not part of it.
constexpr off_t kMaxFileBytes = 16 << 20;

constexpr char kContentSecurityPolicy[] =
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
    "connect-src 'self'; frame-ancestors 'none'";

// The page holds no data and needs no key; its API calls carry the user's token.
constexpr const char* kNotBuilt =
    "the dashboard is not built: run `make web` (or start the server with --ui-dir pointing at a "
    "built dashboard)";

// One file name of the dashboard: no separators, no "..", nothing hidden, no NUL.
bool IsServableName(std::string_view name) {
  return !name.empty() && name.front() != '.' && name.find("..") == std::string_view::npos &&
         name.find_first_of(std::string_view("/\\\0", 3)) == std::string_view::npos;
}

std::string ContentTypeOf(std::string_view name) {
  const size_t dot = name.rfind('.');
  const std::string_view extension = dot == std::string_view::npos ? "" : name.substr(dot + 1);
  struct Type {
    std::string_view extension;
    const char* content_type;
  };
  static constexpr Type kTypes[] = {
      {"html", "text/html; charset=utf-8"},
      {"js", "text/javascript; charset=utf-8"},
      {"mjs", "text/javascript; charset=utf-8"},
      {"css", "text/css; charset=utf-8"},
      {"svg", "image/svg+xml"},
      {"png", "image/png"},
      {"ico", "image/x-icon"},
      {"json", "application/json"},
      {"webmanifest", "application/manifest+json"},
      {"woff2", "font/woff2"},
      {"map", "application/json"},
      {"txt", "text/plain; charset=utf-8"},
  };
  for (const Type& type : kTypes) {
    if (type.extension == extension) return type.content_type;
  }
  return "application/octet-stream";
}

// The contents of the regular file `path` (never through a symbolic link). NotFound when there is
// no such regular file; IoError when it cannot be read.
Result<std::string> ReadRegularFile(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
  if (fd < 0) return Status::NotFound("no such file");
  struct FdCloser {
    int fd;
    ~FdCloser() { ::close(fd); }
  } closer{fd};
  struct stat info {};
  if (::fstat(fd, &info) != 0 || !S_ISREG(info.st_mode) || info.st_size > kMaxFileBytes) {
    return Status::NotFound("no such file");
  }
  std::string contents;
  contents.resize(static_cast<size_t>(info.st_size));
  size_t done = 0;
  while (done < contents.size()) {
    const ssize_t got = ::read(fd, contents.data() + done, contents.size() - done);
    if (got < 0 && errno == EINTR) continue;
    if (got < 0)
      return Status::IoError("reading a dashboard file: " + std::string(strerror(errno)));
    if (got == 0) break;  // the file shrank while it was read
    done += static_cast<size_t>(got);
  }
  contents.resize(done);
  return contents;
}

HttpResponse WithSecurityHeaders(HttpResponse response) {
  response.headers.emplace_back("X-Content-Type-Options", "nosniff");
  response.headers.emplace_back("Content-Security-Policy", kContentSecurityPolicy);
  response.headers.emplace_back("Referrer-Policy", "no-referrer");
  return response;
}

// Serves `name` from `dir` + `subdir` ("" or "assets/"). Hashed assets never change under their
// name; everything else is revalidated on each use.
HttpResponse ServeFile(const std::string& dir, std::string_view subdir, std::string_view name) {
  if (dir.empty() || !IsServableName(name)) {
    return WithSecurityHeaders(ErrorResponse(Status::NotFound("no such file")));
  }
  Result<std::string> contents =
      ReadRegularFile(dir + "/" + std::string(subdir) + std::string(name));
  if (!contents.ok()) {
    if (contents.status().code() != StatusCode::kNotFound) {
      LOG(WARNING) << "dashboard: " << contents.status().ToString();
    }
    return WithSecurityHeaders(ErrorResponse(contents.status()));
  }
  HttpResponse response;
  response.content_type = ContentTypeOf(name);
  response.body = std::move(contents).value();
  response.headers.emplace_back(
      "Cache-Control", subdir.empty() ? "no-cache" : "public, max-age=31536000, immutable");
  return WithSecurityHeaders(std::move(response));
}

}  // namespace

void RegisterUiRoutes(Router& router, const std::string& dir) {
  router.Add("GET", "/ui", "/ui", Access::kPublic, AdmissionClass::kOps,
             [](HttpRequest&&, const Responder& respond) {
               HttpResponse response;
               response.status = 302;
               response.content_type = "text/plain; charset=utf-8";
               response.body = "/ui/";
               response.headers.emplace_back("Location", "/ui/");
               respond(std::move(response));
             });
  router.Add("GET", "/ui/", "/ui/", Access::kPublic, AdmissionClass::kOps,
             [dir](HttpRequest&&, const Responder& respond) {
               HttpResponse response = ServeFile(dir, "", "index.html");
               if (response.status == 404) {
                 response = WithSecurityHeaders(ErrorResponse(Status::NotFound(kNotBuilt)));
               }
               respond(std::move(response));
             });
  router.Add("GET", "/ui/{file}", "/ui/{file}", Access::kPublic, AdmissionClass::kOps,
             [dir](HttpRequest&& request, const Responder& respond) {
               respond(ServeFile(dir, "", request.PathParam("file")));
             });
  router.Add("GET", "/ui/assets/{file}", "/ui/assets/{file}", Access::kPublic, AdmissionClass::kOps,
             [dir](HttpRequest&& request, const Responder& respond) {
               respond(ServeFile(dir, "assets/", request.PathParam("file")));
             });
}

}  // namespace mercato
