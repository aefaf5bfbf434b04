// mercato_bare_server: the project's HttpServer with a handler that answers 200
// {"success":true} at once, without looking at the request. What it serves per second is the
// limit of the HTTP stack (Beast parsing, the Responder hop, the write) on this machine; the
// ingestion benchmarks report their figure as a ratio to it.
//
// Prints "listening on http://ADDRESS:PORT" like `mercato serve`, then runs until SIGINT/SIGTERM.

#include <CLI/CLI.hpp>

#include <csignal>
#include <cstdio>

#include "core/metrics.h"
#include "server/http_server.h"

int main(int argc, char** argv) {
  mercato::HttpServerOptions options;
  options.threads = 1;
  CLI::App app{"mercato_bare_server: HttpServer answering 200 without any work"};
  app.add_option("--listen", options.address, "Address to listen on")->capture_default_str();
  app.add_option("--port", options.port, "TCP port (0 picks a free one)")->capture_default_str();
  app.add_option("--threads", options.threads, "HTTP threads")
      ->check(CLI::Range(1, 256))
      ->capture_default_str();
  CLI11_PARSE(app, argc, argv);

  // Block the stop signals in every thread; the main thread waits for them with sigwait.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  mercato::MetricsRegistry metrics;
  mercato::HttpServer server(
      options,
      [](mercato::HttpRequest&&, mercato::Responder respond) {
        mercato::HttpResponse response;
        response.body = "{\"success\":true}";
        respond(std::move(response));
      },
      &metrics);
  if (mercato::Status status = server.Start(); !status.ok()) {
    std::fprintf(stderr, "mercato_bare_server: %s\n", status.ToString().c_str());
    return 1;
  }
  std::printf("listening on http://%s:%u\n", options.address.c_str(),
              static_cast<unsigned>(server.port()));
  std::fflush(stdout);
  int signal_number = 0;
  sigwait(&stop_signals, &signal_number);
  server.Stop();
  return 0;
}
