#pragma once
// JourneyState: where one customer is in one journey, stored under StateKey (engine_keys.h) as
// JSON, version 1:
//   {"v": 1, "version", "entry", "status": "active"|"exited", "step", "wait": "none"|"timer"|
//    "event", "due", "enteredAt", "exitedAt", "exitReason", "variant", "lastSend", "lastSendAt",
//    "converted", "clicked" (absent in states written before clicks were counted)}
// Times are micros. A customer stays on the definition version it entered with (`version`);
// `entry` counts its entries (re-entry policy), starting at 1.
//
// Thread safety: plain value.

#include <cstdint>
#include <string>
#include <string_view>

#include "core/status.h"

namespace mercato::journey {

struct JourneyState {
  enum class Wait { kNone, kTimer, kEvent };
  uint64_t version = 0;
  uint32_t entry = 0;
  bool active = false;
  int step = 0;  // the index of the step the customer is at (meaningful while active)
  Wait wait = Wait::kNone;
  int64_t due_us = 0;  // kTimer: when it continues; kEvent: when the wait times out
  int64_t entered_at_us = 0;
  int64_t exited_at_us = 0;
  std::string exit_reason;  // "end", "exit", "goal", "control", "erased", "gone"
  std::string variant;      // the split variant the customer took ("control" when held out)
  std::string last_send;    // the step id of the last message
  int64_t last_send_at_us = 0;
  bool converted = false;  // this entry's goal was reached
  bool clicked = false;    // a link in one of this entry's e-mails was clicked

  std::string Serialize() const;
  // Corruption when `stored` is not a version-1 state.
  static Result<JourneyState> Parse(std::string_view stored);
};

}  // namespace mercato::journey
