// curve keygen: the command-line face of shadekv/bus/curve_keys.h.
#include "agent/ctl/curve_commands.h"

#include "shadekv/bus/curve_keys.h"

namespace shadekv::ctl {

std::vector<FlagSpec> CurveKeygenFlagSpecs() { return {{"out", 0, FlagKind::kString}}; }

int RunCurveKeygen(const ParsedFlags& flags, CommandEnv& env) {
  if (!flags.positionals.empty() || !flags.Has("out") || flags.Get("out").empty()) {
    return Fail(env, kExitBadArgs,
                Status::InvalidArgument("curve keygen needs --out DIR/NAME (writes DIR/NAME.key "
                                        "and DIR/NAME.pub) and no other argument"));
  }
  const std::string prefix = flags.Get("out");
  Result<bus::CurveKeyPair> pair = bus::GenerateCurveKeyPair();
  if (!pair.ok()) return Fail(env, kExitError, pair.status());
  Status written = bus::WriteCurveKeyPair(prefix, *pair);
  if (!written.ok()) return Fail(env, kExitError, written);
  env.out << "secret key: " << prefix << ".key (mode 0600, keep it private)\n"
          << "public key: " << prefix << ".pub\n"
          << pair->public_key << "\n";
  return kExitSuccess;
}

}  // namespace shadekv::ctl
