#include "recommend/data/click_log.h"

namespace mercato::recommend::data {

std::string_view ClickKindName(ClickKind kind) {
  switch (kind) {
    case ClickKind::kView:
      return "view";
    case ClickKind::kCart:
      return "cart";
    case ClickKind::kPurchase:
      return "purchase";
  }
  return "unknown";
}

}  // namespace mercato::recommend::data
