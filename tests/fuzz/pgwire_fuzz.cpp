// libFuzzer target for the PostgreSQL wire decoders a client can reach:
// the startup packet (scan_startup + parse_startup: SSLRequest, cancel,
// parameters) and its `options` parameter (parse_startup_options), the
// message framing (scan_message) with every field read through
// PayloadReader, SCRAM client-first/final parsing on the server side, and
// the SQL classifier that routes reads; and those a server can reach: the
// same framed messages read as a server's during a login (Authentication
// requests through ServerAuthenticator: md5, the SASL mechanism list, the
// SCRAM client's server-first and server-final messages; ErrorResponse and
// NoticeResponse fields; ParameterStatus; BackendKeyData; DataRow as the
// auth_query lookup reads it), and ScramClient
// fed the input directly. The first input byte picks the channel binding
// setting and whether the connection is TLS. Nothing may crash, hang or
// read out of bounds; a framed message never claims more bytes than the
// input has; error fields are views into their payload; a refused
// authentication step says why. The SCRAM client runs in pass-through mode
// (keys, as from a client's own exchange), so a server's iteration count
// costs no PBKDF2 here (up to kScramMaxIterations it would, by design).
// Build and run: tests/fuzz/run.sh pgwire (or by hand, see run.sh).
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "pgwire/backend_messages.hpp"
#include "pgwire/message.hpp"
#include "pgwire/scram.hpp"
#include "pgwire/sql_classify.hpp"
#include "pgwire/startup.hpp"
#include "pgwire/startup_options.hpp"
#include "proxy/postgres/server_authenticator.hpp"

using namespace sy::pgwire;

namespace {

void require(bool condition) {
  if (!condition) std::abort();
}

bool inside(std::string_view part, std::string_view whole) {
  return part.empty() || (part.data() >= whole.data() && part.data() + part.size() <= whole.data() + whole.size());
}

// One message as a server sends it while the proxy logs in.
void read_as_server_message(char type, std::string_view payload, sy::postgres::ServerAuthenticator& authenticator) {
  PayloadReader reader(payload);
  switch (type) {
    case 'R': {
      auto step = authenticator.answer(payload);
      require(step.ok || !step.error.empty());
      break;
    }
    case 'E':
    case 'N': {
      ErrorFields fields = parse_error_fields(payload);
      require(inside(fields.severity, payload) && inside(fields.code, payload) && inside(fields.message, payload));
      break;
    }
    case 'S':
      reader.cstring();
      reader.cstring();
      break;
    case 'K':
      reader.int32();
      reader.int32();
      break;
    case 'D':  // as the auth_query lookup reads its row
      if (auto columns = parse_data_row(payload))
        for (const auto& column : *columns) require(!column || inside(*column, payload));
      break;
    default:
      break;
  }
}

}  // namespace

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

  // After the first byte (which picks the channel), the messages a server
  // sends while the proxy logs in to it.
  const uint8_t flags = input.empty() ? 0 : data[0];
  static const ScramVerifier pass_through_verifier = make_scram_verifier("pencil", "salt-salt-salt!!", 1);
  sy::postgres::ServerLogin login{"app", "app", "md5" + std::string(32, 'a'), ScramKey{3}, pass_through_verifier};
  sy::postgres::ServerChannel channel;
  channel.binding = std::array{sy::conf::ChannelBinding::disable, sy::conf::ChannelBinding::prefer,
                               sy::conf::ChannelBinding::require, sy::conf::ChannelBinding::prefer}[(flags >> 1) & 3];
  channel.tls = flags & 8;
  if (flags & 16) channel.end_point = std::string(32, 'e');
  sy::postgres::ServerAuthenticator authenticator(login, channel);
  rest = input.substr(input.empty() ? 0 : 1);
  while (!rest.empty()) {
    Scan scan = scan_message(rest, 1 << 20);
    if (scan.status != ScanStatus::complete) break;
    read_as_server_message(scan.type, rest.substr(5, scan.length - 4), authenticator);
    rest.remove_prefix(scan.total_size());
  }

  const size_t half = input.size() / 2;
  ScramClient client(ScramKey{1}, ScramKey{2}, "fuzznonce");
  if (client.client_first_message().ok() && client.handle_server_first(input.substr(0, half)).ok())
    (void)client.verify_server_final(input.substr(half));
  (void)parse_startup_options(input);

  static const ScramVerifier verifier = make_scram_verifier("pencil", "salt-salt-salt!!", 1);
  ScramServer server(verifier, "SRV", std::string(32, 'b'));
  if (server.handle_client_first(input.substr(0, half), !input.empty() && (data[0] & 1)).ok())
    (void)server.handle_client_final(input.substr(half));

  (void)classify_statement(input);
  return 0;
}
