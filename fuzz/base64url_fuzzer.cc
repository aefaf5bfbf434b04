// Fuzzes unpadded base64url (src/privacy/crypto.h). Every byte string has exactly one encoding:
// a text that decodes re-encodes to itself, and any bytes encode to a text that decodes back.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_check.h"
#include "privacy/crypto.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  namespace crypto = mercato::crypto;
  const std::string_view input = mercato::fuzz::AsText(data, size);
  mercato::fuzz::current_input = input;

  // The input as text.
  std::string bytes;
  if (crypto::Base64UrlDecode(input, bytes)) {
    FUZZ_CHECK(bytes.size() == input.size() * 3 / 4);
    FUZZ_CHECK(crypto::Base64UrlEncode(bytes) == input);
  }

  // The input as bytes.
  const std::string encoded = crypto::Base64UrlEncode(input);
  FUZZ_CHECK(encoded.size() == (input.size() * 4 + 2) / 3);
  FUZZ_CHECK(encoded.find_first_not_of(
                 "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") ==
             std::string::npos);
  std::string decoded;
  FUZZ_CHECK(crypto::Base64UrlDecode(encoded, decoded));
  FUZZ_CHECK(decoded == input);
  return 0;
}
