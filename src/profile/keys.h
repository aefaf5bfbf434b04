#pragma once
// Key codecs of the profile module (docs/formats/keys.md). All keys are byte strings whose
// bytewise order is the order queries need.
//
//   identities: IdentityIndexKey(identity key) -> customer id (16 lowercase hex chars)
//
// An identity key names an identity in memory and inside profiles: "u:<userId>",
// "a:<anonymousId>" and, for e-mails, "e:" + Pseudonym("email:" + normalised address) — an e-mail
// is never stored in clear; profiles keep its encrypted value for display. Database keys use
// IdentityIndexKey, a pseudonym of the whole identity key, so that no userId or address appears in
// RocksDB keys (which its file metadata copies and erasure could not reach).
//   profiles:   customer id                -> profile JSON (profile/profile_state.h)
//   events:     customer id (16 bytes) | timestamp (PutInt64Ordered micros) | partition (u32 BE)
//               | offset (u64 BE)          -> normalised event payload
//   meta:       "cursor/profiles/" | partition (u32 BE) -> next offset to process (u64 BE)
//
// Thread safety: pure functions.

#include <cstdint>
#include <string>
#include <string_view>

namespace mercato::profile {

inline constexpr size_t kCustomerIdSize = 16;
// timestamp (8) | partition (4) | offset (8): the part of an events key after the customer id.
inline constexpr size_t kEventSuffixSize = 20;

enum class IdentityKind : char { kUserId = 'u', kAnonymousId = 'a', kEmail = 'e' };

// "u:42", "a:anon-1", "e:ann@example.com". `value` is used as given (see NormalizeEmail).
std::string IdentityKey(IdentityKind kind, std::string_view value);

// The e-mail identity key of a normalised address (NormalizeEmail) under the vault's pseudonym key.
std::string EmailIdentityKey(std::string_view pseudonym_key, std::string_view normalized_email);

// The identities column family key of an identity key: kind ':' Pseudonym(identity key).
std::string IdentityIndexKey(std::string_view pseudonym_key, std::string_view identity_key);

// The API name of an identity key's kind ("userId", "anonymousId", "email"); empty when the key
// is malformed.
std::string_view IdentityKindName(std::string_view identity_key);

// Trims ASCII whitespace and lowercases ASCII letters. Returns empty when the result does not look
// like an address (no '@', or '@' first or last), so junk such as "n/a" never links customers.
std::string NormalizeEmail(std::string_view raw);

// 16 lowercase hex chars of Hash64(first_identity_key, seed). Deterministic, so a rebuild from the
// log gives the same ids; `seed` > 0 only on the (astronomically rare) collision with a used id.
std::string CustomerIdFor(std::string_view first_identity_key, uint64_t seed = 0);

// True when `id` has the shape of a customer id (16 lowercase hex chars).
bool IsCustomerId(std::string_view id);

std::string EventKey(std::string_view customer_id, int64_t timestamp_us, uint32_t partition,
                     uint64_t offset);

std::string CursorKey(uint32_t partition);

// meta "fwd/" | partition (u32 BE) | origin partition (u32 BE) | origin offset (u64 BE) -> the
// offset (u64 BE) in `partition` of the first copy of the origin record folded there. Later copies
// of the same origin (a crash repeat, a replay by a new owner) are skipped (docs/adr/0018).
std::string ForwardMarkerKey(uint32_t partition, uint32_t origin_partition, uint64_t origin_offset);
// meta "lnk/" | customer id | IdentityIndexKey(link key) -> "": the customer's partition sent an
// Identity Link for that key (cluster mode), so its later events do not send it again, whether or
// not the other partition accepted it. Deleted with the customer.
std::string LinkSentKey(std::string_view pseudonym_key, std::string_view customer_id,
                        std::string_view link_key);
inline constexpr std::string_view kLinkSentPrefix = "lnk/";

// The routing value of a "u:"/"a:" identity key (what follows the colon); empty for other keys.
std::string_view IdentityRoutingValue(std::string_view identity_key);

// Lowercase hex of bytes, and its inverse (false for odd length or a non-hex char).
std::string HexEncode(std::string_view bytes);
bool HexDecode(std::string_view text, std::string& bytes);

}  // namespace mercato::profile
