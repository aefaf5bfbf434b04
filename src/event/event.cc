#include "event/event.h"

namespace mercato {

std::string_view EventTypeName(EventType type) {
  switch (type) {
    case EventType::kTrack:
      return "track";
    case EventType::kIdentify:
      return "identify";
    case EventType::kPage:
      return "page";
    case EventType::kScreen:
      return "screen";
    case EventType::kGroup:
      return "group";
    case EventType::kAlias:
      return "alias";
  }
  return "track";
}

std::optional<EventType> EventTypeFromName(std::string_view name) {
  if (name == "track") return EventType::kTrack;
  if (name == "identify") return EventType::kIdentify;
  if (name == "page") return EventType::kPage;
  if (name == "screen") return EventType::kScreen;
  if (name == "group") return EventType::kGroup;
  if (name == "alias") return EventType::kAlias;
  return std::nullopt;
}

}  // namespace mercato
