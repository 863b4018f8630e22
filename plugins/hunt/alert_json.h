// One alert as one line of the alerts file (JSON lines). Pure: no I/O.
//
//   {"time":"2026-11-21T05:25:40.123Z","rule":"...","type":"...",
//    "severity":"high","summary":"...","revisions":["42"],
//    "events":[EVENT...],"requests":[REQUEST...]}
//
// EVENT is {"revision","time","user","client_address","member_id",
// "request_id","changes":[{"type":"DELETE"?,"kv":{...},"prev_kv":{...}}]}
// with kvs in etcd's watch JSON shape (base64 key and value, int64 as
// strings, zero fields omitted); REQUEST is {"time","user","client_address",
// "operation","key","range_end" (base64),"outcome","code","message",
// "revision","member_id","request_id"}. A body that does not decode (it
// always should: the engine saw it decoded) is {"undecodable":"<base64>"}.
#pragma once

#include <string>

#include "shadekv/bus/messages.h"

namespace shadekv::hunt {

// The line, without its newline.
std::string AlertJsonLine(const bus::Alert& alert);

}  // namespace shadekv::hunt
