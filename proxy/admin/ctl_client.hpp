// `switchyard ctl ...`: sends one command to the admin socket and prints the
// reply; exit status 0 when the command succeeded, 1 when it failed, 2 when
// the socket could not be reached.
#pragma once

namespace sy::admin {

int run_ctl(int argc, char** argv);  // argv after "ctl"

}  // namespace sy::admin
