// libFuzzer target for the PostgreSQL wire decoders a client can reach:
// the startup packet (scan_startup + parse_startup: SSLRequest, cancel,
// parameters), the message framing (scan_message) with every field read
// through PayloadReader, SCRAM client-first/final parsing on the server
// side, and the SQL classifier that routes reads. Nothing may crash, hang
// or read out of bounds; a framed message never claims more bytes than
// the input has.
// Build and run: tests/fuzz/run.sh pgwire (or by hand, see run.sh).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "pgwire/message.hpp"
#include "pgwire/scram.hpp"
#include "pgwire/sql_classify.hpp"
#include "pgwire/startup.hpp"

using namespace sy::pgwire;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);

  auto startup = scan_startup(input);
  if (startup.status == StartupScanStatus::complete) {
    if (startup.length > input.size()) std::abort();
    StartupPacket packet;
    std::string error;
    parse_startup(input.substr(0, startup.length), packet, error);
  }

  // Framed messages back to back, each payload read field by field.
  std::string_view rest = input;
  while (!rest.empty()) {
    Scan scan = scan_message(rest, 1 << 20);
    if (scan.status != ScanStatus::complete) break;
    if (scan.total_size() > rest.size()) std::abort();
    PayloadReader reader(rest.substr(5, scan.length - 4));
    while (reader.ok() && !reader.at_end()) {
      reader.cstring();
      reader.int32();
      reader.int16();
    }
    rest.remove_prefix(scan.total_size());
  }

  static const ScramVerifier verifier = make_scram_verifier("pencil", "salt-salt-salt!!", 1);
  ScramServer server(verifier, "SRV", std::string(32, 'b'));
  size_t half = input.size() / 2;
  if (server.handle_client_first(input.substr(0, half), !input.empty() && (data[0] & 1)).ok())
    (void)server.handle_client_final(input.substr(half));

  (void)classify_statement(input);
  return 0;
}
